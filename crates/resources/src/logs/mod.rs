//! CloudWatch Logs: log groups, their metric and subscription filters, and the account's
//! resource policies that let services (EventBridge, Route 53) write to them.

pub mod log_group;
pub mod metric_filter;
pub mod resource_policy;
pub mod subscription_filter;

use crate::aws::SdkResultExt;
use crate::{Ctx, ResourceError};

/// Every log group's name: the log groups' listing, and where the listings of the
/// filters that hang off a group start.
pub(crate) async fn group_names(cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
    let mut out = Vec::new();
    let mut pages = cx.aws.logs().describe_log_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        out.extend(page.api("DescribeLogGroups")?.log_groups().iter().filter_map(|g| g.log_group_name().map(str::to_string)));
    }
    Ok(out)
}

/// A filter's log group and name from its id (`GROUP:NAME`), or from its properties
/// when the id is not one.
pub(crate) fn filter_parts<'a>(id: &'a str, group: &'a str, name: &'a str) -> (&'a str, &'a str) {
    id.split_once(':').unwrap_or((group, name))
}
