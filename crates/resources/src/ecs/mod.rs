//! Amazon ECS on Fargate: clusters, task definitions (one family, a new revision per
//! change) and services. Tags are shared: ECS spells its tag keys in lower case.

pub mod cluster;
pub mod service;
pub mod task_definition;

use aws_sdk_ecs::types::Tag;

use crate::aws::SdkResultExt;
use crate::tags::{self, Tags};
use crate::{Ctx, ResourceError};

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn live_tags(list: &[Tag]) -> Tags {
    tags::live(list.iter().filter_map(|t| Some((t.key()?, t.value()?))))
}

/// Bring the tags on `arn` from `old` to `new`.
async fn sync_tags(cx: &Ctx<'_>, arn: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
    let (set, remove) = tags::changes(old, new);
    let ecs = cx.aws.ecs();
    if !set.is_empty() {
        ecs.tag_resource().resource_arn(arn).set_tags(Some(sdk_tags(&set))).send().await.api("TagResource")?;
    }
    if !remove.is_empty() {
        ecs.untag_resource().resource_arn(arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
    }
    Ok(())
}
