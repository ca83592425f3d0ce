//! What one resource should become and what to do about it, decided the same way by
//! the planner (inputs possibly unknown) and by the executor (inputs known): desired
//! properties (resolved, normalized, tagged, checked against AWS's rules), the changes
//! from the live or recorded ones, and the action that makes them.

use serde_json::Value;

use super::resolve::{Resolved, Scope};
use super::step::{Action, PropChange};
use crate::graph::Address;
use crate::manifest::Project;
use crate::resources::tags::{self, Tags};
use crate::resources::{registry, DynDataSource, PrepareCx};
use crate::schema::{self, contains_unknown, Ty};
use crate::secrets;
use crate::state::ResourceState;

/// The schema of a recorded or declared resource type.
pub fn resource_schema(type_name: &str) -> Ty {
    registry::resource(type_name).map(|r| r.schema()).unwrap_or(Ty::Json)
}

/// Tags from a resolved table of strings (unknown values kept as they are).
fn tag_table(value: Option<&Value>) -> Tags {
    value
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))).collect())
        .unwrap_or_default()
}

/// A resource's desired properties: resolved, normalized to its schema, its tags merged
/// (environment, module, its own, infra's), checked against AWS's rules where known,
/// computed values filled in. Unknown markers may remain while planning.
/// A data lookup's type and its inputs, resolved in `scope` and normalised by the type's
/// schema (they may still hold unknown markers): what planning and the executor both
/// read a lookup with.
pub fn lookup_properties(scope: &Scope<'_>, project: &Project, address: &Address) -> Result<(&'static dyn DynDataSource, Value), String> {
    let module = project.module(&address.module).ok_or_else(|| format!("module {} not found", address.module))?;
    let decl = module.data.get(&address.name).ok_or_else(|| "not in the manifest".to_string())?;
    let rtype = registry::data_source(&decl.type_name).ok_or_else(|| format!("unknown data type {}", decl.type_name))?;
    let mut props = scope.resolve(&address.module, &decl.properties_json()).map_err(|e| e.to_string())?.value;
    schema::normalize(&mut props, &rtype.schema(), "")?;
    Ok((rtype, props))
}

pub fn desired_properties(scope: &Scope<'_>, project: &Project, address: &Address) -> Result<(Value, Resolved), String> {
    let module = project.module(&address.module).ok_or_else(|| format!("module {} not found", address.module))?;
    let decl = module.resources.get(&address.name).ok_or_else(|| "not in the manifest".to_string())?;
    let rtype = registry::resource(&decl.type_name).ok_or_else(|| format!("unknown type {}", decl.type_name))?;
    let resolved = scope.resolve(&address.module, &decl.properties_json()).map_err(|e| e.to_string())?;
    let mut value = resolved.value.clone();
    let ty = rtype.schema();
    schema::normalize(&mut value, &ty, "")?;
    if rtype.taggable() {
        let module_tags = match &module.tags {
            Some(node) => tag_table(Some(&scope.resolve(&address.module, &node.to_json()).map_err(|e| e.to_string())?.value)),
            None => Tags::new(),
        };
        let own = tag_table(value.get("tags"));
        // infra:module and infra:resource say where the resource was created: a rename
        // (`infra state mv`, `[[moved]]`) changes nothing in AWS.
        let created_as = |key: &str| {
            let recorded = scope.state.resource(&address.module, &address.name)?;
            recorded.properties.get("tags")?.get(key)?.as_str().map(str::to_string)
        };
        let module_tag = created_as(tags::MODULE).unwrap_or_else(|| address.module.clone());
        let name_tag = created_as(tags::RESOURCE).unwrap_or_else(|| address.name.clone());
        let infra = tags::own(&project.environment, &scope.state.lineage, &module_tag, &name_tag);
        // An adopted resource gets infra's tags with its first real change (see
        // `add_own_tags`): on their own they are no reason to touch it.
        let adopted = scope.state.resource(&address.module, &address.name).is_some_and(|r| r.imported);
        let merged = if adopted {
            tags::merge([&project.tags, &module_tags, &own])
        } else {
            tags::merge([&project.tags, &module_tags, &own, &infra])
        };
        if let Value::Object(map) = &mut value {
            map.insert("tags".into(), serde_json::to_value(merged).unwrap_or_default());
        }
    }
    let mut problems = schema::problems(&value, &ty);
    if !contains_unknown(&value) {
        problems.extend(rtype.check(&value));
    }
    if !problems.is_empty() {
        return Err(problems.into_iter().map(|(path, why)| format!("{path}: {why}")).collect::<Vec<_>>().join("; "));
    }
    let mut prepared = value.clone();
    match rtype.prepare(&mut prepared, &PrepareCx { dir: &module.dir }) {
        Ok(()) => value = prepared,
        // With unknown inputs a typed view may not exist yet; the executor prepares again.
        Err(_) if contains_unknown(&value) => {}
        Err(e) => return Err(e.to_string()),
    }
    Ok((value, resolved))
}

/// infra's own tags on an adopted resource's desired properties, for the update that
/// changes it for another reason (they then travel with that change).
pub fn add_own_tags(value: &mut Value, environment: &str, lineage: &str, address: &Address) {
    let Some(Value::Object(current)) = value.get_mut("tags") else { return };
    for (k, v) in tags::own(environment, lineage, &address.module, &address.name) {
        current.insert(k, Value::String(v));
    }
}

/// Property changes from `base` (live, else recorded) to `desired`, with drift marked
/// where the manifest did not change but AWS did. Known secrets are compared (and
/// shown) as stable tokens, the form the state keeps.
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

/// The changes the type replaces for these properties although the schema says in
/// place (a Cloud Control resource's create-only paths follow from its CloudFormation type).
fn with_instance_replacements(type_name: &str, desired: &Value, mut found: Vec<PropChange>) -> Vec<PropChange> {
    if let Some(rtype) = registry::resource(type_name) {
        for c in found.iter_mut().filter(|c| !c.change.replace) {
            c.change.replace = rtype.forces_replace(desired, &c.change);
        }
    }
    found
}

/// Update unless a change forces replacement; same when nothing differs.
fn action_for(changes: &[PropChange]) -> Action {
    if changes.is_empty() {
        Action::Same
    } else if changes.iter().any(|c| c.change.replace) {
        Action::Replace
    } else {
        Action::Update
    }
}

/// What AWS said about a recorded resource.
#[derive(Debug, Clone, Copy)]
pub enum Live<'a> {
    /// Not read (`--no-refresh`).
    Unread,
    /// Read, and it no longer exists.
    Gone,
    /// Read: its properties.
    Found(&'a Value),
}

/// The action for one resource and the property changes behind it.
#[derive(Debug, Clone)]
pub struct Decision {
    pub action: Action,
    pub changes: Vec<PropChange>,
    pub reason: Option<String>,
}

/// Decide from what the manifest wants (`desired`), what the state recorded (`prior`)
/// and what AWS has (`live`). `adopt`: `prior` was found in AWS after an interrupted
/// create; it has no applied properties to tell drift by.
pub fn decide(type_name: &str, desired: &Value, prior: Option<&ResourceState>, live: Live<'_>, adopt: bool) -> Decision {
    let decision = |action, changes, reason: Option<String>| Decision { action, changes, reason };
    let schema = resource_schema(type_name);
    match (prior, live) {
        (None, _) => decision(Action::Create, Vec::new(), None),
        (Some(p), _) if adopt => {
            let base = match live {
                Live::Found(v) => v,
                _ => &p.properties,
            };
            let found = with_instance_replacements(type_name, desired, changes(&schema, None, base, desired, false));
            let action = if p.type_name != type_name { Action::Replace } else { action_for(&found) };
            decision(action, found, None)
        }
        (Some(_), Live::Gone) => {
            decision(Action::Create, Vec::new(), Some("not found in AWS (deleted outside infra); it will be created again".into()))
        }
        (Some(p), _) if p.type_name != type_name => {
            decision(Action::Replace, Vec::new(), Some(format!("type changed from {} to {type_name}", p.type_name)))
        }
        (Some(p), live) => {
            let (base, known) = match live {
                Live::Found(v) => (v, true),
                _ => (&p.properties, false),
            };
            let found = with_instance_replacements(type_name, desired, changes(&schema, Some(&p.properties), base, desired, known));
            decision(action_for(&found), found, None)
        }
    }
}

/// Why a replacement cannot be planned: a change to a property AWS cannot change at all
/// and whose replacement would lose what the resource guards (a KMS key's usage). Not
/// asked when the user requested the replacement (`--replace`).
pub fn refused(type_name: &str, changes: &[PropChange]) -> Option<String> {
    let schema = resource_schema(type_name);
    let fixed: Vec<String> = changes
        .iter()
        .filter(|c| schema::immutable_at(&schema, &c.change.path).is_some())
        .map(|c| format!("`{}` ({} -> {})", c.change.path, c.change.old, c.change.new))
        .collect();
    if fixed.is_empty() {
        return None;
    }
    Some(format!(
        "{} cannot change: AWS fixes it when a {type_name} is created, and a new one would not read what this one protects. \
         Declare a new resource for the new value and move the users to it; `--replace ADDRESS` replaces this one if losing it is intended",
        fixed.join(", ")
    ))
}

/// Why `create_before_destroy` cannot work for this replacement: the new resource would
/// take the name (the identity AWS keeps unique) the old one still holds.
pub fn create_first_conflict(type_name: &str, changes: &[PropChange], desired: &Value) -> Option<String> {
    let rtype = registry::resource(type_name)?;
    let identity = rtype.identity();
    let fields = identity.fields();
    if fields.is_empty() {
        return None;
    }
    let renamed = changes.iter().any(|c| fields.iter().any(|f| c.change.path == *f || c.change.path.starts_with(&format!("{f}."))));
    if renamed {
        return None;
    }
    let held: Vec<String> = fields.iter().map(|f| format!("{f} = {}", desired.get(*f).map(Value::to_string).unwrap_or_default())).collect();
    Some(format!(
        "create_before_destroy cannot work here: the new {type_name} would take the {} the old one still holds until it is deleted. \
         Change it in the same edit (a new name), or remove create_before_destroy",
        held.join(", ")
    ))
}

/// The recorded attributes a replacement does not keep: those the new resource's
/// values known while planning (`early`) do not repeat.
pub fn lost_attributes(prior: &ResourceState, early: Option<&crate::resources::Attrs>) -> Vec<String> {
    let mut lost: Vec<String> = prior
        .attributes
        .iter()
        .filter(|(k, old)| early.and_then(|e| e.get(*k)).is_none_or(|new| !schema::json_eq(new, old)))
        .map(|(k, _)| k.clone())
        .collect();
    lost.retain(|k| k != "id");
    if early.and_then(|e| e.get("id")).is_none_or(|id| id.as_str() != Some(prior.id.as_str())) {
        lost.insert(0, "id".into());
    }
    lost
}
