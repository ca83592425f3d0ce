//! The state: per environment one JSON document recording, per module, each
//! resource's type, physical id, the properties last applied, its attributes, what it
//! depends on, the cross-module values it consumed, and the module's outputs.
//! Secret values never enter it. It lives in `state/` or in S3 ([`StateStore`]).

mod error;
mod journal;
mod local;
mod lock;
mod s3;
mod store;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use error::StateError;
pub use local::LocalStore;
pub use lock::{hostname, LockInfo, Unlocked};
pub use s3::{S3Store, Version};
pub use store::{StateLock, StateStore};

/// One change to the state: what each finished step appends to the journal, so a save
/// costs what the step changed rather than the whole document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    /// A resource applied (its create, if pending, confirmed).
    Resource { module: String, name: String, resource: Box<ResourceState> },
    /// A resource deleted or forgotten (and any pending create of it).
    Remove { module: String, name: String },
    /// A create about to be sent.
    Pending { module: String, name: String, pending: PendingCreate },
    /// One module output's new value.
    Output { module: String, name: String, value: Value },
    /// A module torn down: its outputs go.
    ClearOutputs { module: String },
    /// A resource renamed (`infra state mv`, a `moved` entry): same AWS resource.
    Move { from: String, to: String },
    /// A replacement with `create_before_destroy` is about to create the new resource:
    /// the old one's record moves aside, still recorded, until it is deleted.
    Depose { module: String, name: String },
    /// The old resource of a `create_before_destroy` replacement deleted.
    RemoveDeposed { module: String, name: String, id: String },
}

/// Bumped when the document's shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    /// Incremented on every write.
    pub serial: u64,
    /// Random id fixed when the state is first created, to tell unrelated files apart.
    pub lineage: String,
    /// The AWS account and region the state was written for; a run resolving to
    /// another is refused before any change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub modules: BTreeMap<String, ModuleState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ModuleState {
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceState>,
    /// Output values; sensitive outputs are not recorded.
    #[serde(default)]
    pub outputs: BTreeMap<String, Value>,
    /// Creates that were sent but not yet confirmed. A run that dies in between leaves
    /// the entry here; the next run looks the resource up and adopts it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, PendingCreate>,
    /// Resources replaced with `create_before_destroy` whose old one is not deleted yet
    /// (their users move to the new one first); the next run deletes any left here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deposed: BTreeMap<String, Vec<ResourceState>>,
}

/// A create recorded before it was sent to AWS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingCreate {
    #[serde(rename = "type")]
    pub type_name: String,
    /// The properties it was created with (secrets as tokens).
    pub properties: Value,
    /// Idempotency token sent with the create where the API takes one.
    pub token: String,
    pub started_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceState {
    #[serde(rename = "type")]
    pub type_name: String,
    /// Physical id (name, ARN, URL or generated id, by type).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Properties as last applied: resolved, with defaults and computed values.
    pub properties: Value,
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Addresses of the resources this one was applied after.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Other modules' outputs used, with the value used (`5_database.aurora_secret_arn`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub consumed: BTreeMap<String, Value>,
    pub updated_at: String,
    /// `prevent_destroy` as last applied: it still protects the resource after the
    /// manifest stops declaring it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
    /// `on_delete = "retain"` as last applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retain: bool,
    /// Adopted by `infra import` and not changed by infra since: infra's own tags are
    /// added with its first change, not as a change of their own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
}

impl ResourceState {
    /// A resource as AWS reported it, recorded now: its ARN is its `arn` attribute when
    /// it has one; no dependencies, nothing consumed, unprotected, infra's own. The
    /// callers add what they know (`with_protection`, the fields for dependencies).
    pub fn new(type_name: &str, id: String, properties: Value, attributes: Map<String, Value>) -> Self {
        let arn = attributes.get("arn").and_then(Value::as_str).filter(|a| !a.is_empty()).map(str::to_string);
        ResourceState {
            type_name: type_name.to_string(),
            id,
            arn,
            properties,
            attributes,
            dependencies: Vec::new(),
            consumed: BTreeMap::new(),
            updated_at: now(),
            prevent_destroy: false,
            retain: false,
            imported: false,
        }
    }

    /// The manifest's protection, as applied with it.
    pub fn with_protection(mut self, protection: crate::manifest::Protection) -> Self {
        self.prevent_destroy = protection.prevent_destroy;
        self.retain = protection.retain;
        self
    }

    pub fn protection(&self) -> crate::manifest::Protection {
        crate::manifest::Protection { prevent_destroy: self.prevent_destroy, retain: self.retain }
    }
}

impl State {
    pub fn new() -> Self {
        let lineage: String = (0..16).map(|_| format!("{:x}", rand::random::<u8>() % 16)).collect();
        State { version: SCHEMA_VERSION, serial: 0, lineage, account: None, region: None, modules: BTreeMap::new() }
    }

    /// Nothing recorded: no resource and no interrupted create.
    pub fn is_empty(&self) -> bool {
        self.modules.values().all(|m| m.resources.is_empty() && m.pending.is_empty() && m.deposed.is_empty())
    }

    pub fn resource(&self, module: &str, name: &str) -> Option<&ResourceState> {
        self.modules.get(module)?.resources.get(name)
    }

    pub fn output(&self, module: &str, name: &str) -> Option<&Value> {
        self.modules.get(module)?.outputs.get(name)
    }

    /// A module counts as deployed when it has at least one resource recorded.
    pub fn is_deployed(&self, module: &str) -> bool {
        self.modules.get(module).is_some_and(|m| !m.resources.is_empty())
    }

    pub fn set_resource(&mut self, module: &str, name: &str, resource: ResourceState) {
        self.modules.entry(module.to_string()).or_default().resources.insert(name.to_string(), resource);
    }

    pub fn remove_resource(&mut self, module: &str, name: &str) -> Option<ResourceState> {
        let m = self.modules.get_mut(module)?;
        let removed = m.resources.remove(name);
        self.drop_if_empty(module);
        removed
    }

    pub fn pending(&self, module: &str, name: &str) -> Option<&PendingCreate> {
        self.modules.get(module)?.pending.get(name)
    }

    pub fn set_pending(&mut self, module: &str, name: &str, op: PendingCreate) {
        self.modules.entry(module.to_string()).or_default().pending.insert(name.to_string(), op);
    }

    pub fn clear_pending(&mut self, module: &str, name: &str) {
        if let Some(m) = self.modules.get_mut(module) {
            m.pending.remove(name);
        }
        self.drop_if_empty(module);
    }

    fn drop_if_empty(&mut self, module: &str) {
        if self.modules.get(module).is_some_and(|m| m.resources.is_empty() && m.pending.is_empty() && m.deposed.is_empty()) {
            self.modules.remove(module);
        }
    }

    /// Apply one edit (from a step, or replayed from the journal). Replaying an edit
    /// twice gives the same state.
    pub fn apply(&mut self, edit: &Edit) {
        match edit {
            Edit::Resource { module, name, resource } => {
                self.set_resource(module, name, (**resource).clone());
                self.clear_pending(module, name);
            }
            Edit::Remove { module, name } => {
                self.remove_resource(module, name);
                self.clear_pending(module, name);
            }
            Edit::Pending { module, name, pending } => self.set_pending(module, name, pending.clone()),
            Edit::Output { module, name, value } => {
                self.modules.entry(module.clone()).or_default().outputs.insert(name.clone(), value.clone());
            }
            Edit::ClearOutputs { module } => {
                if let Some(m) = self.modules.get_mut(module) {
                    m.outputs.clear();
                }
            }
            Edit::Move { from, to } => self.rename(from, to),
            Edit::Depose { module, name } => {
                if let Some(old) = self.modules.get_mut(module).and_then(|m| m.resources.remove(name)) {
                    self.modules.entry(module.clone()).or_default().deposed.entry(name.clone()).or_default().push(old);
                }
            }
            Edit::RemoveDeposed { module, name, id } => {
                if let Some(m) = self.modules.get_mut(module) {
                    if let Some(list) = m.deposed.get_mut(name) {
                        list.retain(|r| &r.id != id);
                    }
                    m.deposed.retain(|_, v| !v.is_empty());
                }
                self.drop_if_empty(module);
            }
        }
    }

    /// Old resources of `create_before_destroy` replacements not deleted yet, in `module`.
    pub fn deposed(&self, module: &str) -> impl Iterator<Item = (&String, &ResourceState)> {
        self.modules.get(module).into_iter().flat_map(|m| m.deposed.iter().flat_map(|(n, list)| list.iter().map(move |r| (n, r))))
    }

    /// Move a resource's record from one address (`module.name`) to another, and every
    /// dependency on it with it. Nothing happens when `from` is not recorded.
    fn rename(&mut self, from: &str, to: &str) {
        let (Some((fm, fname)), Some((tm, tname))) = (from.split_once('.'), to.split_once('.')) else { return };
        let Some(resource) = self.remove_resource(fm, fname) else { return };
        let pending = self.modules.get_mut(fm).and_then(|m| m.pending.remove(fname));
        self.drop_if_empty(fm);
        self.set_resource(tm, tname, resource);
        if let Some(p) = pending {
            self.set_pending(tm, tname, p);
        }
        for r in self.modules.values_mut().flat_map(|m| m.resources.values_mut()) {
            for d in r.dependencies.iter_mut().filter(|d| d.as_str() == from) {
                *d = to.to_string();
            }
        }
    }

    /// Consumed values of a module's resources that no longer match the upstream output
    /// (or whose upstream output is gone): `(resource, "module.output", reason)`.
    pub fn stale_inputs(&self, module: &str) -> Vec<(String, String, String)> {
        let Some(m) = self.modules.get(module) else { return Vec::new() };
        let mut out = Vec::new();
        for (name, r) in &m.resources {
            for (key, used) in &r.consumed {
                let Some((up, output)) = key.split_once('.') else { continue };
                let reason = match self.output(up, output) {
                    None if !self.is_deployed(up) => format!("{up} is not deployed"),
                    None => format!("{up} no longer has output {output}"),
                    Some(now) if !crate::schema::json_eq(now, used) => format!("{key} changed"),
                    Some(_) => continue,
                };
                out.push((name.clone(), key.clone(), reason));
            }
        }
        out
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

/// The document as stored: pretty JSON with a final newline.
pub fn encode(state: &State) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(state).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Parse a stored document; `what` names it in errors (a path or an `s3://` URI).
pub fn decode(bytes: &[u8], what: &str, backup: Option<std::path::PathBuf>) -> Result<State, StateError> {
    let corrupt = |detail: String, backup| StateError::Corrupt { what: what.to_string(), detail, backup };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string(), backup.clone()))?;
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    if version > SCHEMA_VERSION {
        return Err(StateError::TooNew { what: what.to_string(), found: version });
    }
    serde_json::from_value(value).map_err(|e| corrupt(e.to_string(), backup))
}

pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}
