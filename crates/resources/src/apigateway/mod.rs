//! Amazon API Gateway (REST): APIs with their routes and stage, API keys, usage plans,
//! custom domain names and their base path mappings.

pub mod api_key;
pub mod base_path_mapping;
pub mod domain_name;
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

/// What is wrong with a custom domain name, for both API Gateway versions: DNS labels
/// of lower-case letters, digits and `-`, a wildcard (`*.`) only as the first label.
pub(crate) fn domain_problem(name: &str) -> Option<String> {
    let rest = name.strip_prefix("*.").unwrap_or(name);
    let bad_label = |l: &str| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-');
    if let Some(c) = rest.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'))) {
        Some(format!("`{name}` contains `{c}`; a custom domain name is lower-case letters, digits, `.` and `-`"))
    } else if !rest.contains('.') || rest.split('.').any(bad_label) {
        Some(format!("`{name}` is not a domain name: labels of 1-63 characters joined by `.`, none beginning or ending with `-`"))
    } else {
        None
    }
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
