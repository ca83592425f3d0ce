//! `infra output`: a module's recorded outputs, raw for shell use or as JSON.

use serde_json::Value;

use super::{GlobalOptions, OpsError, Workspace};
use crate::printer::Printer;

fn raw(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub async fn output(global: &GlobalOptions, module: &str, name: Option<&str>, json: bool, printer: &Printer) -> Result<(), OpsError> {
    let ws = Workspace::open(global)?;
    let state = ws.load_state(printer).await?;
    let manifest = ws.project.module(module).ok_or_else(|| OpsError::Usage(format!("unknown module `{module}`")))?;
    let recorded = state.modules.get(module).map(|m| m.outputs.clone()).unwrap_or_default();
    if !state.is_deployed(module) {
        return Err(OpsError::Usage(format!("module {module} is not deployed; run `infra up {module}`")));
    }
    match name {
        Some(name) => {
            let out = manifest.outputs.get(name).ok_or_else(|| OpsError::Usage(format!("module {module} has no output `{name}`")))?;
            if out.sensitive {
                return Err(OpsError::Usage(format!("output {module}.{name} is sensitive and is not recorded")));
            }
            let value = recorded.get(name).ok_or_else(|| OpsError::Usage(format!("output {module}.{name} has no value yet")))?;
            printer.out(&if json { value.to_string() } else { raw(value) });
        }
        None if json => {
            let map: serde_json::Map<String, Value> = recorded.into_iter().collect();
            printer.out(&serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default());
        }
        None => {
            let width = manifest.outputs.keys().map(String::len).max().unwrap_or(0);
            for (key, out) in &manifest.outputs {
                let shown = if out.sensitive {
                    "(sensitive)".to_string()
                } else {
                    recorded.get(key).map(raw).unwrap_or_else(|| "(no value yet)".into())
                };
                printer.out(&format!("{key:<width$} = {shown}"));
            }
        }
    }
    Ok(())
}
