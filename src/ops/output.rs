//! `infra output [MODULE [NAME]]`: recorded outputs, like `terraform output`. With no
//! module, every deployed module's, grouped by module; with a module, its outputs; with
//! a name, that one value raw for shell use. `--json` gives the same as JSON. Sensitive
//! outputs are never recorded and show as `(sensitive)`.

use serde_json::{Map, Value};

use super::{GlobalOptions, OpsError, Workspace};
use crate::manifest::Module;
use crate::printer::Printer;
use crate::state::State;

fn raw(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `NAME = VALUE` lines for one module's declared outputs, names aligned, each line
/// prefixed by `indent`.
fn lines(manifest: &Module, recorded: &Map<String, Value>, indent: &str) -> Vec<String> {
    let width = manifest.outputs.keys().map(String::len).max().unwrap_or(0);
    manifest
        .outputs
        .iter()
        .map(|(key, out)| {
            let shown = if out.sensitive {
                "(sensitive)".to_string()
            } else {
                recorded.get(key).map(raw).unwrap_or_else(|| "(no value yet)".into())
            };
            format!("{indent}{key:<width$} = {shown}")
        })
        .collect()
}

fn recorded(state: &State, module: &str) -> Map<String, Value> {
    state.modules.get(module).map(|m| m.outputs.clone().into_iter().collect()).unwrap_or_default()
}

pub async fn output(
    global: &GlobalOptions,
    module: Option<&str>,
    name: Option<&str>,
    json: bool,
    printer: &Printer,
) -> Result<(), OpsError> {
    let ws = Workspace::open(global)?;
    let state = ws.load_state(printer).await?;
    let Some(module) = module else { return all(&ws, &state, json, printer) };
    let manifest = ws.project.module(module).ok_or_else(|| {
        let help =
            crate::manifest::suggest(module, ws.project.modules.keys().map(String::as_str)).map(|s| format!(" ({s})")).unwrap_or_default();
        OpsError::Usage(format!("unknown module `{module}`{help}"))
    })?;
    if !state.is_deployed(module) {
        return Err(OpsError::Usage(format!("module {module} is not deployed; run `infra up {module}`")));
    }
    let recorded = recorded(&state, module);
    match name {
        Some(name) => {
            let out = manifest.outputs.get(name).ok_or_else(|| OpsError::Usage(format!("module {module} has no output `{name}`")))?;
            if out.sensitive {
                return Err(OpsError::Usage(format!("output {module}.{name} is sensitive and is not recorded")));
            }
            let value = recorded.get(name).ok_or_else(|| OpsError::Usage(format!("output {module}.{name} has no value yet")))?;
            printer.out(&if json { value.to_string() } else { raw(value) });
        }
        None if json => printer.out(&serde_json::to_string_pretty(&Value::Object(recorded)).unwrap_or_default()),
        None => {
            for line in lines(manifest, &recorded, "") {
                printer.out(&line);
            }
        }
    }
    Ok(())
}

/// Every deployed module's outputs, in module order. A module that is not deployed has
/// none to show; saying which ones keeps an empty answer from looking like a fault.
fn all(ws: &Workspace, state: &State, json: bool, printer: &Printer) -> Result<(), OpsError> {
    let deployed: Vec<&Module> = ws.project.modules.values().filter(|m| state.is_deployed(&m.name) && !m.outputs.is_empty()).collect();
    if json {
        let doc: Map<String, Value> = deployed.iter().map(|m| (m.name.clone(), Value::Object(recorded(state, &m.name)))).collect();
        printer.out(&serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default());
        return Ok(());
    }
    for (i, m) in deployed.iter().enumerate() {
        if i > 0 {
            printer.out("");
        }
        printer.out(&format!("{}:", m.name));
        for line in lines(m, &recorded(state, &m.name), "  ") {
            printer.out(&line);
        }
    }
    let undeployed: Vec<&str> =
        ws.project.modules.values().filter(|m| !state.is_deployed(&m.name) && !m.outputs.is_empty()).map(|m| m.name.as_str()).collect();
    if !undeployed.is_empty() {
        printer.note(&format!("Not deployed, so no outputs: {}.", undeployed.join(", ")));
    }
    Ok(())
}
