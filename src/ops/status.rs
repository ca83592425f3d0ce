//! `infra status`: per module whether it is deployed, partial, absent, stale (an
//! upstream output it used has changed or gone) or drifted (AWS differs from what was
//! applied), with resource counts; `--summary` adds the estimated monthly cost per
//! module, the total, and what each `down` preset would save. Live AWS is checked
//! (concurrently) unless `--offline`.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::{GlobalOptions, OpsError, Workspace};
use crate::aws::Aws;
use crate::cost::Pricing;
use crate::graph::Address;
use crate::manifest::presets::PresetAction;
use crate::plan::{changes, read_live};
use crate::printer::{Printer, Style};
use crate::resources::registry;
use crate::schema::Ty;
use crate::state::State;

#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    pub json: bool,
    pub summary: bool,
    pub offline: bool,
    pub parallelism: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleStatus {
    Deployed,
    Partial,
    Absent,
    Stale,
    Drifted,
}

impl ModuleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleStatus::Deployed => "deployed",
            ModuleStatus::Partial => "partial",
            ModuleStatus::Absent => "absent",
            ModuleStatus::Stale => "stale",
            ModuleStatus::Drifted => "drifted",
        }
    }
}

pub struct ModuleRow {
    pub name: String,
    pub status: ModuleStatus,
    pub recorded: usize,
    pub declared: usize,
    pub monthly: f64,
    pub detail: Vec<String>,
    pub drifted: Vec<String>,
    pub missing: Vec<String>,
}

/// What a live check found for one module's resources.
#[derive(Default)]
struct Live {
    drifted: Vec<String>,
    missing: Vec<String>,
    unreadable: Vec<String>,
}

async fn live_check(ws: &Workspace, aws: &Aws, state: &State, parallelism: usize) -> HashMap<String, Live> {
    let addrs: Vec<Address> = state.modules.iter().flat_map(|(m, ms)| ms.resources.keys().map(move |n| Address::resource(m, n))).collect();
    let mut out: HashMap<String, Live> = HashMap::new();
    for (addr, result) in read_live(aws, &ws.project, state, addrs, parallelism).await {
        let entry = out.entry(addr.module.clone()).or_default();
        let Some(prior) = state.resource(&addr.module, &addr.name) else { continue };
        match result {
            Ok(None) => entry.missing.push(addr.to_string()),
            Ok(Some((live, _))) => {
                let ty = registry::resource(&prior.type_name).map(|r| r.schema()).unwrap_or(Ty::Json);
                if !changes(&ty, Some(&prior.properties), &prior.properties, &live, true).is_empty() {
                    entry.drifted.push(addr.to_string());
                }
            }
            Err(e) => entry.unreadable.push(format!("{addr}: {e}")),
        }
    }
    out
}

fn rows(ws: &Workspace, state: &State, pricing: &Pricing, live: Option<&HashMap<String, Live>>) -> Vec<ModuleRow> {
    let mut names: Vec<String> = ws.project.modules.keys().cloned().collect();
    names.extend(state.modules.keys().filter(|m| !ws.project.modules.contains_key(*m)).cloned());
    names
        .into_iter()
        .map(|name| {
            let declared = ws.project.module(&name).map(|m| m.resources.len()).unwrap_or(0);
            let recorded_map = state.modules.get(&name).map(|m| &m.resources);
            let recorded = recorded_map.map(|r| r.len()).unwrap_or(0);
            let monthly = recorded_map.map(|r| r.values().map(|res| pricing.monthly(&res.type_name, &res.properties)).sum()).unwrap_or(0.0);
            let stale = state.stale_inputs(&name);
            let mut detail: Vec<String> = stale.iter().map(|(_, _, why)| why.clone()).collect();
            detail.sort();
            detail.dedup();
            let l = live.and_then(|l| l.get(&name));
            let (drifted, missing) = l.map(|l| (l.drifted.clone(), l.missing.clone())).unwrap_or_default();
            if !missing.is_empty() {
                detail.push(format!("missing in AWS: {}", missing.join(", ")));
            }
            if !drifted.is_empty() {
                detail.push(format!("changed outside infra: {}", drifted.join(", ")));
            }
            if let Some(l) = l.filter(|l| !l.unreadable.is_empty()) {
                detail.push(format!("could not check: {}", l.unreadable.join("; ")));
            }
            let status = if recorded == 0 {
                ModuleStatus::Absent
            } else if !stale.is_empty() {
                ModuleStatus::Stale
            } else if recorded < declared || !missing.is_empty() || ws.project.module(&name).is_none() {
                ModuleStatus::Partial
            } else if !drifted.is_empty() {
                ModuleStatus::Drifted
            } else {
                ModuleStatus::Deployed
            };
            if ws.project.module(&name).is_none() {
                detail.push("no manifest: `infra down --all` removes it".into());
            }
            ModuleRow { name, status, recorded, declared, monthly, detail, drifted, missing }
        })
        .collect()
}

/// What each `down` preset would save now: `(name, modules, monthly saving)`.
fn savings(ws: &Workspace, rows: &[ModuleRow]) -> Vec<(String, Vec<String>, f64)> {
    let cost: BTreeMap<&str, f64> = rows.iter().map(|r| (r.name.as_str(), r.monthly)).collect();
    ws.project
        .presets
        .values()
        .filter(|p| p.action == PresetAction::Down)
        .map(|p| (p.name.clone(), p.modules.clone(), p.modules.iter().map(|m| cost.get(m.as_str()).copied().unwrap_or(0.0)).sum()))
        .collect()
}

pub async fn status(global: &GlobalOptions, opts: &StatusOptions, printer: &Printer) -> Result<(), OpsError> {
    let ws = Workspace::open(global)?;
    let mut state = ws.load_state(printer).await?;
    let pricing = Pricing::load(&ws.project.root).map_err(OpsError::Manifest)?;
    let live = if opts.offline || state.modules.is_empty() {
        None
    } else {
        let aws = super::connect(global, printer).await?;
        ws.bind(&mut state, aws.preflight().await?)?;
        Some(super::interrupt::unless_interrupted(live_check(&ws, &aws, &state, opts.parallelism)).await?)
    };
    let unchecked: usize = live.iter().flat_map(|l| l.values()).map(|l| l.unreadable.len()).sum();
    let rows = rows(&ws, &state, &pricing, live.as_ref());
    let total: f64 = rows.iter().map(|r| r.monthly).sum();
    let savings = savings(&ws, &rows);

    if opts.json {
        let modules: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "module": r.name, "state": r.status.as_str(), "resources": r.recorded, "declared": r.declared,
                    "monthly_cost": round(r.monthly), "detail": r.detail, "drifted": r.drifted, "missing": r.missing,
                })
            })
            .collect();
        let presets: serde_json::Map<String, Value> =
            savings.iter().map(|(n, m, s)| (n.clone(), json!({"modules": m, "monthly_saving": round(*s)}))).collect();
        let doc = json!({
            "environment": global.environment, "serial": state.serial, "checked_live": live.is_some(),
            "currency": pricing.currency, "modules": modules, "total_monthly_cost": round(total), "presets": presets,
        });
        printer.out(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        return if unchecked > 0 { Err(OpsError::Unchecked(unchecked)) } else { Ok(()) };
    }

    let how = match (&live, unchecked) {
        (None, _) => "from the state only".to_string(),
        (Some(_), 0) => "checked against AWS".to_string(),
        (Some(_), n) => format!("checked against AWS; {} could not be checked", super::plural(n, "resource")),
    };
    printer.out(&format!("Environment {} ({}, serial {}), {how}\n", global.environment, ws.store.describe(), state.serial));
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(6).max(6);
    let cost_head = if opts.summary { format!("{:>9}  ", "$/MONTH") } else { String::new() };
    printer.out(&format!("{:<width$}  {:<9} {:>9}  {cost_head}DETAIL", "MODULE", "STATE", "RESOURCES"));
    for r in &rows {
        let style = match r.status {
            ModuleStatus::Deployed => Style::Green,
            ModuleStatus::Stale | ModuleStatus::Partial | ModuleStatus::Drifted => Style::Yellow,
            ModuleStatus::Absent => Style::Dim,
        };
        let state_col = printer.paint(style, &format!("{:<9}", r.status.as_str()));
        let count = format!("{}/{}", r.recorded, r.declared);
        let cost = if opts.summary { format!("{:>9.2}  ", r.monthly) } else { String::new() };
        printer.out(format!("{:<width$}  {state_col} {count:>9}  {cost}{}", r.name, r.detail.join("; ")).trim_end());
    }
    if opts.summary {
        let recorded: usize = rows.iter().map(|r| r.recorded).sum();
        let declared: usize = rows.iter().map(|r| r.declared).sum();
        printer.out(&format!("{:<width$}  {:<9} {:>9}  {:>9.2}", "TOTAL", "", format!("{recorded}/{declared}"), total));
        printer.out("");
        for (name, modules, saving) in &savings {
            let line = if *saving > 0.0 {
                format!("`infra down --preset {name}` would save ${saving:.2}/month (removes {}).", modules.join(", "))
            } else {
                format!("`infra down --preset {name}`: nothing to save now ({} not deployed).", modules.join(", "))
            };
            printer.out(&line);
        }
        printer.out(&format!(
            "Estimates: {} list prices in {} with the usage assumptions in modules/pricing.toml (docs/costs.md).",
            pricing.region, pricing.currency
        ));
    }
    if unchecked > 0 {
        return Err(OpsError::Unchecked(unchecked));
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
