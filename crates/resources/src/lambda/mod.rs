//! AWS Lambda: functions, their invoke permissions and event source mappings.

pub mod alias;
pub mod event_source_mapping;
pub mod function;
pub mod function_url;
pub mod layer_version;
pub mod permission;
