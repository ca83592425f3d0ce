//! Amazon EC2 networking: security groups, and lookups of the default VPC and subnets.

pub mod default_vpc;
pub mod security_group;
pub mod subnets;

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use crate::aws::SdkResultExt;
use crate::resources::tags::{self, Tags};
use crate::resources::{Ctx, ResourceError};

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// Tags applied in the create call itself, so a resource never exists untagged.
fn tag_spec(kind: ResourceType, tags: &Tags) -> TagSpecification {
    TagSpecification::builder().resource_type(kind).set_tags(Some(sdk_tags(tags))).build()
}

fn live_tags(list: &[Tag]) -> Tags {
    tags::live(list.iter().filter_map(|t| Some((t.key()?, t.value()?))))
}

/// Every EC2 resource is tagged by its id the same way.
async fn sync_tags(cx: &Ctx<'_>, id: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
    let ec2 = cx.aws.ec2();
    let (set, remove) = tags::changes(old, new);
    if !set.is_empty() {
        ec2.create_tags().resources(id).set_tags(Some(sdk_tags(&set))).send().await.api("CreateTags")?;
    }
    if !remove.is_empty() {
        let keys = remove.into_iter().map(|k| Tag::builder().key(k).build()).collect();
        ec2.delete_tags().resources(id).set_tags(Some(keys)).send().await.api("DeleteTags")?;
    }
    Ok(())
}
