//! The step generator: compares what the manifests want (resolved), what the state
//! recorded, and what AWS has now (refresh), and produces typed steps (create, update,
//! replace, delete, same, read) with their ordering constraints.

pub mod resolve;
mod select;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use futures::{stream, StreamExt};
use serde_json::Value;

use crate::aws::{Aws, AwsError, Identity};
use crate::graph::{Address, Graph, Kind};
use crate::manifest::{Loc, Project};
use crate::resources::{registry, Attrs, Ctx, PrepareCx, Progress, ResourceError, DEFAULT_TIMEOUT};
use crate::schema::{self, contains_unknown, Change, Ty, UNKNOWN};
use crate::secrets;
use crate::state::{ResourceState, State};

pub use resolve::{Resolved, Scope};
pub use select::{dependents, select_down, select_up, SelectError, Selection};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Read,
    Same,
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Read => "<=",
            Action::Same => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Same => "unchanged",
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }

    /// Changes something in AWS or the state.
    pub fn is_change(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Replace | Action::Delete)
    }

    /// Needs `--yes` or a typed confirmation.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Replace | Action::Delete)
    }
}

/// One changed property, and whether AWS drifted from what was applied.
#[derive(Debug, Clone)]
pub struct PropChange {
    pub change: Change,
    pub drift: bool,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub address: Address,
    /// Resource or data type; empty for outputs.
    pub type_name: String,
    pub action: Action,
    pub changes: Vec<PropChange>,
    /// Why, when it is not simply the manifest: "not found in AWS", "removed from the manifest".
    pub reason: Option<String>,
    /// Included to re-wire a deployed dependent of a module in this run.
    pub rewire: bool,
    /// The recorded resource, if any.
    pub prior: Option<ResourceState>,
    /// The resource as it is live (refresh), if read.
    pub live: Option<(Value, Attrs)>,
    /// `prior` was found in AWS after an interrupted create, not read from the state:
    /// the step records it even when nothing else changes.
    pub adopt: bool,
}

impl Step {
    fn new(address: Address, type_name: &str, action: Action) -> Self {
        Step {
            address,
            type_name: type_name.to_string(),
            action,
            changes: Vec::new(),
            reason: None,
            rewire: false,
            prior: None,
            live: None,
            adopt: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// `(a, b)`: step `a` must finish before step `b` starts.
    pub edges: Vec<(usize, usize)>,
    pub identity: Option<Identity>,
    /// Data lookups made while planning.
    pub data: HashMap<Address, Attrs>,
    /// Sensitive attributes read from AWS (API key values); kept in memory only.
    pub secrets: HashMap<Address, Attrs>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action.is_change() || s.adopt)
    }

    pub fn is_destructive(&self) -> bool {
        self.steps.iter().any(|s| s.action.is_destructive())
    }

    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{address}: {message}\n  --> {loc}")]
    Invalid { address: Address, message: String, loc: Loc },
    #[error("{address}: refresh failed: {source}")]
    Refresh { address: Address, source: ResourceError },
    #[error("{address}: lookup failed: {source}")]
    Data { address: Address, source: ResourceError },
    #[error("cannot determine the AWS account: {0}\n  Check your credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...) and region.")]
    Identity(AwsError),
}

/// No progress to show for reads.
pub struct Quiet;

impl Progress for Quiet {
    fn waiting(&self, _: &str, _: &str, _: std::time::Duration) {}
}

pub struct Planner<'a> {
    pub project: &'a Project,
    pub graph: &'a Graph,
    pub state: &'a State,
    pub aws: &'a Aws,
    pub parallelism: usize,
    /// Read live AWS to find drift and resources deleted behind our back.
    pub refresh: bool,
}

/// The schema of a recorded or declared resource type.
fn resource_schema(type_name: &str) -> Ty {
    registry::resource(type_name).map(|r| r.schema()).unwrap_or(Ty::Json)
}

/// A resource's desired properties: resolved, normalized to its schema, computed
/// values filled in. Unknown markers may remain while planning.
pub fn desired_properties(scope: &Scope<'_>, project: &Project, address: &Address) -> Result<(Value, Resolved), String> {
    let module = project.module(&address.module).ok_or_else(|| format!("module {} not found", address.module))?;
    let decl = module.resources.get(&address.name).ok_or_else(|| "not in the manifest".to_string())?;
    let kind = registry::resource(&decl.type_name).ok_or_else(|| format!("unknown type {}", decl.type_name))?;
    let resolved = scope.resolve(&address.module, &decl.properties_json()).map_err(|e| e.to_string())?;
    let mut value = resolved.value.clone();
    schema::normalize(&mut value, &kind.schema(), "")?;
    let mut prepared = value.clone();
    match kind.prepare(&mut prepared, &PrepareCx { dir: &module.dir }) {
        Ok(()) => value = prepared,
        // With unknown inputs a typed view may not exist yet; the executor prepares again.
        Err(_) if contains_unknown(&value) => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok((value, resolved))
}

/// Property changes from `base` (live, else recorded) to `desired`, with drift marked
/// where the manifest did not change but AWS did.
/// Known secrets are compared (and shown) as stable tokens, the form the state keeps.
pub fn changes(schema_ty: &Ty, prior: Option<&Value>, base: &Value, desired: &Value, live_known: bool) -> Vec<PropChange> {
    schema::diff(&secrets::mask_json(base), &secrets::mask_json(desired), schema_ty)
        .into_iter()
        .map(|change| {
            let applied = prior.and_then(|p| schema::lookup_path(p, &change.path)).unwrap_or(&Value::Null);
            let drift = live_known && schema::json_eq(applied, &change.new);
            PropChange { change, drift }
        })
        .collect()
}

/// What AWS has now for each recorded resource (`None`: it no longer exists), read
/// concurrently, `parallelism` at a time.
pub async fn read_live(
    aws: &Aws,
    project: &Project,
    state: &State,
    addrs: Vec<Address>,
    parallelism: usize,
) -> Vec<(Address, Result<Option<(Value, Attrs)>, ResourceError>)> {
    stream::iter(addrs.into_iter().filter_map(|addr| {
        let prior = state.resource(&addr.module, &addr.name)?.clone();
        Some(async move {
            let Some(kind) = registry::resource(&prior.type_name) else { return (addr, Ok(None)) };
            let label = addr.to_string();
            let dir = project.module(&addr.module).map(|m| m.dir.clone()).unwrap_or_else(|| project.modules_dir());
            let cx = Ctx {
                aws,
                module: &addr.module,
                name: &addr.name,
                address: &label,
                dir: &dir,
                timeout: DEFAULT_TIMEOUT,
                progress: &Quiet,
                token: None,
            };
            // What was a secret when applied stays masked when read back.
            let live =
                kind.read(&cx, &prior.id, &prior.properties).await.map(|o| o.map(|(v, a)| (secrets::mask_like(&v, &prior.properties), a)));
            (addr, live)
        })
    }))
    .buffer_unordered(parallelism.max(1))
    .collect()
    .await
}

/// Update unless a change forces replacement; same when nothing differs.
pub fn action_for(changes: &[PropChange]) -> Action {
    if changes.is_empty() {
        Action::Same
    } else if changes.iter().any(|c| c.change.replace) {
        Action::Replace
    } else {
        Action::Update
    }
}

impl Planner<'_> {
    pub fn ctx<'c>(&'c self, address: &'c str, module: &'c str, name: &'c str, dir: &'c Path) -> Ctx<'c> {
        Ctx { aws: self.aws, module, name, address, dir, timeout: DEFAULT_TIMEOUT, progress: &Quiet, token: None }
    }

    fn module_dir(&self, module: &str) -> std::path::PathBuf {
        self.project.module(module).map(|m| m.dir.clone()).unwrap_or_else(|| self.project.modules_dir())
    }

    /// Read the live state of every recorded resource in the selection, concurrently.
    async fn refresh(&self, addrs: Vec<Address>) -> Result<HashMap<Address, Option<(Value, Attrs)>>, PlanError> {
        let mut out = HashMap::new();
        for (address, live) in read_live(self.aws, self.project, self.state, addrs, self.parallelism).await {
            let live = live.map_err(|source| PlanError::Refresh { address: address.clone(), source })?;
            out.insert(address, live);
        }
        Ok(out)
    }

    pub async fn plan(&self, sel: &Selection) -> Result<Plan, PlanError> {
        let mut plan = Plan::default();
        let order: Vec<_> = self.graph.topological().into_iter().filter(|n| sel.nodes.contains(n)).collect();
        if !order.is_empty() {
            plan.identity = Some(self.aws.identity().await.map_err(PlanError::Identity)?.clone());
        }
        let recorded: Vec<Address> =
            order.iter().map(|&n| self.graph.node(n).address.clone()).filter(|a| a.kind == Kind::Resource).collect();
        let mut live = if self.refresh { self.refresh(recorded).await? } else { HashMap::new() };
        for (addr, observed) in &live {
            if let (Some((_, attrs)), Some(prior)) = (observed, self.state.resource(&addr.module, &addr.name)) {
                let (_, secret) = crate::resources::split_sensitive(&prior.type_name, attrs.clone());
                if !secret.is_empty() {
                    plan.secrets.insert(addr.clone(), secret);
                }
            }
        }
        let needed: Vec<Address> = self
            .sensitive_sources(&order)
            .into_iter()
            .filter(|a| !plan.secrets.contains_key(a) && self.state.resource(&a.module, &a.name).is_some())
            .collect();
        for (addr, observed) in self.refresh(needed).await? {
            let (Some((_, attrs)), Some(prior)) = (observed, self.state.resource(&addr.module, &addr.name)) else { continue };
            let (_, secret) = crate::resources::split_sensitive(&prior.type_name, attrs);
            plan.secrets.insert(addr, secret);
        }

        let mut unknown = HashSet::new();
        let mut outputs = HashMap::new();
        let mut adopted = HashMap::new();
        let mut index_of_node = HashMap::new();
        for &n in &order {
            let gnode = self.graph.node(n);
            let addr = gnode.address.clone();
            let scope = Scope {
                project: self.project,
                state: self.state,
                identity: plan.identity.as_ref(),
                data: &plan.data,
                unknown: &unknown,
                outputs: &outputs,
                secrets: &plan.secrets,
                adopted: &adopted,
            };
            let invalid = |message: String| PlanError::Invalid { address: addr.clone(), message, loc: gnode.loc.clone() };
            let mut step = match addr.kind {
                Kind::Data => {
                    let decl = &self.project.modules[&addr.module].data[&addr.name];
                    let kind = registry::data_source(&decl.type_name).ok_or_else(|| invalid("unknown data type".into()))?;
                    let mut props = scope.resolve(&addr.module, &decl.properties_json()).map_err(|e| invalid(e.to_string()))?.value;
                    schema::normalize(&mut props, &kind.schema(), "").map_err(invalid)?;
                    if contains_unknown(&props) {
                        unknown.insert(addr.clone());
                    } else {
                        let label = addr.to_string();
                        let dir = self.module_dir(&addr.module);
                        let cx = self.ctx(&label, &addr.module, &addr.name, &dir);
                        let attrs = kind.read(&cx, &props).await.map_err(|source| PlanError::Data { address: addr.clone(), source })?;
                        plan.data.insert(addr.clone(), attrs);
                    }
                    Step::new(addr.clone(), &decl.type_name, Action::Read)
                }
                Kind::Resource => {
                    let type_name = gnode.type_name.clone();
                    let (desired, _) = desired_properties(&scope, self.project, &addr).map_err(invalid)?;
                    let mut prior = self.state.resource(&addr.module, &addr.name).cloned();
                    let mut observed = live.remove(&addr).flatten();
                    let mut step = Step::new(addr.clone(), &type_name, Action::Create);
                    if prior.is_none() {
                        if let Some((found, live_now)) = self.find_pending(&addr).await? {
                            if let Some((_, attrs)) = &live_now {
                                let (_, secret) = crate::resources::split_sensitive(&found.type_name, attrs.clone());
                                if !secret.is_empty() {
                                    plan.secrets.insert(addr.clone(), secret);
                                }
                            }
                            step.adopt = true;
                            step.reason = Some("found in AWS after an interrupted run; adopting it".into());
                            prior = Some(found);
                            observed = live_now;
                        }
                    }
                    match &prior {
                        Some(p) if step.adopt => {
                            let base = observed.as_ref().map(|(v, _)| v).unwrap_or(&p.properties);
                            step.changes = changes(&resource_schema(&type_name), None, base, &desired, false);
                            step.action = if p.type_name != type_name { Action::Replace } else { action_for(&step.changes) };
                        }
                        None => {}
                        Some(_) if self.refresh && observed.is_none() => {
                            step.reason = Some("not found in AWS (deleted outside infra); it will be created again".into());
                        }
                        Some(p) if p.type_name != type_name => {
                            step.action = Action::Replace;
                            step.reason = Some(format!("type changed from {} to {type_name}", p.type_name));
                        }
                        Some(p) => {
                            let base = observed.as_ref().map(|(v, _)| v).unwrap_or(&p.properties);
                            step.changes = changes(&resource_schema(&type_name), Some(&p.properties), base, &desired, observed.is_some());
                            step.action = action_for(&step.changes);
                        }
                    }
                    if matches!(step.action, Action::Create | Action::Replace) {
                        unknown.insert(addr.clone());
                    } else if let Some(p) = prior.as_ref().filter(|_| step.adopt) {
                        // Not in the state yet; what AWS reported stands in for it.
                        adopted.insert(addr.clone(), p.clone());
                    }
                    step.prior = prior;
                    step.live = observed;
                    step
                }
                Kind::Output => {
                    let output = &self.project.modules[&addr.module].outputs[&addr.name];
                    let value = scope.resolve(&addr.module, &output.value.to_json()).map_err(|e| invalid(e.to_string()))?.value;
                    let mut step = Step::new(addr.clone(), "", Action::Same);
                    let old = self.state.output(&addr.module, &addr.name).cloned().unwrap_or(Value::Null);
                    if !contains_unknown(&value) && !output.sensitive {
                        outputs.insert(addr.clone(), value.clone());
                    }
                    let changed = if old.is_null() { Action::Create } else { Action::Update };
                    if contains_unknown(&value) {
                        unknown.insert(addr.clone());
                        step.action = changed;
                        let change = Change { path: String::new(), old, new: Value::String(UNKNOWN.into()), replace: false };
                        step.changes.push(PropChange { change, drift: false });
                    } else if !output.sensitive && !schema::json_eq(&old, &value) {
                        step.action = changed;
                        step.changes
                            .push(PropChange { change: Change { path: String::new(), old, new: value, replace: false }, drift: false });
                    }
                    step
                }
            };
            step.rewire = sel.rewire.contains(&n);
            index_of_node.insert(n, plan.steps.len());
            plan.steps.push(step);
        }

        // Interrupted creates that are no longer wanted here: delete what they left.
        let planned: HashSet<Address> = plan.steps.iter().map(|s| s.address.clone()).collect();
        for module in &sel.modules {
            let Some(ms) = self.state.modules.get(module) else { continue };
            for name in ms.pending.keys() {
                let addr = Address::resource(module, name);
                if planned.contains(&addr) || ms.resources.contains_key(name) {
                    continue;
                }
                let Some((found, _)) = self.find_pending(&addr).await? else { continue };
                let mut step = Step::new(addr, &found.type_name, Action::Delete);
                step.reason = Some(if found.id.is_empty() {
                    "an interrupted create that left nothing; forgetting it".into()
                } else {
                    "left by an interrupted create".into()
                });
                step.adopt = true;
                step.prior = Some(found);
                plan.steps.push(step);
            }
        }

        for (module, name) in &sel.deletes {
            let Some(prior) = self.state.resource(module, name) else { continue };
            let mut step = Step::new(Address::resource(module, name), &prior.type_name, Action::Delete);
            if let Some(m) = self.project.module(module).filter(|_| self.graph.index_of(&step.address).is_none()) {
                step.reason =
                    Some(if m.disabled.contains_key(name) { "disabled by `enabled`" } else { "removed from the manifest" }.into());
            }
            step.prior = Some(prior.clone());
            plan.steps.push(step);
        }
        plan.edges = self.edges(&plan.steps, &index_of_node);
        Ok(plan)
    }

    /// For a create recorded as pending (sent, never confirmed): the resource as AWS has
    /// it, if the create went through. `Some` with an empty id means "nothing there".
    async fn find_pending(&self, addr: &Address) -> Result<Option<(ResourceState, Option<(Value, Attrs)>)>, PlanError> {
        let Some(pending) = self.state.pending(&addr.module, &addr.name) else { return Ok(None) };
        let Some(kind) = registry::resource(&pending.type_name) else { return Ok(None) };
        let label = addr.to_string();
        let dir = self.module_dir(&addr.module);
        let mut cx = self.ctx(&label, &addr.module, &addr.name, &dir);
        cx.token = Some(&pending.token);
        let refresh_err = |source| PlanError::Refresh { address: addr.clone(), source };
        let id = kind.find(&cx, &pending.properties).await.map_err(refresh_err)?;
        let live = match &id {
            Some(id) => kind.read(&cx, id, &pending.properties).await.map_err(refresh_err)?,
            None => None,
        }
        .map(|(v, a)| (secrets::mask_like(&v, &pending.properties), a));
        let record = ResourceState {
            type_name: pending.type_name.clone(),
            id: if live.is_some() { id.unwrap_or_default() } else { String::new() },
            arn: None,
            properties: live.as_ref().map(|(v, _)| v.clone()).unwrap_or_else(|| pending.properties.clone()),
            attributes: live.as_ref().map(|(_, a)| a.clone()).unwrap_or_default(),
            dependencies: Vec::new(),
            consumed: Default::default(),
            updated_at: pending.started_at.clone(),
        };
        if record.id.is_empty() && self.project.module(&addr.module).is_some_and(|m| m.resources.contains_key(&addr.name)) {
            // Still wanted and not there: an ordinary create follows.
            return Ok(None);
        }
        Ok(Some((record, live)))
    }

    /// Recorded resources whose sensitive attributes the planned nodes read, directly,
    /// through locals, or through other modules' sensitive outputs.
    fn sensitive_sources(&self, order: &[petgraph::graph::NodeIndex]) -> Vec<Address> {
        use crate::manifest::expr::Reference;
        let mut out = Vec::new();
        let mut stack: Vec<(String, Reference)> = Vec::new();
        for &n in order {
            let addr = &self.graph.node(n).address;
            let Some(m) = self.project.module(&addr.module) else { continue };
            let refs: Vec<&Reference> = match addr.kind {
                Kind::Resource => m.resources.get(&addr.name).map(|d| d.references.iter().map(|(r, _)| r).collect()),
                Kind::Data => m.data.get(&addr.name).map(|d| d.references.iter().map(|(r, _)| r).collect()),
                Kind::Output => m.outputs.get(&addr.name).map(|o| o.references.iter().map(|(r, _)| r).collect()),
            }
            .unwrap_or_default();
            stack.extend(m.expand_locals(refs).into_iter().map(|r| (addr.module.clone(), r.clone())));
        }
        let mut seen = HashSet::new();
        while let Some((module, r)) = stack.pop() {
            if !seen.insert((module.clone(), r.clone())) {
                continue;
            }
            let Some(m) = self.project.module(&module) else { continue };
            match &r {
                Reference::Resource { name, attr } if m.resources.get(name).is_some_and(|d| registry::is_sensitive(&d.type_name, attr)) => {
                    out.push(Address::resource(&module, name));
                }
                Reference::Module { module: up, output } => {
                    if let Some((upm, o)) = self.project.module(up).and_then(|u| Some((u, u.outputs.get(output)?))) {
                        if o.sensitive {
                            let refs = upm.expand_locals(o.references.iter().map(|(r, _)| r));
                            stack.extend(refs.into_iter().map(|r| (up.clone(), r.clone())));
                        }
                    }
                }
                _ => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Graph edges between planned steps; deletes run in reverse of the recorded
    /// dependencies, and after the steps that stop using what they delete.
    fn edges(&self, steps: &[Step], index_of_node: &HashMap<petgraph::graph::NodeIndex, usize>) -> Vec<(usize, usize)> {
        let mut edges = Vec::new();
        for (&n, &j) in index_of_node {
            for dep in self.graph.dependencies(n) {
                if let Some(&i) = index_of_node.get(&dep) {
                    edges.push((i, j));
                }
            }
        }
        let deleted: HashMap<String, usize> =
            steps.iter().enumerate().filter(|(_, s)| s.action == Action::Delete).map(|(i, s)| (s.address.to_string(), i)).collect();
        for (i, s) in steps.iter().enumerate() {
            for dep in s.prior.iter().flat_map(|p| p.dependencies.iter()) {
                if let Some(&d) = deleted.get(dep) {
                    if d != i {
                        // `s` used `dep`: it goes (or changes) first.
                        edges.push((i, d));
                    }
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        edges
    }
}
