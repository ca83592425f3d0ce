//! `infra completions SHELL`: the completion script, generated from the same clap
//! definition the binary parses with.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::ops::{self, Exit, OpsError, Shell};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: Args, printer: &Printer) -> Result<Exit, OpsError> {
    ops::completions(Cli::command(), args.shell, printer).map(|_| Exit::Ok)
}
