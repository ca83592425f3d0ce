//! `infra import ADDRESS ID` and `infra import MODULE...|--all [--yes]`.

use super::{parse_duration, Concurrency};
use crate::ops::{self, Exit, GlobalOptions, ImportOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `MODULE.NAME ID` (one resource by its id in AWS), or module names to look up
    /// every resource the state lacks by its name.
    pub targets: Vec<String>,
    /// Every module.
    #[arg(long)]
    pub all: bool,
    /// Record what the lookup of modules found (without it, only list it).
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub concurrency: Concurrency,
    /// Wait this long for another run's lock (e.g. 30s) instead of failing at once.
    #[arg(long, value_parser = parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    // An address has a dot; module names do not.
    let one = match args.targets.as_slice() {
        [address, id] if address.contains('.') && !args.all => Some((address.clone(), id.clone())),
        [address] if address.contains('.') => {
            return Err(OpsError::Usage(format!("`infra import {address} ID`: give the resource's id in AWS too")));
        }
        _ => None,
    };
    let opts = ImportOptions {
        modules: if one.is_some() { Vec::new() } else { args.targets },
        one,
        all: args.all,
        yes: args.yes,
        lock_timeout: args.lock_timeout,
        parallelism: args.concurrency.parallelism,
    };
    ops::import(global, &opts, printer).await
}
