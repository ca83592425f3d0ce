//! Cloud Control: any type of the CloudFormation registry through one generic resource
//! type (`cloudcontrol.resource`). What the plan needs to know of each CloudFormation type
//! (its primary identifier and which properties are create-only, read-only or
//! write-only) comes from AWS's own resource schemas, as the pinned cfn-lint ships them,
//! trimmed to those four lists by scripts/refresh-aws-schemas.sh into `facts.json`.
//! Paths are JSON pointers below `/properties/` (`SourceParameters/KinesisStreamParameters/StartingPosition`),
//! `*` standing for every item of an array.

pub mod resource;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::schema::json_eq;
use crate::secrets;

/// What AWS's schema says about one CloudFormation type; each path split at `/`.
#[derive(Debug, Default)]
pub struct Facts {
    pub primary: Vec<Vec<String>>,
    pub create_only: Vec<Vec<String>>,
    pub read_only: Vec<Vec<String>>,
    pub write_only: Vec<Vec<String>>,
}

static FACTS: OnceLock<HashMap<String, Facts>> = OnceLock::new();

fn all() -> &'static HashMap<String, Facts> {
    FACTS.get_or_init(|| {
        // Written by the refresh script and checked by a unit test: it always parses.
        let raw: HashMap<String, [Vec<String>; 4]> = serde_json::from_str(include_str!("facts.json")).unwrap_or_default();
        let split = |paths: &[String]| paths.iter().map(|p| p.split('/').map(str::to_string).collect()).collect();
        raw.into_iter()
            .map(|(name, [p, c, r, w])| {
                let facts = Facts { primary: split(&p), create_only: split(&c), read_only: split(&r), write_only: split(&w) };
                (name, facts)
            })
            .collect()
    })
}

/// The facts of a CloudFormation type (`AWS::Pipes::Pipe`), if AWS's schemas know it.
pub fn facts(type_name: &str) -> Option<&'static Facts> {
    all().get(type_name)
}

/// Every CloudFormation type the facts know, for suggestions.
pub fn type_names() -> impl Iterator<Item = &'static str> {
    all().keys().map(String::as_str)
}

/// A path as [`crate::schema::diff`] writes it below the `properties` table
/// (`properties.A.B[2].C`), as pointer segments (`A`, `B`, `2`, `C`).
pub fn diff_segments(path: &str) -> Vec<String> {
    let rest = path.strip_prefix("properties").unwrap_or(path).trim_start_matches('.');
    let mut out = Vec::new();
    for seg in rest.split('.').filter(|s| !s.is_empty()) {
        let mut parts = seg.split('[');
        if let Some(key) = parts.next().filter(|k| !k.is_empty()) {
            out.push(key.to_string());
        }
        out.extend(parts.map(|i| i.trim_end_matches(']').to_string()));
    }
    out
}

/// Whether `pattern` (a schema path, `*` for any array item) starts with `segs`, or the
/// other way round: how far they agree.
fn agree(pattern: &[String], segs: &[String]) -> bool {
    pattern.iter().zip(segs).all(|(p, s)| p == s || (p == "*" && s.parse::<usize>().is_ok()))
}

/// Whether `segs` lies at or below the schema path `pattern`.
pub fn under(pattern: &[String], segs: &[String]) -> bool {
    segs.len() >= pattern.len() && agree(pattern, segs)
}

/// Every value at `pattern` in `v`, `*` expanded over arrays.
pub fn values_at<'a>(v: &'a Value, pattern: &[String]) -> Vec<&'a Value> {
    let Some((first, rest)) = pattern.split_first() else { return vec![v] };
    match (first.as_str(), v) {
        ("*", Value::Array(items)) => items.iter().flat_map(|i| values_at(i, rest)).collect(),
        (key, Value::Object(map)) => map.get(key).map(|i| values_at(i, rest)).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether a change from `old` to `new` at `segs` touches the schema path `pattern`:
/// the change is inside it, or it replaces a whole table holding it differently.
pub fn touches(pattern: &[String], segs: &[String], old: &Value, new: &Value) -> bool {
    if under(pattern, segs) {
        return true;
    }
    if !agree(pattern, segs) {
        return false;
    }
    let rest = &pattern[segs.len()..];
    let (a, b) = (values_at(old, rest), values_at(new, rest));
    a.len() != b.len() || a.iter().zip(&b).any(|(x, y)| !json_eq(x, y))
}

/// `v` without what lies at `pattern` (read-only values AWS reports).
pub fn remove_at(v: &mut Value, pattern: &[String]) {
    match (pattern, v) {
        ([last], Value::Object(map)) => {
            map.remove(last);
        }
        ([first, rest @ ..], Value::Array(items)) if first == "*" => items.iter_mut().for_each(|i| remove_at(i, rest)),
        ([first, rest @ ..], Value::Object(map)) => {
            if let Some(i) = map.get_mut(first) {
                remove_at(i, rest);
            }
        }
        _ => {}
    }
}

/// Put into `live` the values `applied` holds at `pattern` (write-only values, which
/// AWS never returns): what infra last sent stands for them.
pub fn carry(live: &mut Value, applied: &Value, pattern: &[String]) {
    match (pattern, live, applied) {
        ([last], Value::Object(l), Value::Object(a)) => {
            if let Some(v) = a.get(last) {
                l.insert(last.clone(), v.clone());
            }
        }
        ([first, rest @ ..], Value::Array(l), Value::Array(a)) if first == "*" => {
            l.iter_mut().zip(a).for_each(|(l, a)| carry(l, a, rest));
        }
        ([first, rest @ ..], Value::Object(l), Value::Object(a)) => match (l.get_mut(first), a.get(first)) {
            (Some(lv), Some(av)) => carry(lv, av, rest),
            (None, Some(av)) if rest.iter().all(|s| s != "*") => {
                l.insert(first.clone(), Value::Object(Map::new()));
                if let Some(lv) = l.get_mut(first) {
                    carry(lv, av, rest);
                    if lv.as_object().is_some_and(Map::is_empty) {
                        l.remove(first);
                    }
                }
            }
            _ => {}
        },
        _ => {}
    }
}

/// `live` cut down to the keys `applied` has, table by table: what AWS fills in that the
/// manifest never set (defaults) is not drift.
pub fn prune(live: &Value, applied: &Value) -> Value {
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) => {
            Value::Object(l.iter().filter_map(|(k, v)| a.get(k).map(|av| (k.clone(), prune(v, av)))).collect())
        }
        (Value::Array(l), Value::Array(a)) if l.len() == a.len() => Value::Array(l.iter().zip(a).map(|(l, a)| prune(l, a)).collect()),
        _ => live.clone(),
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// An RFC 6902 JSON Patch from `old` to `new` of only what changed: tables key by key,
/// anything else replaced whole. Values are compared as the state keeps them (secrets as
/// tokens), so a write-only password that did not change is not sent again.
pub fn patch(old: &Value, new: &Value) -> Vec<Value> {
    let mut ops = Vec::new();
    patch_into(old, new, "", &mut ops);
    ops
}

fn patch_into(old: &Value, new: &Value, path: &str, ops: &mut Vec<Value>) {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                ops.push(serde_json::json!({"op": "remove", "path": format!("{path}/{}", escape(k))}));
            }
            for (k, v) in n {
                let here = format!("{path}/{}", escape(k));
                match o.get(k) {
                    None => ops.push(serde_json::json!({"op": "add", "path": here, "value": v})),
                    Some(ov) => patch_into(ov, v, &here, ops),
                }
            }
        }
        _ if json_eq(&secrets::mask_json(old), &secrets::mask_json(new)) => {}
        _ => ops.push(serde_json::json!({"op": "replace", "path": path, "value": new})),
    }
}
