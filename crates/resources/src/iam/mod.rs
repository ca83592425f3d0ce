//! AWS IAM: roles.

pub mod role;
