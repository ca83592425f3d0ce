//! Amazon CloudFront: distributions and origin access controls.

pub mod distribution;
pub mod origin_access_control;
