//! Amazon S3: buckets (with their configuration documents), their policies and their
//! notification configurations.

pub mod bucket;
pub mod bucket_notification;
pub mod bucket_policy;
mod config;

use aws_sdk_s3::types::Tag;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::tags::Tags;
use crate::ResourceError;

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

/// A success status whose body the SDK refused: moto answers some bucket configuration
/// GETs with another root element than AWS (or with the object listing, where it does
/// not implement the call). Such an answer tells nothing; the applied value stands.
fn unreadable_success<E>(e: &SdkError<E, HttpResponse>) -> bool {
    matches!(e, SdkError::ServiceError(s) if s.raw().status().is_success())
}
