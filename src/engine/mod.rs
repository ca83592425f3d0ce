//! The executor: runs a [`Plan`]'s steps against AWS in DAG order with bounded
//! concurrency, resolves each step's inputs again from what upstream steps produced,
//! and saves the state after every finished step.

mod walk;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::aws::{Aws, Caller};
use crate::graph::{Address, Graph, Kind};
use crate::manifest::Project;
use crate::plan::{check_owner, checkable, decide, desired_properties, lookup_properties, Action, Live, Plan, Scope, Step};
use crate::resources::{registry, split_sensitive, Attrs, Ctx, DynResource, Outcome, Progress, ResourceError, DEFAULT_TIMEOUT};
use crate::secrets::mask_json;
use crate::state::{self, Edit, PendingCreate, ResourceState, State, StateError, StateStore};

pub use walk::{walk, Limits, NodeOutcome};

/// Default number of steps in flight over all services. Each service has its own,
/// lower, limit ([`service_limit`]), so this only caps the total.
pub const DEFAULT_PARALLELISM: usize = 32;

/// Steps in flight at once against one AWS service. Control planes throttle mutations
/// per service and account (CloudWatch Logs' CreateLogGroup at 5 per second, API
/// Gateway's writes at a few per second, Lambda's and IAM's at 10-20), and a step makes
/// one to a few calls, so these keep each service near its rate while different
/// services proceed side by side; a throttled call is retried by the SDK with backoff.
pub fn service_limit(service: &str) -> usize {
    match service {
        "logs" | "apigateway" | "cloudfront" => 4,
        "iam" | "lambda" | "rds" | "sagemaker" | "apprunner" | "scheduler" => 8,
        "random" => usize::MAX,
        _ => 16,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StepErrorKind {
    #[error(transparent)]
    Resource(#[from] ResourceError),
    #[error("{0}")]
    Inputs(String),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("{0}")]
    NotApproved(String),
    /// Something else holds the name this create would take.
    #[error("{0}")]
    NotOurs(String),
}

/// A failed step: which resource, what was being done, why.
#[derive(Debug, thiserror::Error)]
#[error("{address}: {action} failed: {source}")]
pub struct StepError {
    pub address: Address,
    pub action: &'static str,
    // Boxed: step errors travel through every Result in the executor; keep those small.
    pub source: Box<StepErrorKind>,
}

/// Hears about steps as they run.
pub trait Reporter: Send + Sync {
    fn started(&self, step: &Step);
    /// A wait on AWS; `expected`: how long this step typically takes on AWS (the
    /// `--estimate` durations), when it takes any time at all.
    fn waiting(&self, address: &str, what: &str, elapsed: Duration, expected: Option<Duration>);
    fn finished(&self, step: &Step, action: Action, elapsed: Duration);
    fn failed(&self, error: &StepError);
    fn skipped(&self, step: &Step, because: &Address);
    /// Something the user should know that is not an error.
    fn warning(&self, message: &str);
    /// What a step did beyond its action (a cluster restored from a snapshot).
    fn noted(&self, address: &str, what: &str);
}

/// What a step's waits report: the step's typical duration on AWS goes with each.
struct ReporterProgress<'a> {
    reporter: &'a dyn Reporter,
    expected: Option<Duration>,
}

impl<'a> ReporterProgress<'a> {
    fn new(reporter: &'a dyn Reporter, type_name: &str, action: Action) -> Self {
        let secs = crate::plan::estimate::seconds(type_name, Kind::Resource, action);
        ReporterProgress { reporter, expected: (secs > 0).then(|| Duration::from_secs(secs)) }
    }
}

impl Progress for ReporterProgress<'_> {
    fn waiting(&self, address: &str, what: &str, elapsed: Duration) {
        self.reporter.waiting(address, what, elapsed, self.expected);
    }

    fn note(&self, address: &str, what: &str) {
        self.reporter.noted(address, what);
    }
}

#[derive(Debug, Default)]
pub struct ApplyReport {
    pub done: Vec<(Address, Action)>,
    pub errors: Vec<StepError>,
    pub skipped: Vec<(Address, Address)>,
    pub not_started: Vec<Address>,
    /// When each step started and ended, from the start of the run.
    pub timings: Vec<Option<(Duration, Duration)>>,
}

impl ApplyReport {
    /// Resources created, updated, replaced or deleted.
    pub fn changed(&self) -> usize {
        self.done.iter().filter(|(addr, a)| a.is_change() && addr.kind == Kind::Resource).count()
    }
}

pub struct Executor<'a> {
    pub project: &'a Project,
    pub graph: &'a Graph,
    pub aws: &'a Aws,
    pub store: &'a StateStore,
    pub reporter: &'a dyn Reporter,
    pub parallelism: usize,
    /// Replacements and deletions were confirmed.
    pub allow_destructive: bool,
    /// Modules being torn down: their outputs go when their first resource does.
    pub tearing_down: HashSet<String>,
    pub cancel: CancellationToken,
}

struct Run<'a> {
    exec: &'a Executor<'a>,
    state: Mutex<State>,
    data: Mutex<HashMap<Address, Attrs>>,
    identity: Option<Caller>,
    /// What each finished step actually did (a planned update may turn out a no-op).
    actions: Mutex<HashMap<usize, Action>>,
    /// Sensitive attributes known in this run; never written to the state.
    secrets: Mutex<HashMap<Address, Attrs>>,
    /// Values the plan knew early (attributes, outputs): steps that did not wait for
    /// their source use them.
    early: HashMap<Address, Attrs>,
    early_outputs: HashMap<Address, Value>,
    /// Cancelled when the state can no longer be saved: no further step starts.
    halt: CancellationToken,
    /// Resources replaced new-first in this run: their old ones go once every step is done.
    deposed: Mutex<Vec<Address>>,
}

impl Executor<'_> {
    /// Run the plan; returns the final state with the report.
    pub async fn apply(&self, plan: &Plan, state: State) -> (State, ApplyReport) {
        let run = Run {
            exec: self,
            state: Mutex::new(state),
            data: Mutex::new(plan.data.clone()),
            identity: plan.identity.clone(),
            actions: Mutex::new(HashMap::new()),
            secrets: Mutex::new(plan.secrets.clone()),
            early: plan.early.clone(),
            early_outputs: plan.early_outputs.clone(),
            halt: self.cancel.child_token(),
            deposed: Mutex::new(Vec::new()),
        };
        // Old resources an earlier run left of a module being torn down go first: what
        // they stand in (a VPC) goes in the walk.
        let (first, last): (Vec<Address>, Vec<Address>) =
            plan.deposed.iter().map(|(a, _)| a.clone()).partition(|a| self.tearing_down.contains(&a.module));
        let mut deposed_errors = run.delete_deposed(&first).await;
        let steps = &plan.steps;
        // The longest chains of (typical AWS) work first; each service within its limit.
        let priority = crate::plan::schedule::remaining(steps.len(), &plan.edges, &crate::plan::estimate::weights(plan));
        let mut services: Vec<&str> = vec!["-"];
        let group: Vec<usize> = steps
            .iter()
            .map(|s| {
                let service = if s.address.kind == Kind::Resource { s.type_name.split('.').next().unwrap_or("-") } else { "-" };
                services.iter().position(|x| *x == service).unwrap_or_else(|| {
                    services.push(service);
                    services.len() - 1
                })
            })
            .collect();
        let group_limit: Vec<usize> = services.iter().map(|s| if *s == "-" { usize::MAX } else { service_limit(s) }).collect();
        let limits = Limits { parallelism: self.parallelism, priority: &priority, group: &group, group_limit: &group_limit };
        let began = Instant::now();
        let timings = Mutex::new(vec![None; steps.len()]);
        let outcomes = walk(steps.len(), &plan.edges, &limits, &run.halt, |i| {
            let (run, timings) = (&run, &timings);
            async move {
                let step = &steps[i];
                let start = Instant::now();
                if step.action().is_change() {
                    self.reporter.started(step);
                }
                let result = run.step(step).await;
                lock(timings)[i] = Some((start - began, began.elapsed()));
                match result {
                    Ok(action) => {
                        if step.action().is_change() || action.is_change() {
                            self.reporter.finished(step, action, start.elapsed());
                        }
                        lock(&run.actions).insert(i, action);
                        Ok(())
                    }
                    Err(e) => {
                        self.reporter.failed(&e);
                        Err(e)
                    }
                }
            }
        })
        .await;
        let actions = std::mem::take(&mut *lock(&run.actions));
        let mut report = ApplyReport { timings: std::mem::take(&mut *lock(&timings)), ..ApplyReport::default() };
        for (i, o) in outcomes.into_iter().enumerate() {
            let addr = steps[i].address.clone();
            match o {
                NodeOutcome::Done => report.done.push((addr, actions.get(&i).copied().unwrap_or(Action::Same))),
                NodeOutcome::Failed(e) => report.errors.push(e),
                NodeOutcome::Skipped { because } => {
                    self.reporter.skipped(&steps[i], &steps[because].address);
                    report.skipped.push((addr, steps[because].address.clone()));
                }
                NodeOutcome::NotStarted => report.not_started.push(addr),
            }
        }
        // The old resources of new-first replacements, once their users moved: only when
        // every step succeeded, as a failed one may still use them (the next run retries).
        if report.errors.is_empty() && report.not_started.is_empty() && deposed_errors.is_empty() && !run.halt.is_cancelled() {
            let mut last = last;
            last.extend(lock(&run.deposed).drain(..));
            last.dedup();
            deposed_errors.extend(run.delete_deposed(&last).await);
        }
        report.errors.extend(deposed_errors);
        let state = run.state.into_inner().unwrap_or_else(|e| e.into_inner());
        (state, report)
    }
}

/// Poisoning only follows a panic elsewhere; the data is still the latest we have.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Run<'_> {
    fn fail(step: &Step, action: Action, source: impl Into<StepErrorKind>) -> StepError {
        StepError { address: step.address.clone(), action: action.verb(), source: Box::new(source.into()) }
    }

    /// The recorded resource an update, replace or delete works on.
    fn prior(step: &Step, action: Action) -> Result<&ResourceState, StepError> {
        step.prior.as_ref().ok_or_else(|| Self::fail(step, action, StepErrorKind::Inputs("planned without a recorded resource".into())))
    }

    fn record(&self, state: &mut State, edit: Edit) -> Result<(), StateError> {
        let result = self.exec.store.record(state, edit);
        if result.as_ref().is_err_and(StateError::is_fatal) {
            self.halt.cancel();
        }
        result
    }

    async fn step(&self, step: &Step) -> Result<Action, StepError> {
        match (step.address.kind, step.action()) {
            (_, Action::Delete) => self.delete(step).await.map(|_| Action::Delete),
            (_, Action::Forget) => self.forget(step).map(|_| Action::Forget),
            (Kind::Data, _) => self.read_data(step).await.map(|_| Action::Read),
            (Kind::Output, _) => self.output(step),
            (Kind::Resource, Action::Same | Action::Read) if !step.adopt => Ok(Action::Same),
            (Kind::Resource, _) => self.reconcile(step).await,
        }
    }

    fn ctx<'c>(&'c self, label: &'c str, dir: &'c std::path::Path, timeout: Duration, progress: &'c dyn Progress) -> Ctx<'c> {
        Ctx::new(self.exec.aws, label, dir).timeout(timeout).progress(progress)
    }

    /// Runs `f` with references resolved against `state` (locked by the caller) and
    /// what this run has looked up and generated so far.
    fn in_scope<T>(&self, state: &State, f: impl FnOnce(&Scope<'_>) -> T) -> T {
        let data = lock(&self.data);
        let secrets = lock(&self.secrets);
        f(&Scope {
            identity: self.identity.as_ref(),
            data: &data,
            outputs: &self.early_outputs,
            secrets: &secrets,
            early: &self.early,
            ..Scope::new(self.exec.project, state)
        })
    }

    async fn read_data(&self, step: &Step) -> Result<(), StepError> {
        if lock(&self.data).contains_key(&step.address) {
            return Ok(());
        }
        let fail = |e: String| Self::fail(step, Action::Read, StepErrorKind::Inputs(e));
        let (rtype, props) = {
            let state = lock(&self.state);
            self.in_scope(&state, |scope| lookup_properties(scope, self.exec.project, &step.address)).map_err(fail)?
        };
        let label = step.address.to_string();
        let dir = self.exec.project.module_dir(&step.address.module);
        let progress = ReporterProgress::new(self.exec.reporter, &step.type_name, Action::Read);
        let cx = self.ctx(&label, &dir, DEFAULT_TIMEOUT, &progress);
        let attrs = rtype.read(&cx, &props).await.map_err(|e| Self::fail(step, Action::Read, e))?;
        lock(&self.data).insert(step.address.clone(), attrs);
        Ok(())
    }

    fn output(&self, step: &Step) -> Result<Action, StepError> {
        let output = &self.exec.project.modules[&step.address.module].outputs[&step.address.name];
        let mut state = lock(&self.state);
        let value = self
            .in_scope(&state, |scope| scope.resolve(&step.address.module, &output.value.to_json()))
            .map_err(|e| Self::fail(step, Action::Update, StepErrorKind::Inputs(e.to_string())))?
            .value;
        // A dependent's output whose change is not this run's re-wiring waits too.
        if output.sensitive || (step.rewire && step.action() == Action::Same) {
            return Ok(Action::Same);
        }
        if state.output(&step.address.module, &step.address.name).is_some_and(|old| crate::schema::json_eq(old, &value)) {
            return Ok(Action::Same);
        }
        let edit = Edit::Output { module: step.address.module.clone(), name: step.address.name.clone(), value };
        self.record(&mut state, edit).map_err(|e| Self::fail(step, Action::Update, e))?;
        Ok(Action::Update)
    }

    async fn reconcile(&self, step: &Step) -> Result<Action, StepError> {
        let addr = &step.address;
        let decl = &self.exec.project.modules[&addr.module].resources[&addr.name];
        let planned = step.action();
        let (desired, resolved) = {
            let state = lock(&self.state);
            self.in_scope(&state, |scope| desired_properties(scope, self.exec.project, addr))
                .map_err(|e| Self::fail(step, planned, StepErrorKind::Inputs(e)))?
        };
        // A re-wired dependent takes only what its changed inputs change.
        let desired = match (&step.rewire_base, &step.prior) {
            (Some(base), Some(prior)) => crate::plan::rewired(&prior.properties, base, &desired),
            _ => desired,
        };
        let rtype = registry::resource(&decl.type_name)
            .ok_or_else(|| Self::fail(step, planned, StepErrorKind::Inputs(format!("unknown type {}", decl.type_name))))?;

        // Decide again now that every input is known, from what the planner saw.
        let live = match (&step.live, step.action()) {
            (Some((v, _)), _) => Live::Found(v),
            (None, Action::Create) if step.prior.is_some() && !step.adopt => Live::Gone,
            _ => Live::Unread,
        };
        let decision = decide(&decl.type_name, &desired, step.prior.as_ref(), live, step.adopt);
        let mut action = decision.action;
        if step.is_forced() && step.prior.is_some() && matches!(action, Action::Same | Action::Update) {
            action = Action::Replace;
        }
        let base = step.live.as_ref().map(|(v, _)| v.clone()).or_else(|| step.prior.as_ref().map(|p| p.properties.clone()));
        if action == Action::Same && !step.adopt {
            return Ok(Action::Same);
        }
        let refusal = |why: String| Self::fail(step, action, StepErrorKind::NotApproved(why));
        if action == Action::Replace && !step.is_forced() {
            if let Some(why) = crate::plan::refused(&decl.type_name, &decision.changes) {
                return Err(refusal(why));
            }
        }
        let create_first = action == Action::Replace && decl.create_first;
        if create_first {
            if let Some(why) = crate::plan::create_first_conflict(&decl.type_name, &decision.changes, &desired) {
                return Err(refusal(why));
            }
        }
        let mut desired = desired;
        if step.prior.as_ref().is_some_and(|p| p.imported) && rtype.taggable() {
            let lineage = lock(&self.state).lineage.clone();
            crate::plan::add_own_tags(&mut desired, &self.exec.project.environment, &lineage, addr);
        }
        if action.is_destructive() && !planned.is_destructive() && !self.exec.allow_destructive {
            return Err(Self::fail(
                step,
                action,
                StepErrorKind::NotApproved(
                    "now that its inputs are known it must be replaced, which was not in the approved plan; run the command again to review"
                        .into(),
                ),
            ));
        }
        if action == Action::Replace && !planned.is_destructive() && (decl.protection.prevent_destroy || decl.protection.retain) {
            return Err(Self::fail(
                step,
                action,
                StepErrorKind::NotApproved("now that its inputs are known it must be replaced, but it is protected from deletion".into()),
            ));
        }

        let label = addr.to_string();
        let dir = self.exec.project.module_dir(&addr.module);
        // A replacement's delete reports its own figure (below).
        let phase = if action == Action::Replace { Action::Create } else { action };
        let progress = ReporterProgress::new(self.exec.reporter, &decl.type_name, phase);
        let timeout = decl.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let cx = self.ctx(&label, &dir, timeout, &progress);

        let mut attributes = step.prior.as_ref().map(|p| p.attributes.clone()).unwrap_or_default();
        if let Some(prior) = step.prior.as_ref().filter(|_| step.adopt) {
            // A create a crashed run sent may still be settling (a cluster "creating").
            rtype.settle(&cx, &prior.id, &prior.properties).await.map_err(|e| Self::fail(step, action, e))?;
        }
        let outcome: Outcome = match action {
            Action::Same => Outcome { id: step.prior.as_ref().map(|p| p.id.clone()).unwrap_or_default(), attrs: Attrs::new() },
            Action::Create => self.create(step, rtype, &cx, &desired).await?,
            Action::Update => {
                let prior = Self::prior(step, action)?;
                let base = base.unwrap_or_else(|| prior.properties.clone());
                let attrs = rtype.update(&cx, &prior.id, &base, &desired).await.map_err(|e| Self::fail(step, action, e))?;
                Outcome { id: prior.id.clone(), attrs: attrs.unwrap_or_default() }
            }
            _ if create_first => {
                // The old one stays recorded (deposed) until the run deletes it, after
                // its users moved to the new one; a failed create leaves both recorded.
                let depose = Edit::Depose { module: addr.module.clone(), name: addr.name.clone() };
                self.record(&mut lock(&self.state), depose).map_err(|e| Self::fail(step, action, e))?;
                lock(&self.deposed).push(addr.clone());
                attributes = Attrs::new();
                self.create(step, rtype, &cx, &desired).await?
            }
            _ => {
                let prior = Self::prior(step, action)?;
                let deleting = ReporterProgress::new(self.exec.reporter, &prior.type_name, Action::Delete);
                self.delete_recorded(step, prior, &cx.progress(&deleting)).await?;
                attributes = Attrs::new();
                self.create(step, rtype, &cx, &desired).await?
            }
        };
        let (plain, secret) = split_sensitive(&decl.type_name, outcome.attrs);
        // Steps that did not wait for this one used the values known early: they must be
        // what AWS reported.
        for (name, planned) in self.early.get(addr).into_iter().flatten() {
            if let Some(actual) = plain.get(name).filter(|v| *v != planned) {
                self.exec.reporter.warning(&format!(
                    "{addr}: AWS reported {name} {actual}, not {planned} as planned; resources that used it are corrected by the next `up`"
                ));
            }
        }
        attributes.extend(plain);
        if !secret.is_empty() {
            lock(&self.secrets).insert(addr.clone(), secret);
        }
        // What is stored has every known secret replaced by a token.
        let attributes = match mask_json(&Value::Object(attributes)) {
            Value::Object(map) => map,
            _ => Attrs::new(),
        };
        let mut record = ResourceState::new(&decl.type_name, outcome.id, mask_json(&desired), attributes).with_protection(decl.protection);
        record.dependencies = self.exec.graph.resources_read(addr);
        record.consumed = resolved.consumed.iter().map(|(k, v)| (k.clone(), mask_json(v))).collect();
        let mut state = lock(&self.state);
        let edit = Edit::Resource { module: addr.module.clone(), name: addr.name.clone(), resource: Box::new(record) };
        self.record(&mut state, edit).map_err(|e| Self::fail(step, action, e))?;
        Ok(if step.adopt && action == Action::Same { Action::Update } else { action })
    }

    /// Create, with the intent recorded first: if the process dies before the answer is
    /// recorded, the next run finds the resource from the pending entry and adopts it.
    /// A failed create leaves the entry too, so whatever it may have left is found.
    async fn create(&self, step: &Step, rtype: &dyn DynResource, cx: &Ctx<'_>, desired: &Value) -> Result<Outcome, StepError> {
        // A name the planner could not check (it depended on an earlier step) is
        // checked now, before anything is sent.
        if !step.owner_checked && !step.adopt && checkable(rtype, desired) {
            let prior = step.prior.as_ref().map(|p| p.id.as_str());
            if let Err(taken) = check_owner(cx, rtype, desired, prior).await {
                // Named as the planner would, without saying whether this run deletes
                // the other address (a wording detail the executor does not track).
                let message = taken.explain(self.exec.project, &lock(&self.state), &step.address, rtype, desired, |_| false);
                return Err(Self::fail(step, Action::Create, StepErrorKind::NotOurs(message)));
            }
        }
        let token = format!("infra-{}", (0..12).map(|_| format!("{:x}", rand::random::<u8>() % 16)).collect::<String>());
        {
            let mut state = lock(&self.state);
            let pending = PendingCreate {
                type_name: rtype.type_name().to_string(),
                properties: mask_json(desired),
                token: token.clone(),
                started_at: state::now(),
            };
            let edit = Edit::Pending { module: step.address.module.clone(), name: step.address.name.clone(), pending };
            self.record(&mut state, edit).map_err(|e| Self::fail(step, Action::Create, e))?;
        }
        let cx = cx.token(Some(&token));
        rtype.create(&cx, desired).await.map_err(|e| Self::fail(step, Action::Create, e))
    }

    /// Delete a recorded resource with its recorded type and properties, then forget it.
    async fn delete_recorded(&self, step: &Step, prior: &ResourceState, cx: &Ctx<'_>) -> Result<(), StepError> {
        let rtype = registry::resource(&prior.type_name)
            .ok_or_else(|| Self::fail(step, Action::Delete, StepErrorKind::Inputs(format!("unknown recorded type {}", prior.type_name))))?;
        // An empty id: an interrupted create that left nothing behind.
        if !prior.id.is_empty() {
            rtype.delete(cx, &prior.id, &prior.properties).await.map_err(|e| Self::fail(step, Action::Delete, e))?;
        }
        let mut state = lock(&self.state);
        let edit = Edit::Remove { module: step.address.module.clone(), name: step.address.name.clone() };
        self.record(&mut state, edit).map_err(|e| Self::fail(step, Action::Delete, e))
    }

    async fn delete(&self, step: &Step) -> Result<(), StepError> {
        let prior = Self::prior(step, Action::Delete)?;
        if self.exec.tearing_down.contains(&step.address.module) {
            let mut state = lock(&self.state);
            if state.modules.get(&step.address.module).is_some_and(|m| !m.outputs.is_empty()) {
                let edit = Edit::ClearOutputs { module: step.address.module.clone() };
                self.record(&mut state, edit).map_err(|e| Self::fail(step, Action::Delete, e))?;
            }
        }
        let label = step.address.to_string();
        let dir = self.exec.project.module_dir(&step.address.module);
        let progress = ReporterProgress::new(self.exec.reporter, &prior.type_name, Action::Delete);
        let timeout = self
            .exec
            .project
            .module(&step.address.module)
            .and_then(|m| m.resources.get(&step.address.name))
            .and_then(|d| d.timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        let cx = self.ctx(&label, &dir, timeout, &progress);
        self.delete_recorded(step, prior, &cx).await
    }

    /// Delete the old resources of `create_before_destroy` replacements recorded for these
    /// addresses, forgetting each once it is gone.
    async fn delete_deposed(&self, addresses: &[Address]) -> Vec<StepError> {
        let mut errors = Vec::new();
        for addr in addresses {
            let olds: Vec<ResourceState> =
                lock(&self.state).deposed(&addr.module).filter(|(n, _)| **n == addr.name).map(|(_, r)| r.clone()).collect();
            for old in olds {
                let mut step = Step::deposed(addr.clone(), &old.type_name);
                step.prior = Some(old.clone());
                self.exec.reporter.started(&step);
                let start = Instant::now();
                match self.delete_one_deposed(&step, &old).await {
                    Ok(()) => self.exec.reporter.finished(&step, Action::Delete, start.elapsed()),
                    Err(e) => {
                        self.exec.reporter.failed(&e);
                        errors.push(e);
                    }
                }
            }
        }
        errors
    }

    async fn delete_one_deposed(&self, step: &Step, old: &ResourceState) -> Result<(), StepError> {
        let fail = |e: StepErrorKind| Self::fail(step, Action::Delete, e);
        let rtype = registry::resource(&old.type_name)
            .ok_or_else(|| fail(StepErrorKind::Inputs(format!("unknown recorded type {}", old.type_name))))?;
        let label = format!("{} (old)", step.address);
        let dir = self.exec.project.module_dir(&step.address.module);
        let progress = ReporterProgress::new(self.exec.reporter, &old.type_name, Action::Delete);
        let cx = self.ctx(&label, &dir, DEFAULT_TIMEOUT, &progress);
        rtype.delete(&cx, &old.id, &old.properties).await.map_err(|e| fail(e.into()))?;
        let edit = Edit::RemoveDeposed { module: step.address.module.clone(), name: step.address.name.clone(), id: old.id.clone() };
        self.record(&mut lock(&self.state), edit).map_err(|e| fail(e.into()))
    }

    /// `on_delete = "retain"`: drop it from the state and leave it in AWS.
    fn forget(&self, step: &Step) -> Result<(), StepError> {
        let mut state = lock(&self.state);
        let edit = Edit::Remove { module: step.address.module.clone(), name: step.address.name.clone() };
        self.record(&mut state, edit).map_err(|e| Self::fail(step, Action::Forget, e))
    }
}
