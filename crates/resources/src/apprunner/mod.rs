//! AWS App Runner: container services.

pub mod service;
