//! Amazon RDS: Aurora clusters, their instances, and subnet groups.

pub mod cluster;
pub mod cluster_instance;
pub mod instance;
pub mod subnet_group;

use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder;
use aws_sdk_rds::operation::delete_db_instance::builders::DeleteDBInstanceFluentBuilder;
use aws_sdk_rds::types::{DbInstance, Tag};

use crate::aws::{AwsError, SdkResultExt};
use crate::tags::{self, Tags};
use crate::{Ctx, Poll, ResourceError};

/// A DB instance (of a cluster, or on its own), if it exists.
async fn describe_instance(cx: &Ctx<'_>, id: &str) -> Result<Option<DbInstance>, ResourceError> {
    let out = cx
        .aws
        .rds()
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .found("DescribeDBInstances", |e| e.is_db_instance_not_found_fault())?;
    Ok(out.and_then(|o| o.db_instances.and_then(|mut v| v.pop())))
}

/// Wait for a DB instance to be `available`; a state it cannot leave by itself fails.
async fn wait_instance(cx: &Ctx<'_>, id: &str) -> Result<DbInstance, ResourceError> {
    cx.wait_ready(&format!("instance {id}"), || async {
        Ok(match describe_instance(cx, id).await? {
            None => Poll::Gone,
            Some(i) if i.db_instance_status() == Some("available") => Poll::Ready(i),
            Some(i)
                if matches!(
                    i.db_instance_status(),
                    Some("failed" | "incompatible-parameters" | "storage-full" | "incompatible-network")
                ) =>
            {
                Poll::Failed(i.db_instance_status().unwrap_or_default().to_string())
            }
            Some(_) => Poll::Pending,
        })
    })
    .await
}

async fn wait_instance_gone(cx: &Ctx<'_>, id: &str) -> Result<(), ResourceError> {
    cx.wait_gone(&format!("instance {id}"), || async { Ok(describe_instance(cx, id).await?.is_some()) }).await
}

/// Whether AWS is still deleting an instance of this identifier: a teardown that was
/// interrupted leaves it `deleting`, and it holds the identifier until it is gone.
async fn instance_deleting(cx: &Ctx<'_>, id: &str) -> Result<bool, ResourceError> {
    Ok(describe_instance(cx, id).await?.is_some_and(|i| i.db_instance_status() == Some("deleting")))
}

/// Send a create; when a namesake AWS is still deleting holds the identifier, wait for it
/// to be gone and send it again.
async fn create_instance(cx: &Ctx<'_>, id: &str, req: CreateDBInstanceFluentBuilder) -> Result<(), ResourceError> {
    let Err(e) = req.clone().send().await else { return Ok(()) };
    let held = e.as_service_error().is_some_and(|e| e.is_db_instance_already_exists_fault());
    if !(held && instance_deleting(cx, id).await?) {
        return Err(AwsError::new("CreateDBInstance", e).into());
    }
    wait_instance_gone(cx, id).await?;
    req.send().await.api("CreateDBInstance")?;
    Ok(())
}

/// Send a delete; false when there was nothing to delete. An instance already being
/// deleted (by a run that was interrupted) is as good as deleted by this call.
async fn delete_instance(cx: &Ctx<'_>, id: &str, req: DeleteDBInstanceFluentBuilder) -> Result<bool, ResourceError> {
    let Err(e) = req.send().await else { return Ok(true) };
    if e.as_service_error().is_some_and(|e| e.is_db_instance_not_found_fault()) {
        return Ok(false);
    }
    if e.as_service_error().is_some_and(|e| e.is_invalid_db_instance_state_fault()) && instance_deleting(cx, id).await? {
        return Ok(true);
    }
    Err(AwsError::new("DeleteDBInstance", e).into())
}

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
