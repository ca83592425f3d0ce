//! `infra state init-backend`: make the state bucket the way a state bucket should be.

use aws_sdk_s3::types::ServerSideEncryption;

use super::S3Store;
use crate::state::StateError;

impl S3Store {
    /// Make the bucket the way a state bucket should be: versioned (history, restore),
    /// encrypted by default (KMS when a key is set), no public access, owner-enforced
    /// objects, TLS-only. Safe to run again; returns what it did.
    pub async fn init_backend(&self) -> Result<Vec<String>, StateError> {
        use aws_sdk_s3::types::{
            BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ObjectOwnership, OwnershipControls,
            OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
            ServerSideEncryptionRule, VersioningConfiguration,
        };
        let remote = self.remote();
        let client = remote.client().await?;
        let bucket = remote.settings.bucket.as_str();
        let mut done = Vec::new();
        let err = |action: &'static str, e: String| StateError::Refused(format!("s3://{bucket}: {action}: {e}"));
        let show = |e: &dyn std::error::Error| aws_smithy_types::error::display::DisplayErrorContext(e).to_string();
        match client.head_bucket().bucket(bucket).send().await {
            Ok(_) => done.push(format!("bucket {bucket} exists")),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                let region = client.config().region().map(|r| r.to_string()).unwrap_or_default();
                let mut req = client.create_bucket().bucket(bucket);
                if region != "us-east-1" && !region.is_empty() {
                    let conf =
                        CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region.as_str())).build();
                    req = req.create_bucket_configuration(conf);
                }
                req.send().await.map_err(|e| remote.remote_err("CreateBucket", &e))?;
                done.push(format!("bucket {bucket} created in {region}"));
            }
            Err(e) => {
                return Err(err("HeadBucket", format!("{}; the name may belong to another account", show(&e))));
            }
        }
        let versioning = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
        client
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(versioning)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutBucketVersioning", &e))?;
        done.push("versioning on (every state version kept: `infra state history`)".into());
        let default = match &remote.settings.kms_key_id {
            Some(key) => {
                ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::AwsKms).kms_master_key_id(key).build()
            }
            None => ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256).build(),
        }
        .map_err(|e| err("PutBucketEncryption", e.to_string()))?;
        let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(default).bucket_key_enabled(true).build();
        let sse =
            ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(|e| err("PutBucketEncryption", e.to_string()))?;
        client
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(sse)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutBucketEncryption", &e))?;
        done.push(match &remote.settings.kms_key_id {
            Some(key) => format!("default encryption SSE-KMS with {key}"),
            None => "default encryption SSE-S3".into(),
        });
        let block = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        client
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(block)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutPublicAccessBlock", &e))?;
        done.push("all public access blocked".into());
        let owner = OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::BucketOwnerEnforced)
            .build()
            .map_err(|e| err("PutBucketOwnershipControls", e.to_string()))?;
        let controls = OwnershipControls::builder().rules(owner).build().map_err(|e| err("PutBucketOwnershipControls", e.to_string()))?;
        client
            .put_bucket_ownership_controls()
            .bucket(bucket)
            .ownership_controls(controls)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutBucketOwnershipControls", &e))?;
        done.push("ACLs disabled (bucket owner enforced)".into());
        // The policy refuses every plain-HTTP request, this client's included: against an
        // emulator served over http:// it would lock the state out, so it waits for TLS.
        match remote.connect().await?.1.as_deref() {
            Some(endpoint) if !endpoint.starts_with("https://") => {
                done.push(format!(
                    "bucket policy: TLS only NOT applied: the endpoint {endpoint} is not TLS and the policy would refuse this client"
                ));
            }
            _ => {
                client
                    .put_bucket_policy()
                    .bucket(bucket)
                    .policy(tls_only_policy(bucket))
                    .send()
                    .await
                    .map_err(|e| remote.remote_err("PutBucketPolicy", &e))?;
                done.push("bucket policy: TLS only".into());
            }
        }
        Ok(done)
    }
}

/// A bucket policy refusing any request not made over TLS.
pub fn tls_only_policy(bucket: &str) -> String {
    serde_json::json!({
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
    .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bucket_policy_refuses_plain_http_for_the_bucket_and_its_objects() {
        let policy: serde_json::Value = serde_json::from_str(&super::tls_only_policy("b")).unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(statement["Action"], "s3:*");
        assert_eq!(statement["Resource"], serde_json::json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        assert_eq!(statement["Condition"]["Bool"]["aws:SecureTransport"], "false");
    }
}
