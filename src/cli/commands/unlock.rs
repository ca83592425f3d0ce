//! `infra unlock [--force] [--yes]`.

use crate::ops::{self, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also break the lock of a run that is still running (only when it is stuck).
    #[arg(long)]
    pub force: bool,
    /// Remove an S3 lock without asking.
    #[arg(short, long)]
    pub yes: bool,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    ops::unlock(global, args.force, args.yes, printer).await.map(|_| Exit::Ok)
}
