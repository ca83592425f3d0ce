//! `s3.bucket_policy`: a bucket's resource policy (e.g. letting CloudFront read it).

use async_trait::async_trait;
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::check::rules;
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError};

props! {
    pub struct BucketPolicyProps {
        /// The bucket's name; a bucket has one policy.
        bucket: String => required, replace, check(rules::S3_BUCKET);
        /// The policy document, as a TOML table.
        policy: Value => required;
    }
}

pub struct BucketPolicy;

/// The bucket's policy document; `None` when the bucket has none, or is gone.
async fn policy_of(cx: &Ctx<'_>, bucket: &str) -> Result<Option<String>, ResourceError> {
    let out = cx.aws.s3().get_bucket_policy().bucket(bucket).send().await;
    Ok(out.found_code("GetBucketPolicy", &["NoSuchBucketPolicy", "NoSuchBucket"])?.and_then(|o| o.policy))
}

#[async_trait]
impl Resource for BucketPolicy {
    type Props = BucketPolicyProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "s3.bucket_policy";
    const IDENTITY: Identity = Identity::Named("bucket");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.bucket]
type = "s3.bucket"
name = "conformance-policy-${aws.account_id}"
force_destroy = true

[resources.example]
type = "s3.bucket_policy"
bucket = "${resources.bucket.name}"

[resources.example.policy]
Version = "2012-10-17"
Statement = [{ Sid = "ReadOnly", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${aws.account_id}:root" }, Action = "s3:GetObject", Resource = "${resources.bucket.arn}/*" }]
"#,
        updates: &[
            "policy = { Version = \"2012-10-17\", Statement = [{ Sid = \"List\", Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::${aws.account_id}:root\" }, Action = \"s3:ListBucket\", Resource = \"${resources.bucket.arn}\" }] }",
        ],
        replace: None,
        skip: &[(crate::Skip::Replace, "its only identifying property is the bucket, which the example's bucket resource owns")],
    };

    async fn create(&self, cx: &Ctx<'_>, p: &BucketPolicyProps) -> Result<Created<IdOnly>, ResourceError> {
        cx.aws.s3().put_bucket_policy().bucket(&p.bucket).policy(p.policy.to_string()).send().await.api("PutBucketPolicy")?;
        Ok(Created::new(&p.bucket, IdOnly {}))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &BucketPolicyProps,
    ) -> Result<Option<Observed<BucketPolicyProps, IdOnly>>, ResourceError> {
        let Some(policy) = policy_of(cx, id).await? else { return Ok(None) };
        let policy = serde_json::from_str(&policy).unwrap_or(Value::String(policy));
        // The id is the bucket: read from the id alone, the props name none.
        let bucket = if p.bucket.is_empty() { id.to_string() } else { p.bucket.clone() };
        Ok(Some(Observed { props: BucketPolicyProps { bucket, policy }, attrs: IdOnly {} }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &BucketPolicyProps,
        new: &BucketPolicyProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        cx.aws.s3().put_bucket_policy().bucket(id).policy(new.policy.to_string()).send().await.api("PutBucketPolicy")?;
        Ok(None)
    }

    /// Walks the region's buckets: a bucket has at most one policy, listed by its name.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let region = cx.aws.region().to_string();
        let out = cx.aws.s3().list_buckets().send().await.api("ListBuckets")?;
        let mut ids = Vec::new();
        // A bucket of another region answers only at that region's endpoint.
        for b in out.buckets().iter().filter(|b| b.bucket_region().is_none_or(|r| r == region)) {
            let Some(name) = b.name() else { continue };
            if policy_of(cx, name).await?.is_some() {
                ids.push(name.to_string());
            }
        }
        Ok(ids)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &BucketPolicyProps) -> Result<(), ResourceError> {
        cx.aws
            .s3()
            .delete_bucket_policy()
            .bucket(id)
            .send()
            .await
            .found_code("DeleteBucketPolicy", &["NoSuchBucketPolicy", "NoSuchBucket"])?;
        Ok(())
    }
}
