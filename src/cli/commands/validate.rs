//! `infra validate`.

use crate::ops::{self, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

pub fn run(global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    ops::validate(global, printer).map(|_| Exit::Ok)
}
