//! Amazon EC2 networking: VPCs, subnets, gateways, routes, endpoints, flow logs,
//! security groups and their rules, and lookups (default VPC, a VPC, subnets, zones).

pub mod availability_zones;
pub mod default_vpc;
pub mod eip;
pub mod flow_log;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod route_table;
pub mod security_group;
pub mod security_group_rule;
pub mod subnet;
pub mod subnets;
pub mod vpc;
pub mod vpc_endpoint;
pub mod vpc_lookup;

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use crate::aws::SdkResultExt;
use crate::tags::{self, Tags};
use crate::{Ctx, ResourceError};

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

/// Filters matching what this state created for this manifest resource, by infra's own
/// tags: how types whose ids AWS assigns find an interrupted create again.
fn owner_filters(tags: &Tags) -> Vec<aws_sdk_ec2::types::Filter> {
    [tags::STATE, tags::MODULE, tags::RESOURCE]
        .iter()
        .filter_map(|k| Some(aws_sdk_ec2::types::Filter::builder().name(format!("tag:{k}")).values(tags.get(*k)?).build()))
        .collect()
}

/// A filter on one attribute.
fn filter(name: &str, value: impl Into<String>) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder().name(name).values(value).build()
}
