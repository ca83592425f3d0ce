//! `infra docs`: the resource reference (docs/resources.md), generated.

use crate::ops::{self, Exit, OpsError};
use crate::printer::Printer;

pub fn run(printer: &Printer) -> Result<Exit, OpsError> {
    ops::docs(printer).map(|_| Exit::Ok)
}
