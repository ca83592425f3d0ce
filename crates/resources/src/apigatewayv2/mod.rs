//! Amazon API Gateway v2: HTTP and WebSocket APIs, their routes, Lambda integrations,
//! stages, JWT authorizers, custom domain names and their API mappings.

pub mod api;
pub mod api_mapping;
pub mod authorizer;
pub mod domain_name;
pub mod integration;
pub mod route;
pub mod stage;

use std::collections::HashMap;

use crate::aws::SdkResultExt;
use crate::tags::{self, Tags};
use crate::{Ctx, ResourceError};

fn live_tags(map: Option<&HashMap<String, String>>) -> Tags {
    tags::live_map(map)
}

/// An API's (or stage's) ARN, what tagging takes.
async fn arn(cx: &Ctx<'_>, path: &str) -> Result<String, ResourceError> {
    let id = cx.aws.identity().await?;
    Ok(format!("arn:{}:apigateway:{}::{path}", id.partition, id.region))
}

async fn sync_tags(cx: &Ctx<'_>, path: &str, old: &Tags, new: &Tags) -> Result<(), ResourceError> {
    let (set, remove) = tags::changes(old, new);
    if set.is_empty() && remove.is_empty() {
        return Ok(());
    }
    let arn = arn(cx, path).await?;
    let api = cx.aws.apigatewayv2();
    if !set.is_empty() {
        api.tag_resource().resource_arn(&arn).set_tags(Some(set.into_iter().collect())).send().await.api("TagResource")?;
    }
    if !remove.is_empty() {
        api.untag_resource().resource_arn(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
    }
    Ok(())
}
