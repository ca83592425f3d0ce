//! Amazon SNS: topics and their subscriptions.

pub mod subscription;
pub mod topic;
pub mod topic_policy;
