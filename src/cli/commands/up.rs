//! `infra up [MODULE...|--all|--preset NAME]`.

use super::{Neighbours, RunArgs, Targets};
use crate::ops::{self, Exit, GlobalOptions, OpsError, UpOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub targets: Targets,
    /// A preset from modules/presets.toml instead of module names.
    #[arg(long, conflicts_with_all = ["modules", "all"])]
    pub preset: Option<String>,
    #[command(flatten)]
    pub neighbours: Neighbours,
    /// Replace this resource (MODULE.NAME) although nothing forces it; repeatable.
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
    /// Exit 0 when nothing needed changing, 2 when changes were applied, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &'static Printer) -> Result<Exit, OpsError> {
    let opts = UpOptions {
        modules: args.targets.modules,
        preset: args.preset,
        all: args.targets.all,
        with_deps: args.neighbours.with_deps,
        no_dependents: args.neighbours.no_dependents,
        with_dependents: args.neighbours.with_dependents,
        targets: args.neighbours.targets,
        replace: args.replace,
        yes: args.run.yes,
        parallelism: args.run.concurrency.parallelism,
        lock_timeout: args.run.lock_timeout,
        dry_run: args.run.dry_run,
        timings: args.run.timings,
    };
    let changed = ops::up(global, &opts, printer).await?;
    Ok(if changed && args.detailed_exitcode { Exit::Changes } else { Exit::Ok })
}
