//! The plan as a document: what `plan --json` prints (for machines), what `plan --out
//! FILE` saves (the same document, with the state it was made against and the options
//! that made it), and what `up FILE` checks before applying (the state unchanged, and a
//! fresh plan change for change the same). Also each change's monthly cost delta, from
//! the prices `status --summary` uses. Format: docs/plans.md.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::OpsError;
use crate::cost::Pricing;
use crate::graph::{Address, Kind};
use crate::plan::{Action, LeftOut, Plan, Step};
use crate::schema::UNKNOWN;
use crate::secrets::mask_json;

/// Names the document kind, so `up FILE` refuses anything else.
pub const FORMAT: &str = "infra-plan";
/// Bumped when a field changes meaning or goes; new fields may appear within a version.
pub const FORMAT_VERSION: u32 = 1;
/// How a value not known until apply is written.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanDoc {
    pub format: String,
    pub format_version: u32,
    /// The infra version that made it; `up FILE` refuses a plan made by another.
    pub infra_version: String,
    pub environment: String,
    pub changes: Vec<ChangeDoc>,
    pub outputs: Vec<OutputDoc>,
    pub summary: Summary,
    /// Pending changes outside the selection (other modules' edits and drift, a
    /// re-wired resource's own edits): what a partial plan leaves for another run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOutDoc>,
    /// Present in a saved plan (`plan --out`): what applying it must find unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<Saved>,
}

/// One resource the plan changes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangeDoc {
    pub address: String,
    pub module: String,
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// `create`, `update`, `replace`, `delete`, `forget` (left in AWS), or `adopt`
    /// (found after an interrupted run, recorded with no other change).
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every property change is AWS having drifted from what was applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drift: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<ReplacementDoc>,
    /// Changed properties (updates and replacements).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<PropertyDoc>,
    /// Every property of what a create or replacement makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    /// Change in the monthly list-price estimate; absent when the type is not priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_cost_delta: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PropertyDoc {
    /// `environment.TABLE`, `routes[2].path`.
    pub path: String,
    pub before: Value,
    pub after: Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drift: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReplacementDoc {
    /// The properties forcing it, or `--replace` when the user asked.
    pub cause: Vec<String>,
    /// `delete_first`, or `create_first` (`create_before_destroy`).
    pub order: String,
    /// Recorded values the new resource will not keep (id, ARN, URL ...).
    pub new_values: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LeftOutDoc {
    /// Absent when what else is pending could not be worked out (`note` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputDoc {
    pub address: String,
    pub action: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub forget: usize,
    /// Sum of the changes' deltas.
    pub monthly_cost_delta: f64,
    /// Of the prices (`USD`); empty when nothing is priced.
    pub currency: String,
}

/// What a saved plan was made against and with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    /// The state's lineage and serial then. A plan made before any state existed
    /// (serial 0) gives its lineage to the state `up FILE` starts: it is in the tags the
    /// plan shows.
    pub lineage: String,
    pub serial: u64,
    pub options: SavedOptions,
    pub created_at: String,
}

/// The command-line choices that made the plan, applied again by `up FILE`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SavedOptions {
    pub modules: Vec<String>,
    #[serde(default)]
    pub all: bool,
    #[serde(default)]
    pub with_deps: bool,
    #[serde(default)]
    pub no_dependents: bool,
    #[serde(default)]
    pub replace: Vec<String>,
    /// `--with-dependents`: the deployed dependents whole, not only re-wired.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub with_dependents: bool,
    /// `--target`: these resources and what they need instead of modules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
}

/// Monthly cost deltas per resource step, and the currency.
#[derive(Debug, Default)]
pub struct Costs {
    pub currency: String,
    pub delta: BTreeMap<Address, f64>,
}

impl Costs {
    /// Each changing resource's delta under `pricing`: what it will cost minus what it
    /// costs now. Steps of unpriced types have none.
    pub fn of(plan: &Plan, pricing: &Pricing) -> Costs {
        let mut delta = BTreeMap::new();
        let priced = |t: &str| pricing.types.contains_key(t);
        for step in plan.steps.iter().filter(|s| s.address.kind == Kind::Resource && s.action().is_change()) {
            let before = match (&step.prior, step.action()) {
                (Some(p), a) if a != Action::Create && priced(&p.type_name) => pricing.monthly(&p.type_name, &p.properties),
                _ => 0.0,
            };
            let after = match (&step.desired, step.action()) {
                (Some(d), Action::Create | Action::Update | Action::Replace) if priced(&step.type_name) => {
                    pricing.monthly(&step.type_name, d)
                }
                _ => 0.0,
            };
            let touched = priced(&step.type_name) || step.prior.as_ref().is_some_and(|p| priced(&p.type_name));
            if touched && step.action() != Action::Forget {
                delta.insert(step.address.clone(), round_cents(after - before));
            }
        }
        for (address, old) in &plan.deposed {
            if priced(&old.type_name) {
                *delta.entry(address.clone()).or_default() -= round_cents(pricing.monthly(&old.type_name, &old.properties));
            }
        }
        Costs { currency: pricing.currency.clone(), delta }
    }

    pub fn total(&self) -> f64 {
        round_cents(self.delta.values().sum())
    }
}

/// Cents, and never a negative zero (`-0.00` reads as a saving).
pub fn round_cents(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// A value as a document shows it: secrets as their stable tokens, values not known
/// until apply as [`KNOWN_AFTER_APPLY`].
fn shown(v: &Value) -> Value {
    match mask_json(v) {
        Value::String(s) if s == UNKNOWN => Value::String(KNOWN_AFTER_APPLY.into()),
        Value::String(s) => Value::String(s.replace(UNKNOWN, KNOWN_AFTER_APPLY)),
        Value::Array(items) => Value::Array(items.iter().map(shown).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shown(v))).collect()),
        other => other,
    }
}

fn action_name(step: &Step) -> &'static str {
    if step.adopt && step.action() == Action::Same {
        "adopt"
    } else {
        step.action().verb()
    }
}

fn change_doc(step: &Step, costs: &Costs) -> ChangeDoc {
    let properties = step
        .changes
        .iter()
        .map(|c| PropertyDoc {
            path: c.change.path.clone(),
            before: shown(&c.change.old),
            after: shown(&c.change.new),
            forces_replacement: c.change.replace,
            drift: c.drift,
        })
        .collect();
    let replacement = step.replacement().map(|how| {
        let mut cause: Vec<String> = step.changes.iter().filter(|c| c.change.replace).map(|c| c.change.path.clone()).collect();
        if how.forced {
            cause.push("--replace".into());
        }
        if cause.is_empty() {
            cause.extend(step.reason.clone());
        }
        ReplacementDoc {
            cause,
            order: if how.create_first { "create_first" } else { "delete_first" }.into(),
            new_values: how.loses.clone(),
        }
    });
    let after = matches!(step.action(), Action::Create | Action::Replace).then(|| step.desired.as_ref().map(shown)).flatten();
    ChangeDoc {
        address: step.address.to_string(),
        module: step.address.module.clone(),
        name: step.address.name.clone(),
        type_name: step.type_name.clone(),
        action: action_name(step).into(),
        reason: step.reason.clone(),
        drift: !step.changes.is_empty() && step.changes.iter().all(|c| c.drift),
        replacement,
        properties,
        after,
        monthly_cost_delta: costs.delta.get(&step.address).copied(),
    }
}

impl PlanDoc {
    /// The changes of `plan`, resources grouped by module (in module order), then outputs.
    pub fn new(plan: &Plan, environment: &str, costs: &Costs) -> PlanDoc {
        let mut steps: Vec<&Step> =
            plan.steps.iter().filter(|s| s.address.kind == Kind::Resource && (s.action().is_change() || s.adopt)).collect();
        steps.sort_by(|a, b| a.address.module.cmp(&b.address.module));
        let mut changes: Vec<ChangeDoc> = steps.into_iter().map(|s| change_doc(s, costs)).collect();
        for (address, old) in &plan.deposed {
            changes.push(ChangeDoc {
                address: address.to_string(),
                module: address.module.clone(),
                name: address.name.clone(),
                type_name: old.type_name.clone(),
                action: "delete".into(),
                reason: Some(format!("the old one ({}), replaced with create_before_destroy", old.id)),
                drift: false,
                replacement: None,
                properties: Vec::new(),
                after: None,
                monthly_cost_delta: None,
            });
        }
        let outputs = plan
            .steps
            .iter()
            .filter(|s| s.address.kind == Kind::Output && s.action().is_change())
            .filter_map(|s| {
                let c = s.changes.first()?;
                Some(OutputDoc {
                    address: s.address.to_string(),
                    action: s.action().verb().into(),
                    before: shown(&c.change.old),
                    after: shown(&c.change.new),
                })
            })
            .collect();
        let count = |a: &str| changes.iter().filter(|c| c.action == a).count();
        let summary = Summary {
            create: count("create"),
            update: count("update") + count("adopt"),
            replace: count("replace"),
            delete: count("delete"),
            forget: count("forget"),
            monthly_cost_delta: costs.total(),
            currency: costs.currency.clone(),
        };
        let left_out = plan
            .left_out
            .iter()
            .map(|l| match l {
                LeftOut::Step { address, action, note } => {
                    LeftOutDoc { address: Some(address.to_string()), action: Some(action.verb().into()), note: note.clone() }
                }
                LeftOut::Unknown(why) => LeftOutDoc { address: None, action: None, note: Some(why.clone()) },
            })
            .collect();
        PlanDoc {
            left_out,
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            infra_version: env!("CARGO_PKG_VERSION").into(),
            environment: environment.into(),
            changes,
            outputs,
            summary,
            saved: None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Write a saved plan: to a temporary file beside it, then renamed over, so a
    /// reviewer never reads half a plan.
    pub fn write(&self, path: &Path) -> Result<(), OpsError> {
        let io = |source| OpsError::Io { action: "write", path: path.to_path_buf(), source };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        std::io::Write::write_all(&mut tmp, format!("{}\n", self.to_json()).as_bytes()).map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// Read a saved plan, refusing anything that is not one this version can apply.
    pub fn read(path: &Path) -> Result<PlanDoc, OpsError> {
        let text = std::fs::read_to_string(path).map_err(|source| OpsError::Io { action: "read", path: path.to_path_buf(), source })?;
        let bad = |why: String| OpsError::Refused(format!("{}: {why}", path.display()));
        let value: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not a plan file ({e})")))?;
        if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(bad("not a plan file (no \"format\": \"infra-plan\"); make one with `infra plan --out FILE`".into()));
        }
        let version = value.get("format_version").and_then(Value::as_u64).unwrap_or(0);
        if version != u64::from(FORMAT_VERSION) {
            return Err(bad(format!("format version {version}; this infra reads version {FORMAT_VERSION}: plan again")));
        }
        let doc: PlanDoc = serde_json::from_value(value).map_err(|e| bad(format!("malformed ({e})")))?;
        if doc.saved.is_none() {
            return Err(bad("printed by `plan --json`, not saved with `plan --out`: it does not say what it was made against".into()));
        }
        if doc.infra_version != env!("CARGO_PKG_VERSION") {
            return Err(bad(format!(
                "made by infra {}, this is {}: plan again with this version",
                doc.infra_version,
                env!("CARGO_PKG_VERSION")
            )));
        }
        Ok(doc)
    }

    /// How a fresh plan differs from this saved one, change by change: what would make
    /// applying it apply something nobody reviewed. Costs are not compared (prices are
    /// not the plan).
    pub fn differences(&self, fresh: &PlanDoc) -> Vec<String> {
        let strip = |c: &ChangeDoc| ChangeDoc { monthly_cost_delta: None, ..c.clone() };
        let index =
            |doc: &PlanDoc| doc.changes.iter().map(|c| ((c.address.clone(), c.action.clone()), strip(c))).collect::<BTreeMap<_, _>>();
        let (old, new) = (index(self), index(fresh));
        let mut out = Vec::new();
        for (key, c) in &old {
            match new.get(key) {
                None => out.push(format!("{} {}: planned, no longer what a plan does now", c.action, c.address)),
                Some(n) if n != c => out.push(format!("{} {}: {}", c.action, c.address, what_moved(c, n))),
                Some(_) => {}
            }
        }
        for (key, c) in &new {
            if !old.contains_key(key) {
                out.push(format!("{} {}: not in the saved plan", c.action, c.address));
            }
        }
        let outputs = |doc: &PlanDoc| doc.outputs.iter().map(|o| (o.address.clone(), o.clone())).collect::<BTreeMap<_, _>>();
        let (old_out, new_out) = (outputs(self), outputs(fresh));
        for address in old_out.keys().chain(new_out.keys()).collect::<std::collections::BTreeSet<_>>() {
            if old_out.get(address) != new_out.get(address) {
                out.push(format!("output {address}: its planned value differs"));
            }
        }
        out
    }
}

/// The first difference between two plans of the same change, in words.
fn what_moved(old: &ChangeDoc, new: &ChangeDoc) -> String {
    let by_path = |c: &ChangeDoc| c.properties.iter().map(|p| (p.path.clone(), p.clone())).collect::<BTreeMap<_, _>>();
    let (a, b) = (by_path(old), by_path(new));
    for path in a.keys().chain(b.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (a.get(path), b.get(path)) {
            (Some(x), Some(y)) if x != y => {
                return format!("{path} was planned {} -> {}, now {} -> {}", x.before, x.after, y.before, y.after)
            }
            (Some(x), None) => return format!("{path} was planned {} -> {}, now unchanged", x.before, x.after),
            (None, Some(y)) => return format!("{path} now changes too ({} -> {})", y.before, y.after),
            _ => {}
        }
    }
    if old.after != new.after {
        return "the properties it would be created with differ".into();
    }
    if old.replacement != new.replacement {
        return "the replacement differs".into();
    }
    "the change differs".into()
}
