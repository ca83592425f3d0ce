//! `infra`: a native AWS provisioning tool. TOML module manifests are resolved into one
//! dependency graph across modules, reconciled against live AWS by an async executor,
//! and recorded in a local JSON state.
//!
//! Layers, each using only those below it:
//! `cli` → `ops` → `plan` / `engine` → `resources` → `aws`; `manifest`, `graph`,
//! `schema`, `state`, `secrets` and `printer` are shared building blocks.

pub mod aws;
pub mod cli;
pub mod cost;
pub mod engine;
pub mod graph;
pub mod manifest;
pub mod ops;
pub mod plan;
pub mod printer;
pub mod resources;
pub mod schema;
pub mod secrets;
pub mod state;
