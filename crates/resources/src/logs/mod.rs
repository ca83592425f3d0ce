//! CloudWatch Logs: log groups, their metric and subscription filters, and the account's
//! resource policies that let services (EventBridge, Route 53) write to them.

pub mod log_group;
pub mod metric_filter;
pub mod resource_policy;
pub mod subscription_filter;
