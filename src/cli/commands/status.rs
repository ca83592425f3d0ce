//! `infra status [--summary [--actual]] [--offline] [--json] [--detailed-exitcode]`.

use super::Concurrency;
use crate::ops::{self, Exit, GlobalOptions, OpsError, StatusOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Add estimated monthly costs, the total, and what each preset would save.
    #[arg(long)]
    pub summary: bool,
    /// With --summary: last month's cost per module from Cost Explorer (tag infra:module) beside the estimate.
    #[arg(long, requires = "summary", conflicts_with = "offline")]
    pub actual: bool,
    /// Read the state only; do not check AWS.
    #[arg(long)]
    pub offline: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when everything deployed matches, 2 when a module is drifted, stale or partial (or holds undeclared resources), 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    #[command(flatten)]
    pub concurrency: Concurrency,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let opts = StatusOptions {
        json: args.json,
        summary: args.summary,
        actual: args.actual,
        offline: args.offline,
        parallelism: args.concurrency.parallelism,
    };
    let exit = ops::status(global, &opts, printer).await?;
    Ok(if args.detailed_exitcode { exit } else { Exit::Ok })
}
