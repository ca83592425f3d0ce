//! Amazon Route 53: hosted zones and their records.

pub mod record;
pub mod zone;
