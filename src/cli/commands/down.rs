//! `infra down [MODULE...|--all]`.

use super::{parse_duration, parse_parallelism};
use crate::engine::DEFAULT_PARALLELISM;
use crate::ops::{self, DownOptions, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
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
    /// Delete without asking.
    #[arg(short, long)]
    pub yes: bool,
    #[arg(long, value_parser = parse_parallelism, default_value_t = DEFAULT_PARALLELISM)]
    pub parallelism: usize,
    #[arg(long, value_parser = parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &'static Printer) -> Result<Exit, OpsError> {
    let opts = DownOptions {
        modules: args.modules,
        preset: args.preset,
        all: args.all,
        with_dependents: args.with_dependents,
        keep_dependents: args.keep_dependents,
        yes: args.yes,
        parallelism: args.parallelism,
        lock_timeout: args.lock_timeout,
    };
    ops::down(global, &opts, printer).await.map(|_| Exit::Ok)
}
