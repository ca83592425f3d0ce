//! AWS STS: who the run is.

pub mod caller_identity;
