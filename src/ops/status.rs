//! `infra status`: per module whether it is deployed, partial, absent, stale (an
//! upstream output it used has changed or gone) or drifted (AWS differs from what was
//! applied), with resource counts; `--summary` adds the estimated monthly cost per
//! module, the total, and what each `down` preset would save. Live AWS is checked
//! (concurrently) unless `--offline`.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use super::{Exit, GlobalOptions, OpsError, Workspace};
use crate::aws::Aws;
use crate::cost::{money, Pricing};
use crate::graph::Address;
use crate::manifest::presets::PresetAction;
use crate::plan::{changes, read_live};
use crate::printer::{Printer, Style};
use crate::resources::billing::{actual_costs, Actual};
use crate::resources::registry;
use crate::schema::Ty;
use crate::state::State;

#[derive(Debug, Clone, Default)]
pub struct StatusOptions {
    pub json: bool,
    pub summary: bool,
    /// Last month's cost per module from Cost Explorer, beside the estimate.
    pub actual: bool,
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
    /// Declared resources that are recorded and (when checked) still exist in AWS; for a
    /// module without a manifest, every recorded one.
    pub recorded: usize,
    pub declared: usize,
    pub monthly: f64,
    pub detail: Vec<String>,
    pub drifted: Vec<String>,
    pub missing: Vec<String>,
    /// What `status --detailed-exitcode` exits 2 for: drifted, stale, partial (which
    /// includes resources missing in AWS), or holding resources no longer declared.
    /// An absent module matches: not deploying one is a choice.
    pub differs: bool,
}

/// What a live check found for one module's resources.
#[derive(Default)]
struct LiveCheck {
    drifted: Vec<String>,
    missing: Vec<String>,
    unreadable: Vec<String>,
}

async fn live_check(ws: &Workspace, aws: &Aws, state: &State, parallelism: usize) -> HashMap<String, LiveCheck> {
    let addrs: Vec<Address> = state.modules.iter().flat_map(|(m, ms)| ms.resources.keys().map(move |n| Address::resource(m, n))).collect();
    let mut out: HashMap<String, LiveCheck> = HashMap::new();
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

fn rows(ws: &Workspace, state: &State, pricing: &Pricing, live: Option<&HashMap<String, LiveCheck>>) -> Vec<ModuleRow> {
    let mut names: Vec<String> = ws.project.modules.keys().cloned().collect();
    names.extend(state.modules.keys().filter(|m| !ws.project.modules.contains_key(*m)).cloned());
    names
        .into_iter()
        .map(|name| {
            let manifest = ws.project.module(&name);
            let declared = manifest.map(|m| m.resources.len()).unwrap_or(0);
            let recorded_map = state.modules.get(&name).map(|m| &m.resources);
            let monthly = recorded_map.map(|r| r.values().map(|res| pricing.monthly(&res.type_name, &res.properties)).sum()).unwrap_or(0.0);
            let stale = state.stale_inputs(&name);
            let mut detail: Vec<String> = stale.iter().map(|(_, _, why)| why.clone()).collect();
            detail.sort();
            detail.dedup();
            let l = live.and_then(|l| l.get(&name));
            let (drifted, missing) = l.map(|l| (l.drifted.clone(), l.missing.clone())).unwrap_or_default();
            // The count is of what the manifest asks for and is really there: a resource
            // recorded but gone from AWS is not deployed, and one recorded but no longer
            // declared (removed, or switched off with `enabled`) is not part of N/M.
            let recorded_names: Vec<&String> = recorded_map.map(|r| r.keys().collect()).unwrap_or_default();
            let gone = |n: &str| missing.iter().any(|m| *m == Address::resource(&name, n).to_string());
            let recorded = match manifest {
                Some(m) => m.resources.keys().filter(|n| recorded_names.contains(n) && !gone(n)).count(),
                None => recorded_names.len(),
            };
            let undeclared: Vec<String> = match manifest {
                Some(m) => recorded_names.iter().filter(|n| !m.resources.contains_key(n.as_str())).map(|n| format!("{name}.{n}")).collect(),
                None => Vec::new(),
            };
            if !missing.is_empty() {
                detail.push(format!("missing in AWS: {}", missing.join(", ")));
            }
            if !drifted.is_empty() {
                detail.push(format!("changed outside infra: {}", drifted.join(", ")));
            }
            if !undeclared.is_empty() {
                detail.push(format!("recorded, not declared: {} (`infra plan {name}` shows what happens to it)", undeclared.join(", ")));
            }
            if let Some(l) = l.filter(|l| !l.unreadable.is_empty()) {
                detail.push(format!("could not check: {}", l.unreadable.join("; ")));
            }
            let status = if recorded_names.is_empty() {
                ModuleStatus::Absent
            } else if !stale.is_empty() {
                ModuleStatus::Stale
            } else if recorded < declared || manifest.is_none() {
                ModuleStatus::Partial
            } else if !drifted.is_empty() {
                ModuleStatus::Drifted
            } else {
                ModuleStatus::Deployed
            };
            if manifest.is_none() {
                detail.push("no manifest: `infra down --all` removes it".into());
            }
            let differs = !matches!(status, ModuleStatus::Deployed | ModuleStatus::Absent) || !undeclared.is_empty();
            ModuleRow { name, status, recorded, declared, monthly, detail, drifted, missing, differs }
        })
        .collect()
}

/// What each preset would save now: `(name, action, modules, monthly saving)`. A `down`
/// preset saves what its modules cost; an `up` preset with variables (`pause`) saves the
/// difference its values make to the applied properties that take them whole
/// (`min_capacity = "${var.min_capacity}"`).
fn savings(ws: &Workspace, state: &State, pricing: &Pricing, rows: &[ModuleRow]) -> Vec<(String, PresetAction, Vec<String>, f64)> {
    let cost: BTreeMap<&str, f64> = rows.iter().map(|r| (r.name.as_str(), r.monthly)).collect();
    let mut out = Vec::new();
    for p in ws.project.presets.values() {
        let saving = match p.action {
            PresetAction::Down => p.modules.iter().map(|m| cost.get(m.as_str()).copied().unwrap_or(0.0)).sum(),
            PresetAction::Up if p.vars.is_empty() => continue,
            PresetAction::Up => {
                let mut saving = 0.0;
                for (module, decls) in ws.project.modules.iter().filter(|(m, _)| p.modules.contains(m)) {
                    for (name, decl) in &decls.resources {
                        let Some(applied) = state.resource(module, name) else { continue };
                        let mut paths = Vec::new();
                        var_paths(&decl.properties, &mut Vec::new(), &mut paths);
                        let mut changed = applied.properties.clone();
                        for (path, var) in paths {
                            let set = p.vars.iter().find_map(|v| v.strip_prefix(&format!("{module}.{var}=")));
                            if let (Some(value), Some(slot)) = (set, pointer(&mut changed, &path)) {
                                *slot = value.parse::<f64>().map(|f| json!(f)).unwrap_or_else(|_| json!(value));
                            }
                        }
                        saving += pricing.monthly(&applied.type_name, &applied.properties) - pricing.monthly(&applied.type_name, &changed);
                    }
                }
                saving
            }
        };
        out.push((p.name.clone(), p.action, p.modules.clone(), saving));
    }
    out
}

/// Where a declaration's properties are exactly `${var.NAME}`: (path, NAME).
fn var_paths(node: &crate::manifest::source::Node, at: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    use crate::manifest::source::NodeKind;
    match &node.kind {
        NodeKind::Str(s) => {
            if let Some(var) = s.strip_prefix("${var.").and_then(|r| r.strip_suffix('}')).filter(|v| !v.contains(['$', '{', '}'])) {
                out.push((at.clone(), var.to_string()));
            }
        }
        NodeKind::Table(entries) => {
            for (key, value) in entries {
                at.push(key.name.clone());
                var_paths(value, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn pointer<'v>(value: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(key.as_str()))
}

/// The table (or JSON); [`Exit::Changes`] when a module differs from what was applied
/// ([`ModuleRow::differs`]).
pub async fn status(global: &GlobalOptions, opts: &StatusOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let ws = Workspace::open(global)?;
    let mut state = ws.load_state(printer).await?;
    let pricing = Pricing::load(&ws.project.root).map_err(OpsError::Manifest)?;
    // Final snapshots the databases of this state left (their data), priced apart.
    let mut snapshots: Vec<String> = Vec::new();
    // A torn-down environment (written before, empty now) may still have snapshots to price.
    let look = !state.modules.is_empty() || opts.actual || (opts.summary && state.serial > 0);
    let (live, actual) = if opts.offline || !look {
        (None, None)
    } else {
        let aws = super::connect(global, printer).await?;
        ws.bind(&mut state, aws.preflight().await?)?;
        let check = async {
            if state.modules.is_empty() {
                None
            } else {
                Some(live_check(&ws, &aws, &state, opts.parallelism).await)
            }
        };
        let asked = async {
            if opts.actual {
                Some(actual_costs(&aws, &global.environment).await)
            } else {
                None
            }
        };
        let kept = async {
            if opts.summary {
                crate::resources::kept_snapshots(&aws, &state.lineage).await.unwrap_or_default()
            } else {
                Vec::new()
            }
        };
        let (live, actual, kept) = super::interrupt::unless_interrupted(async { tokio::join!(check, asked, kept) }).await?;
        snapshots = kept;
        (live, actual)
    };
    let unchecked: usize = live.iter().flat_map(|l| l.values()).map(|l| l.unreadable.len()).sum();
    let rows = rows(&ws, &state, &pricing, live.as_ref());
    let exit = if rows.iter().any(|r| r.differs) { Exit::Changes } else { Exit::Ok };
    let total: f64 = rows.iter().fold(0.0, |sum, r| sum + r.monthly);
    let savings = savings(&ws, &state, &pricing, &rows);
    // Each kept snapshot is priced as a copy of the assumed Aurora volume.
    let per_snapshot = ["aurora_storage_gb", "aurora_snapshot_price_per_gb_month"]
        .iter()
        .map(|k| pricing.assumptions.get(*k).copied().unwrap_or(0.0))
        .product::<f64>();
    let snapshot_cost = snapshots.len() as f64 * per_snapshot;

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
        let presets: serde_json::Map<String, Value> = savings
            .iter()
            .map(|(n, a, m, s)| (n.clone(), json!({"action": a.as_str(), "modules": m, "monthly_saving": round(*s)})))
            .collect();
        let mut doc = json!({
            "environment": global.environment, "serial": state.serial, "checked_live": live.is_some(),
            "currency": pricing.currency, "modules": modules, "total_monthly_cost": round(total), "presets": presets,
        });
        if !snapshots.is_empty() {
            doc["kept_snapshots"] = json!({"names": snapshots, "monthly_cost": round(snapshot_cost)});
        }
        if let Some(a) = &actual {
            doc["actual"] = json!({
                "source": "Cost Explorer, UnblendedCost grouped by tag infra:module",
                "start": a.period.0, "end": a.period.1,
                "modules": a.by_module.iter().map(|(m, c)| (m.clone(), json!(round(*c)))).collect::<serde_json::Map<String, Value>>(),
                "total": round(a.by_module.values().sum()),
                "missing": a.missing,
            });
        }
        printer.out(&serde_json::to_string_pretty(&doc).unwrap_or_default());
        return if unchecked > 0 { Err(OpsError::Unchecked(unchecked)) } else { Ok(exit) };
    }

    let how = match (&live, unchecked) {
        (None, _) => "from the state only".to_string(),
        (Some(_), 0) => "checked against AWS".to_string(),
        (Some(_), n) => format!("checked against AWS; {} could not be checked", super::plural(n, "resource")),
    };
    printer.out(&format!("Environment {} ({}, serial {}), {how}\n", global.environment, ws.store.describe(), state.serial));
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(6).max(6);
    let shown = actual.as_ref().filter(|a| a.missing.is_none());
    let cost_head = match (opts.summary, shown) {
        (true, Some(_)) => format!("{:>9}  {:>10}  ", "$/MONTH", "LAST MONTH"),
        (true, None) => format!("{:>9}  ", "$/MONTH"),
        _ => String::new(),
    };
    printer.out(&format!("{:<width$}  {:<9} {:>9}  {cost_head}DETAIL", "MODULE", "STATE", "RESOURCES"));
    for r in &rows {
        let style = match r.status {
            ModuleStatus::Deployed => Style::Green,
            ModuleStatus::Stale | ModuleStatus::Partial | ModuleStatus::Drifted => Style::Yellow,
            ModuleStatus::Absent => Style::Dim,
        };
        let state_col = printer.paint(style, &format!("{:<9}", r.status.as_str()));
        let count = format!("{}/{}", r.recorded, r.declared);
        let cost = match (opts.summary, shown) {
            (true, Some(a)) => format!("{:>9.2}  {:>10.2}  ", money(r.monthly), money(a.by_module.get(&r.name).copied().unwrap_or(0.0))),
            (true, None) => format!("{:>9.2}  ", money(r.monthly)),
            _ => String::new(),
        };
        printer.out(format!("{:<width$}  {state_col} {count:>9}  {cost}{}", r.name, r.detail.join("; ")).trim_end());
    }
    if opts.summary {
        let recorded: usize = rows.iter().map(|r| r.recorded).sum();
        let declared: usize = rows.iter().map(|r| r.declared).sum();
        let last = shown.map(|a| format!("  {:>10.2}", money(a.by_module.values().sum::<f64>()))).unwrap_or_default();
        printer.out(&format!("{:<width$}  {:<9} {:>9}  {:>9.2}{last}", "TOTAL", "", format!("{recorded}/{declared}"), money(total)));
        printer.out("");
        for (name, action, modules, saving) in &savings {
            let saving = money(*saving);
            let line = match (action, saving > 0.0) {
                (PresetAction::Down, true) => {
                    format!("`infra down --preset {name}` would save ${saving:.2}/month (removes {}).", modules.join(", "))
                }
                (PresetAction::Down, false) => {
                    format!("`infra down --preset {name}`: nothing to save now ({} not deployed).", modules.join(", "))
                }
                (PresetAction::Up, true) => {
                    format!(
                        "`infra up --preset {name}` would save ${saving:.2}/month (keeps {} deployed, data intact).",
                        modules.join(", ")
                    )
                }
                (PresetAction::Up, false) => format!("`infra up --preset {name}`: nothing to save now."),
            };
            printer.out(&line);
        }
        if !snapshots.is_empty() {
            printer.out(&format!(
                "Kept final snapshots (deleted databases' data, not in the total): {} at ~${:.2}/month ({}).",
                snapshots.len(),
                money(snapshot_cost),
                snapshots.join(", ")
            ));
        }
        printer.out(&format!("Estimates: {} (docs/costs.md).", pricing.describe()));
        match &actual {
            Some(Actual { missing: Some(why), .. }) => printer.out(&format!("Last month's actual cost: not shown: {why}.")),
            Some(a) => printer.out(&format!(
                "LAST MONTH: Cost Explorer's unblended cost from {} to {} of resources tagged infra:env={}, by tag infra:module.",
                a.period.0, a.period.1, global.environment
            )),
            None => {}
        }
    }
    if unchecked > 0 {
        return Err(OpsError::Unchecked(unchecked));
    }
    Ok(exit)
}

fn round(x: f64) -> f64 {
    money(x)
}
