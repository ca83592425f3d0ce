//! `infra import`: adopt what already exists in AWS into this environment's state,
//! without changing anything in AWS. `import ADDRESS ID` reads one resource by its id;
//! `import MODULE...` / `--all` looks every manifest resource the state lacks up by its
//! natural id (name, identifier) and lists what it finds, recording it with `--yes`.
//! Afterwards the plan says what the next `up` would change to match the manifests.
//! Something another environment or state owns (by infra's tags) is never adopted.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{render, Exit, GlobalOptions, OpsError, Workspace};
use crate::aws::Aws;
use crate::graph::{Address, Kind};
use crate::plan::{checkable, select_up, Planner};
use crate::printer::{Printer, Style};
use crate::resources::tags::{self, Tags};
use crate::resources::{registry, split_sensitive, Ctx, DynResource, Identity};
use crate::state::{self, Edit, ResourceState, State};

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `MODULE.NAME` and the resource's id in AWS.
    pub one: Option<(String, String)>,
    pub modules: Vec<String>,
    pub all: bool,
    /// Record what the lookup found (otherwise only list it).
    pub yes: bool,
    pub lock_timeout: Option<std::time::Duration>,
    pub parallelism: usize,
}

/// A resource found in AWS for a manifest resource, read and checked.
struct Found {
    address: Address,
    type_name: String,
    id: String,
    props: Value,
    attrs: crate::resources::Attrs,
}

pub async fn import(global: &GlobalOptions, opts: &ImportOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let ws = Workspace::open(global)?;
    let (_lock, mut state, early) = ws.begin(global, opts.lock_timeout, "infra import", printer).await?;
    let aws = ws.connected(early, &mut state, global, printer).await?;
    let modules = match &opts.one {
        Some((address, _)) => vec![split(address)?.0.to_string()],
        None => ws.modules(&opts.modules, opts.all, &state)?,
    };
    let desired = desired(&ws, &state, &aws, &modules, opts.parallelism).await?;
    let found = match &opts.one {
        Some((address, id)) => vec![one(&ws, &state, &aws, &desired, address, id).await?],
        None => {
            let found = lookup(&ws, &state, &aws, &desired, printer).await?;
            if !opts.yes {
                if !found.is_empty() {
                    printer.out(&format!(
                        "Run again with --yes to record {}; nothing is changed in AWS.",
                        super::plural(found.len(), "resource")
                    ));
                }
                return Ok(Exit::Ok);
            }
            found
        }
    };
    for f in &found {
        record(&ws, &mut state, f)?;
        printer.status("Imported", Style::Green, &format!("{} ({} {}); nothing changed in AWS", f.address, f.type_name, f.id));
    }
    ws.store.compact(&mut state).await?;
    if found.is_empty() {
        return Ok(Exit::Ok);
    }
    // What the next `up` would do to bring them to the manifests.
    let sel = select_up(&ws.project, &ws.graph, &state, &modules, false, false)?;
    let planner =
        Planner { project: &ws.project, graph: &ws.graph, state: &state, aws: &aws, parallelism: opts.parallelism, refresh: true };
    let plan = super::interrupt::unless_interrupted(planner.plan(&sel)).await??;
    printer.out(&render::plan(printer, &plan, "The next `up` would:"));
    Ok(Exit::Ok)
}

fn split(address: &str) -> Result<(&str, &str), OpsError> {
    address
        .split_once('.')
        .filter(|(m, n)| !m.is_empty() && !n.is_empty())
        .ok_or_else(|| OpsError::Usage(format!("`{address}` is not an address: write MODULE.NAME, e.g. 5_database.aurora")))
}

/// What the manifests want for every resource of these modules, as far as it is known
/// before anything runs (references to what is not deployed yet stay unknown).
async fn desired(
    ws: &Workspace,
    state: &State,
    aws: &Aws,
    modules: &[String],
    parallelism: usize,
) -> Result<BTreeMap<Address, Value>, OpsError> {
    let sel = select_up(&ws.project, &ws.graph, state, modules, false, false)?;
    let planner = Planner { project: &ws.project, graph: &ws.graph, state, aws, parallelism, refresh: false };
    let plan = super::interrupt::unless_interrupted(planner.plan_unchecked(&sel)).await??;
    Ok(plan.steps.into_iter().filter(|s| s.address.kind == Kind::Resource).filter_map(|s| Some((s.address, s.desired?))).collect())
}

/// Refusals shared by both ways in: the address must be a manifest resource the state
/// lacks, and the id must not be recorded for another address.
fn check_free(state: &State, address: &Address, type_name: &str, id: &str) -> Result<(), OpsError> {
    if let Some(r) = state.resource(&address.module, &address.name) {
        return Err(OpsError::Refused(format!(
            "{address} is already recorded (id {}); `infra state rm {address}` first to adopt another",
            r.id
        )));
    }
    for (m, ms) in &state.modules {
        for (n, r) in &ms.resources {
            if r.type_name == type_name && r.id == id {
                return Err(OpsError::Refused(format!("{type_name} {id} is already recorded as {m}.{n}: one resource, one address")));
            }
        }
    }
    Ok(())
}

fn kind_of(ws: &Workspace, address: &Address) -> Result<&'static dyn DynResource, OpsError> {
    let decl = ws
        .project
        .module(&address.module)
        .and_then(|m| m.resources.get(&address.name))
        .ok_or_else(|| OpsError::Usage(format!("{address} is not a resource of the manifests: declare it first, then import it")))?;
    registry::resource(&decl.type_name).ok_or_else(|| OpsError::Usage(format!("{address}: unknown type {}", decl.type_name)))
}

/// Read the resource and check that it is not someone else's.
async fn read(
    ws: &Workspace,
    state: &State,
    aws: &Aws,
    kind: &dyn DynResource,
    address: &Address,
    id: &str,
    desired: &Value,
) -> Result<Option<Found>, OpsError> {
    let label = address.to_string();
    let dir = ws.project.module_dir(&address.module);
    let cx = Ctx::new(aws, &label, &dir);
    let props = crate::schema::stand_in_unknowns(desired, &kind.schema());
    let live =
        kind.read(&cx, id, &props).await.map_err(|e| OpsError::Refused(format!("{address}: reading {} {id}: {e}", kind.type_name())))?;
    let Some((props, attrs)) = live else { return Ok(None) };
    if let Some(live_tags) = props.get("tags").and_then(|t| serde_json::from_value::<Tags>(t.clone()).ok()) {
        let other_env = live_tags.get(tags::ENV).is_some_and(|e| *e != ws.project.environment);
        let other_state = live_tags.get(tags::STATE).is_some_and(|s| *s != state.lineage);
        if other_env || other_state {
            return Err(OpsError::Refused(format!(
                "{address}: {} {id} is not this environment's to adopt ({})",
                kind.type_name(),
                tags::owner(&live_tags, &ws.project.environment, &state.lineage)
            )));
        }
    }
    Ok(Some(Found { address: address.clone(), type_name: kind.type_name().to_string(), id: id.to_string(), props, attrs }))
}

async fn one(
    ws: &Workspace,
    state: &State,
    aws: &Aws,
    desired: &BTreeMap<Address, Value>,
    address: &str,
    id: &str,
) -> Result<Found, OpsError> {
    let (m, n) = split(address)?;
    let address = Address::resource(m, n);
    let kind = kind_of(ws, &address)?;
    check_free(state, &address, kind.type_name(), id)?;
    let want = desired.get(&address).cloned().unwrap_or(Value::Object(Default::default()));
    read(ws, state, aws, kind, &address, id, &want).await?.ok_or_else(|| {
        OpsError::Refused(format!(
            "{address}: no {} with id `{id}` in account {} region {} (a wrong id, or a resource of another type)",
            kind.type_name(),
            state.account.as_deref().unwrap_or("?"),
            state.region.as_deref().unwrap_or("?")
        ))
    })
}

/// Every manifest resource the state lacks, looked up by its natural id; the list of
/// what was found, not found and refused is printed.
async fn lookup(
    ws: &Workspace,
    state: &State,
    aws: &Aws,
    desired: &BTreeMap<Address, Value>,
    printer: &Printer,
) -> Result<Vec<Found>, OpsError> {
    let mut found = Vec::new();
    let mut lines = Vec::new();
    for (address, want) in desired {
        if state.resource(&address.module, &address.name).is_some() {
            continue;
        }
        let kind = kind_of(ws, address)?;
        let label = address.to_string();
        if !matches!(kind.identity(), Identity::Named(_) | Identity::Unique(_)) {
            lines.push(format!("  ? {label:<40} not looked up: AWS assigns its id ({}); `infra import {label} ID`", kind.type_name()));
            continue;
        }
        if !checkable(kind, want) {
            lines.push(format!("  ? {label:<40} not looked up: its name depends on something not deployed yet"));
            continue;
        }
        let dir = ws.project.module_dir(&address.module);
        let cx = Ctx::new(aws, &label, &dir);
        let id = match kind.find(&cx, want).await {
            Ok(Some(id)) => id,
            Ok(None) => {
                lines.push(format!("  - {label:<40} not found"));
                continue;
            }
            Err(e) => {
                lines.push(format!("  ! {label:<40} lookup failed: {e}"));
                continue;
            }
        };
        if let Err(e) = check_free(state, address, kind.type_name(), &id) {
            lines.push(format!("  ! {label:<40} {e}"));
            continue;
        }
        match read(ws, state, aws, kind, address, &id, want).await {
            Ok(Some(f)) => {
                lines.push(format!("  + {label:<40} found {} {id}", kind.type_name()));
                found.push(f);
            }
            Ok(None) => lines.push(format!("  - {label:<40} not found")),
            Err(e) => lines.push(format!("  ! {label:<40} refused: {e}")),
        }
    }
    printer.out(&format!("infra import (environment {}):\n\n{}\n", ws.project.environment, lines.join("\n")));
    Ok(found)
}

fn record(ws: &Workspace, state: &mut State, f: &Found) -> Result<(), OpsError> {
    let decl = &ws.project.modules[&f.address.module].resources[&f.address.name];
    let (plain, _secret) = split_sensitive(&f.type_name, f.attrs.clone());
    let mut attributes = plain;
    attributes.insert("id".into(), Value::String(f.id.clone()));
    let record = ResourceState {
        type_name: f.type_name.clone(),
        id: f.id.clone(),
        arn: attributes.get("arn").and_then(Value::as_str).filter(|a| !a.is_empty()).map(str::to_string),
        // As found: the next plan compares the manifest with what is there.
        properties: crate::secrets::mask_json(&f.props),
        attributes,
        dependencies: Vec::new(),
        consumed: Default::default(),
        updated_at: state::now(),
        prevent_destroy: decl.protection.prevent_destroy,
        retain: decl.protection.retain,
    };
    let edit = Edit::Resource { module: f.address.module.clone(), name: f.address.name.clone(), resource: Box::new(record) };
    ws.store.record(state, edit)?;
    Ok(())
}
