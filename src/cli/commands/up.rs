//! `infra up [MODULE...|--all]`.

use super::RunArgs;
use crate::ops::{self, Exit, GlobalOptions, OpsError, UpOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Modules to deploy, by name (e.g. 5_database 6_agents).
    pub modules: Vec<String>,
    /// A preset from modules/presets.toml instead of module names.
    #[arg(long, conflicts_with_all = ["modules", "all"])]
    pub preset: Option<String>,
    /// Every module, in dependency order.
    #[arg(long)]
    pub all: bool,
    /// Also deploy the upstream modules these need.
    #[arg(long)]
    pub with_deps: bool,
    /// Do not re-wire deployed modules that use these modules' outputs.
    #[arg(long)]
    pub no_dependents: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &'static Printer) -> Result<Exit, OpsError> {
    let opts = UpOptions {
        modules: args.modules,
        preset: args.preset,
        all: args.all,
        with_deps: args.with_deps,
        no_dependents: args.no_dependents,
        yes: args.run.yes,
        parallelism: args.run.parallelism,
        lock_timeout: args.run.lock_timeout,
        dry_run: args.run.dry_run,
    };
    ops::up(global, &opts, printer).await.map(|_| Exit::Ok)
}
