//! `infra graph [MODULE...] [--format dot|mermaid]`.

use crate::ops::{self, Exit, GlobalOptions, GraphFormat, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these modules (and what they read from others).
    pub modules: Vec<String>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

pub fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    ops::graph(global, &args.modules, args.format, printer).map(|_| Exit::Ok)
}
