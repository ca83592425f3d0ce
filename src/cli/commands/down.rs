//! `infra down [MODULE...|--all|--preset NAME]`.

use super::{RunArgs, Targets};
use crate::ops::{self, DownOptions, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub targets: Targets,
    /// A preset from modules/presets.toml instead of module names.
    #[arg(long, conflicts_with_all = ["modules", "all"])]
    pub preset: Option<String>,
    /// Also tear down deployed modules that use these modules' outputs.
    #[arg(long)]
    pub with_dependents: bool,
    /// Keep deployed modules that use these modules' outputs (they become stale).
    #[arg(long)]
    pub keep_dependents: bool,
    /// With --all: also delete the final snapshots that hold deleted databases' data.
    #[arg(long, requires = "all")]
    pub delete_snapshots: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &'static Printer) -> Result<Exit, OpsError> {
    let opts = DownOptions {
        modules: args.targets.modules,
        preset: args.preset,
        all: args.targets.all,
        with_dependents: args.with_dependents,
        keep_dependents: args.keep_dependents,
        yes: args.run.yes,
        parallelism: args.run.concurrency.parallelism,
        lock_timeout: args.run.lock_timeout,
        dry_run: args.run.dry_run,
        timings: args.run.timings,
        delete_snapshots: args.delete_snapshots,
    };
    ops::down(global, &opts, printer).await.map(|_| Exit::Ok)
}
