//! Amazon API Gateway (REST): APIs with their routes and stage, API keys, usage plans.

pub mod api_key;
pub mod rest_api;
pub mod usage_plan;

use std::collections::HashMap;

use crate::aws::SdkResultExt;
use crate::tags::{self, Tags};
use crate::{Ctx, ResourceError};

/// `arn:aws:apigateway:REGION::/PATH`, the form TagResource takes.
async fn arn(cx: &Ctx<'_>, path: &str) -> Result<String, ResourceError> {
    let id = cx.aws.identity().await?;
    Ok(format!("arn:{}:apigateway:{}::{path}", id.partition, id.region))
}

fn live_tags(t: Option<&HashMap<String, String>>) -> Tags {
    tags::live_map(t)
}

/// Whether an API Gateway resource (names need not be unique) is the one these desired
/// tags describe: infra's own tags say which state and resource created it.
fn ours(live: Option<&HashMap<String, String>>, wanted: &Tags) -> bool {
    tags::same_owner(&live_tags(live), wanted)
}

async fn sync_tags(cx: &Ctx<'_>, path: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
    let (set, remove) = tags::changes(old, new);
    if set.is_empty() && remove.is_empty() {
        return Ok(());
    }
    let arn = arn(cx, path).await?;
    let api = cx.aws.apigateway();
    if !set.is_empty() {
        api.tag_resource().resource_arn(&arn).set_tags(Some(set.into_iter().collect())).send().await.api("TagResource")?;
    }
    if !remove.is_empty() {
        api.untag_resource().resource_arn(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
    }
    Ok(())
}
