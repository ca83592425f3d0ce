//! Amazon RDS: Aurora clusters, their instances, and subnet groups.

pub mod cluster;
pub mod cluster_instance;
pub mod subnet_group;

use aws_sdk_rds::types::Tag;

use crate::aws::SdkResultExt;
use crate::resources::tags::{self, Tags};
use crate::resources::{Ctx, ResourceError};

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn live_tags(list: &[Tag]) -> Tags {
    tags::live(list.iter().filter_map(|t| Some((t.key()?, t.value()?))))
}

/// Every RDS resource is tagged through its ARN the same way.
async fn sync_tags(cx: &Ctx<'_>, arn: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
    let rds = cx.aws.rds();
    let (set, remove) = tags::changes(old, new);
    if !set.is_empty() {
        rds.add_tags_to_resource().resource_name(arn).set_tags(Some(sdk_tags(&set))).send().await.api("AddTagsToResource")?;
    }
    if !remove.is_empty() {
        rds.remove_tags_from_resource().resource_name(arn).set_tag_keys(Some(remove)).send().await.api("RemoveTagsFromResource")?;
    }
    Ok(())
}
