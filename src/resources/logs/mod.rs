//! CloudWatch Logs: log groups.

pub mod log_group;
