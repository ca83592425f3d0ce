//! Amazon SageMaker: models, endpoint configs and endpoints (serverless inference).

pub mod endpoint;
pub mod endpoint_config;
pub mod model;

use aws_sdk_sagemaker::types::Tag;

use crate::aws::SdkResultExt;
use crate::tags::{self, Tags};
use crate::{Ctx, ResourceError};

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

async fn live_tags(cx: &Ctx<'_>, arn: &str) -> Result<Tags, ResourceError> {
    let out = cx.aws.sagemaker().list_tags().resource_arn(arn).send().await.api("ListTags")?;
    Ok(tags::live(out.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))))
}

/// Models and endpoint configs cannot change, but their tags can.
async fn sync_tags(cx: &Ctx<'_>, arn: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
    let sm = cx.aws.sagemaker();
    let (set, remove) = tags::changes(old, new);
    if !set.is_empty() {
        sm.add_tags().resource_arn(arn).set_tags(Some(sdk_tags(&set))).send().await.api("AddTags")?;
    }
    if !remove.is_empty() {
        sm.delete_tags().resource_arn(arn).set_tag_keys(Some(remove)).send().await.api("DeleteTags")?;
    }
    Ok(())
}
