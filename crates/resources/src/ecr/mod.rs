//! Amazon ECR: container image repositories.

pub mod repository;
