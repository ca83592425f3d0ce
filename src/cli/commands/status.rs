//! `infra status`.

use crate::ops::{self, Exit, GlobalOptions, OpsError, StatusOptions};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    ops::status(global, &StatusOptions { json: args.json }, printer).map(|_| Exit::Ok)
}
