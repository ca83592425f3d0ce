//! `infra schema TYPE`: one type's reference.

use crate::ops::{self, Exit, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A resource or lookup type, e.g. `sqs.queue`.
    pub type_name: String,
}

pub fn run(args: Args, printer: &Printer) -> Result<Exit, OpsError> {
    ops::schema(&args.type_name, printer).map(|_| Exit::Ok)
}
