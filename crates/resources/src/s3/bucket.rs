//! `s3.bucket`: a bucket with versioning, default encryption (SSE-S3 or SSE-KMS with a
//! bucket key), the public access block, lifecycle rules, access logging, CORS, object
//! ownership, Intelligent-Tiering archive tiers and tags. With `force_destroy`, deleting it first removes every object
//! version.

use async_trait::async_trait;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, Delete, ObjectIdentifier, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tagging,
    VersioningConfiguration,
};

use super::config::{self, Cors, IntelligentTiering, Lifecycle, Logging, PublicAccessBlock};
use super::sdk_tags;
use crate::aws::{AwsError, SdkResultExt};
use crate::contents::{self, Contents};
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct BucketProps {
        /// Globally unique bucket name.
        name: String => required, replace, check(rules::S3_BUCKET);
        /// Keep every version of every object.
        versioning: bool => default(false);
        /// Default encryption: `AES256` or `aws:kms`.
        sse_algorithm: Option<String> => optional, check(Check::OneOf(&["AES256", "aws:kms", "aws:kms:dsse"]));
        /// The customer KMS key for `aws:kms` (the AWS-managed `aws/s3` key when unset).
        kms_key_id: Option<String> => optional;
        /// An S3 bucket key: fewer KMS requests (and KMS charges) for SSE-KMS.
        bucket_key_enabled: bool => default(false);
        /// All four public access block settings on (or all off); see `public_access_block`.
        block_public_access: bool => default(true);
        /// The four settings one by one; wins over `block_public_access` when given.
        public_access_block: Option<PublicAccessBlock> => optional;
        lifecycle_rules: Vec<Lifecycle> => default([]);
        /// Server access logging to another bucket.
        logging: Option<Logging> => optional;
        cors_rules: Vec<Cors> => default([]);
        /// Archive tiers for Intelligent-Tiering objects nobody reads.
        intelligent_tiering: Option<IntelligentTiering> => optional;
        /// `BucketOwnerEnforced` (ACLs off), `BucketOwnerPreferred` or `ObjectWriter`.
        object_ownership: Option<String> => optional, check(Check::OneOf(&["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"]));
        /// Empty the bucket (every version) when deleting it.
        force_destroy: bool => default(false), local;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct BucketAttrs {
        name: String,
        arn: String,
        /// `NAME.s3.amazonaws.com`.
        domain_name: String,
        /// `NAME.s3.REGION.amazonaws.com`, what CloudFront origins use.
        regional_domain_name: String,
    }
}

pub struct Bucket;

/// Listing pages (1,000 keys each) counted before a delete: a bucket of millions is
/// reported as "at least" that many rather than listed for minutes before a prompt.
const COUNT_PAGES: usize = 100;

/// The four public access block settings the properties ask for.
fn blocks(p: &BucketProps) -> PublicAccessBlock {
    p.public_access_block.clone().unwrap_or_else(|| PublicAccessBlock::all(p.block_public_access))
}

fn attrs(name: &str, region: &str) -> BucketAttrs {
    BucketAttrs {
        name: name.to_string(),
        arn: format!("arn:aws:s3:::{name}"),
        domain_name: format!("{name}.s3.amazonaws.com"),
        regional_domain_name: format!("{name}.s3.{region}.amazonaws.com"),
    }
}

impl Bucket {
    async fn put_versioning(cx: &Ctx<'_>, name: &str, on: bool) -> Result<(), ResourceError> {
        let status = if on { BucketVersioningStatus::Enabled } else { BucketVersioningStatus::Suspended };
        cx.aws
            .s3()
            .put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(VersioningConfiguration::builder().status(status).build())
            .send()
            .await
            .api("PutBucketVersioning")?;
        Ok(())
    }

    async fn put_encryption(cx: &Ctx<'_>, name: &str, p: &BucketProps) -> Result<(), ResourceError> {
        let s3 = cx.aws.s3();
        match &p.sse_algorithm {
            Some(algorithm) => {
                let default = ServerSideEncryptionByDefault::builder()
                    .sse_algorithm(ServerSideEncryption::from(algorithm.as_str()))
                    .set_kms_master_key_id(p.kms_key_id.clone())
                    .build()?;
                let rule = ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(default)
                    .set_bucket_key_enabled(p.bucket_key_enabled.then_some(true))
                    .build();
                let config = ServerSideEncryptionConfiguration::builder().rules(rule).build()?;
                s3.put_bucket_encryption()
                    .bucket(name)
                    .server_side_encryption_configuration(config)
                    .send()
                    .await
                    .api("PutBucketEncryption")?;
            }
            None => {
                s3.delete_bucket_encryption().bucket(name).send().await.api("DeleteBucketEncryption")?;
            }
        }
        Ok(())
    }

    async fn put_public_access_block(cx: &Ctx<'_>, name: &str, b: &PublicAccessBlock) -> Result<(), ResourceError> {
        let s3 = cx.aws.s3();
        if !b.is_all(false) {
            let config = PublicAccessBlockConfiguration::builder()
                .block_public_acls(b.block_public_acls)
                .ignore_public_acls(b.ignore_public_acls)
                .block_public_policy(b.block_public_policy)
                .restrict_public_buckets(b.restrict_public_buckets)
                .build();
            s3.put_public_access_block().bucket(name).public_access_block_configuration(config).send().await.api("PutPublicAccessBlock")?;
        } else {
            s3.delete_public_access_block().bucket(name).send().await.api("DeletePublicAccessBlock")?;
        }
        Ok(())
    }

    async fn put_tags(cx: &Ctx<'_>, name: &str, tags: &Tags) -> Result<(), ResourceError> {
        let s3 = cx.aws.s3();
        if tags.is_empty() {
            s3.delete_bucket_tagging().bucket(name).send().await.api("DeleteBucketTagging")?;
        } else {
            let tagging = Tagging::builder().set_tag_set(Some(sdk_tags(tags)?)).build()?;
            s3.put_bucket_tagging().bucket(name).tagging(tagging).send().await.api("PutBucketTagging")?;
        }
        Ok(())
    }

    /// The current objects and their total size; `None` when the bucket is gone. The
    /// bool says the count stopped at [`COUNT_PAGES`] pages.
    async fn count_objects(cx: &Ctx<'_>, name: &str) -> Result<Option<(u64, u64, bool)>, ResourceError> {
        let s3 = cx.aws.s3();
        let (mut objects, mut size, mut token) = (0, 0, None);
        for _ in 0..COUNT_PAGES {
            let listed = s3
                .list_objects_v2()
                .bucket(name)
                .set_continuation_token(token.take())
                .send()
                .await
                .found("ListObjectsV2", |e| e.is_no_such_bucket())?;
            let Some(page) = listed else { return Ok(None) };
            objects += page.contents().len() as u64;
            size += page.contents().iter().filter_map(|o| o.size()).map(|s| s.max(0) as u64).sum::<u64>();
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => return Ok(Some((objects, size, false))),
            }
        }
        Ok(Some((objects, size, true)))
    }

    /// Every version of every object (delete markers hold nothing) and their total
    /// size, as [`Self::count_objects`].
    async fn count_versions(cx: &Ctx<'_>, name: &str) -> Result<Option<(u64, u64, bool)>, ResourceError> {
        let s3 = cx.aws.s3();
        let (mut versions, mut size) = (0, 0);
        let (mut key_marker, mut version_marker) = (None, None);
        for _ in 0..COUNT_PAGES {
            // ListObjectVersions models no error shapes: the code says the bucket is gone.
            let listed = s3
                .list_object_versions()
                .bucket(name)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .found_code("ListObjectVersions", &["NoSuchBucket"])?;
            let Some(page) = listed else { return Ok(None) };
            versions += page.versions().len() as u64;
            size += page.versions().iter().filter_map(|v| v.size()).map(|s| s.max(0) as u64).sum::<u64>();
            if page.is_truncated() != Some(true) {
                return Ok(Some((versions, size, false)));
            }
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
        }
        Ok(Some((versions, size, true)))
    }

    /// Delete every object version and delete marker, a page at a time.
    async fn empty(cx: &Ctx<'_>, name: &str) -> Result<(), ResourceError> {
        let s3 = cx.aws.s3();
        let (mut key_marker, mut version_marker) = (None, None);
        loop {
            let page = s3
                .list_object_versions()
                .bucket(name)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .api("ListObjectVersions")?;
            let ids = page
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(page.delete_markers().iter().map(|m| (m.key(), m.version_id())))
                .filter_map(|(k, v)| {
                    ObjectIdentifier::builder().set_key(k.map(str::to_string)).set_version_id(v.map(str::to_string)).build().ok()
                })
                .collect::<Vec<_>>();
            if !ids.is_empty() {
                s3.delete_objects()
                    .bucket(name)
                    .delete(Delete::builder().set_objects(Some(ids)).quiet(true).build()?)
                    .send()
                    .await
                    .api("DeleteObjects")?;
            }
            if page.is_truncated() != Some(true) {
                return Ok(());
            }
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
        }
    }
}

#[async_trait]
impl Resource for Bucket {
    type Props = BucketProps;
    type Attrs = BucketAttrs;
    const TYPE: &'static str = "s3.bucket";
    const IDENTITY: Identity = Identity::Named("name");
    // Intelligent-Tiering is set from the start and only changed, never removed: the
    // emulator does not implement it and routes its DELETE to DeleteBucket
    // (docs/architecture.md, "The emulator"). Notes like this stay out of the manifest,
    // which `infra schema` shows.
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.logs]
type = "s3.bucket"
name = "conformance-logs-${aws.account_id}"
force_destroy = true

# S3 writes access logs only where a bucket policy lets its logging service.
[resources.logs_policy]
type = "s3.bucket_policy"
bucket = "${resources.logs.name}"
policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "logging.s3.amazonaws.com" }, Action = "s3:PutObject", Resource = "${resources.logs.arn}/*" }] }

[resources.example]
type = "s3.bucket"
name = "conformance-bucket-${aws.account_id}"
versioning = true
sse_algorithm = "AES256"
force_destroy = true
lifecycle_rules = [{ id = "archive", transitions = [{ days = 90, storage_class = "GLACIER" }], abort_incomplete_multipart_days = 7 }]
intelligent_tiering = { archive_after_days = 90 }
depends_on = ["resources.logs_policy"]
"#,
        updates: &[
            "sse_algorithm = \"aws:kms\"\nbucket_key_enabled = true",
            "block_public_access = false",
            "public_access_block = { block_public_acls = true, ignore_public_acls = true, block_public_policy = false, restrict_public_buckets = false }",
            "lifecycle_rules = [{ id = \"archive\", prefix = \"reports/\", transitions = [{ days = 30, storage_class = \"STANDARD_IA\" }], expiration_days = 365, noncurrent_version_expiration_days = 30 }]",
            "cors_rules = [{ allowed_methods = [\"GET\"], allowed_origins = [\"https://example.com\"], max_age_seconds = 300 }]",
            "object_ownership = \"BucketOwnerEnforced\"",
            "logging = { target_bucket = \"${resources.logs.name}\", target_prefix = \"access/\" }",
            "intelligent_tiering = { archive_after_days = 120, deep_archive_after_days = 180 }",
        ],
        replace: Some("name = \"conformance-bucket-2-${aws.account_id}\""),
        skip: &[],
    };

    fn prepare(&self, p: &mut BucketProps, _cx: &crate::PrepareCx<'_>) -> Result<(), ResourceError> {
        if let Some(b) = &p.public_access_block {
            p.block_public_access = b.is_all(true);
        }
        Ok(())
    }

    fn early(&self, p: &BucketProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let a = attrs(&p.name, &at.region);
        vec![
            ("id", p.name.clone()),
            ("name", a.name),
            ("arn", a.arn),
            ("domain_name", a.domain_name),
            ("regional_domain_name", a.regional_domain_name),
        ]
    }

    /// Bucket names are global: another account's bucket answers 403, which means
    /// "taken" just as 200 does.
    async fn find(&self, cx: &Ctx<'_>, p: &BucketProps) -> Result<Option<String>, ResourceError> {
        match cx.aws.s3().head_bucket().bucket(&p.name).send().await {
            Ok(_) => Ok(Some(p.name.clone())),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(SdkError::ServiceError(e)) if e.raw().status().as_u16() == 403 => Ok(Some(p.name.clone())),
            Err(e) => Err(AwsError::new("HeadBucket", e).into()),
        }
    }

    async fn create(&self, cx: &Ctx<'_>, p: &BucketProps) -> Result<Created<BucketAttrs>, ResourceError> {
        let s3 = cx.aws.s3();
        let region = cx.aws.region();
        let mut req = s3.create_bucket().bucket(&p.name);
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build(),
            );
        }
        req.send().await.api("CreateBucket")?;
        // The bucket's settings are independent of each other: set them side by side.
        // Ownership goes first: logging targets and ACL-free buckets depend on it.
        if let Some(o) = &p.object_ownership {
            config::put_ownership(cx, &p.name, Some(o)).await?;
        }
        let (tags, versioning, encryption, block, lifecycle, logging, cors, tiering) = tokio::join!(
            Self::put_tags(cx, &p.name, &p.tags),
            async {
                if p.versioning {
                    Self::put_versioning(cx, &p.name, true).await
                } else {
                    Ok(())
                }
            },
            async {
                match &p.sse_algorithm {
                    Some(_) => Self::put_encryption(cx, &p.name, p).await,
                    None => Ok(()),
                }
            },
            async {
                let block = blocks(p);
                if block.is_all(false) {
                    Ok(())
                } else {
                    Self::put_public_access_block(cx, &p.name, &block).await
                }
            },
            async {
                if p.lifecycle_rules.is_empty() {
                    Ok(())
                } else {
                    config::put_lifecycle(cx, &p.name, &p.lifecycle_rules).await
                }
            },
            async {
                match &p.logging {
                    Some(l) => config::put_logging(cx, &p.name, Some(l)).await,
                    None => Ok(()),
                }
            },
            async {
                if p.cors_rules.is_empty() {
                    Ok(())
                } else {
                    config::put_cors(cx, &p.name, &p.cors_rules).await
                }
            },
            async {
                match &p.intelligent_tiering {
                    Some(t) => config::put_tiering(cx, &p.name, Some(t)).await,
                    None => Ok(()),
                }
            },
        );
        tags.and(versioning).and(encryption).and(block).and(lifecycle).and(logging).and(cors).and(tiering)?;
        Ok(Created::new(&p.name, attrs(&p.name, region)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &BucketProps) -> Result<Option<Observed<BucketProps, BucketAttrs>>, ResourceError> {
        let s3 = cx.aws.s3();
        if s3.head_bucket().bucket(id).send().await.found("HeadBucket", |e| e.is_not_found())?.is_none() {
            return Ok(None);
        }
        let (versioning, encryption, block, tagging, lifecycle_rules, logging, cors_rules, object_ownership, intelligent_tiering) = tokio::join!(
            s3.get_bucket_versioning().bucket(id).send(),
            s3.get_bucket_encryption().bucket(id).send(),
            s3.get_public_access_block().bucket(id).send(),
            s3.get_bucket_tagging().bucket(id).send(),
            config::read_lifecycle(cx, id),
            config::read_logging(cx, id),
            config::read_cors(cx, id),
            config::read_ownership(cx, id),
            config::read_tiering(cx, id, p.intelligent_tiering.as_ref()),
        );
        let versioning = match versioning {
            Ok(v) => v.status() == Some(&BucketVersioningStatus::Enabled),
            // moto's root element is `GetBucketVersioningResponse`, not `VersioningConfiguration`.
            Err(e) if super::unreadable_success(&e) => p.versioning,
            Err(e) => return Err(AwsError::new("GetBucketVersioning", e).into()),
        };
        let encryption = encryption.found_code("GetBucketEncryption", &["ServerSideEncryptionConfigurationNotFoundError"])?;
        let rule = encryption.as_ref().and_then(|e| e.server_side_encryption_configuration()).and_then(|c| c.rules().first());
        let default = rule.and_then(|r| r.apply_server_side_encryption_by_default());
        let sse_algorithm = default.map(|d| d.sse_algorithm().as_str().to_string());
        let block = block.found_code("GetPublicAccessBlock", &["NoSuchPublicAccessBlockConfiguration"])?;
        let live_block = block.as_ref().and_then(|b| b.public_access_block_configuration()).map(|c| PublicAccessBlock {
            block_public_acls: c.block_public_acls() == Some(true),
            ignore_public_acls: c.ignore_public_acls() == Some(true),
            block_public_policy: c.block_public_policy() == Some(true),
            restrict_public_buckets: c.restrict_public_buckets() == Some(true),
        });
        let live_block = live_block.unwrap_or(PublicAccessBlock::all(false));
        let tagging = tagging.found_code("GetBucketTagging", &["NoSuchTagSet"])?;
        let tags = tags::live(tagging.iter().flat_map(|t| t.tag_set()).map(|t| (t.key(), t.value())));
        let props = BucketProps {
            name: id.to_string(),
            versioning,
            sse_algorithm,
            kms_key_id: default.and_then(|d| d.kms_master_key_id()).map(str::to_string),
            bucket_key_enabled: rule.and_then(|r| r.bucket_key_enabled()).unwrap_or(false),
            block_public_access: live_block.is_all(true),
            public_access_block: p.public_access_block.as_ref().map(|_| live_block),
            lifecycle_rules: lifecycle_rules?,
            logging: logging?,
            cors_rules: cors_rules?,
            object_ownership: object_ownership?,
            intelligent_tiering: intelligent_tiering?,
            force_destroy: p.force_destroy,
            tags,
        };
        Ok(Some(Observed { props, attrs: attrs(id, cx.aws.region()) }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &BucketProps, new: &BucketProps) -> Result<Option<BucketAttrs>, ResourceError> {
        if old.versioning != new.versioning {
            Self::put_versioning(cx, id, new.versioning).await?;
        }
        if (&old.sse_algorithm, &old.kms_key_id, old.bucket_key_enabled) != (&new.sse_algorithm, &new.kms_key_id, new.bucket_key_enabled) {
            Self::put_encryption(cx, id, new).await?;
        }
        if blocks(old) != blocks(new) {
            Self::put_public_access_block(cx, id, &blocks(new)).await?;
        }
        if old.object_ownership != new.object_ownership {
            config::put_ownership(cx, id, new.object_ownership.as_deref()).await?;
        }
        if old.lifecycle_rules != new.lifecycle_rules {
            config::put_lifecycle(cx, id, &new.lifecycle_rules).await?;
        }
        if old.logging != new.logging {
            config::put_logging(cx, id, new.logging.as_ref()).await?;
        }
        if old.cors_rules != new.cors_rules {
            config::put_cors(cx, id, &new.cors_rules).await?;
        }
        if old.intelligent_tiering != new.intelligent_tiering {
            config::put_tiering(cx, id, new.intelligent_tiering.as_ref()).await?;
        }
        if old.tags != new.tags {
            Self::put_tags(cx, id, &new.tags).await?;
        }
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let out = cx.aws.s3().list_buckets().send().await.api("ListBuckets")?;
        Ok(out.buckets().iter().filter_map(|b| b.name().map(str::to_string)).collect())
    }

    async fn contents(&self, cx: &Ctx<'_>, id: &str, p: &BucketProps) -> Result<Option<Contents>, ResourceError> {
        let Some((objects, current_size, more)) = Self::count_objects(cx, id).await? else { return Ok(None) };
        let at_least = |more: bool| if more { "at least " } else { "" };
        let mut held = format!("{}{}", at_least(more), contents::count(objects, "object"));
        let mut size = current_size;
        let mut any = objects > 0;
        // Older versions are data too, and `force_destroy` deletes them with the rest.
        if p.versioning {
            if let Some((versions, all_size, more)) = Self::count_versions(cx, id).await? {
                held.push_str(&format!(" ({}{} in all)", at_least(more), contents::count(versions, "version")));
                size = all_size;
                any |= versions > 0;
            }
        }
        if any {
            held.push_str(&format!(", {}", contents::bytes(size)));
        } else {
            held = "empty".to_string();
        }
        let kept = (any && !p.force_destroy)
            .then(|| "not deleted: `force_destroy` is off, so deleting the bucket fails while it holds objects".to_string());
        Ok(Some(Contents { held, kept }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &BucketProps) -> Result<(), ResourceError> {
        let s3 = cx.aws.s3();
        if s3.head_bucket().bucket(id).send().await.found("HeadBucket", |e| e.is_not_found())?.is_none() {
            return Ok(());
        }
        if p.force_destroy {
            Self::empty(cx, id).await?;
        }
        match s3.delete_bucket().bucket(id).send().await.found_code("DeleteBucket", &["NoSuchBucket"]) {
            Err(e) if e.code.as_deref() == Some("BucketNotEmpty") => {
                Err(ResourceError::Invalid(format!("bucket {id} is not empty; set `force_destroy = true` to delete it with its contents")))
            }
            other => other.map(|_| ()).map_err(Into::into),
        }
    }
}
