//! `infra init [DIR]`: a new project.

use std::path::PathBuf;

use crate::ops::{self, Exit, GlobalOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to create it (default: --project-dir, else the current directory).
    pub dir: Option<PathBuf>,
}

pub fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let dir = args.dir.or_else(|| global.project_dir.clone()).unwrap_or_else(|| PathBuf::from("."));
    ops::init(&dir, printer).map(|_| Exit::Ok)
}
