//! AWS Lambda: functions, their invoke permissions and event source mappings.

pub mod alias;
pub mod event_source_mapping;
pub mod function;
pub mod function_url;
pub mod layer_version;
pub mod permission;

use aws_sdk_lambda::types::FunctionConfiguration;

use crate::aws::SdkResultExt;
use crate::{Ctx, ResourceError};

/// Every function of the account and region: where the listings of the types that hang
/// off a function (aliases, URLs, permissions) start.
pub(crate) async fn functions(cx: &Ctx<'_>) -> Result<Vec<FunctionConfiguration>, ResourceError> {
    let mut out = Vec::new();
    let mut pages = cx.aws.lambda().list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        out.extend(page.api("ListFunctions")?.functions.unwrap_or_default());
    }
    Ok(out)
}
