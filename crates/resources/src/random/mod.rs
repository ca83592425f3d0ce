//! Values infra generates itself (no AWS).

pub mod id;
