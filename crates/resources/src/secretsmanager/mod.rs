//! AWS Secrets Manager: secrets.

pub mod secret;
