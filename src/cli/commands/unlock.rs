//! `infra unlock [--force]`.

use crate::ops::{self, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also break the lock of a run that is still running (only when it is stuck).
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    ops::unlock(global, args.force, printer).map(|_| Exit::Ok)
}
