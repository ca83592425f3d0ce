//! `infra status`: per module, whether it is deployed, partial, absent or stale (an
//! upstream output it used has changed or gone), with resource counts.

use serde_json::json;

use super::{GlobalOptions, OpsError, Workspace};
use crate::printer::{Printer, Style};
use crate::state::State;

#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleStatus {
    Deployed,
    Partial,
    Absent,
    Stale,
}

impl ModuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleStatus::Deployed => "deployed",
            ModuleStatus::Partial => "partial",
            ModuleStatus::Absent => "absent",
            ModuleStatus::Stale => "stale",
        }
    }
}

pub struct ModuleRow {
    pub name: String,
    pub status: ModuleStatus,
    pub recorded: usize,
    pub declared: usize,
    pub detail: Vec<String>,
}

pub fn rows(ws: &Workspace, state: &State) -> Vec<ModuleRow> {
    let mut names: Vec<String> = ws.project.modules.keys().cloned().collect();
    names.extend(state.modules.keys().filter(|m| !ws.project.modules.contains_key(*m)).cloned());
    names
        .into_iter()
        .map(|name| {
            let declared = ws.project.module(&name).map(|m| m.resources.len()).unwrap_or(0);
            let recorded = state.modules.get(&name).map(|m| m.resources.len()).unwrap_or(0);
            let stale = state.stale_inputs(&name);
            let mut detail: Vec<String> = stale.iter().map(|(_, _, why)| why.clone()).collect();
            detail.sort();
            detail.dedup();
            let status = if recorded == 0 {
                ModuleStatus::Absent
            } else if !stale.is_empty() {
                ModuleStatus::Stale
            } else if recorded < declared || ws.project.module(&name).is_none() {
                ModuleStatus::Partial
            } else {
                ModuleStatus::Deployed
            };
            if ws.project.module(&name).is_none() {
                detail.push("no manifest: `infra down --all` removes it".into());
            }
            ModuleRow { name, status, recorded, declared, detail }
        })
        .collect()
}

pub fn status(global: &GlobalOptions, opts: &StatusOptions, printer: &Printer) -> Result<(), OpsError> {
    let ws = Workspace::open(global)?;
    let state = ws.store.load()?;
    let rows = rows(&ws, &state);
    if opts.json {
        let modules: Vec<_> = rows
            .iter()
            .map(|r| json!({"module": r.name, "state": r.status.as_str(), "resources": r.recorded, "declared": r.declared, "detail": r.detail}))
            .collect();
        let doc = json!({"environment": global.environment, "serial": state.serial, "modules": modules});
        printer.out(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(());
    }
    printer.out(&format!("Environment {} ({}, serial {})\n", global.environment, ws.store.path().display(), state.serial));
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(6).max(6);
    printer.out(&format!("{:<width$}  {:<9} {:>9}  DETAIL", "MODULE", "STATE", "RESOURCES"));
    for r in &rows {
        let style = match r.status {
            ModuleStatus::Deployed => Style::Green,
            ModuleStatus::Stale | ModuleStatus::Partial => Style::Yellow,
            ModuleStatus::Absent => Style::Dim,
        };
        let state = printer.paint(style, &format!("{:<9}", r.status.as_str()));
        let count = format!("{}/{}", r.recorded, r.declared);
        printer.out(&format!("{:<width$}  {state} {count:>9}  {}", r.name, r.detail.join("; ")));
    }
    Ok(())
}
