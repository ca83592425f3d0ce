//! `infra plan [MODULE...|--all]`.

use super::{Concurrency, Neighbours, Targets};
use crate::ops::{self, Exit, GlobalOptions, OpsError, PlanFormat, PlanOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub targets: Targets,
    #[command(flatten)]
    pub neighbours: Neighbours,
    /// Replace this resource (MODULE.NAME) although nothing forces it; repeatable.
    #[arg(long = "replace", value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Compare with the state only, without reading AWS.
    #[arg(long)]
    pub no_refresh: bool,
    /// Also estimate how long applying would take on AWS, and along which chain.
    #[arg(long)]
    pub estimate: bool,
    /// Print the plan as JSON (format: docs/plans.md).
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the plan as Markdown, for a pull-request comment.
    #[arg(long)]
    pub markdown: bool,
    /// Save the plan to FILE; `infra up FILE` applies exactly it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub concurrency: Concurrency,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let opts = PlanOptions {
        modules: args.targets.modules,
        all: args.targets.all,
        with_deps: args.neighbours.with_deps,
        no_dependents: args.neighbours.no_dependents,
        with_dependents: args.neighbours.with_dependents,
        targets: args.neighbours.targets,
        replace: args.replace,
        parallelism: args.concurrency.parallelism,
        refresh: !args.no_refresh,
        estimate: args.estimate,
        format: match (args.json, args.markdown) {
            (true, _) => PlanFormat::Json,
            (_, true) => PlanFormat::Markdown,
            _ => PlanFormat::Text,
        },
        out: args.out,
    };
    let exit = ops::plan(global, &opts, printer).await?;
    Ok(if args.detailed_exitcode { exit } else { Exit::Ok })
}
