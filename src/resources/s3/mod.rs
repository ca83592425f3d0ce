//! Amazon S3: buckets (with their configuration documents) and their policies.

pub mod bucket;
pub mod bucket_policy;
mod config;

use aws_sdk_s3::types::Tag;

use crate::resources::tags::Tags;
use crate::resources::ResourceError;

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}
