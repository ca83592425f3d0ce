//! `infra import`: adopt what already exists in AWS into this environment's state,
//! without changing anything in AWS. `import ADDRESS ID` reads one resource by its id;
//! `import MODULE...` / `--all` looks every manifest resource the state lacks up by its
//! natural id (name, identifier) and lists what it finds, recording it with `--yes`.
//! `--from-terraform STATE` maps a Terraform state's resources to manifest resources.
//! Afterwards the plan says what the next `up` would change to match the manifests.
//! Something another environment or state owns (by infra's tags) is never adopted.

mod discover;
pub use discover::Filter as DiscoverFilter;
mod generate;
mod terraform;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{render, Exit, GlobalOptions, OpsError, Workspace};
use crate::aws::Aws;
use crate::graph::{Address, Kind};
use crate::plan::{checkable, select_up, Planner};
use crate::printer::{Printer, Style};
use crate::resources::tags::{self, Tags};
use crate::resources::{registry, split_sensitive, Ctx, DynResource, Identity};
use crate::state::{Edit, ResourceState, State};

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
    /// A Terraform state (format 4) whose resources are mapped and imported.
    pub from_terraform: Option<std::path::PathBuf>,
    /// Leave the manifests alone even where they would replace an imported resource.
    pub keep_manifests: bool,
    /// `--discover`: find resources by tag and/or name prefix and write their manifest.
    pub discover: Option<discover::Filter>,
    /// With `--discover`: one module per service (`imported_dynamodb`, ...).
    pub split: bool,
    /// The module `--discover` writes (`imported`), or the one `--generate` writes the
    /// Terraform root module's resources to (the state's directory name).
    pub module: Option<String>,
    /// With `--from-terraform`: write the manifests from the state, then import.
    pub generate: bool,
    /// Print what `--discover` would write and record; change nothing.
    pub dry_run: bool,
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
    if let Some(filter) = &opts.discover {
        return discover_run(global, opts, filter, printer).await;
    }
    if let (Some(path), true) = (&opts.from_terraform, opts.generate) {
        return generate_run(global, opts, path, printer).await;
    }
    let ws = Workspace::open(global)?;
    let (_lock, mut state, early) = ws.begin(global, opts.lock_timeout, "infra import", printer).await?;
    let aws = ws.connected(early, &mut state, global, printer).await?;
    if let Some(path) = &opts.from_terraform {
        let imported = from_terraform(&ws, &mut state, &aws, path, opts.parallelism, printer).await?;
        let mut modules: Vec<String> = imported.iter().map(|a| a.module.clone()).collect();
        modules.dedup();
        record_outputs(&ws, &mut state, &aws, &modules, opts.parallelism).await?;
        return settle_replacements(global, &ws, &state, &aws, &imported, opts, printer).await;
    }
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
    record_outputs(&ws, &mut state, &aws, &modules, opts.parallelism).await?;
    show_next(&ws, &state, &aws, &modules, opts.parallelism, printer).await
}

/// What the next `up` would do to bring what was imported to the manifests.
async fn show_next(
    ws: &Workspace,
    state: &State,
    aws: &Aws,
    modules: &[String],
    parallelism: usize,
    printer: &Printer,
) -> Result<Exit, OpsError> {
    let sel = select_up(&ws.project, &ws.graph, state, modules, true, false)?;
    let planner = Planner { project: &ws.project, graph: &ws.graph, state, aws, parallelism, refresh: true };
    // Creates elsewhere that would collide are `plan`'s to report, not a failure of the import.
    let plan = super::interrupt::unless_interrupted(planner.plan_unchecked(&sel)).await??;
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

/// The plan of these modules against the state, without the lookups that guard creates.
async fn plan_unchecked(
    ws: &Workspace,
    state: &State,
    aws: &Aws,
    modules: &[String],
    parallelism: usize,
) -> Result<crate::plan::Plan, OpsError> {
    // Upstream modules too: their outputs are what names and wires these.
    let sel = select_up(&ws.project, &ws.graph, state, modules, true, false)?;
    let planner = Planner { project: &ws.project, graph: &ws.graph, state, aws, parallelism, refresh: false };
    Ok(super::interrupt::unless_interrupted(planner.plan_unchecked(&sel)).await??)
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
                return Err(OpsError::Refused(format!(
                    "{type_name} {id} is already recorded as {m}.{n}: one resource, one address. \
                     If {address} is its new name, move the record: `infra state mv {m}.{n} {address}` (or a `[[moved]]` entry)"
                )));
            }
        }
    }
    Ok(())
}

fn rtype_of(ws: &Workspace, address: &Address) -> Result<&'static dyn DynResource, OpsError> {
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
    rtype: &dyn DynResource,
    address: &Address,
    id: &str,
    desired: &Value,
) -> Result<Option<Found>, OpsError> {
    let label = address.to_string();
    let dir = ws.project.module_dir(&address.module);
    let cx = Ctx::new(aws, &label, &dir);
    let props = crate::schema::stand_in_unknowns(desired, &rtype.schema());
    let live =
        rtype.read(&cx, id, &props).await.map_err(|e| OpsError::Refused(format!("{address}: reading {} {id}: {e}", rtype.type_name())))?;
    let Some((props, attrs)) = live else { return Ok(None) };
    if let Some(live_tags) = props.get("tags").and_then(|t| serde_json::from_value::<Tags>(t.clone()).ok()) {
        let other_env = live_tags.get(tags::ENV).is_some_and(|e| *e != ws.project.environment);
        let other_state = live_tags.get(tags::STATE).is_some_and(|s| *s != state.lineage);
        if other_env || other_state {
            return Err(OpsError::Refused(format!(
                "{address}: {} {id} is not this environment's to adopt ({})",
                rtype.type_name(),
                tags::owner(&live_tags, &ws.project.environment, &state.lineage)
            )));
        }
    }
    Ok(Some(Found { address: address.clone(), type_name: rtype.type_name().to_string(), id: id.to_string(), props, attrs }))
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
    let rtype = rtype_of(ws, &address)?;
    check_free(state, &address, rtype.type_name(), id)?;
    let want = desired.get(&address).cloned().unwrap_or(Value::Object(Default::default()));
    read(ws, state, aws, rtype, &address, id, &want).await?.ok_or_else(|| {
        OpsError::Refused(format!(
            "{address}: no {} with id `{id}` in account {} region {} (a wrong id, or a resource of another type)",
            rtype.type_name(),
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
        let rtype = rtype_of(ws, address)?;
        let label = address.to_string();
        if !matches!(rtype.identity(), Identity::Named(_) | Identity::Unique(_)) {
            lines.push(format!("  ? {label:<40} not looked up: AWS assigns its id ({}); `infra import {label} ID`", rtype.type_name()));
            continue;
        }
        if !checkable(rtype, want) {
            lines.push(format!("  ? {label:<40} not looked up: its name depends on something not deployed yet"));
            continue;
        }
        let dir = ws.project.module_dir(&address.module);
        let cx = Ctx::new(aws, &label, &dir);
        let id = match rtype.find(&cx, want).await {
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
        if let Err(e) = check_free(state, address, rtype.type_name(), &id) {
            lines.push(format!("  ! {label:<40} {e}"));
            continue;
        }
        match read(ws, state, aws, rtype, address, &id, want).await {
            Ok(Some(f)) => {
                lines.push(format!("  + {label:<40} found {} {id}", rtype.type_name()));
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
    // A resource infra made for this environment's state (forgotten with `state rm`,
    // now taken back) already carries infra's tags: it is infra's own, not adopted, and
    // its tags are wanted as they are. Only a resource made elsewhere waits for its
    // first real change to get them.
    let live_tags: Tags = f.props.get("tags").and_then(|t| serde_json::from_value(t.clone()).ok()).unwrap_or_default();
    let ours = tags::made_by(&live_tags, &ws.project.environment, &state.lineage);
    let (plain, _secret) = split_sensitive(&f.type_name, f.attrs.clone());
    let mut attributes = plain;
    attributes.insert("id".into(), Value::String(f.id.clone()));
    // As found: the next plan compares the manifest with what is there.
    let mut record =
        ResourceState::new(&f.type_name, f.id.clone(), crate::secrets::mask_json(&f.props), attributes).with_protection(decl.protection);
    record.imported = !ours;
    // As an `up` records them: a `down` deletes in reverse of these, users first.
    record.dependencies = ws.graph.resources_read(&f.address);
    let edit = Edit::Resource { module: f.address.module.clone(), name: f.address.name.clone(), resource: Box::new(record) };
    ws.store.record(state, edit)?;
    Ok(())
}

/// Import what a Terraform state holds: `random_id`s first (their values name other
/// resources, such as the Aurora secret), then everything that maps to a manifest
/// resource by name. Prints a line per Terraform resource: mapped to which address, or
/// not and why.
async fn from_terraform(
    ws: &Workspace,
    state: &mut State,
    aws: &Aws,
    path: &std::path::Path,
    parallelism: usize,
    printer: &Printer,
) -> Result<Vec<Address>, OpsError> {
    let text = std::fs::read_to_string(path).map_err(|source| OpsError::Io { action: "read", path: path.to_path_buf(), source })?;
    let tf = terraform::parse(&text).map_err(|e| OpsError::Usage(format!("{}: {e}", path.display())))?;
    let modules: Vec<String> = ws.project.modules.keys().cloned().collect();
    let mut lines = Vec::new();
    let mut imported = Vec::new();

    // Random values: only the Terraform state knows them.
    let desired_now = desired(ws, state, aws, &modules, parallelism).await?;
    let mut randoms: Vec<&Address> = desired_now
        .keys()
        .filter(|a| state.resource(&a.module, &a.name).is_none())
        .filter(|a| ws.project.modules[&a.module].resources.get(&a.name).is_some_and(|d| d.type_name == "random.id"))
        .collect();
    for r in tf.iter().filter(|r| r.tf_type == "random_id") {
        let Some(hex) = r.attributes.get("hex").and_then(Value::as_str) else { continue };
        let pick = randoms.iter().position(|a| a.name == r.name).or_else(|| (randoms.len() == 1).then_some(0));
        let Some(i) = pick else {
            lines.push(format!("  - {:<50} not mapped: no unrecorded random.id of that name (or several to choose from)", r.address));
            continue;
        };
        let address = randoms.remove(i).clone();
        let rtype = rtype_of(ws, &address)?;
        match read(ws, state, aws, rtype, &address, hex, &desired_now[&address]).await? {
            Some(f) => {
                record(ws, state, &f)?;
                lines.push(format!("  + {:<50} -> {address} (hex {hex})", r.address));
                imported.push(address);
            }
            None => lines.push(format!("  ! {:<50} {address}: cannot be read", r.address)),
        }
    }

    // Everything else, matched by name now that the random values are known.
    let desired = desired(ws, state, aws, &modules, parallelism).await?;
    for r in tf.iter().filter(|r| r.tf_type != "random_id") {
        let Some(m) = terraform::mapping(&r.tf_type) else {
            match terraform::folded(&r.tf_type) {
                Some(where_) => lines.push(format!("  = {:<50} kept as {where_}", r.address)),
                None => lines.push(format!("  - {:<50} not mapped: infra has no type for {}", r.address, r.tf_type)),
            }
            continue;
        };
        if m.property.is_empty() {
            lines.push(format!(
                "  - {:<50} not mapped by name: AWS assigns a {}'s id; use --generate, or `infra import ADDRESS ID`",
                r.address, m.infra_type
            ));
            continue;
        }
        let name = r.attributes.get(m.tf_name).and_then(Value::as_str).unwrap_or_default();
        let id = m.id_of(r).unwrap_or_default();
        let id = id.as_str();
        let target = desired.iter().find(|(a, want)| {
            ws.project.modules[&a.module].resources.get(&a.name).is_some_and(|d| d.type_name == m.infra_type)
                && want.get(m.property).and_then(Value::as_str) == Some(name)
        });
        let Some((address, want)) = target else {
            lines.push(format!("  - {:<50} not mapped: no {} named `{name}` in the manifests", r.address, m.infra_type));
            continue;
        };
        if let Some(rec) = state.resource(&address.module, &address.name) {
            let same = if rec.id == id { "already recorded" } else { "recorded with another id" };
            lines.push(format!("  = {:<50} {address}: {same}", r.address));
            continue;
        }
        let rtype = rtype_of(ws, address)?;
        if let Err(e) = check_free(state, address, rtype.type_name(), id) {
            lines.push(format!("  ! {:<50} {e}", r.address));
            continue;
        }
        match read(ws, state, aws, rtype, address, id, want).await {
            Ok(Some(f)) => {
                record(ws, state, &f)?;
                lines.push(format!("  + {:<50} -> {address}", r.address));
                imported.push(address.clone());
            }
            Ok(None) => lines.push(format!("  ! {:<50} {address}: {} {id} is not in AWS", r.address, m.infra_type)),
            Err(e) => lines.push(format!("  ! {:<50} {e}", r.address)),
        }
    }
    ws.store.compact(state).await?;
    printer.out(&format!(
        "infra import --from-terraform {} (environment {}):\n\n{}\n",
        path.display(),
        ws.project.environment,
        lines.join("\n")
    ));
    let recorded_before = lines.iter().any(|l| l.contains(": already recorded"));
    if imported.is_empty() && !recorded_before && tf.iter().any(|r| terraform::mapping(&r.tf_type).is_some()) {
        return Err(OpsError::Refused(format!(
            "nothing imported from {}: no manifest resource matches what it holds. \
             To write the manifests from the Terraform state, run `infra import --from-terraform {} --generate`",
            path.display(),
            path.display()
        )));
    }
    Ok(imported)
}

/// After an import, a manifest that differs from the live resource in a property that
/// cannot change in place would replace it (an unencrypted Aurora cluster, where
/// `storage_encrypted` defaults to true). The live value is written into the manifest,
/// with a comment saying why, so the next plan keeps the resource; `--keep-manifests`
/// only lists them.
async fn settle_replacements(
    global: &GlobalOptions,
    ws: &Workspace,
    state: &State,
    aws: &Aws,
    imported: &[Address],
    opts: &ImportOptions,
    printer: &Printer,
) -> Result<Exit, OpsError> {
    if imported.is_empty() {
        return Ok(Exit::Ok);
    }
    let mut modules: Vec<String> = imported.iter().map(|a| a.module.clone()).collect();
    modules.sort();
    modules.dedup();
    let plan = plan_unchecked(ws, state, aws, &modules, opts.parallelism).await?;
    let forced: Vec<(Address, String, Value, Value)> = plan
        .steps
        .iter()
        .filter(|s| s.action() == crate::plan::Action::Replace && imported.contains(&s.address))
        .flat_map(|s| {
            s.changes
                .iter()
                .filter(|c| c.change.replace && !c.change.path.contains(['.', '[']))
                .map(|c| (s.address.clone(), c.change.path.clone(), c.change.old.clone(), c.change.new.clone()))
        })
        .collect();
    if forced.is_empty() {
        printer.out(&render::plan(printer, &plan, "The next `up` would:"));
        return Ok(Exit::Ok);
    }
    for (address, path, live, wanted) in &forced {
        if opts.keep_manifests {
            printer.warn(&format!(
                "{address}: the manifest's {path} = {wanted} would replace it (it is {live}); --keep-manifests leaves that to you"
            ));
        } else {
            pin_live_value(ws, address, path, live)?;
            printer.status(
                "Pinned",
                Style::Yellow,
                &format!(
                    "{address}: {path} = {live} written into the manifest, so it is kept (the manifest said {wanted}, which replaces it)"
                ),
            );
        }
    }
    let fresh;
    let ws = if opts.keep_manifests {
        ws
    } else {
        fresh = Workspace::open(global)?;
        &fresh
    };
    let plan = plan_unchecked(ws, state, aws, &modules, opts.parallelism).await?;
    printer.out(&render::plan(printer, &plan, "The next `up` would:"));
    Ok(Exit::Ok)
}

/// Write `path = live` into the resource's table with a comment saying why, through
/// `toml_edit`: the rest of the file (comments, order, layout) stays as written, and a
/// resource declared as a `[resources.NAME]` table, an inline table or dotted keys is
/// edited alike.
fn pin_live_value(ws: &Workspace, address: &Address, path: &str, live: &Value) -> Result<(), OpsError> {
    let module = &ws.project.modules[&address.module];
    let file = ws.project.root.join(&module.file.display);
    let refused = |why: String| OpsError::Refused(format!("{address}: pinning {path} in {}: {why}", file.display()));
    let mut doc: toml_edit::DocumentMut = module.file.text.parse().map_err(|e: toml_edit::TomlError| refused(e.to_string()))?;
    let toml = toml::Value::try_from(live).map_err(|e| refused(e.to_string()))?;
    let mut value: toml_edit::Value = toml.to_string().parse().map_err(|e: toml_edit::TomlError| refused(e.to_string()))?;
    value.decor_mut().set_prefix(" ");
    value.decor_mut().set_suffix("  # imported: the live value; a different one would replace this resource");
    let table = doc
        .get_mut("resources")
        .and_then(|r| r.get_mut(&address.name))
        .and_then(toml_edit::Item::as_table_like_mut)
        .ok_or_else(|| refused(format!("no table for resources.{}", address.name)))?;
    match table.get_mut(path).and_then(toml_edit::Item::as_value_mut) {
        Some(old) => *old = value,
        None => {
            table.insert(path, toml_edit::Item::Value(value));
        }
    }
    let fail = |source: std::io::Error| OpsError::Io { action: "write", path: file.clone(), source };
    // Written whole or not at all.
    let mut tmp = tempfile::NamedTempFile::new_in(file.parent().unwrap_or(&ws.project.root)).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, doc.to_string().as_bytes()).map_err(fail)?;
    tmp.persist(&file).map_err(|e| fail(e.error))?;
    Ok(())
}

/// `--discover`: find, write the manifests, record, and show the plan.
async fn discover_run(
    global: &GlobalOptions,
    opts: &ImportOptions,
    filter: &discover::Filter,
    printer: &Printer,
) -> Result<Exit, OpsError> {
    let root = match super::find_root(global.project_dir.as_deref()) {
        Ok(root) => root,
        // A project without modules yet: here.
        Err(OpsError::NoProject(cwd)) => cwd,
        Err(e) => return Err(e),
    };
    let module = opts.module.clone().unwrap_or_else(|| "imported".into());
    if !crate::manifest::load::is_module_name(&module) {
        return Err(OpsError::Usage(format!("`{module}` is not a module name: use letters, digits, `_` and `-`")));
    }
    let aws = super::connect(global, printer).await?;
    aws.preflight().await?;
    let cx = Ctx::new(&aws, "import --discover", &root);
    let found = discover::find(&cx, filter).await.map_err(OpsError::Refused)?;
    // Which module each goes to.
    let module_of = |d: &discover::Discovered| if opts.split { format!("{module}_{}", discover::service(d)) } else { module.clone() };
    let lines: Vec<String> =
        found.iter().map(|d| format!("  + {:<52} {} {}", format!("{}.{}", module_of(d), d.name), d.rtype.type_name(), d.id)).collect();
    printer.out(&format!("Found {} ({filter}):\n\n{}\n", super::plural(found.len(), "resource"), lines.join("\n")));
    if found.is_empty() {
        return Ok(Exit::Ok);
    }
    let written = discover::manifests(&found, module_of, filter);
    let modules: Vec<String> = written.iter().map(|(m, _)| m.clone()).collect();
    let mut files = Vec::new();
    for (module, text) in written {
        let path = root.join("modules").join(format!("{module}.toml"));
        if path.exists() {
            return Err(OpsError::Refused(format!("{} already exists: choose another module with --module NAME", path.display())));
        }
        files.push((path, text));
    }
    if opts.dry_run {
        for (path, text) in &files {
            printer.out(&format!("Would write {}:\n\n{text}", path.display()));
        }
        return Ok(Exit::Ok);
    }
    for (path, text) in &files {
        let fail = |source: std::io::Error| OpsError::Io { action: "write", path: path.clone(), source };
        std::fs::create_dir_all(root.join("modules")).map_err(fail)?;
        std::fs::write(path, text).map_err(fail)?;
        printer.status("Wrote", Style::Green, &path.display().to_string());
    }

    let mut global = global.clone();
    global.project_dir = Some(root.clone());
    let ws = Workspace::open(&global)?;
    let (_lock, mut state, early) = ws.begin(&global, opts.lock_timeout, "infra import", printer).await?;
    let aws = ws.connected(early.or(Some(aws)), &mut state, &global, printer).await?;
    for d in &found {
        let address = Address::resource(&module_of(d), &d.name);
        check_free(&state, &address, d.rtype.type_name(), &d.id)?;
        let f = Found {
            address: address.clone(),
            type_name: d.rtype.type_name().to_string(),
            id: d.id.clone(),
            props: d.props.clone(),
            attrs: d.attrs.clone(),
        };
        record(&ws, &mut state, &f)?;
        printer.status("Imported", Style::Green, &format!("{address} ({} {}); nothing changed in AWS", f.type_name, f.id));
    }
    ws.store.compact(&mut state).await?;
    record_outputs(&ws, &mut state, &aws, &modules, opts.parallelism).await?;
    show_next(&ws, &state, &aws, &modules, opts.parallelism, printer).await
}

/// Record the outputs of these modules that the recorded resources already give, so
/// `infra output` answers right after an import, as it does after an `up`.
async fn record_outputs(ws: &Workspace, state: &mut State, aws: &Aws, modules: &[String], parallelism: usize) -> Result<(), OpsError> {
    if modules.is_empty() {
        return Ok(());
    }
    let plan = plan_unchecked(ws, state, aws, modules, parallelism).await?;
    for step in plan.steps.iter().filter(|s| s.address.kind == Kind::Output && modules.contains(&s.address.module)) {
        let sensitive = ws.project.modules[&step.address.module].outputs.get(&step.address.name).is_none_or(|o| o.sensitive);
        let Some(change) = step.changes.first().filter(|_| !sensitive) else { continue };
        if crate::schema::contains_unknown(&change.change.new) {
            continue;
        }
        let edit = Edit::Output { module: step.address.module.clone(), name: step.address.name.clone(), value: change.change.new.clone() };
        ws.store.record(state, edit)?;
    }
    ws.store.compact(state).await?;
    Ok(())
}

/// `--from-terraform STATE --generate`: read what the state holds from AWS, write one
/// module manifest per Terraform module, record it all, and show the plan (empty).
async fn generate_run(global: &GlobalOptions, opts: &ImportOptions, path: &std::path::Path, printer: &Printer) -> Result<Exit, OpsError> {
    let text = std::fs::read_to_string(path).map_err(|source| OpsError::Io { action: "read", path: path.to_path_buf(), source })?;
    let tf = terraform::parse_all(&text).map_err(|e| OpsError::Usage(format!("{}: {e}", path.display())))?;
    let tf_dir = std::fs::canonicalize(path).ok().and_then(|p| p.parent().map(std::path::Path::to_path_buf)).unwrap_or_default();
    let root_module = opts.module.clone().unwrap_or_else(|| generate::root_name(path));
    if !crate::manifest::load::is_module_name(&root_module) {
        return Err(OpsError::Usage(format!("`{root_module}` is not a module name: use letters, digits, `_` and `-` (--module NAME)")));
    }
    let root = match super::find_root(global.project_dir.as_deref()) {
        Ok(root) => root,
        // A project without modules yet: here.
        Err(OpsError::NoProject(cwd)) => cwd,
        Err(e) => return Err(e),
    };
    let aws = super::connect(global, printer).await?;
    aws.preflight().await?;

    let mut lines = Vec::new();
    let placed: Vec<(&terraform::TfResource, String)> =
        tf.resources.iter().map(|r| (r, generate::module_name(r.module.as_deref(), &root_module))).collect();
    // Names go to what becomes a resource: a folded `aws_api_gateway_resource.ingest`
    // leaves `ingest` to the function of that name.
    let named: Vec<(&terraform::TfResource, String)> =
        placed.iter().filter(|(r, _)| r.mode == "managed" && generate::unmapped_reason(r).is_none()).cloned().collect();
    let groups = generate::group_names(&named);
    let mut items = Vec::new();
    let mut lookups: Vec<generate::Lookup> = Vec::new();
    for (r, module) in &placed {
        if let Some(why) = generate::unmapped_reason(r) {
            let sign = if why.starts_with("kept as") { "=" } else { "-" };
            lines.push(format!("  {sign} {:<50} {}: {why}", r.address, r.tf_type));
            continue;
        }
        if r.mode == "data" {
            match generate::new_lookup(r, module.clone()) {
                Ok(mut l) => {
                    // `data.aws_vpc.default` and `data.aws_subnets.default`: the second
                    // takes its type's last word, as resources do.
                    l.name = generate::unique_name(&l.name, &r.tf_type, |n| lookups.iter().any(|o| o.module == l.module && o.name == n));
                    lines.push(format!("  + {:<50} -> {module}.data.{} (lookup {})", r.address, l.name, l.type_name));
                    lookups.push(l);
                }
                Err(why) => lines.push(format!("  - {:<50} {}: {why}", r.address, r.tf_type)),
            }
            continue;
        }
        let Some((rtype, id)) = generate::rtype_and_id(r) else {
            lines.push(format!("  - {:<50} {}: not mapped: the state has no id for it", r.address, r.tf_type));
            continue;
        };
        let label = format!("{module}.{}", r.name);
        let cx = Ctx::new(&aws, &label, &root);
        let live = match rtype.read(&cx, &id, &terraform::hinted(r, rtype.blank(&id))).await {
            Ok(Some(live)) => live,
            Ok(None) => {
                lines.push(format!("  ! {:<50} {}: {} {id} is not in AWS", r.address, r.tf_type, rtype.type_name()));
                continue;
            }
            Err(e) => {
                lines.push(format!("  ! {:<50} {}: reading {} {id}: {e}", r.address, r.tf_type, rtype.type_name()));
                continue;
            }
        };
        let group = groups[&(module.clone(), r.tf_type.clone(), r.name.clone())].clone();
        items.push((generate::new_item(r, module.clone(), group, rtype, id, live), *r));
    }
    let (mut gen_items, mut sources): (Vec<generate::Item>, Vec<&terraform::TfResource>) = items.into_iter().unzip();
    let mut refused = generate::wire_passwords(&mut gen_items, &sources, &tf);
    refused.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (i, why) in refused {
        let it = gen_items.remove(i);
        lines.push(format!("  - {:<50} {}: {why}", it.origin, sources.remove(i).tf_type));
    }
    // As read: what the state records. The manifests get references instead.
    let mut as_read: Vec<Value> = gen_items.iter().map(|it| it.props.clone()).collect();
    generate::link_lookups(&mut lookups);
    generate::link(&mut gen_items, &lookups);
    let layout = generate::layout(&gen_items);

    // Lambda code (a function's, a layer's): unpacked from the package Terraform
    // uploaded (below, once nothing refuses the import).
    let modules_dir = root.join("modules");
    let mut code_dirs = Vec::new();
    for (i, it) in gen_items.iter_mut().enumerate() {
        if !matches!(it.rtype.type_name(), "lambda.function" | "lambda.layer_version") {
            continue;
        }
        let code_dir = format!("{}/{}", it.module, layout.names[i]);
        for props in [&mut it.props, &mut as_read[i]] {
            if let Value::Object(p) = props {
                p.insert("code_dir".into(), Value::String(code_dir.clone()));
            }
        }
        code_dirs.push((i, code_dir));
    }

    let (root_outputs, output_lines) = generate::outputs(&tf, &gen_items, &layout, &root_module);
    let cross = generate::cross_outputs(&gen_items, &layout);
    let mut modules: Vec<String> = gen_items.iter().map(|it| it.module.clone()).collect();
    modules.sort();
    modules.dedup();
    let mut files = Vec::new();
    for module in &modules {
        let file = modules_dir.join(format!("{module}.toml"));
        if file.exists() {
            return Err(OpsError::Refused(format!(
                "{} already exists: choose another module for the root resources with --module NAME",
                file.display()
            )));
        }
        let mut outs: Vec<(String, String)> = if *module == root_module { root_outputs.clone() } else { Vec::new() };
        for (name, value) in cross.get(module).into_iter().flatten() {
            if !outs.iter().any(|(n, _)| n == name) {
                outs.push((name.clone(), value.clone()));
            }
        }
        let source =
            format!("{} ({})", path.display(), if *module == root_module { "root module".to_string() } else { format!("module {module}") });
        let header = format!("# Generated by `infra import --from-terraform --generate` from {source}.");
        files.push((file, generate::manifest(module, &header, &gen_items, &lookups, &layout, &outs)));
    }
    for (i, it) in gen_items.iter().enumerate() {
        lines.push(format!("  + {:<50} -> {} ({} {})", it.origin, layout.address(&gen_items, i), it.rtype.type_name(), it.id));
    }
    lines.extend(output_lines);
    printer.out(&format!("infra import --from-terraform {} --generate:\n\n{}\n", path.display(), lines.join("\n")));
    if gen_items.is_empty() {
        return Err(OpsError::Refused(format!("nothing in {} that infra can manage: no manifest written", path.display())));
    }
    if opts.dry_run {
        for (file, text) in &files {
            printer.out(&format!("Would write {}:\n\n{text}", file.display()));
        }
        return Ok(Exit::Ok);
    }
    // Until the state records the import, what this run wrote is taken back on any
    // failure (a refusal below included): a refused import leaves the project as it was.
    let mut written = Written::default();
    for (i, code_dir) in &code_dirs {
        let into = modules_dir.join(code_dir);
        if !into.exists() {
            written.paths.push(into.clone());
        }
        if let Err(e) = generate::unpack_code(&tf_dir, &sources[*i].attributes, &into) {
            printer.warn(&format!(
                "{}: its code was not unpacked ({e}); put it in modules/{code_dir} before `infra plan`",
                sources[*i].address
            ));
        }
    }
    for (file, text) in &files {
        let fail = |source: std::io::Error| OpsError::Io { action: "write", path: file.clone(), source };
        if !modules_dir.exists() {
            std::fs::create_dir_all(&modules_dir).map_err(fail)?;
            written.paths.push(modules_dir.clone());
        }
        written.paths.push(file.clone());
        std::fs::write(file, text).map_err(fail)?;
    }

    let mut global = global.clone();
    global.project_dir = Some(root.clone());
    let ws = Workspace::open(&global)?;
    let (_lock, mut state, early) = ws.begin(&global, opts.lock_timeout, "infra import", printer).await?;
    let aws = ws.connected(early.or(Some(aws)), &mut state, &global, printer).await?;
    let mut found = Vec::new();
    for (i, it) in gen_items.iter().enumerate() {
        let address = layout.address(&gen_items, i);
        check_free(&state, &address, it.rtype.type_name(), &it.id)?;
        found.push(Found {
            address,
            type_name: it.rtype.type_name().to_string(),
            id: it.id.clone(),
            props: as_read[i].clone(),
            attrs: it.attrs.clone(),
        });
    }
    for f in &found {
        // Someone else's (by infra's tags) is not adopted; checked before anything is recorded.
        if let Some(live_tags) = f.props.get("tags").and_then(|t| serde_json::from_value::<Tags>(t.clone()).ok()) {
            let other_env = live_tags.get(tags::ENV).is_some_and(|e| *e != ws.project.environment);
            let other_state = live_tags.get(tags::STATE).is_some_and(|s| *s != state.lineage);
            if other_env || other_state {
                return Err(OpsError::Refused(format!(
                    "{}: {} {} is not this environment's to adopt ({})",
                    f.address,
                    f.type_name,
                    f.id,
                    tags::owner(&live_tags, &ws.project.environment, &state.lineage)
                )));
            }
        }
    }
    // Nothing refused it: from the first record on, the state names these manifests.
    written.keep();
    for (file, _) in &files {
        printer.status("Wrote", Style::Green, &file.display().to_string());
    }
    for f in &found {
        record(&ws, &mut state, f)?;
    }
    ws.store.compact(&mut state).await?;
    printer.status("Imported", Style::Green, &format!("{}; nothing changed in AWS", super::plural(found.len(), "resource")));
    record_outputs(&ws, &mut state, &aws, &modules, opts.parallelism).await?;
    show_next(&ws, &state, &aws, &modules, opts.parallelism, printer).await
}

/// Files and directories an import wrote that did not exist before: removed when it is
/// dropped before [`Written::keep`] (the import failed or was refused).
#[derive(Default)]
struct Written {
    paths: Vec<std::path::PathBuf>,
}

impl Written {
    fn keep(&mut self) {
        self.paths.clear();
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        // Newest first: files before the directory that holds them.
        for path in self.paths.iter().rev() {
            let _ = if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) };
        }
    }
}
