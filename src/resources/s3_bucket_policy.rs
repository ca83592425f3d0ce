//! `s3.bucket_policy`: a bucket's resource policy (e.g. letting CloudFront read it).

use async_trait::async_trait;
use serde_json::Value;

use super::{Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct BucketPolicyProps {
        bucket: String => required, replace;
        /// The policy document, as a TOML table.
        policy: Value => required;
    }
}

pub struct BucketPolicy;

#[async_trait]
impl Resource for BucketPolicy {
    type Props = BucketPolicyProps;
    const TYPE: &'static str = "s3.bucket_policy";
    const ATTRIBUTES: &'static [Attr] = &[super::attr("id")];

    fn natural_id(&self, p: &BucketPolicyProps) -> Option<String> {
        Some(p.bucket.clone())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &BucketPolicyProps) -> Result<Outcome, ResourceError> {
        cx.aws.s3().put_bucket_policy().bucket(&p.bucket).policy(p.policy.to_string()).send().await.api("PutBucketPolicy")?;
        Ok(Outcome::new(&p.bucket))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &BucketPolicyProps) -> Result<Option<Observed<BucketPolicyProps>>, ResourceError> {
        let out = cx
            .aws
            .s3()
            .get_bucket_policy()
            .bucket(id)
            .send()
            .await
            .found_code("GetBucketPolicy", &["NoSuchBucketPolicy", "NoSuchBucket"])?;
        let Some(policy) = out.and_then(|o| o.policy) else { return Ok(None) };
        let policy = serde_json::from_str(&policy).unwrap_or(Value::String(policy));
        Ok(Some(Observed { props: BucketPolicyProps { bucket: p.bucket.clone(), policy }, attrs: Outcome::new(id).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &BucketPolicyProps, new: &BucketPolicyProps) -> Result<Outcome, ResourceError> {
        cx.aws.s3().put_bucket_policy().bucket(id).policy(new.policy.to_string()).send().await.api("PutBucketPolicy")?;
        Ok(Outcome::new(id))
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
