//! AWS KMS: customer-managed keys and their aliases.

pub mod alias;
pub mod key;
