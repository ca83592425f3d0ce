//! The parts of an `s3.bucket` that S3 keeps as separate configuration documents:
//! lifecycle rules, access logging, CORS, object ownership and the Intelligent-Tiering
//! archive configuration. Each has its typed
//! properties, a put (or delete, when unset) and a read back into manifest terms.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLoggingStatus, CorsConfiguration, CorsRule, ExpirationStatus,
    IntelligentTieringAccessTier, IntelligentTieringConfiguration, IntelligentTieringStatus, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, LoggingEnabled, NoncurrentVersionExpiration, NoncurrentVersionTransition, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, Tiering, Transition, TransitionStorageClass,
};

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::Check;
use crate::{Ctx, ResourceError};

const STORAGE_CLASSES: Check = Check::OneOf(&["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]);

props! {
    /// Move objects to a cheaper storage class after some days.
    pub struct Move {
        days: i64 => required, check(Check::Range { min: 0, max: 36500 });
        storage_class: String => required, check(STORAGE_CLASSES);
    }
}

props! {
    /// One lifecycle rule, for the objects under `prefix` (all when empty).
    pub struct Lifecycle {
        id: String => required, check(Check::MaxLen(255));
        prefix: String => default("");
        enabled: bool => default(true);
        transitions: Vec<Move> => default([]);
        /// Delete current versions this many days after creation.
        expiration_days: Option<i64> => optional, check(Check::Range { min: 1, max: 36500 });
        noncurrent_version_transitions: Vec<Move> => default([]);
        /// Delete versions this many days after they stop being current.
        noncurrent_version_expiration_days: Option<i64> => optional, check(Check::Range { min: 1, max: 36500 });
        /// Abort multipart uploads left incomplete this many days.
        abort_incomplete_multipart_days: Option<i64> => optional, check(Check::Range { min: 1, max: 36500 });
    }
}

props! {
    /// Server access logs, written to another bucket.
    pub struct Logging {
        target_bucket: String => required;
        target_prefix: String => default("");
    }
}

props! {
    /// One CORS rule: which origins may call which methods.
    pub struct Cors {
        allowed_methods: Vec<String> => required, check(Check::OneOf(&["GET", "PUT", "POST", "DELETE", "HEAD"]));
        allowed_origins: Vec<String> => required;
        allowed_headers: Vec<String> => default([]);
        expose_headers: Vec<String> => default([]);
        max_age_seconds: Option<i64> => optional, check(Check::Range { min: 0, max: 86400 });
    }
}

props! {
    /// The four public access block settings, one by one.
    pub struct PublicAccessBlock {
        block_public_acls: bool => default(true);
        ignore_public_acls: bool => default(true);
        block_public_policy: bool => default(true);
        restrict_public_buckets: bool => default(true);
    }
}

impl PublicAccessBlock {
    pub fn all(on: bool) -> Self {
        PublicAccessBlock { block_public_acls: on, ignore_public_acls: on, block_public_policy: on, restrict_public_buckets: on }
    }

    pub fn is_all(&self, on: bool) -> bool {
        *self == Self::all(on)
    }
}

fn to_rule(r: &Lifecycle) -> Result<LifecycleRule, ResourceError> {
    let status = if r.enabled { ExpirationStatus::Enabled } else { ExpirationStatus::Disabled };
    let mut b = LifecycleRule::builder().id(&r.id).status(status).filter(LifecycleRuleFilter::builder().prefix(&r.prefix).build());
    for t in &r.transitions {
        b = b.transitions(
            Transition::builder().days(t.days as i32).storage_class(TransitionStorageClass::from(t.storage_class.as_str())).build(),
        );
    }
    if let Some(days) = r.expiration_days {
        b = b.expiration(LifecycleExpiration::builder().days(days as i32).build());
    }
    for t in &r.noncurrent_version_transitions {
        b = b.noncurrent_version_transitions(
            NoncurrentVersionTransition::builder()
                .noncurrent_days(t.days as i32)
                .storage_class(TransitionStorageClass::from(t.storage_class.as_str()))
                .build(),
        );
    }
    if let Some(days) = r.noncurrent_version_expiration_days {
        b = b.noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(days as i32).build());
    }
    if let Some(days) = r.abort_incomplete_multipart_days {
        b = b.abort_incomplete_multipart_upload(AbortIncompleteMultipartUpload::builder().days_after_initiation(days as i32).build());
    }
    Ok(b.build()?)
}

fn from_rule(r: &LifecycleRule) -> Lifecycle {
    // Rules written before filters existed carry their prefix on the rule itself.
    #[allow(deprecated)]
    let legacy = r.prefix();
    let prefix = r.filter().and_then(|f| f.prefix()).or(legacy).unwrap_or_default().to_string();
    Lifecycle {
        id: r.id().unwrap_or_default().to_string(),
        prefix,
        enabled: *r.status() == ExpirationStatus::Enabled,
        transitions: r
            .transitions()
            .iter()
            .map(|t| Move {
                days: t.days().unwrap_or(0).into(),
                storage_class: t.storage_class().map(|c| c.as_str().to_string()).unwrap_or_default(),
            })
            .collect(),
        expiration_days: r.expiration().and_then(|e| e.days()).map(i64::from),
        noncurrent_version_transitions: r
            .noncurrent_version_transitions()
            .iter()
            .map(|t| Move {
                days: t.noncurrent_days().unwrap_or(0).into(),
                storage_class: t.storage_class().map(|c| c.as_str().to_string()).unwrap_or_default(),
            })
            .collect(),
        noncurrent_version_expiration_days: r.noncurrent_version_expiration().and_then(|e| e.noncurrent_days()).map(i64::from),
        abort_incomplete_multipart_days: r.abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()).map(i64::from),
    }
}

pub async fn put_lifecycle(cx: &Ctx<'_>, bucket: &str, rules: &[Lifecycle]) -> Result<(), ResourceError> {
    let s3 = cx.aws.s3();
    if rules.is_empty() {
        s3.delete_bucket_lifecycle().bucket(bucket).send().await.api("DeleteBucketLifecycle")?;
        return Ok(());
    }
    let rules = rules.iter().map(to_rule).collect::<Result<Vec<_>, _>>()?;
    let config = BucketLifecycleConfiguration::builder().set_rules(Some(rules)).build()?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(config)
        .send()
        .await
        .api("PutBucketLifecycleConfiguration")?;
    Ok(())
}

pub async fn read_lifecycle(cx: &Ctx<'_>, bucket: &str) -> Result<Vec<Lifecycle>, ResourceError> {
    let out = cx
        .aws
        .s3()
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
        .found_code("GetBucketLifecycleConfiguration", &["NoSuchLifecycleConfiguration"])?;
    Ok(out.map(|o| o.rules().iter().map(from_rule).collect()).unwrap_or_default())
}

pub async fn put_logging(cx: &Ctx<'_>, bucket: &str, logging: Option<&Logging>) -> Result<(), ResourceError> {
    let status = match logging {
        Some(l) => BucketLoggingStatus::builder()
            .logging_enabled(LoggingEnabled::builder().target_bucket(&l.target_bucket).target_prefix(&l.target_prefix).build()?)
            .build(),
        None => BucketLoggingStatus::builder().build(),
    };
    cx.aws.s3().put_bucket_logging().bucket(bucket).bucket_logging_status(status).send().await.api("PutBucketLogging")?;
    Ok(())
}

pub async fn read_logging(cx: &Ctx<'_>, bucket: &str) -> Result<Option<Logging>, ResourceError> {
    let out = cx.aws.s3().get_bucket_logging().bucket(bucket).send().await.api("GetBucketLogging")?;
    Ok(out
        .logging_enabled()
        .map(|l| Logging { target_bucket: l.target_bucket().to_string(), target_prefix: l.target_prefix().to_string() }))
}

pub async fn put_cors(cx: &Ctx<'_>, bucket: &str, rules: &[Cors]) -> Result<(), ResourceError> {
    let s3 = cx.aws.s3();
    if rules.is_empty() {
        s3.delete_bucket_cors().bucket(bucket).send().await.api("DeleteBucketCors")?;
        return Ok(());
    }
    let rules = rules
        .iter()
        .map(|c| {
            CorsRule::builder()
                .set_allowed_methods(Some(c.allowed_methods.clone()))
                .set_allowed_origins(Some(c.allowed_origins.clone()))
                .set_allowed_headers((!c.allowed_headers.is_empty()).then(|| c.allowed_headers.clone()))
                .set_expose_headers((!c.expose_headers.is_empty()).then(|| c.expose_headers.clone()))
                .set_max_age_seconds(c.max_age_seconds.map(|s| s as i32))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = CorsConfiguration::builder().set_cors_rules(Some(rules)).build()?;
    s3.put_bucket_cors().bucket(bucket).cors_configuration(config).send().await.api("PutBucketCors")?;
    Ok(())
}

pub async fn read_cors(cx: &Ctx<'_>, bucket: &str) -> Result<Vec<Cors>, ResourceError> {
    let out = cx.aws.s3().get_bucket_cors().bucket(bucket).send().await.found_code("GetBucketCors", &["NoSuchCORSConfiguration"])?;
    Ok(out
        .map(|o| {
            o.cors_rules()
                .iter()
                .map(|r| Cors {
                    allowed_methods: r.allowed_methods().to_vec(),
                    allowed_origins: r.allowed_origins().to_vec(),
                    allowed_headers: r.allowed_headers().to_vec(),
                    expose_headers: r.expose_headers().to_vec(),
                    max_age_seconds: r.max_age_seconds().map(i64::from),
                })
                .collect()
        })
        .unwrap_or_default())
}

pub async fn put_ownership(cx: &Ctx<'_>, bucket: &str, ownership: Option<&str>) -> Result<(), ResourceError> {
    let s3 = cx.aws.s3();
    match ownership {
        Some(o) => {
            let rule = OwnershipControlsRule::builder().object_ownership(ObjectOwnership::from(o)).build()?;
            let controls = OwnershipControls::builder().rules(rule).build()?;
            s3.put_bucket_ownership_controls()
                .bucket(bucket)
                .ownership_controls(controls)
                .send()
                .await
                .api("PutBucketOwnershipControls")?;
        }
        None => {
            s3.delete_bucket_ownership_controls().bucket(bucket).send().await.api("DeleteBucketOwnershipControls")?;
        }
    }
    Ok(())
}

pub async fn read_ownership(cx: &Ctx<'_>, bucket: &str) -> Result<Option<String>, ResourceError> {
    let out = cx
        .aws
        .s3()
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
        .found_code("GetBucketOwnershipControls", &["OwnershipControlsNotFoundError"])?;
    Ok(out.and_then(|o| o.ownership_controls()?.rules().first().map(|r| r.object_ownership().as_str().to_string())))
}

props! {
    /// Objects in the Intelligent-Tiering storage class (move them there with a lifecycle
    /// rule) that nobody reads go to the archive tiers after these many days.
    pub struct IntelligentTiering {
        archive_after_days: Option<i64> => optional, check(Check::Range { min: 90, max: 730 });
        deep_archive_after_days: Option<i64> => optional, check(Check::Range { min: 180, max: 730 });
    }
}

/// The one Intelligent-Tiering configuration infra manages on a bucket.
const TIERING_ID: &str = "infra";

pub async fn put_tiering(cx: &Ctx<'_>, bucket: &str, tiering: Option<&IntelligentTiering>) -> Result<(), ResourceError> {
    let s3 = cx.aws.s3();
    let Some(t) = tiering else {
        let req = s3.delete_bucket_intelligent_tiering_configuration().bucket(bucket).id(TIERING_ID);
        req.send().await.found_code("DeleteBucketIntelligentTieringConfiguration", &["NoSuchConfiguration"])?;
        return Ok(());
    };
    let tiers = [
        (t.archive_after_days, IntelligentTieringAccessTier::ArchiveAccess),
        (t.deep_archive_after_days, IntelligentTieringAccessTier::DeepArchiveAccess),
    ];
    let mut cfg = IntelligentTieringConfiguration::builder().id(TIERING_ID).status(IntelligentTieringStatus::Enabled);
    for (days, tier) in tiers {
        if let Some(d) = days {
            cfg = cfg.tierings(Tiering::builder().days(d as i32).access_tier(tier).build()?);
        }
    }
    let req =
        s3.put_bucket_intelligent_tiering_configuration().bucket(bucket).id(TIERING_ID).intelligent_tiering_configuration(cfg.build()?);
    req.send().await.api("PutBucketIntelligentTieringConfiguration")?;
    Ok(())
}

/// The live configuration; `was` where the answer cannot be read (the emulator does not
/// implement these calls and answers the GET with the bucket's object listing).
pub async fn read_tiering(
    cx: &Ctx<'_>,
    bucket: &str,
    was: Option<&IntelligentTiering>,
) -> Result<Option<IntelligentTiering>, ResourceError> {
    let out = cx.aws.s3().get_bucket_intelligent_tiering_configuration().bucket(bucket).id(TIERING_ID).send().await;
    let out = match out {
        Err(e) if super::unreadable_success(&e) => return Ok(was.cloned()),
        other => other.found_code("GetBucketIntelligentTieringConfiguration", &["NoSuchConfiguration"])?,
    };
    let Some(cfg) = out.and_then(|o| o.intelligent_tiering_configuration) else { return Ok(None) };
    let days = |tier: IntelligentTieringAccessTier| cfg.tierings().iter().find(|t| t.access_tier() == &tier).map(|t| i64::from(t.days()));
    Ok(Some(IntelligentTiering {
        archive_after_days: days(IntelligentTieringAccessTier::ArchiveAccess),
        deep_archive_after_days: days(IntelligentTieringAccessTier::DeepArchiveAccess),
    }))
}
