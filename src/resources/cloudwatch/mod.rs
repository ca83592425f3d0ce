//! Amazon CloudWatch: dashboards.

pub mod dashboard;
