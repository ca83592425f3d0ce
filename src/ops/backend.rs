//! `infra state init-backend`: make the state bucket the way a state bucket should be
//! (versioned for history and restore, encrypted by default, no public access, ACLs off,
//! TLS only). Through the same `s3.bucket` and `s3.bucket_policy` types a manifest uses,
//! so what "hardened" means is written once. Safe to run again: an existing bucket keeps
//! its other settings and gets these.

use std::path::Path;

use serde_json::{json, Value};

use super::{GlobalOptions, OpsError};
use crate::aws::Aws;
use crate::manifest::settings::S3Backend;
use crate::resources::{registry, Ctx, DynResource, ResourceError};
use crate::schema;

/// What a state bucket must have, as `s3.bucket` properties; everything else a bucket
/// may hold (tags, lifecycle rules, logging) is left as it is.
fn hardening(settings: &S3Backend) -> Value {
    let mut props = json!({
        "versioning": true,
        "block_public_access": true,
        "object_ownership": "BucketOwnerEnforced",
        "bucket_key_enabled": true,
        "sse_algorithm": "AES256",
    });
    if let Some(key) = &settings.kms_key_id {
        props["sse_algorithm"] = json!("aws:kms");
        props["kms_key_id"] = json!(key);
    }
    props
}

/// A bucket policy refusing any request not made over TLS.
pub fn tls_only_policy(bucket: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
}

fn rtype(type_name: &str) -> Result<&'static dyn DynResource, OpsError> {
    registry::resource(type_name).ok_or_else(|| OpsError::Refused(format!("resource type {type_name} is not registered")))
}

/// Make or harden the bucket; returns what it did, a line each.
pub async fn init_backend(root: &Path, settings: &S3Backend, global: &GlobalOptions) -> Result<Vec<String>, OpsError> {
    let mut options = global.aws.clone();
    if settings.region.is_some() {
        options.region = settings.region.clone();
    }
    let aws = Aws::load(&options).await?;
    let bucket = settings.bucket.as_str();
    let label = format!("s3://{bucket}");
    let cx = Ctx::new(&aws, &label, root);
    let failed = |action: &str, e: ResourceError| OpsError::Refused(format!("s3://{bucket}: {action}: {e}"));
    let bucket_type = rtype("s3.bucket")?;
    let mut wanted = hardening(settings);
    wanted["name"] = json!(bucket);
    schema::normalize(&mut wanted, &bucket_type.schema(), "").map_err(|e| OpsError::Refused(format!("s3://{bucket}: {e}")))?;
    let mut done = Vec::new();
    match bucket_type.find(&cx, &wanted).await.map_err(|e| failed("looking it up", e))? {
        Some(id) => {
            let read = bucket_type.read(&cx, &id, &wanted).await;
            let (live, _) = read.ok().flatten().ok_or_else(|| {
                OpsError::Refused(format!("s3://{bucket}: the bucket exists but cannot be read; the name may belong to another account"))
            })?;
            let mut merged = live.clone();
            if let (Value::Object(target), Value::Object(hard)) = (&mut merged, hardening(settings)) {
                target.extend(hard);
            }
            bucket_type.update(&cx, &id, &live, &merged).await.map_err(|e| failed("hardening it", e))?;
            done.push(format!("bucket {bucket} exists"));
        }
        None => {
            bucket_type.create(&cx, &wanted).await.map_err(|e| failed("creating it", e))?;
            done.push(format!("bucket {bucket} created in {}", aws.region()));
        }
    }
    done.push("versioning on (every state version kept: `infra state history`)".into());
    done.push(match &settings.kms_key_id {
        Some(key) => format!("default encryption SSE-KMS with {key}"),
        None => "default encryption SSE-S3".into(),
    });
    done.push("all public access blocked".into());
    done.push("ACLs disabled (bucket owner enforced)".into());
    // The policy refuses every plain-HTTP request, infra's own included: against an
    // emulator served over http:// it would lock the state out, so it waits for TLS.
    match aws.s3_endpoint().filter(|e| !e.starts_with("https://")) {
        Some(endpoint) => done.push(format!(
            "bucket policy: TLS only NOT applied: the endpoint {endpoint} is not TLS and the policy would refuse this client"
        )),
        None => {
            let policy = json!({"bucket": bucket, "policy": tls_only_policy(bucket)});
            rtype("s3.bucket_policy")?.create(&cx, &policy).await.map_err(|e| failed("applying the TLS-only policy", e))?;
            done.push("bucket policy: TLS only".into());
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bucket_policy_refuses_plain_http_for_the_bucket_and_its_objects() {
        let policy = super::tls_only_policy("b");
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(statement["Action"], "s3:*");
        assert_eq!(statement["Resource"], serde_json::json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        assert_eq!(statement["Condition"]["Bool"]["aws:SecureTransport"], "false");
    }
}
