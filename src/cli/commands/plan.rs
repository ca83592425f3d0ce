//! `infra plan [MODULE...|--all]`.

use super::{Concurrency, Neighbours, Targets};
use crate::ops::{self, Exit, GlobalOptions, OpsError, PlanOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub targets: Targets,
    #[command(flatten)]
    pub neighbours: Neighbours,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Compare with the state only, without reading AWS.
    #[arg(long)]
    pub no_refresh: bool,
    /// Also estimate how long applying would take on AWS, and along which chain.
    #[arg(long)]
    pub estimate: bool,
    #[command(flatten)]
    pub concurrency: Concurrency,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let opts = PlanOptions {
        modules: args.targets.modules,
        all: args.targets.all,
        with_deps: args.neighbours.with_deps,
        no_dependents: args.neighbours.no_dependents,
        parallelism: args.concurrency.parallelism,
        refresh: !args.no_refresh,
        estimate: args.estimate,
    };
    let exit = ops::plan(global, &opts, printer).await?;
    Ok(if args.detailed_exitcode { exit } else { Exit::Ok })
}
