//! `infra down [MODULE...|--all]`.

use super::RunArgs;
use crate::ops::{self, DownOptions, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Modules to tear down, by name (e.g. 5_database).
    pub modules: Vec<String>,
    /// A preset from modules/presets.toml instead of module names.
    #[arg(long, conflicts_with_all = ["modules", "all"])]
    pub preset: Option<String>,
    /// Every deployed module, in reverse dependency order.
    #[arg(long)]
    pub all: bool,
    /// Also tear down deployed modules that use these modules' outputs.
    #[arg(long)]
    pub with_dependents: bool,
    /// Keep deployed modules that use these modules' outputs (they become stale).
    #[arg(long)]
    pub keep_dependents: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &'static Printer) -> Result<Exit, OpsError> {
    let opts = DownOptions {
        modules: args.modules,
        preset: args.preset,
        all: args.all,
        with_dependents: args.with_dependents,
        keep_dependents: args.keep_dependents,
        yes: args.run.yes,
        parallelism: args.run.parallelism,
        lock_timeout: args.run.lock_timeout,
        dry_run: args.run.dry_run,
    };
    ops::down(global, &opts, printer).await.map(|_| Exit::Ok)
}
