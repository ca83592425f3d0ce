//! Re-wiring, and what a partial plan leaves out. `up MODULE` takes of the deployed
//! modules downstream only what this run changes for them: a dependent keeps its
//! recorded properties except the values that follow from inputs changing in this run
//! (outputs that change, attributes known only after apply); its other pending edits
//! wait for a run that selects its module. A partial plan (`up MODULE`, `--target`)
//! also lists the pending changes it does not make, so a reviewer knows it is partial.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value};

use super::{decide, desired_properties, places, Action, Decision, Live, Plan, Planner, Scope, Selection, Step};
use crate::graph::{Address, Kind};
use crate::schema::{contains_unknown, json_eq};
use crate::secrets::mask_json;
use crate::state::ResourceState;

/// A pending change a partial plan does not make.
#[derive(Debug, Clone)]
pub enum LeftOut {
    /// What a plan of everything would do to a resource or output that this plan leaves
    /// alone or only re-wires; `note` says what waits, or why.
    Step { address: Address, action: Action, note: Option<String> },
    /// What else is pending could not be worked out (the reason).
    Unknown(String),
}

/// A re-wired resource's properties as resolved from the inputs it last consumed, and
/// the inputs that change in this run.
pub(super) struct Rewiring {
    base: Value,
    via: Vec<String>,
}

/// The properties a re-wired resource gets: `prior` (as last applied) with each value
/// that differs between `before` (the manifest resolved with the inputs it consumed
/// then) and `now` (with this run's) taken from `now`. Manifest edits resolve the same
/// both ways, so they stay as applied.
pub fn rewired(prior: &Value, before: &Value, now: &Value) -> Value {
    merge(Some(prior), Some(before), Some(now)).unwrap_or(Value::Null)
}

fn merge(prior: Option<&Value>, before: Option<&Value>, now: Option<&Value>) -> Option<Value> {
    let changed = match (before, now) {
        (_, Some(n)) if contains_unknown(n) => true,
        (Some(b), Some(n)) => !json_eq(b, n),
        (None, None) => false,
        _ => true,
    };
    if !changed {
        return kept(prior, now);
    }
    match (prior, before, now) {
        (p, Some(Value::Object(b)), Some(Value::Object(n))) => {
            let none = Map::new();
            let p = match p {
                Some(Value::Object(p)) => p,
                _ => &none,
            };
            let keys: BTreeSet<&String> = p.keys().chain(b.keys()).chain(n.keys()).collect();
            let merged = keys.into_iter().filter_map(|k| Some((k.clone(), merge(p.get(k), b.get(k), n.get(k))?)));
            Some(Value::Object(merged.collect()))
        }
        (Some(Value::Array(p)), Some(Value::Array(b)), Some(Value::Array(n))) if p.len() == n.len() && b.len() == n.len() => {
            Some(Value::Array(p.iter().zip(b).zip(n).filter_map(|((p, b), n)| merge(Some(p), Some(b), Some(n))).collect()))
        }
        _ => now.cloned(),
    }
}

/// The value as last applied, where this run's inputs do not change it. The state keeps
/// secrets as tokens: where the token is this same secret's, the secret itself is sent;
/// a token that no longer matches can only be replaced by the manifest's value.
fn kept(prior: Option<&Value>, now: Option<&Value>) -> Option<Value> {
    match (prior, now) {
        (Some(p), Some(n)) if json_eq(&mask_json(n), p) => Some(n.clone()),
        (Some(p), Some(n)) if p.to_string().contains("(sensitive:") => Some(n.clone()),
        (p, _) => p.cloned(),
    }
}

impl Planner<'_> {
    /// Runs `f` in `scope` as it was before this run: recorded attributes and outputs,
    /// `consumed` standing in for the outputs a resource last read, nothing unknown but
    /// the lookups that wait for this run's values.
    fn before<T>(&self, scope: &Scope<'_>, consumed: &HashMap<Address, Value>, f: impl FnOnce(&Scope<'_>) -> T) -> T {
        let unknown: HashSet<Address> = scope.unknown.iter().filter(|a| a.kind == Kind::Data).cloned().collect();
        f(&Scope {
            identity: scope.identity,
            data: scope.data,
            unknown: &unknown,
            outputs: consumed,
            secrets: scope.secrets,
            ..Scope::new(self.project, self.state)
        })
    }

    /// A re-wired resource's desired properties now, and how to tell what this run
    /// changes in them; `Err` when it cannot be resolved without its module's other
    /// edits (a reference to a resource not created yet).
    pub(super) fn rewire_inputs(&self, scope: &Scope<'_>, addr: &Address) -> Result<(Value, Rewiring), String> {
        let (now, _) = desired_properties(scope, self.project, addr)?;
        let prior = self.state.resource(&addr.module, &addr.name);
        let consumed: HashMap<Address, Value> = prior
            .iter()
            .flat_map(|p| p.consumed.iter())
            .filter_map(|(k, v)| Some((k.split_once('.').map(|(m, o)| Address::output(m, o))?, v.clone())))
            .collect();
        let (base, _) = self.before(scope, &consumed, |s| desired_properties(s, self.project, addr))?;
        let changes = |target: &Address| {
            scope.unknown.contains(target)
                || (target.kind == Kind::Output && {
                    let now = scope.outputs.get(target).or_else(|| self.state.output(&target.module, &target.name));
                    let then = consumed.get(target);
                    matches!((now, then), (Some(a), Some(b)) if !json_eq(a, b))
                })
        };
        let mut via: Vec<String> =
            places::of(self.project, addr).into_iter().flat_map(|p| p.into_keys()).filter(changes).map(|a| a.to_string()).collect();
        via.sort();
        Ok((now, Rewiring { base, via }))
    }

    /// A re-wired resource left as it is: it cannot be resolved without its module's
    /// other edits.
    pub(super) fn left_as_is(&self, addr: &Address, type_name: &str, why: String, left_out: &mut Vec<LeftOut>) -> Step {
        let mut step = Step::new(addr.clone(), type_name, Action::Same);
        step.prior = self.state.resource(&addr.module, &addr.name).cloned();
        left_out.push(LeftOut::Step {
            address: addr.clone(),
            action: Action::Update,
            note: Some(format!("not re-wired: it needs its module's other edits ({why})")),
        });
        step
    }

    /// An output of a module outside the selection: this run's value where its changed
    /// inputs change it, else the recorded one (an edit of its own waits, and is listed).
    pub(super) fn rewired_output(&self, scope: &Scope<'_>, addr: &Address, left_out: &mut Vec<LeftOut>) -> Value {
        let expr = self.project.modules[&addr.module].outputs[&addr.name].value.to_json();
        let recorded = self.state.output(&addr.module, &addr.name).cloned().unwrap_or(Value::Null);
        let now = scope.resolve(&addr.module, &expr).map(|r| r.value);
        let before = self.before(scope, &HashMap::new(), |s| s.resolve(&addr.module, &expr).map(|r| r.value));
        let action = if recorded.is_null() { Action::Create } else { Action::Update };
        match (now, before) {
            (Ok(now), Ok(before)) if contains_unknown(&now) || !json_eq(&before, &now) => now,
            (Ok(now), _) if json_eq(&now, &recorded) => recorded,
            (Ok(_), _) => {
                left_out.push(LeftOut::Step { address: addr.clone(), action, note: None });
                recorded
            }
            (Err(e), _) => {
                let note = Some(format!("not re-wired: it needs its module's other edits ({e})"));
                left_out.push(LeftOut::Step { address: addr.clone(), action, note });
                recorded
            }
        }
    }

    /// Of a re-wired resource's decision (`full`: everything its manifest and AWS call
    /// for), only the re-wiring; what else is pending, as left out.
    pub(super) fn narrow(
        step: &mut Step,
        rewiring: Rewiring,
        desired: Value,
        full: Decision,
        prior: Option<&ResourceState>,
        live: Live<'_>,
    ) -> (Value, Decision, Option<LeftOut>) {
        let Some(prior) = prior.filter(|_| !step.adopt) else { return (desired, full, None) };
        let merged = rewired(&prior.properties, &rewiring.base, &desired);
        // A new type is the manifest's edit, never a re-wiring.
        let unchanged = prior.type_name != step.type_name || json_eq(&mask_json(&merged), &prior.properties);
        let decision = if unchanged {
            Decision { action: Action::Same, changes: Vec::new(), reason: None }
        } else {
            decide(&step.type_name, &merged, Some(prior), live, false)
        };
        let waiting: Vec<String> = full
            .changes
            .iter()
            .filter(|c| !decision.changes.iter().any(|d| d.change.path == c.change.path && json_eq(&d.change.new, &c.change.new)))
            .map(|c| if c.drift { format!("{} (changed outside infra)", c.change.path) } else { c.change.path.clone() })
            .collect();
        let mut left = None;
        if full.action.is_change() && (!decision.action.is_change() || !waiting.is_empty() || full.action != decision.action) {
            let what = if waiting.is_empty() { full.reason.clone() } else { Some(waiting.join(", ")) };
            let note = match (decision.action.is_change(), what) {
                (true, Some(w)) => Some(format!("only re-wired in this run; waiting: {w}")),
                (true, None) => Some("only re-wired in this run".to_string()),
                (false, w) => w,
            };
            left = Some(LeftOut::Step { address: step.address.clone(), action: full.action, note });
        }
        if decision.action.is_change() {
            if step.reason.is_none() && !rewiring.via.is_empty() {
                step.reason = Some(format!("{} {}", rewiring.via.join(", "), if rewiring.via.len() == 1 { "changes" } else { "change" }));
            }
            step.rewire_base = Some(rewiring.base);
        }
        (merged, decision, left)
    }

    /// What a plan of every deployed module would do outside `sel`.
    pub(super) async fn left_out_elsewhere(&self, sel: &Selection) -> Vec<LeftOut> {
        let rest = sel.rest(self.graph, self.state);
        if rest.nodes.is_empty() && rest.deletes.is_empty() && rest.modules.is_empty() {
            return Vec::new();
        }
        let plan = match self.plan_checked(&rest, false).await {
            Ok(plan) => plan,
            Err(e) => return vec![LeftOut::Unknown(e.to_string())],
        };
        left_out_of(&plan, sel, self.graph)
    }
}

/// The changes of `rest` (planned for what `sel` leaves out) that `sel` does not make.
fn left_out_of(rest: &Plan, sel: &Selection, graph: &crate::graph::Graph) -> Vec<LeftOut> {
    let selected = |a: &Address| match graph.index_of(a) {
        Some(n) => sel.nodes.contains(&n),
        None => sel.deletes.iter().any(|(m, name)| *m == a.module && *name == a.name),
    };
    let mut out = Vec::new();
    for step in rest.steps.iter().filter(|s| (s.action().is_change() || s.adopt) && !selected(&s.address)) {
        let note = match step.address.kind {
            Kind::Output if step.changes.iter().any(|c| contains_unknown(&c.change.new)) => continue,
            Kind::Output | Kind::Data => None,
            Kind::Resource if !step.changes.is_empty() && step.changes.iter().all(|c| c.drift) => Some("changed outside infra".to_string()),
            Kind::Resource if step.reason.is_some() => step.reason.clone(),
            Kind::Resource if step.changes.is_empty() => None,
            Kind::Resource => Some(step.changes.iter().map(|c| c.change.path.clone()).collect::<Vec<_>>().join(", ")),
        };
        let action = if step.adopt && step.action() == Action::Same { Action::Update } else { step.action() };
        out.push(LeftOut::Step { address: step.address.clone(), action, note });
    }
    for (address, _) in rest.deposed.iter().filter(|(a, _)| !sel.modules.contains(&a.module)) {
        let note = Some("the old one a create_before_destroy replacement left".to_string());
        out.push(LeftOut::Step { address: address.clone(), action: Action::Delete, note });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rewiring_takes_only_what_changed_inputs_change() {
        let prior = json!({"name": "fn", "timeout": 3, "env": {"QUEUE": "old-url", "MODE": "a"}, "tags": {"k": "v"}});
        // The manifest now says timeout 10 and MODE b (edits), and the queue URL moved.
        let before = json!({"name": "fn", "timeout": 10, "env": {"QUEUE": "old-url", "MODE": "b"}, "tags": {"k": "v"}});
        let now = json!({"name": "fn", "timeout": 10, "env": {"QUEUE": "new-url", "MODE": "b"}, "tags": {"k": "v"}});
        assert_eq!(
            rewired(&prior, &before, &now),
            json!({"name": "fn", "timeout": 3, "env": {"QUEUE": "new-url", "MODE": "a"}, "tags": {"k": "v"}})
        );
        // Nothing moved: exactly as applied, the edits left out.
        assert_eq!(rewired(&prior, &before, &before), prior);
        // Unknown until apply counts as a change.
        let unknown = json!({"name": "fn", "timeout": 10, "env": {"QUEUE": crate::schema::UNKNOWN, "MODE": "b"}, "tags": {"k": "v"}});
        assert_eq!(rewired(&prior, &before, &unknown)["env"]["QUEUE"], json!(crate::schema::UNKNOWN));
        assert_eq!(rewired(&prior, &before, &unknown)["timeout"], json!(3));
    }

    #[test]
    fn a_key_only_the_manifest_added_is_left_out() {
        let prior = json!({"a": 1});
        let before = json!({"a": 1, "b": 2});
        let now = json!({"a": 1, "b": 2});
        assert_eq!(rewired(&prior, &before, &now), json!({"a": 1}));
    }
}
