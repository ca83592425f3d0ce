//! `infra output [MODULE [NAME]] [--json]`.

use crate::ops::{self, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The module whose outputs to print; without it, every deployed module's, grouped.
    pub module: Option<String>,
    /// One output, printed raw (strings without quotes) for shell use.
    pub name: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    ops::output(global, args.module.as_deref(), args.name.as_deref(), args.json, printer).await.map(|_| Exit::Ok)
}
