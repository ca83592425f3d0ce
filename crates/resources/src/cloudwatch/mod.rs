//! Amazon CloudWatch: dashboards and metric alarms.

pub mod dashboard;
pub mod metric_alarm;
