//! AWS Systems Manager: Parameter Store parameters.

pub mod parameter;
