//! `infra plan [MODULE...|--all]`.

use super::parse_parallelism;
use crate::engine::DEFAULT_PARALLELISM;
use crate::ops::{self, Exit, GlobalOptions, OpsError, PlanOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Modules to plan, by name (e.g. 5_database).
    pub modules: Vec<String>,
    /// Every module.
    #[arg(long)]
    pub all: bool,
    /// Also plan the upstream modules these need.
    #[arg(long)]
    pub with_deps: bool,
    /// Do not re-wire deployed modules that use these modules' outputs.
    #[arg(long)]
    pub no_dependents: bool,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Compare with the state only, without reading AWS.
    #[arg(long)]
    pub no_refresh: bool,
    #[arg(long, value_parser = parse_parallelism, default_value_t = DEFAULT_PARALLELISM)]
    pub parallelism: usize,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let opts = PlanOptions {
        modules: args.modules,
        all: args.all,
        with_deps: args.with_deps,
        no_dependents: args.no_dependents,
        parallelism: args.parallelism,
        refresh: !args.no_refresh,
    };
    let exit = ops::plan(global, &opts, printer).await?;
    Ok(if args.detailed_exitcode { exit } else { Exit::Ok })
}
