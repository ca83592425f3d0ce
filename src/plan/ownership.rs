//! Never take what is not ours. Before any create, the resource's name (bucket, queue,
//! role, ...) is looked up in AWS; if something already holds it and this environment's
//! state does not record it, the create is refused and the holder named: its infra
//! tags say which environment or state it belongs to. Even where AWS's create call
//! would succeed anyway (S3 in us-east-1, SQS with the same attributes).

use futures::{stream, StreamExt};
use serde_json::Value;

use super::step::{Action, Step};
use crate::aws::Aws;
use crate::graph::Kind;
use crate::manifest::Project;
use crate::resources::tags::{self, Tags};
use crate::resources::{registry, Ctx, DynResource, Identity};
use crate::schema::contains_unknown;

/// The value that names the resource in AWS, for messages: the identity's last
/// property (a security group's name rather than its VPC).
fn natural_name(kind: &dyn DynResource, desired: &Value) -> String {
    let identity = kind.identity();
    identity.fields().last().and_then(|f| desired.get(*f)).and_then(Value::as_str).unwrap_or("?").to_string()
}

/// `s3.bucket` → "bucket", `logs.log_group` → "log group".
fn noun(type_name: &str) -> String {
    type_name.rsplit('.').next().unwrap_or(type_name).replace('_', " ")
}

/// Whether the create of this step can collide with an existing resource, and the
/// identity it would take is known now.
pub fn checkable(kind: &dyn DynResource, desired: &Value) -> bool {
    let identity = kind.identity();
    matches!(identity, Identity::Named(_) | Identity::Unique(_))
        && identity.fields().iter().all(|f| desired.get(*f).is_some_and(|v| !contains_unknown(v)))
}

/// The refusal, naming what holds the name and how to proceed.
pub fn refusal(address: &str, kind: &dyn DynResource, desired: &Value, id: &str, live: Option<&Tags>, env: &str, lineage: &str) -> String {
    let owner = match live {
        Some(t) => tags::owner(t, env, lineage),
        None => "it belongs to another AWS account, or its tags cannot be read".into(),
    };
    format!(
        "{address}: {} {} already exists and is not managed by this environment ({owner}); adopt it with `infra import {address} {id}` or rename it",
        noun(kind.type_name()),
        natural_name(kind, desired),
    )
}

/// Look the name up; `Err` holds the refusal when something else holds it. `prior` is
/// what this state recorded for the address (a replace re-creates it under the same
/// name: finding that one is fine).
pub async fn check_one(
    cx: &Ctx<'_>,
    kind: &dyn DynResource,
    desired: &Value,
    prior_id: Option<&str>,
    env: &str,
    lineage: &str,
) -> Result<(), String> {
    let found = kind.find(cx, desired).await.map_err(|e| format!("{}: cannot check whether the name is free: {e}", cx.address))?;
    let Some(id) = found.filter(|id| Some(id.as_str()) != prior_id) else { return Ok(()) };
    let live =
        kind.read(cx, &id, desired).await.ok().flatten().and_then(|(v, _)| serde_json::from_value::<Tags>(v.get("tags")?.clone()).ok());
    let live = live.or_else(|| (!kind.taggable()).then(Tags::new));
    Err(refusal(cx.address, kind, desired, &id, live.as_ref(), env, lineage))
}

/// Check every planned create whose name is known, concurrently. Returns the refusals;
/// checked steps are marked so the executor does not look again.
pub async fn check_plan(aws: &Aws, project: &Project, lineage: &str, steps: &mut [Step], parallelism: usize) -> Vec<String> {
    let candidates: Vec<usize> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.address.kind == Kind::Resource && matches!(s.action, Action::Create | Action::Replace) && !s.adopt)
        .filter(|(_, s)| {
            let kind = registry::resource(&s.type_name);
            kind.zip(s.desired.as_ref()).is_some_and(|(k, d)| checkable(k, d))
        })
        .map(|(i, _)| i)
        .collect();
    let results: Vec<(usize, Result<(), String>)> = stream::iter(candidates.into_iter().map(|i| {
        let step = &steps[i];
        async move {
            let Some(kind) = registry::resource(&step.type_name) else { return (i, Ok(())) };
            let Some(desired) = step.desired.as_ref() else { return (i, Ok(())) };
            let label = step.address.to_string();
            let dir = project.module_dir(&step.address.module);
            let cx = Ctx::new(aws, &label, &dir);
            let prior = step.prior.as_ref().map(|p| p.id.as_str());
            (i, check_one(&cx, kind, desired, prior, &project.environment, lineage).await)
        }
    }))
    .buffer_unordered(parallelism.max(1))
    .collect()
    .await;
    let mut refusals = Vec::new();
    for (i, r) in results {
        match r {
            Ok(()) => steps[i].owner_checked = true,
            Err(e) => refusals.push(e),
        }
    }
    refusals.sort();
    refusals
}
