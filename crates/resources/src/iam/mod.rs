//! AWS IAM: roles.

pub mod instance_profile;
pub mod policy;
pub mod role;
