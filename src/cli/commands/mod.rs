//! One file per command: its arguments and the call to its operation. Arguments more
//! than one command takes are declared once here.

pub mod completions;
pub mod docs;
pub mod down;
pub mod graph;
pub mod import;
pub mod init;
pub mod man;
pub mod output;
pub mod plan;
pub mod schema;
pub mod state;
pub mod status;
pub mod unlock;
pub mod up;
pub mod validate;

use crate::ops::DEFAULT_PARALLELISM;

/// Which modules a command works on.
#[derive(Debug, clap::Args)]
pub struct Targets {
    /// Modules, by name (e.g. 5_database 6_agents).
    pub modules: Vec<String>,
    /// Every module.
    #[arg(long)]
    pub all: bool,
}

/// How `plan` and `up` treat the modules around the named ones.
#[derive(Debug, clap::Args)]
pub struct Neighbours {
    /// Also take the upstream modules these need.
    #[arg(long)]
    pub with_deps: bool,
    /// Do not re-wire deployed modules that use these modules' outputs.
    #[arg(long)]
    pub no_dependents: bool,
    /// Take the deployed modules that use these modules' outputs whole (by default only
    /// the values that change in this run reach them).
    #[arg(long, conflicts_with = "no_dependents")]
    pub with_dependents: bool,
    /// Only this resource (MODULE.NAME) and what it needs, instead of modules; repeatable.
    #[arg(long = "target", value_name = "ADDRESS", conflicts_with_all = ["modules", "all", "with_deps", "no_dependents", "with_dependents"])]
    pub targets: Vec<String>,
}

/// Steps in flight at once.
#[derive(Debug, clap::Args)]
pub struct Concurrency {
    /// Steps (or reads) in flight at once.
    #[arg(long, value_parser = parse_parallelism, default_value_t = DEFAULT_PARALLELISM)]
    pub parallelism: usize,
}

/// How a run that changes AWS (up, down) proceeds: approval, concurrency, lock wait.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Allow replacements and deletions without asking.
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub concurrency: Concurrency,
    /// Wait this long for another run's lock (e.g. 30s) instead of failing at once.
    #[arg(long, value_parser = parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
    /// Show the plan (and a preset's saving) and stop; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write when each step ran, and the critical path the run took, to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub timings: Option<std::path::PathBuf>,
}

/// `--parallelism`: 1 to 64.
pub fn parse_parallelism(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=64).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a number from 1 to 64")),
    }
}

/// `--lock-timeout 30s`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}`: {e} (write e.g. 30s or 5m)"))
}
