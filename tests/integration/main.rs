//! Integration tests: the real `infra` binary against a moto server (one per test),
//! read back through the AWS SDK. Run `scripts/install-moto.sh` once first.

mod harness;
mod proxy;

mod accounts;
mod actual_costs;
mod alex_core;
mod alex_stack;
mod aws_clock;
mod ci;
mod cli;
mod cloudcontrol;
mod conformance;
mod drift;
mod examples;
mod for_each;
mod habits;
mod import;
mod keep_data;
mod lifecycle;
mod ownership;
mod plans;
mod reliability;
mod remote_state;
mod route53;
mod safety;
mod secrets;
mod tags_protection;
mod targets;
mod terraform_generate;
mod validate;
