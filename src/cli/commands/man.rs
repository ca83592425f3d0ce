//! `infra man [--out DIR]`: the man page, generated from the same clap definition the
//! binary parses with.

use std::path::PathBuf;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::ops::{self, Exit, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write infra.1 and one page per command (infra-plan.1, infra-state-list.1, ...) into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: Args, printer: &Printer) -> Result<Exit, OpsError> {
    ops::man(Cli::command(), args.out.as_deref(), printer).map(|_| Exit::Ok)
}
