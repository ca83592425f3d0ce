//! `infra up [MODULE...|--all]`.

use super::{parse_duration, parse_parallelism};
use crate::engine::DEFAULT_PARALLELISM;
use crate::ops::{self, Exit, GlobalOptions, OpsError, UpOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
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
    /// Allow replacements and deletions without asking.
    #[arg(short, long)]
    pub yes: bool,
    /// Steps in flight at once.
    #[arg(long, value_parser = parse_parallelism, default_value_t = DEFAULT_PARALLELISM)]
    pub parallelism: usize,
    /// Wait this long for another run's lock (e.g. 30s) instead of failing at once.
    #[arg(long, value_parser = parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &'static Printer) -> Result<Exit, OpsError> {
    let opts = UpOptions {
        modules: args.modules,
        preset: args.preset,
        all: args.all,
        with_deps: args.with_deps,
        no_dependents: args.no_dependents,
        yes: args.yes,
        parallelism: args.parallelism,
        lock_timeout: args.lock_timeout,
    };
    ops::up(global, &opts, printer).await.map(|_| Exit::Ok)
}
