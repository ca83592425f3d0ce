//! Never take what is not ours. Before any create, the resource's name (bucket, queue,
//! role, ...) is looked up in AWS; if something already holds it and this environment's
//! state does not record it, the create is refused and the holder named: its infra
//! tags say which environment or state it belongs to. Even where AWS's create call
//! would succeed anyway (S3 in us-east-1, SQS with the same attributes). When the holder
//! is this state's own under another address (a resource renamed in its manifest), the
//! refusal says how to move it instead: a `[[moved]]` entry or `infra state mv`.

use futures::{stream, StreamExt};
use serde_json::Value;

use super::step::{Action, Step};
use crate::aws::Aws;
use crate::graph::{Address, Kind};
use crate::manifest::Project;
use crate::resources::tags::{self, Tags};
use crate::resources::{registry, Ctx, DynResource, Identity};
use crate::schema::contains_unknown;
use crate::state::State;

/// The value that names the resource in AWS, for messages: the identity's last
/// property (a security group's name rather than its VPC).
fn natural_name(rtype: &dyn DynResource, desired: &Value) -> String {
    let identity = rtype.identity();
    identity.fields().last().and_then(|f| desired.get(*f)).and_then(Value::as_str).unwrap_or("?").to_string()
}

/// `s3.bucket` → "bucket", `logs.log_group` → "log group".
fn noun(type_name: &str) -> String {
    type_name.rsplit('.').next().unwrap_or(type_name).replace('_', " ")
}

/// Whether the create of this step can collide with an existing resource, and the
/// identity it would take is known now.
pub fn checkable(rtype: &dyn DynResource, desired: &Value) -> bool {
    let identity = rtype.identity();
    matches!(identity, Identity::Named(_) | Identity::Unique(_))
        && identity.fields().iter().all(|f| desired.get(*f).is_some_and(|v| !contains_unknown(v)))
}

/// The refusal, naming what holds the name and how to proceed.
pub fn refusal(address: &str, rtype: &dyn DynResource, desired: &Value, id: &str, live: Option<&Tags>, env: &str, lineage: &str) -> String {
    let owner = match live {
        Some(t) => tags::owner(t, env, lineage),
        None => "it belongs to another AWS account, or its tags cannot be read".into(),
    };
    format!(
        "{address}: {} {} already exists and is not managed by this environment ({owner}); adopt it with `infra import {address} {id}` or rename it",
        noun(rtype.type_name()),
        natural_name(rtype, desired),
    )
}

/// Why a create may not go ahead.
#[derive(Debug, Clone)]
pub enum Taken {
    /// The lookup itself failed: whether the name is free is not known.
    Unchecked(String),
    /// Something holds the name: its id and, when readable, its tags.
    Held { id: String, live: Option<Tags> },
}

impl Taken {
    /// The refusal for the create of `address`, naming the holder and what to do. A
    /// holder this state records under another address is the same resource renamed in
    /// the manifests: importing it again cannot work (one resource, one address), moving
    /// its record can. `deleted` says whether the plan deletes an address.
    pub fn explain(
        &self,
        project: &Project,
        state: &State,
        address: &Address,
        rtype: &dyn DynResource,
        desired: &Value,
        deleted: impl Fn(&Address) -> bool,
    ) -> String {
        let (id, live) = match self {
            Taken::Unchecked(message) => return message.clone(),
            Taken::Held { id, live } => (id, live),
        };
        match self.recorded_elsewhere(state, rtype.type_name(), address) {
            Some(old) => renamed(project, address, rtype, desired, &old, deleted(&old)),
            None => refusal(&address.to_string(), rtype, desired, id, live.as_ref(), &project.environment, &state.lineage),
        }
    }

    /// The other address this state records the holder under, if any.
    pub fn recorded_elsewhere(&self, state: &State, type_name: &str, address: &Address) -> Option<Address> {
        let Taken::Held { id, .. } = self else { return None };
        recorded_as(state, type_name, id).filter(|old| old != address)
    }
}

/// The address this state records a resource of this type and id under.
fn recorded_as(state: &State, type_name: &str, id: &str) -> Option<Address> {
    state
        .modules
        .iter()
        .find_map(|(m, ms)| ms.resources.iter().find(|(_, r)| r.type_name == type_name && r.id == id).map(|(n, _)| Address::resource(m, n)))
}

/// The refusal for a name held by this state's own resource at `old`: the suggestion
/// in the module file's own terms (`from` without the module when it is the same one).
fn renamed(project: &Project, address: &Address, rtype: &dyn DynResource, desired: &Value, old: &Address, deleting: bool) -> String {
    let file = match project.module(&address.module) {
        Some(m) => m.file.display.display().to_string(),
        None => format!("modules/{}.toml", address.module),
    };
    let from = if old.module == address.module { old.name.clone() } else { old.to_string() };
    let fate = if deleting { ", which this plan would delete" } else { "" };
    format!(
        "{address}: {} {} is already this environment's, recorded as {old}{fate}. A rename moves the record, not the resource: \
         add to {file}\n\n      [[moved]]\n      from = \"{from}\"\n      to = \"{}\"\n\n    or run `infra state mv {old} {address}`; \
         nothing changes in AWS",
        noun(rtype.type_name()),
        natural_name(rtype, desired),
        address.name,
    )
}

/// Look the name up; `Err` says what holds it. `prior` is what this state recorded for
/// the address (a replace re-creates it under the same name: finding that one is fine).
pub async fn check_one(cx: &Ctx<'_>, rtype: &dyn DynResource, desired: &Value, prior_id: Option<&str>) -> Result<(), Taken> {
    let found = rtype
        .find(cx, desired)
        .await
        .map_err(|e| Taken::Unchecked(format!("{}: cannot check whether the name is free: {e}", cx.address)))?;
    let Some(id) = found.filter(|id| Some(id.as_str()) != prior_id) else { return Ok(()) };
    let live =
        rtype.read(cx, &id, desired).await.ok().flatten().and_then(|(v, _)| serde_json::from_value::<Tags>(v.get("tags")?.clone()).ok());
    let live = live.or_else(|| (!rtype.taggable()).then(Tags::new));
    Err(Taken::Held { id, live })
}

/// Check every planned create whose name is known, concurrently. Returns the refusals:
/// names held by something else, and names this state holds under another address
/// (renames); checked steps are marked so the executor does not look again.
pub async fn check_plan(aws: &Aws, project: &Project, state: &State, steps: &mut [Step], parallelism: usize) -> (Vec<String>, Vec<String>) {
    let candidates: Vec<usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.address.kind == Kind::Resource && matches!(s.action(), Action::Create | Action::Replace) && !s.adopt)
        .filter(|(_, s)| {
            let rtype = registry::resource(&s.type_name);
            rtype.zip(s.desired.as_ref()).is_some_and(|(k, d)| checkable(k, d))
        })
        .map(|(i, _)| i)
        .collect();
    let results: Vec<(usize, Result<(), Taken>)> = stream::iter(candidates.into_iter().map(|i| {
        let step = &steps[i];
        async move {
            let Some(rtype) = registry::resource(&step.type_name) else { return (i, Ok(())) };
            let Some(desired) = step.desired.as_ref() else { return (i, Ok(())) };
            let label = step.address.to_string();
            let dir = project.module_dir(&step.address.module);
            let cx = Ctx::new(aws, &label, &dir);
            let prior = step.prior.as_ref().map(|p| p.id.as_str());
            (i, check_one(&cx, rtype, desired, prior).await)
        }
    }))
    .buffer_unordered(parallelism.max(1))
    .collect()
    .await;
    let deleted = |a: &Address| steps.iter().any(|s| s.address == *a && s.action() == Action::Delete);
    let (mut not_ours, mut renamed) = (Vec::new(), Vec::new());
    let mut checked = Vec::new();
    for (i, r) in results {
        let step = &steps[i];
        match (r, registry::resource(&step.type_name), step.desired.as_ref()) {
            (Ok(()), _, _) => checked.push(i),
            (Err(taken), Some(rtype), Some(desired)) => {
                let message = taken.explain(project, state, &step.address, rtype, desired, deleted);
                match taken.recorded_elsewhere(state, rtype.type_name(), &step.address) {
                    Some(_) => renamed.push(message),
                    None => not_ours.push(message),
                }
            }
            (Err(_), _, _) => {}
        }
    }
    for i in checked {
        steps[i].owner_checked = true;
    }
    not_ours.sort();
    renamed.sort();
    (not_ours, renamed)
}
