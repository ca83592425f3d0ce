//! `infra graph`: the dependency graph as Graphviz DOT or Mermaid.

use super::{GlobalOptions, OpsError, Workspace};
use crate::printer::Printer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum GraphFormat {
    #[default]
    Dot,
    Mermaid,
}

pub fn graph(global: &GlobalOptions, modules: &[String], format: GraphFormat, printer: &Printer) -> Result<(), OpsError> {
    let ws = Workspace::open(global)?;
    for m in modules {
        if ws.project.module(m).is_none() {
            return Err(OpsError::Usage(format!("unknown module `{m}`")));
        }
    }
    let text = match format {
        GraphFormat::Dot => ws.graph.to_dot(modules),
        GraphFormat::Mermaid => ws.graph.to_mermaid(modules),
    };
    printer.out(text.trim_end());
    Ok(())
}
