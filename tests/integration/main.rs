//! Integration tests: the real `infra` binary against a moto server (one per test),
//! read back through the AWS SDK. Run `scripts/install-moto.sh` once first.

mod harness;
mod proxy;

mod actual_costs;
mod alex_core;
mod alex_stack;
mod cli;
mod conformance;
mod drift;
mod examples;
mod for_each;
mod import;
mod keep_data;
mod ownership;
mod reliability;
mod remote_state;
mod safety;
mod secrets;
mod tags_protection;
mod validate;
