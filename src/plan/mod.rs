//! The step generator: compares what the manifests want (resolved), what the state
//! recorded, and what AWS has now (refresh), and produces typed steps (create, update,
//! replace, delete, forget, same, read) with their ordering constraints. It refuses a
//! plan that would take a name something else holds, or remove a protected resource.

mod decide;
pub mod estimate;
mod ownership;
mod places;
mod refresh;
pub mod resolve;
mod rewire;
pub mod schedule;
mod select;
mod step;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::aws::{Aws, AwsError};
use crate::graph::{Address, Graph, Kind};
use crate::manifest::{Loc, Project};
use crate::resources::{registry, Attrs, Ctx, ResourceError};
use crate::schema::{self, contains_unknown, Change, UNKNOWN};
use crate::secrets;
use crate::state::{ResourceState, State};

pub use decide::{
    add_own_tags, changes, create_first_conflict, decide, desired_properties, lookup_properties, refused, resource_schema, Decision, Live,
};
pub use ownership::{check_one as check_owner, checkable, Taken};
pub use refresh::read_live;
pub use resolve::{Resolved, Scope};
pub use rewire::{rewired, LeftOut};
pub use select::{dependents, select_down, select_modules, select_targets, select_up, Downstream, SelectError, Selection};
pub use step::{Action, Plan, PropChange, Replacement, Step};

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
    #[error("refusing to create over resources this environment does not manage:\n{}", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    NotOurs(Vec<String>),
    /// Names this environment already holds under another address: resources renamed
    /// in the manifests, whose records must move rather than the resources be re-created.
    #[error("refusing to create what this environment already has under another address (renamed in the manifest?):\n{}\n  Nothing was changed.", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Renamed(Vec<String>),
    #[error("refusing a plan that removes protected resources:\n{}\n  Nothing was changed. Set `prevent_destroy = false` (and apply) first if this is intended.", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Protected(Vec<String>),
}

/// Of a recorded resource that is kept (unchanged or updated in place): whether its
/// update gives some attributes new values (a secret's version), and the values its
/// dependents take meanwhile in place of the recorded ones: the others, when some
/// change, and those the state has not recorded (the type gained them since), as AWS
/// reports them now. Sensitive ones are never among them: they are read from AWS.
fn standing_attributes(type_name: &str, action: Action, prior: &ResourceState, live: Option<&Attrs>, desired: &Value) -> (bool, Attrs) {
    let Some(rtype) = registry::resource(type_name) else { return (false, Attrs::new()) };
    let plain = |k: &String| !registry::is_sensitive(type_name, k);
    let mut standing: Attrs = live
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "id" && !prior.attributes.contains_key(*k) && plain(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let changing = if action == Action::Update { rtype.updated_attrs(&prior.properties, desired) } else { &[] };
    if changing.is_empty() {
        return (false, standing);
    }
    standing.extend(prior.attributes.iter().filter(|(k, _)| plain(k)).map(|(k, v)| (k.clone(), v.clone())));
    standing.insert("id".into(), Value::String(prior.id.clone()));
    standing.retain(|k, _| !changing.contains(&k.as_str()));
    (true, standing)
}

/// `(a, b)` pairs: step `a` before step `b`.
type Edges = Vec<(usize, usize)>;

pub struct Planner<'a> {
    pub project: &'a Project,
    pub graph: &'a Graph,
    pub state: &'a State,
    pub aws: &'a Aws,
    pub parallelism: usize,
    /// Read live AWS to find drift and resources deleted behind our back.
    pub refresh: bool,
}

impl Planner<'_> {
    /// Read the live state of every recorded resource in the selection, concurrently:
    /// reads are cheaper than changes and AWS allows more of them, so more at a time.
    async fn refresh(&self, addrs: Vec<Address>) -> Result<HashMap<Address, Option<(Value, Attrs)>>, PlanError> {
        let mut out = HashMap::new();
        for (address, live) in read_live(self.aws, self.project, self.state, addrs, self.parallelism * 2).await {
            let live = live.map_err(|source| PlanError::Refresh { address: address.clone(), source })?;
            out.insert(address, live);
        }
        Ok(out)
    }

    /// Data lookups whose inputs need no resource (only variables, `aws.*` and other
    /// lookups), made ahead of the walk, each round of independent ones at once. The
    /// rest (inputs from resources) are made in the walk.
    async fn lookups(
        &self,
        order: &[petgraph::graph::NodeIndex],
        identity: Option<&crate::aws::Caller>,
    ) -> Result<HashMap<Address, Attrs>, PlanError> {
        use crate::manifest::expr::Reference;
        let mut data: HashMap<Address, Attrs> = HashMap::new();
        let mut todo: Vec<Address> = order.iter().map(|&n| self.graph.node(n).address.clone()).filter(|a| a.kind == Kind::Data).collect();
        loop {
            let (ready, waiting): (Vec<Address>, Vec<Address>) = todo.into_iter().partition(|a| {
                let decl = &self.project.modules[&a.module].data[&a.name];
                self.project.modules[&a.module].expand_locals(decl.references.iter().map(|(r, _)| r)).iter().all(|r| match r {
                    Reference::Data { name, .. } => data.contains_key(&Address::data(&a.module, name)),
                    Reference::Resource { .. } | Reference::Module { .. } => false,
                    _ => true,
                })
            });
            todo = waiting;
            if ready.is_empty() {
                return Ok(data);
            }
            let scope = Scope { identity, data: &data, ..Scope::new(self.project, self.state) };
            let mut calls = Vec::new();
            for addr in ready {
                let decl = &self.project.modules[&addr.module].data[&addr.name];
                let invalid = |message: String| PlanError::Invalid { address: addr.clone(), message, loc: decl.loc.clone() };
                let (rtype, props) = lookup_properties(&scope, self.project, &addr).map_err(invalid)?;
                calls.push(async move {
                    let label = addr.to_string();
                    let dir = self.project.module_dir(&addr.module);
                    let attrs = rtype.read(&Ctx::new(self.aws, &label, &dir), &props).await;
                    (addr, attrs)
                });
            }
            for (addr, attrs) in futures::future::join_all(calls).await {
                let attrs = attrs.map_err(|source| PlanError::Data { address: addr.clone(), source })?;
                data.insert(addr, attrs);
            }
        }
    }

    /// The plan of `sel`; for a partial selection, with the changes it leaves out.
    pub async fn plan(&self, sel: &Selection) -> Result<Plan, PlanError> {
        if !sel.partial {
            return self.plan_checked(sel, true).await;
        }
        let (plan, elsewhere) = tokio::join!(self.plan_checked(sel, true), self.left_out_elsewhere(sel));
        let mut plan = plan?;
        plan.left_out.extend(elsewhere);
        Ok(plan)
    }

    /// The plan without looking up whether creates would take a name something else
    /// holds: what `infra import` starts from, since those are what it adopts.
    pub async fn plan_unchecked(&self, sel: &Selection) -> Result<Plan, PlanError> {
        self.plan_checked(sel, false).await
    }

    async fn plan_checked(&self, sel: &Selection, check_owners: bool) -> Result<Plan, PlanError> {
        let mut plan = Plan::default();
        let order: Vec<_> = self.graph.topological().into_iter().filter(|n| sel.nodes.contains(n)).collect();
        let mut live = self.read_before_planning(&order, &mut plan).await?;

        let mut unknown = HashSet::new();
        let mut outputs = HashMap::new();
        let mut adopted = HashMap::new();
        let mut index_of_node = HashMap::new();
        // Resources whose attributes may change in this run, and outputs seen so far.
        let mut volatile = HashSet::new();
        let mut seen_outputs = HashSet::new();
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
                early: &plan.early,
            };
            let invalid = |message: String| PlanError::Invalid { address: addr.clone(), message, loc: gnode.loc.clone() };
            let mut step = match addr.kind {
                Kind::Data if plan.data.contains_key(&addr) => {
                    Step::new(addr.clone(), &self.project.modules[&addr.module].data[&addr.name].type_name, Action::Read)
                }
                Kind::Data => {
                    let decl = &self.project.modules[&addr.module].data[&addr.name];
                    let (rtype, props) = lookup_properties(&scope, self.project, &addr).map_err(invalid)?;
                    if contains_unknown(&props) {
                        unknown.insert(addr.clone());
                    } else {
                        let label = addr.to_string();
                        let dir = self.project.module_dir(&addr.module);
                        let attrs = rtype
                            .read(&Ctx::new(self.aws, &label, &dir), &props)
                            .await
                            .map_err(|source| PlanError::Data { address: addr.clone(), source })?;
                        plan.data.insert(addr.clone(), attrs);
                    }
                    Step::new(addr.clone(), &decl.type_name, Action::Read)
                }
                Kind::Resource => 'resource: {
                    let type_name = gnode.type_name.clone();
                    // A dependent outside the selection takes only this run's changed values.
                    let (desired, rewiring) = if sel.rewire.contains(&n) {
                        match self.rewire_inputs(&scope, &addr) {
                            Ok((desired, rewiring)) => (desired, Some(rewiring)),
                            Err(why) => break 'resource self.left_as_is(&addr, &type_name, why, &mut plan.left_out),
                        }
                    } else {
                        (desired_properties(&scope, self.project, &addr).map_err(invalid)?.0, None)
                    };
                    let mut prior = self.state.resource(&addr.module, &addr.name).cloned();
                    let mut observed = live.remove(&addr).flatten();
                    let mut step = Step::new(addr.clone(), &type_name, Action::Create);
                    if prior.is_none() {
                        if let Some((found, live_now)) = self.find_pending(&addr, &desired).await? {
                            if let Some((_, attrs)) = &live_now {
                                plan.keep_secrets(&addr, &found.type_name, attrs);
                            }
                            step.adopt = true;
                            step.reason = Some("found in AWS after an interrupted run; adopting it".into());
                            prior = Some(found);
                            observed = live_now;
                        }
                    }
                    let state = match (&observed, self.refresh) {
                        (Some((v, _)), _) => Live::Found(v),
                        (None, true) => Live::Gone,
                        (None, false) => Live::Unread,
                    };
                    let decision = decide(&type_name, &desired, prior.as_ref(), state, step.adopt);
                    let (desired, decision) = match rewiring {
                        Some(r) => {
                            let (desired, decision, left) = Self::narrow(&mut step, r, desired, decision, prior.as_ref(), state);
                            plan.left_out.extend(left);
                            (desired, decision)
                        }
                        None => (desired, decision),
                    };
                    step.set_action(decision.action);
                    step.changes = decision.changes;
                    step.reason = step.reason.or(decision.reason);
                    let forced = sel.replace.contains(&addr);
                    if forced && prior.is_some() && matches!(step.action(), Action::Same | Action::Update) {
                        step.reason = Some("replacement requested with --replace".into());
                        step.set_action(Action::Replace);
                    }
                    if step.action() == Action::Replace {
                        self.replacement(&mut step, forced, &desired).map_err(invalid)?;
                    }
                    if let (Some(rtype), Some(at)) = (registry::resource(&type_name), plan.identity.as_ref()) {
                        let early = rtype.early(&desired, at);
                        if !early.is_empty() {
                            plan.early.insert(addr.clone(), early);
                        }
                    }
                    if let (Some(how), Some(p)) = (step.replacement_mut(), &prior) {
                        how.loses = decide::lost_attributes(p, plan.early.get(&addr));
                    }
                    if step.action().is_change() || step.adopt {
                        volatile.insert(addr.clone());
                    }
                    let versioned = step.action() == Action::Update && registry::resource(&type_name).is_some_and(|k| k.versioned());
                    if matches!(step.action(), Action::Create | Action::Replace) || versioned {
                        unknown.insert(addr.clone());
                    } else if let Some(p) = prior.as_ref().filter(|_| step.adopt) {
                        // Not in the state yet; what AWS reported stands in for it.
                        adopted.insert(addr.clone(), p.clone());
                    } else if let Some(p) = &prior {
                        let (changing, standing) =
                            standing_attributes(&type_name, step.action(), p, observed.as_ref().map(|(_, a)| a), &desired);
                        if changing {
                            unknown.insert(addr.clone());
                        }
                        if !standing.is_empty() {
                            plan.early.entry(addr.clone()).or_default().extend(standing);
                        }
                    }
                    step.prior = prior;
                    step.live = observed;
                    step.desired = Some(desired);
                    step
                }
                Kind::Output => {
                    let output = &self.project.modules[&addr.module].outputs[&addr.name];
                    let value = if sel.rewire.contains(&n) && !output.sensitive {
                        self.rewired_output(&scope, &addr, &mut plan.left_out)
                    } else {
                        scope.resolve(&addr.module, &output.value.to_json()).map_err(|e| invalid(e.to_string()))?.value
                    };
                    let mut step = Step::new(addr.clone(), "", Action::Same);
                    let old = self.state.output(&addr.module, &addr.name).cloned().unwrap_or(Value::Null);
                    if !contains_unknown(&value) && !output.sensitive {
                        outputs.insert(addr.clone(), value.clone());
                        if self.known_early(&addr, &volatile, &plan.early, &seen_outputs, &plan.early_outputs) {
                            plan.early_outputs.insert(addr.clone(), value.clone());
                        }
                    }
                    seen_outputs.insert(addr.clone());
                    let changed = if old.is_null() { Action::Create } else { Action::Update };
                    if contains_unknown(&value) {
                        unknown.insert(addr.clone());
                        step.set_action(changed);
                        let change = Change { path: String::new(), old, new: Value::String(UNKNOWN.into()), replace: false };
                        step.changes.push(PropChange { change, drift: false });
                    } else if !output.sensitive && !schema::json_eq(&old, &value) {
                        step.set_action(changed);
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

        self.leftovers_of_interrupted_creates(sel, &mut plan).await?;
        self.deletions(sel, &mut plan);
        self.deposed(sel, &mut plan);
        self.protect(&mut plan.steps)?;
        if check_owners {
            self.check_names(&mut plan).await?;
        }
        let (edges, early_edges) = self.edges(&plan, &index_of_node);
        plan.edges = edges;
        plan.early_edges = early_edges;
        Ok(plan)
    }

    /// Whether an output's value is final now: every resource it reads is either not
    /// changing in this run or read only through attributes known early, and every
    /// output it reads is final too.
    fn known_early(
        &self,
        addr: &Address,
        volatile: &HashSet<Address>,
        early: &HashMap<Address, Attrs>,
        seen: &HashSet<Address>,
        early_outputs: &HashMap<Address, Value>,
    ) -> bool {
        use crate::manifest::expr::Reference;
        let Some(m) = self.project.module(&addr.module) else { return false };
        let Some(output) = m.outputs.get(&addr.name) else { return false };
        m.expand_locals(output.references.iter().map(|(r, _)| r)).into_iter().all(|r| match r {
            Reference::Resource { name, attr } => {
                let a = Address::resource(&addr.module, name);
                !volatile.contains(&a) || early.get(&a).is_some_and(|e| e.contains_key(attr))
            }
            Reference::Module { module, output } => {
                let o = Address::output(module, output);
                !seen.contains(&o) || early_outputs.contains_key(&o)
            }
            _ => true,
        })
    }

    /// What planning reads before it decides anything: who we are, the recorded
    /// resources as they are now (unless `--refresh=false`), the data lookups, and the
    /// sensitive attributes of recorded resources the planned nodes use. The live reads,
    /// by address.
    async fn read_before_planning(
        &self,
        order: &[petgraph::graph::NodeIndex],
        plan: &mut Plan,
    ) -> Result<HashMap<Address, Option<(Value, Attrs)>>, PlanError> {
        if !order.is_empty() {
            plan.identity = Some(self.aws.identity().await.map_err(PlanError::Identity)?.clone());
        }
        let recorded: Vec<Address> =
            order.iter().map(|&n| self.graph.node(n).address.clone()).filter(|a| a.kind == Kind::Resource).collect();
        // Reading what exists and looking up what the manifests ask for (default VPC,
        // subnets) do not wait for each other.
        let reads = async {
            if self.refresh {
                self.refresh(recorded).await
            } else {
                Ok(HashMap::new())
            }
        };
        let (live, lookups) = tokio::join!(reads, self.lookups(order, plan.identity.as_ref()));
        let live = live?;
        plan.data = lookups?;
        for (addr, observed) in &live {
            if let (Some((_, attrs)), Some(prior)) = (observed, self.state.resource(&addr.module, &addr.name)) {
                plan.keep_secrets(addr, &prior.type_name, attrs);
            }
        }
        let needed: Vec<Address> = self
            .sensitive_sources(order)
            .into_iter()
            .filter(|a| !plan.secrets.contains_key(a) && self.state.resource(&a.module, &a.name).is_some())
            .collect();
        for (addr, observed) in self.refresh(needed).await? {
            let (Some((_, attrs)), Some(prior)) = (observed, self.state.resource(&addr.module, &addr.name)) else { continue };
            plan.keep_secrets(&addr, &prior.type_name, &attrs);
        }
        Ok(live)
    }

    /// A replacement as the manifest and the user allow it: refused for a property AWS
    /// cannot change (unless asked for with `--replace`); new-first with
    /// `create_before_destroy`, where the new one can stand beside the old.
    fn replacement(&self, step: &mut Step, forced: bool, desired: &Value) -> Result<(), String> {
        if !forced {
            if let Some(why) = decide::refused(&step.type_name, &step.changes) {
                return Err(why);
            }
        }
        let decl = self.project.module(&step.address.module).and_then(|m| m.resources.get(&step.address.name));
        let create_first = decl.is_some_and(|d| d.create_first);
        if create_first {
            if let Some(why) = decide::create_first_conflict(&step.type_name, &step.changes, desired) {
                return Err(why);
            }
        }
        step.replace(Replacement { forced, create_first, loses: Vec::new() });
        Ok(())
    }

    /// Old resources of `create_before_destroy` replacements that an earlier run left
    /// recorded: this run deletes them.
    fn deposed(&self, sel: &Selection, plan: &mut Plan) {
        for module in &sel.modules {
            for (name, old) in self.state.deposed(module) {
                plan.deposed.push((Address::resource(module, name), old.clone()));
            }
        }
    }

    /// Interrupted creates that are no longer wanted here: delete what they left.
    async fn leftovers_of_interrupted_creates(&self, sel: &Selection, plan: &mut Plan) -> Result<(), PlanError> {
        let planned: HashSet<Address> = plan.steps.iter().map(|s| s.address.clone()).collect();
        for module in &sel.modules {
            let Some(ms) = self.state.modules.get(module) else { continue };
            for name in ms.pending.keys() {
                let addr = Address::resource(module, name);
                if planned.contains(&addr) || ms.resources.contains_key(name) {
                    continue;
                }
                let Some(pending) = self.state.pending(module, name) else { continue };
                let Some((found, _)) = self.find_pending(&addr, &pending.properties).await? else { continue };
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
        Ok(())
    }

    /// Recorded resources the selection removes (no longer declared, disabled, or `down`).
    fn deletions(&self, sel: &Selection, plan: &mut Plan) {
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
    }

    /// Refuse the plan when a create would take a name something else holds, or one this
    /// environment holds under another address (a rename); checked steps are marked.
    async fn check_names(&self, plan: &mut Plan) -> Result<(), PlanError> {
        let (not_ours, renamed) = ownership::check_plan(self.aws, self.project, self.state, &mut plan.steps, self.parallelism).await;
        // Something else's name is the graver refusal; renames are listed with it.
        match (not_ours.is_empty(), renamed.is_empty()) {
            (false, _) => Err(PlanError::NotOurs(not_ours.into_iter().chain(renamed).collect())),
            (true, false) => Err(PlanError::Renamed(renamed)),
            (true, true) => Ok(()),
        }
    }

    /// `prevent_destroy` refuses any delete or replace of the resource; `on_delete =
    /// "retain"` turns its delete into forgetting it (and refuses a replace, which would
    /// delete it). The manifest's setting counts while it declares the resource, else
    /// the one recorded when it was last applied.
    fn protect(&self, steps: &mut [Step]) -> Result<(), PlanError> {
        let mut refused = Vec::new();
        for step in steps.iter_mut().filter(|s| s.address.kind == Kind::Resource && matches!(s.action(), Action::Delete | Action::Replace))
        {
            let declared =
                self.project.module(&step.address.module).and_then(|m| m.resources.get(&step.address.name)).map(|d| d.protection);
            let protection = step.protection(declared);
            let what = if step.action() == Action::Replace { "replace" } else { "delete" };
            if protection.prevent_destroy {
                refused.push(format!("{}: `prevent_destroy` is set, and the plan would {what} it", step.address));
            } else if protection.retain && step.action() == Action::Replace {
                refused.push(format!("{}: `on_delete = \"retain\"` is set, and replacing it would delete it", step.address));
            } else if protection.retain {
                step.set_action(Action::Forget);
                step.reason = Some("on_delete = \"retain\": left in AWS, no longer managed".into());
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(PlanError::Protected(refused))
        }
    }

    /// For a create recorded as pending (sent, never confirmed): the resource as AWS has
    /// it, if the create went through. `Some` with an empty id means "nothing there". A
    /// resource found under the name but tagged for another state is not adopted.
    async fn find_pending(&self, addr: &Address, desired: &Value) -> Result<Option<(ResourceState, Option<(Value, Attrs)>)>, PlanError> {
        let Some(pending) = self.state.pending(&addr.module, &addr.name) else { return Ok(None) };
        let Some(rtype) = registry::resource(&pending.type_name) else { return Ok(None) };
        let label = addr.to_string();
        let dir = self.project.module_dir(&addr.module);
        let cx = Ctx::new(self.aws, &label, &dir).token(Some(&pending.token));
        let refresh_err = |source| PlanError::Refresh { address: addr.clone(), source };
        // The name the create used, or (for a create that never got a name) today's.
        let lookup = if contains_unknown(&pending.properties) { desired } else { &pending.properties };
        let id = rtype.find(&cx, lookup).await.map_err(refresh_err)?;
        let live = match &id {
            Some(id) => rtype.read(&cx, id, lookup).await.map_err(refresh_err)?,
            None => None,
        }
        .map(|(v, a)| (secrets::mask_like(&v, &pending.properties), a));
        if let (Some(id), Some((v, _))) = (&id, &live) {
            let found: crate::resources::tags::Tags =
                v.get("tags").and_then(|t| serde_json::from_value(t.clone()).ok()).unwrap_or_default();
            let theirs = found.get(crate::resources::tags::STATE).is_some_and(|s| s != &self.state.lineage);
            if theirs {
                let refusal = ownership::refusal(&label, rtype, lookup, id, Some(&found), &self.project.environment, &self.state.lineage);
                return Err(PlanError::NotOurs(vec![refusal]));
            }
        }
        let (properties, attributes) = live.clone().unwrap_or_else(|| (pending.properties.clone(), Attrs::new()));
        let id = if live.is_some() { id.unwrap_or_default() } else { String::new() };
        let mut record = ResourceState::new(&pending.type_name, id, properties, attributes);
        record.updated_at = pending.started_at.clone();
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

    /// Graph edges between planned steps, and apart from them the dependencies that
    /// need not be waited for: a resource that quotes another's early-known values only
    /// in documents and maps (a policy, environment variables, tags) can go before that
    /// one exists. Deletes run in reverse of the recorded dependencies, and after the
    /// steps that stop using what they delete.
    fn edges(&self, plan: &Plan, index_of_node: &HashMap<petgraph::graph::NodeIndex, usize>) -> (Edges, Edges) {
        let steps = &plan.steps;
        let mut edges = Vec::new();
        let mut early_edges = Vec::new();
        for (&n, &j) in index_of_node {
            let user = &self.graph.node(n).address;
            let places = (user.kind == Kind::Resource).then(|| places::of(self.project, user)).flatten();
            for dep in self.graph.dependencies(n) {
                let Some(&i) = index_of_node.get(&dep) else { continue };
                let target = &self.graph.node(dep).address;
                let waits = match places.as_ref().and_then(|p| p.get(target)) {
                    Some(place) if !place.strict => match target.kind {
                        Kind::Resource => !plan.early.get(target).is_some_and(|e| place.attrs.iter().all(|a| e.contains_key(a))),
                        Kind::Output => !plan.early_outputs.contains_key(target),
                        Kind::Data => true,
                    },
                    _ => true,
                };
                if waits || !steps[i].action().is_change() {
                    edges.push((i, j));
                } else {
                    early_edges.push((i, j));
                }
            }
        }
        let deleted: HashMap<String, usize> =
            steps.iter().enumerate().filter(|(_, s)| s.action() == Action::Delete).map(|(i, s)| (s.address.to_string(), i)).collect();
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
        early_edges.sort_unstable();
        early_edges.retain(|e| edges.binary_search(e).is_err());
        (edges, early_edges)
    }
}
