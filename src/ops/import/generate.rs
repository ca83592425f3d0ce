//! `infra import --from-terraform STATE --generate`: write the manifests a Terraform
//! state implies and adopt what it holds. Each Terraform module becomes one infra module
//! (the root one named after the state's directory, or `--module NAME`). Every instance
//! whose type infra has is read live through infra's own `read`, so the manifest says
//! what AWS holds in infra's terms and the plan that follows is empty; Terraform's
//! attribute names never have to be translated one by one. One resource's value that is
//! another's ARN, URL, id or name becomes a reference, `count`/`for_each` instances that
//! differ only by their key become one `for_each` resource, and defaults are left out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::terraform::{self, TfResource, TfState};
use crate::resources::{registry, Attrs, DynResource};
use crate::schema::Ty;

/// One Terraform resource instance read live, with where it goes.
pub struct Item {
    /// What it was made from, the comment above it: a Terraform address, or the type
    /// and id `--discover` found.
    pub origin: String,
    /// The infra module it is written to.
    pub module: String,
    /// The infra resource name of its Terraform block (its instances share it).
    pub group: String,
    /// The `count` index or `for_each` key, as text.
    pub key: Option<String>,
    pub rtype: &'static dyn DynResource,
    pub id: String,
    pub props: Value,
    pub attrs: Attrs,
    /// Written with `prevent_destroy = true`.
    pub protect: bool,
}

/// How the written manifests lay the items out: each item's resource name (and
/// instance key when its group became one `for_each` resource).
pub struct Layout {
    /// Per item: the name in the manifest (the group's name when collapsed).
    pub names: Vec<String>,
    /// Per item: `Some(key)` when its group is one `for_each` resource.
    pub each: Vec<Option<String>>,
}

impl Layout {
    /// The address an item is recorded under.
    pub fn address(&self, items: &[Item], i: usize) -> crate::graph::Address {
        let name = match &self.each[i] {
            Some(k) => crate::manifest::each::instance(&self.names[i], k),
            None => self.names[i].clone(),
        };
        crate::graph::Address::resource(&items[i].module, &name)
    }
}

/// A manifest name from a Terraform name: lower case, `_` for anything else.
pub fn sanitize(s: &str) -> String {
    let mut out: String = s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("r_{out}")
    } else {
        out
    }
}

/// The infra module of a Terraform module address: `module.queues` → `queues`,
/// `module.app.module.db` → `app_db`; the root is `root`.
pub fn module_name(tf_module: Option<&str>, root: &str) -> String {
    match tf_module {
        None => root.to_string(),
        Some(m) => sanitize(&m.split('.').filter(|p| *p != "module").collect::<Vec<_>>().join("_")),
    }
}

/// The module the root resources go to: the directory the state was in.
pub fn root_name(state_path: &Path) -> String {
    let dir = std::fs::canonicalize(state_path).ok().and_then(|p| p.parent().map(Path::to_path_buf));
    dir.as_deref().and_then(Path::file_name).map(|n| sanitize(&n.to_string_lossy())).unwrap_or_else(|| "imported".into())
}

/// The Terraform key of an instance, as infra would key it.
fn key_text(r: &TfResource) -> Option<String> {
    r.key.as_ref().map(|k| match k {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Why a Terraform resource is not generated, or `None` when infra has a type for it.
pub fn unmapped_reason(r: &TfResource) -> Option<String> {
    const GENERATED: &str = "kept as generate of the secretsmanager.secret holding the password, for a database's \
                             (the value stays in AWS and is never written)";
    if r.mode == "data" && r.tf_type == "aws_secretsmanager_random_password" {
        return Some(GENERATED.into());
    }
    if r.mode == "data" {
        return match lookup_of(r) {
            Ok(_) => None,
            Err(why) => Some(format!("a data source infra has no lookup for ({why}): the values it gave are written as literals")),
        };
    }
    match r.tf_type.as_str() {
        "random_id" => return None,
        "random_password" => return Some(GENERATED.into()),
        "random_string" => {
            return Some(
                "a value Terraform generated, never written into a manifest: for a password, use a secretsmanager.secret with `generate`"
                    .into(),
            )
        }
        _ => {}
    }
    if terraform::mapping(&r.tf_type).is_some() {
        return None;
    }
    Some(match terraform::folded(&r.tf_type) {
        Some(where_) => format!("kept as {where_} (read from AWS with it)"),
        None => format!("infra has no type for {} yet", r.tf_type),
    })
}

/// A Terraform data source written as one of infra's lookups (`[data.NAME]`): what it
/// reads AWS with, and the values Terraform found, which a resource's equal value refers
/// to instead of repeating.
pub struct Lookup {
    pub tf_address: String,
    pub module: String,
    pub name: String,
    pub type_name: &'static str,
    pub props: Map<String, Value>,
    /// The lookup's attributes (infra's names) with the values Terraform's state holds.
    pub values: Map<String, Value>,
}

/// The infra lookup for a Terraform data source, its properties, and which Terraform
/// attribute gives each of its attributes; why not where there is none.
#[allow(clippy::type_complexity)]
fn lookup_of(r: &TfResource) -> Result<(&'static str, Map<String, Value>, &'static [(&'static str, &'static str)]), String> {
    let a = &r.attributes;
    let mut props = Map::new();
    let (type_name, attrs): (&'static str, &'static [(&str, &str)]) = match r.tf_type.as_str() {
        "aws_caller_identity" => ("aws.caller_identity", &[("account_id", "account_id"), ("arn", "arn")]),
        "aws_availability_zones" => ("ec2.availability_zones", &[("names", "names"), ("zone_ids", "zone_ids")]),
        "aws_vpc" if a.get("default").and_then(Value::as_bool) == Some(true) => {
            ("ec2.default_vpc", &[("id", "id"), ("cidr_block", "cidr_block")])
        }
        "aws_vpc" => {
            let id = a.get("id").and_then(Value::as_str).ok_or("the state has no id")?;
            props.insert("id".into(), Value::String(id.into()));
            ("ec2.vpc", &[("id", "id"), ("cidr_block", "cidr_block"), ("arn", "arn")])
        }
        "aws_subnets" => {
            let filters = a.get("filter").and_then(Value::as_array).cloned().unwrap_or_default();
            let value = |name: &str| {
                filters
                    .iter()
                    .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
                    .and_then(|f| f.get("values")?.get(0)?.as_str().map(str::to_string))
            };
            let known = filters.iter().all(|f| matches!(f.get("name").and_then(Value::as_str), Some("vpc-id" | "default-for-az")));
            let vpc = value("vpc-id").filter(|_| known).ok_or("only a filter on vpc-id (and default-for-az) is mapped")?;
            props.insert("vpc_id".into(), Value::String(vpc));
            if let Some(d) = value("default-for-az") {
                props.insert("default_for_az".into(), Value::Bool(d == "true"));
            }
            ("ec2.subnets", &[("ids", "ids")])
        }
        other => return Err(format!("{other} has none")),
    };
    Ok((type_name, props, attrs))
}

/// The lookup a Terraform data source becomes, or why it does not.
pub fn new_lookup(r: &TfResource, module: String) -> Result<Lookup, String> {
    let (type_name, props, attrs) = lookup_of(r)?;
    let values = attrs.iter().filter_map(|(infra, tf)| Some((infra.to_string(), r.attributes.get(*tf)?.clone()))).collect();
    Ok(Lookup { tf_address: r.address.clone(), module, name: sanitize(&r.name), type_name, props, values })
}

/// The infra type and the id infra reads it by.
pub fn rtype_and_id(r: &TfResource) -> Option<(&'static dyn DynResource, String)> {
    if r.tf_type == "random_id" {
        let hex = r.attributes.get("hex").and_then(Value::as_str)?;
        return Some((registry::resource("random.id")?, hex.to_string()));
    }
    let m = terraform::mapping(&r.tf_type)?;
    Some((registry::resource(m.infra_type)?, m.id_of(r)?))
}

/// Group names per module, unique: a second block of the same name (a role and a
/// function both called `lambda`) takes its type's last word (`lambda_function`).
pub fn group_names(resources: &[(&TfResource, String)]) -> HashMap<(String, String, String), String> {
    let mut out = HashMap::new();
    let mut taken: HashSet<(String, String)> = HashSet::new();
    for (r, module) in resources {
        let block = (module.clone(), r.tf_type.clone(), r.name.clone());
        if out.contains_key(&block) {
            continue;
        }
        let name = unique_name(&sanitize(&r.name), &r.tf_type, |n| taken.contains(&(module.clone(), n.to_string())));
        taken.insert((module.clone(), name.clone()));
        out.insert(block, name);
    }
    out
}

/// `base`, or when that is taken, `base` with the Terraform type's last word
/// (`lambda_function`), then a number.
pub fn unique_name(base: &str, tf_type: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut name = base.to_string();
    if taken(&name) {
        name = format!("{base}_{}", tf_type.rsplit('_').next().unwrap_or("x"));
    }
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

pub fn new_item(r: &TfResource, module: String, group: String, rtype: &'static dyn DynResource, id: String, live: (Value, Attrs)) -> Item {
    Item { origin: r.address.clone(), module, group, key: key_text(r), rtype, id, props: live.0, attrs: live.1, protect: false }
}

/// A password Terraform generated: a `random_password` (its `result`, `length`) or a
/// Secrets Manager `aws_secretsmanager_random_password` data source. Its length, where
/// `password` is one.
fn generated_length(tf: &TfState, password: &str) -> Option<i64> {
    tf.resources.iter().find_map(|r| {
        let (value, length) = match (r.mode.as_str(), r.tf_type.as_str()) {
            ("managed", "random_password") => ("result", "length"),
            ("data", "aws_secretsmanager_random_password") => ("random_password", "password_length"),
            _ => return None,
        };
        (r.attributes.get(value).and_then(Value::as_str) == Some(password)).then(|| r.attributes.get(length)?.as_i64()).flatten()
    })
}

/// Where each database's master password is kept. Terraform's state holds the password
/// itself (a cluster's `master_password`, a secret version's `secret_string`); infra's
/// manifest holds only the secret and the key in its JSON, so the two are matched here
/// by value and the value goes no further. A password Terraform generated makes the
/// secret's `generate`, with the database following the secret's version: generated it
/// stays, and the value in AWS is the one it has. Returns the databases that cannot be
/// written, with why (their password is nowhere but in Terraform's state).
pub fn wire_passwords(items: &mut [Item], sources: &[&TfResource], tf: &TfState) -> Vec<(usize, String)> {
    let mut refused = Vec::new();
    for db in 0..items.len() {
        if !matches!(items[db].rtype.type_name(), "rds.cluster" | "rds.instance") {
            continue;
        }
        let attrs = &sources[db].attributes;
        if attrs.get("manage_master_user_password").and_then(Value::as_bool) == Some(true) {
            refused.push((
                db,
                "AWS manages its master password (manage_master_user_password), which infra's type does not model yet: \
                 leave it in Terraform"
                    .to_string(),
            ));
            continue;
        }
        // An aws_rds_cluster's `master_password`, an aws_db_instance's `password`.
        let password = attrs.get("master_password").or_else(|| attrs.get("password"));
        let Some(password) = password.and_then(Value::as_str).filter(|p| !p.is_empty()) else {
            refused.push((db, "Terraform's state has no master password for it".to_string()));
            continue;
        };
        // The secret version whose JSON holds the password, and under which key.
        let kept = tf.resources.iter().filter(|r| r.mode == "managed" && r.tf_type == "aws_secretsmanager_secret_version").find_map(|v| {
            let doc: Map<String, Value> = serde_json::from_str(v.attributes.get("secret_string")?.as_str()?).ok()?;
            let key = doc.iter().find(|(_, x)| x.as_str() == Some(password))?.0.clone();
            Some((v.attributes.get("secret_id")?.as_str()?.to_string(), key, doc))
        });
        let secret = kept.as_ref().and_then(|(arn, _, _)| {
            (0..items.len()).find(|&i| items[i].rtype.type_name() == "secretsmanager.secret" && items[i].id == *arn)
        });
        let (Some((arn, key, doc)), Some(secret)) = (kept, secret) else {
            refused.push((
                db,
                "its master password is in Terraform's state only, not in a secret this import writes: \
                 keep it in a secretsmanager.secret first (docs/migrating-from-terraform.md)"
                    .to_string(),
            ));
            continue;
        };
        let username = doc.get("username").and_then(Value::as_str).map(str::to_string);
        let generated = generated_length(tf, password).filter(|_| key == "password" && doc.len() == 2);
        let version = items[secret].attrs.get("version_id").cloned();
        if let (Some(length), Some(username)) = (generated, username) {
            if let Value::Object(p) = &mut items[secret].props {
                p.insert("generate".into(), serde_json::json!({ "username": username, "password_length": length }));
            }
            if let (Value::Object(p), Some(v)) = (&mut items[db].props, version) {
                p.insert("master_password_version".into(), v);
            }
        }
        if let Value::Object(p) = &mut items[db].props {
            p.insert("master_password_secret".into(), Value::String(arn));
            p.insert("master_password_key".into(), Value::String(key));
        }
    }
    refused
}

// A reference inside a string is kept as a marker until the layout is known:
// MARK target MARK attribute MARK rest.
const MARK: char = '\u{1}';

fn marker(target: usize, attr: &str, rest: &str) -> String {
    format!("{MARK}{target}{MARK}{attr}{MARK}{rest}")
}

/// The attribute of `t` a string names: one of the values AWS makes for it (its ARN,
/// URL, an API's execution ARN, a function's invoke ARN, an integration's route target,
/// a secret's version), or a path under one, its id, or its name.
fn names_target(s: &str, t: &Item, by_name: bool) -> Option<(&'static str, String)> {
    for attr in ["arn", "url", "execution_arn", "invoke_arn", "target", "version_id"] {
        if let Some(v) = t.attrs.get(attr).and_then(Value::as_str).filter(|v| !v.is_empty()) {
            if s == v {
                return Some((attr, String::new()));
            }
            if let Some(rest) = s.strip_prefix(v).filter(|r| r.starts_with('/') || r.starts_with(":*")) {
                return Some((attr, rest.to_string()));
            }
        }
    }
    if !by_name || s.len() < 3 {
        return None;
    }
    for attr in ["name", "id"] {
        if t.attrs.get(attr).and_then(Value::as_str) == Some(s) {
            return Some((attr, String::new()));
        }
    }
    None
}

/// Whether `from` is reachable from `to` through the references made so far.
fn reaches(edges: &HashMap<usize, HashSet<usize>>, from: usize, to: usize) -> bool {
    let mut stack = vec![from];
    let mut seen = HashSet::new();
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        if seen.insert(n) {
            stack.extend(edges.get(&n).into_iter().flatten().copied());
        }
    }
    false
}

/// The references made so far: between items, and between the modules they are in
/// (a module may use another's outputs only if that one does not use its own).
#[derive(Default)]
struct Links {
    items: HashMap<usize, HashSet<usize>>,
    modules: HashMap<String, HashSet<String>>,
}

impl Links {
    /// Whether `me` may refer to `t` without closing a cycle.
    fn allows(&self, items: &[Item], me: usize, t: usize) -> bool {
        if items[t].module == items[me].module {
            return !reaches(&self.items, t, me);
        }
        let (from, to) = (&items[t].module, &items[me].module);
        let mut stack = vec![from];
        let mut seen = HashSet::new();
        while let Some(m) = stack.pop() {
            if m == to {
                return false;
            }
            if seen.insert(m) {
                stack.extend(self.modules.get(m).into_iter().flatten());
            }
        }
        true
    }

    fn add(&mut self, items: &[Item], me: usize, t: usize) {
        self.items.entry(me).or_default().insert(t);
        if items[t].module != items[me].module {
            self.modules.entry(items[me].module.clone()).or_default().insert(items[t].module.clone());
        }
    }
}

/// Every item's properties with values naming another item replaced by markers: one of
/// its own module first, else one of another module (through an output of that module,
/// see [`cross_outputs`]). Tags stay literal, and so does the item's own name.
pub fn link(items: &mut [Item], lookups: &[Lookup]) {
    let mut links = Links::default();
    // ARNs, URLs, assigned ids and lookups first, names after: an equal name (a
    // certificate's domain and an API domain's) must not take a link before the ARN
    // that is certainly one, and then keep it from being made for closing a cycle.
    for by_name in [false, true] {
        for me in 0..items.len() {
            let Value::Object(props) = items[me].props.clone() else { continue };
            let identity = items[me].rtype.identity().fields().to_vec();
            let mut out = Map::new();
            for (field, v) in props {
                let v = if field == "tags" {
                    v
                } else if identity.contains(&field.as_str()) {
                    link_identity(&v, &field, items, lookups, me, &mut links, by_name)
                } else {
                    link_value(&v, &field, items, lookups, me, &mut links, by_name)
                };
                out.insert(field, v);
            }
            items[me].props = Value::Object(out);
        }
    }
}

/// Whether a string is already a reference (made by the first pass).
fn linked(s: &str) -> bool {
    s.starts_with(MARK)
}

/// Whether a property is named for the type of `t`: a permission's `function_name` for
/// a `lambda.function`, a route's `api_id` for an `apigatewayv2.api`.
fn named_for(field: &str, t: &Item) -> bool {
    let word = t.rtype.type_name().rsplit('.').next().unwrap_or_default();
    word.len() >= 3 && field.contains(word)
}

/// The items `me` may refer to, in the order they are tried: its own module's first,
/// and among those the ones of the type the property is named for.
fn candidates(items: &[Item], me: usize, field: &str) -> Vec<usize> {
    let mut order: Vec<usize> = (0..items.len()).filter(|&t| t != me).collect();
    order.sort_by_key(|&t| (items[t].module != items[me].module, !named_for(field, &items[t])));
    order
}

/// In a property that identifies the item (its name, the VPC a subnet is in, the
/// function a permission is for), a value is taken for a reference only where it cannot
/// be a coincidence: an ARN or URL, an id AWS assigned (`vpc-0a1b...`), a lookup's value,
/// or the name of a resource of the type the property is named for. An item's own name
/// stays literal even where another resource has the same.
fn link_identity(v: &Value, field: &str, items: &[Item], lookups: &[Lookup], me: usize, links: &mut Links, by_name: bool) -> Value {
    let Value::String(s) = v else { return v.clone() };
    if linked(s) {
        return v.clone();
    }
    if !by_name {
        if let Some(marker) = names_lookup(v, items, lookups, me) {
            return marker;
        }
    }
    let assigned = |t: usize| matches!(items[t].rtype.identity(), crate::resources::Identity::Assigned);
    for t in candidates(items, me, field) {
        let found = if by_name {
            names_target(s, &items[t], true).filter(|_| named_for(field, &items[t]))
        } else {
            names_target(s, &items[t], false)
                .or_else(|| (assigned(t) && items[t].attrs.get("id").and_then(Value::as_str) == Some(s)).then(|| ("id", String::new())))
        };
        let Some((attr, rest)) = found else { continue };
        if links.allows(items, me, t) {
            links.add(items, me, t);
            return Value::String(marker(t, attr, &rest));
        }
    }
    v.clone()
}

/// A lookup of `me`'s module one of whose values `v` is, whole: its marker.
fn names_lookup(v: &Value, items: &[Item], lookups: &[Lookup], me: usize) -> Option<Value> {
    let module = &items[me].module;
    lookups.iter().filter(|l| l.module == *module).find_map(|l| lookup_marker(v, l))
}

/// `v` as a reference to one of `l`'s values, when it is one.
fn lookup_marker(v: &Value, l: &Lookup) -> Option<Value> {
    let same = |a: &Value, b: &Value| match (a, b) {
        // A list of ids is a set: the same ids in another order are the same value.
        (Value::Array(x), Value::Array(y)) => {
            let mut x: Vec<String> = x.iter().map(Value::to_string).collect();
            let mut y: Vec<String> = y.iter().map(Value::to_string).collect();
            x.sort();
            y.sort();
            !x.is_empty() && x == y
        }
        (Value::String(x), Value::String(y)) => x.len() >= 3 && x == y,
        _ => false,
    };
    let (attr, _) = l.values.iter().find(|(_, lv)| same(v, lv))?;
    Some(Value::String(format!("{MARK}data:{}{MARK}{attr}{MARK}", l.name)))
}

/// Lookups whose properties are another lookup's values (the subnets of the default
/// VPC) refer to that lookup; a lookup refers only to one that does not refer to it.
pub fn link_lookups(lookups: &mut [Lookup]) {
    for me in 0..lookups.len() {
        let props = lookups[me].props.clone();
        for (name, v) in props {
            let found = (0..lookups.len()).filter(|&o| o != me && lookups[o].module == lookups[me].module).find_map(|o| {
                let refers_back = lookups[o].props.values().any(|p| lookup_ref(p).is_some_and(|(l, _)| l == lookups[me].name));
                if refers_back {
                    return None;
                }
                lookup_marker(&v, &lookups[o])
            });
            if let Some(marker) = found {
                lookups[me].props.insert(name, marker);
            }
        }
    }
}

fn link_value(v: &Value, field: &str, items: &[Item], lookups: &[Lookup], me: usize, links: &mut Links, by_name: bool) -> Value {
    if !by_name {
        if let Some(marker) = names_lookup(v, items, lookups, me) {
            return marker;
        }
    }
    match v {
        Value::String(s) if !linked(s) => {
            for t in candidates(items, me, field) {
                let Some((attr, rest)) = names_target(s, &items[t], by_name) else { continue };
                // A cycle of references cannot be applied: the literal stays.
                if !links.allows(items, me, t) {
                    continue;
                }
                links.add(items, me, t);
                return Value::String(marker(t, attr, &rest));
            }
            v.clone()
        }
        Value::Array(a) => Value::Array(a.iter().map(|i| link_value(i, field, items, lookups, me, links, by_name)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, i)| (k.clone(), link_value(i, k, items, lookups, me, links, by_name))).collect())
        }
        other => other.clone(),
    }
}

/// `target.attr` of an item as its own module refers to it.
fn local_reference(t: usize, attr: &str, layout: &Layout) -> String {
    match &layout.each[t] {
        Some(k) => format!("${{resources.{}[\"{k}\"].{attr}}}", layout.names[t]),
        None => format!("${{resources.{}.{attr}}}", layout.names[t]),
    }
}

/// The output of `t`'s module that hands `attr` of `t` to another module.
fn cross_output_name(t: usize, attr: &str, layout: &Layout) -> String {
    match &layout.each[t] {
        Some(k) => format!("{}_{}_{attr}", layout.names[t], sanitize(k).trim_start_matches("r_")),
        None => format!("{}_{attr}", layout.names[t]),
    }
}

/// The outputs each module needs so that other modules can refer to its resources:
/// module → (output name, value).
pub fn cross_outputs(items: &[Item], layout: &Layout) -> BTreeMap<String, BTreeMap<String, String>> {
    fn walk(v: &Value, me: usize, items: &[Item], layout: &Layout, out: &mut BTreeMap<String, BTreeMap<String, String>>) {
        match v {
            Value::String(s) => {
                let Some(body) = s.strip_prefix(MARK) else { return };
                let mut parts = body.splitn(3, MARK);
                let (Some(t), Some(attr)) = (parts.next().and_then(|p| p.parse::<usize>().ok()), parts.next()) else { return };
                if items[t].module != items[me].module {
                    out.entry(items[t].module.clone())
                        .or_default()
                        .insert(cross_output_name(t, attr, layout), local_reference(t, attr, layout));
                }
            }
            Value::Array(a) => a.iter().for_each(|i| walk(i, me, items, layout, out)),
            Value::Object(m) => m.values().for_each(|i| walk(i, me, items, layout, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for (me, it) in items.iter().enumerate() {
        walk(&it.props, me, items, layout, &mut out);
    }
    out
}

/// `text` with `key` replaced by `${each.key}` where it stands as a word of its own
/// (`jobs-eu` for key `eu`, not `queue` for key `e`).
fn substitute_key(text: &str, key: &str) -> String {
    if key.is_empty() {
        return text.to_string();
    }
    let mut out = String::new();
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find(key) {
        let before = rest[..i].chars().last().or(prev);
        let after = rest[i + key.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        out.push_str(&rest[..i]);
        if word(before) || word(after) {
            out.push_str(key);
        } else {
            out.push_str("${each.key}");
        }
        prev = key.chars().last();
        rest = &rest[i + key.len()..];
    }
    out.push_str(rest);
    out
}

/// A string as the manifest writes it: markers become references, a literal `${`
/// is escaped, and within a `for_each` resource its key becomes `${each.key}`.
fn render_str(s: &str, me: usize, items: &[Item], layout: &Layout) -> String {
    if let Some(body) = s.strip_prefix(MARK) {
        let mut parts = body.splitn(3, MARK);
        let target = parts.next().unwrap_or("0");
        let attr = parts.next().unwrap_or("id");
        let rest = parts.next().unwrap_or("");
        if let Some(lookup) = target.strip_prefix("data:") {
            return format!("${{data.{lookup}.{attr}}}{}", render_literal(rest, me, layout));
        }
        let t: usize = target.parse().unwrap_or(0);
        if items[t].module != items[me].module {
            let output = cross_output_name(t, attr, layout);
            return format!("${{module.{}.{output}}}{}", items[t].module, render_literal(rest, me, layout));
        }
        let target = match &layout.each[t] {
            Some(k) if layout.each[me].as_deref() == Some(k) && items[me].group != items[t].group => {
                format!("{}[each.key]", layout.names[t])
            }
            Some(k) => format!("{}[\"{k}\"]", layout.names[t]),
            None => layout.names[t].clone(),
        };
        return format!("${{resources.{target}.{attr}}}{}", render_literal(rest, me, layout));
    }
    render_literal(s, me, layout)
}

/// The lookup and attribute a marker made by [`lookup_marker`] refers to.
fn lookup_ref(v: &Value) -> Option<(&str, &str)> {
    let mut parts = v.as_str()?.strip_prefix(MARK)?.splitn(3, MARK);
    Some((parts.next()?.strip_prefix("data:")?, parts.next()?))
}

/// A lookup's property: a reference to another lookup, or the literal.
fn render_lookup_prop(v: &Value) -> Value {
    match lookup_ref(v) {
        Some((lookup, attr)) => Value::String(format!("${{data.{lookup}.{attr}}}")),
        None => v.clone(),
    }
}

fn render_literal(s: &str, me: usize, layout: &Layout) -> String {
    let escaped = s.replace("${", "$${");
    match &layout.each[me] {
        Some(k) => substitute_key(&escaped, k),
        None => escaped,
    }
}

fn render(v: &Value, me: usize, items: &[Item], layout: &Layout) -> Value {
    match v {
        Value::String(s) => Value::String(render_str(s, me, items, layout)),
        Value::Array(a) => Value::Array(a.iter().map(|i| render(i, me, items, layout)).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, i)| (k.clone(), render(i, me, items, layout))).collect()),
        other => other.clone(),
    }
}

/// Decide which `count`/`for_each` groups become one `for_each` resource: those whose
/// instances, written with `${each.key}`, are the same. A group referring to another
/// group's instance of its own key collapses only if that one does too.
pub fn layout(items: &[Item]) -> Layout {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        groups.entry((it.module.clone(), it.group.clone())).or_default().push(i);
    }
    let keyable = |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@+=".contains(c));
    let mut collapsed: HashSet<(String, String)> = groups
        .iter()
        .filter(|(_, members)| members.iter().all(|&i| items[i].key.as_deref().is_some_and(keyable)))
        .map(|(g, _)| g.clone())
        .collect();
    loop {
        let lay = make_layout(items, &collapsed);
        let mut changed = false;
        for (g, members) in &groups {
            if !collapsed.contains(g) {
                continue;
            }
            let shapes: Vec<Value> = members.iter().map(|&i| render(&items[i].props, i, items, &lay)).collect();
            if shapes.windows(2).any(|w| !crate::schema::json_eq(&w[0], &w[1])) {
                collapsed.remove(g);
                changed = true;
            }
        }
        if !changed {
            return lay;
        }
    }
}

fn make_layout(items: &[Item], collapsed: &HashSet<(String, String)>) -> Layout {
    let mut names = Vec::new();
    let mut each = Vec::new();
    for it in items {
        if collapsed.contains(&(it.module.clone(), it.group.clone())) {
            names.push(it.group.clone());
            each.push(it.key.clone());
        } else {
            names.push(match &it.key {
                Some(k) => format!("{}_{}", it.group, sanitize(k).trim_start_matches("r_")),
                None => it.group.clone(),
            });
            each.push(None);
        }
    }
    Layout { names, each }
}

/// A TOML key: bare where it can be.
fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

/// A value as inline TOML; nulls (TOML has none) are left out.
fn inline(v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => toml::Value::String(s.clone()).to_string(),
        Value::Array(a) => format!("[{}]", a.iter().filter_map(inline).collect::<Vec<_>>().join(", ")),
        Value::Object(m) if m.is_empty() => "{}".to_string(),
        Value::Object(m) => {
            let fields: Vec<String> = m.iter().filter_map(|(k, v)| Some(format!("{} = {}", key(k), inline(v)?))).collect();
            format!("{{ {} }}", fields.join(", "))
        }
    })
}

/// A property's line(s): a list of tables one per line, as the hand-written modules do.
fn property(name: &str, v: &Value) -> Option<String> {
    match v {
        Value::Array(a) if a.iter().any(Value::is_object) => {
            let lines: Vec<String> = a.iter().filter_map(inline).map(|l| format!("  {l},\n")).collect();
            Some(format!("{} = [\n{}]\n", key(name), lines.concat()))
        }
        other => Some(format!("{} = {}\n", key(name), inline(other)?)),
    }
}

/// The settings worth writing: not computed, not null, not the default, not empty tags.
fn written_fields(rtype: &dyn DynResource, props: &Value) -> Vec<(&'static str, Value)> {
    let Ty::Object(fields) = rtype.schema() else { return Vec::new() };
    let identity = rtype.identity();
    let identity = identity.fields();
    fields
        .iter()
        .filter(|f| !f.computed)
        .filter_map(|f| {
            let v = props.get(f.name).filter(|v| !v.is_null())?;
            let is_default = f.default.as_ref().is_some_and(|d| crate::schema::json_eq(d, v));
            if !identity.contains(&f.name) && !f.required && is_default {
                return None;
            }
            if f.name == "tags" && v.as_object().is_some_and(Map::is_empty) {
                return None;
            }
            Some((f.name, without_defaults(v, &f.ty)))
        })
        .collect()
}

/// A nested value without the fields that are their defaults (a container's `cpu = 0`,
/// `command = []`): the manifest fills them in again as it is read.
fn without_defaults(v: &Value, ty: &Ty) -> Value {
    match (v, ty) {
        (Value::Object(m), Ty::Object(fields)) => Value::Object(
            m.iter()
                .filter(|(k, x)| {
                    let f = fields.iter().find(|f| f.name == k.as_str());
                    let default = f.filter(|f| !f.required).and_then(|f| f.default.as_ref());
                    !x.is_null() && !default.is_some_and(|d| crate::schema::json_eq(d, x))
                })
                .map(|(k, x)| {
                    let ty = fields.iter().find(|f| f.name == k.as_str()).map_or(&Ty::Json, |f| &f.ty);
                    (k.clone(), without_defaults(x, ty))
                })
                .collect(),
        ),
        (Value::Array(a), Ty::List(item)) => Value::Array(a.iter().map(|x| without_defaults(x, item)).collect()),
        (Value::Object(m), Ty::Map(item)) => Value::Object(m.iter().map(|(k, x)| (k.clone(), without_defaults(x, item))).collect()),
        _ => v.clone(),
    }
}

/// One module's manifest text, under `header` (comment lines saying where it came from).
pub fn manifest(module: &str, header: &str, items: &[Item], lookups: &[Lookup], layout: &Layout, outputs: &[(String, String)]) -> String {
    let mut out = format!(
        "{header}\n\
         # What AWS holds, with the settings that differ from infra's defaults.\n\
         # Edit freely; `infra plan {module}` shows the effect.\n\n\
         [module]\nname = \"{module}\"\n"
    );
    for l in lookups.iter().filter(|l| l.module == module) {
        out.push_str(&format!("\n# {}\n[data.{}]\ntype = \"{}\"\n", l.tf_address, key(&l.name), l.type_name));
        for (name, v) in &l.props {
            if let Some(line) = property(name, &render_lookup_prop(v)) {
                out.push_str(&line);
            }
        }
    }
    let mut done = HashSet::new();
    for (i, it) in items.iter().enumerate().filter(|(_, it)| it.module == module) {
        if !done.insert(layout.names[i].clone()) {
            continue;
        }
        out.push_str(&format!(
            "\n# {}\n[resources.{}]\ntype = \"{}\"\n",
            tf_block(&it.origin),
            key(&layout.names[i]),
            it.rtype.type_name()
        ));
        if layout.each[i].is_some() {
            let keys: Vec<Value> = items
                .iter()
                .enumerate()
                .filter(|(j, o)| o.module == module && layout.names[*j] == layout.names[i])
                .filter_map(|(j, _)| layout.each[j].clone().map(Value::String))
                .collect();
            out.push_str(&format!("for_each = {}\n", inline(&Value::Array(keys)).unwrap_or_default()));
        }
        for (name, v) in written_fields(it.rtype, &it.props) {
            if let Some(line) = property(name, &render(&v, i, items, layout)) {
                out.push_str(&line);
            }
        }
        if it.protect {
            out.push_str("prevent_destroy = true\n");
        }
    }
    if !outputs.is_empty() {
        out.push_str("\n[outputs]\n");
        for (name, value) in outputs {
            out.push_str(&format!("{} = {}\n", key(name), toml::Value::String(value.clone())));
        }
    }
    out
}

/// `module.q.aws_sqs_queue.jobs["a"]` → `module.q.aws_sqs_queue.jobs`.
fn tf_block(address: &str) -> &str {
    address.split_once('[').map_or(address, |(b, _)| b)
}

/// Root outputs whose value is an attribute of a root resource, as references; the
/// others with why not.
pub fn outputs(tf: &TfState, items: &[Item], layout: &Layout, root: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut written = Vec::new();
    let mut skipped = Vec::new();
    for (name, value, sensitive) in &tf.outputs {
        if *sensitive {
            skipped.push(format!("  - {:<50} not written: a sensitive output", format!("output.{name}")));
            continue;
        }
        // The attributes that name a resource first, then any other (an API's endpoint).
        let found = value.as_str().filter(|s| !s.is_empty()).and_then(|s| {
            let root_items = || items.iter().enumerate().filter(|(_, it)| it.module == root);
            let named = root_items().find_map(|(i, it)| {
                ["arn", "url", "id", "name"]
                    .into_iter()
                    .find(|a| it.attrs.get(*a).and_then(Value::as_str) == Some(s))
                    .map(|a| (i, a.to_string()))
            });
            named.or_else(|| {
                root_items().find_map(|(i, it)| it.attrs.iter().find(|(_, v)| v.as_str() == Some(s)).map(|(a, _)| (i, a.clone())))
            })
        });
        match found {
            Some((i, attr)) => {
                let target = match &layout.each[i] {
                    Some(k) => format!("{}[\"{k}\"]", layout.names[i]),
                    None => layout.names[i].clone(),
                };
                written.push((name.clone(), format!("${{resources.{target}.{attr}}}")));
            }
            None => skipped
                .push(format!("  - {:<50} not written: its value is not an attribute of an imported resource", format!("output.{name}"))),
        }
    }
    (written, skipped)
}

/// A Lambda function's code: the package Terraform uploaded (`filename`, relative to
/// the state's directory), unpacked into `code_dir`. Unpacked files zip again to the
/// same bytes only when the package was made as infra makes it; otherwise the next
/// plan updates the code, which it says.
pub fn unpack_code(tf_dir: &Path, attrs: &Map<String, Value>, into: &Path) -> Result<(), String> {
    let file = attrs.get("filename").and_then(Value::as_str).filter(|f| !f.is_empty()).ok_or("Terraform's state has no `filename`")?;
    let zip_path: PathBuf = if Path::new(file).is_absolute() { file.into() } else { tf_dir.join(file) };
    let bytes = std::fs::read(&zip_path).map_err(|e| format!("reading {}: {e}", zip_path.display()))?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("{}: {e}", zip_path.display()))?;
    archive.extract(into).map_err(|e| format!("unpacking {}: {e}", zip_path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lookup_written_is_one_infra_has() {
        for tf_type in ["aws_caller_identity", "aws_availability_zones", "aws_vpc", "aws_subnets"] {
            let attributes = serde_json::json!({"id": "vpc-1", "filter": [{"name": "vpc-id", "values": ["vpc-1"]}]});
            let r = TfResource::for_test(tf_type, "data", attributes);
            let (type_name, _, attrs) = lookup_of(&r).unwrap();
            let lookup = registry::data_source(type_name).unwrap_or_else(|| panic!("{tf_type}: {type_name} is not a lookup"));
            for (attr, _) in attrs {
                assert!(lookup.attributes().iter().any(|a| a.name == *attr), "{type_name} has no attribute {attr}");
            }
        }
    }

    fn item(type_name: &str, id: &str, attrs: Value) -> Item {
        let rtype = registry::resource(type_name).unwrap();
        Item {
            origin: type_name.into(),
            module: "db".into(),
            group: "x".into(),
            key: None,
            rtype,
            id: id.into(),
            props: rtype.blank(id),
            attrs: attrs.as_object().cloned().unwrap_or_default(),
            protect: false,
        }
    }

    /// Terraform's `random_password` (the random provider, which this machine's provider
    /// mirror lacks; the Secrets Manager generator is proven against Terraform itself in
    /// tests/integration/terraform_generate.rs).
    #[test]
    fn a_random_password_becomes_generate_and_its_value_goes_nowhere() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf";
        let state = TfState {
            resources: vec![
                TfResource::for_test("random_password", "managed", serde_json::json!({"result": "s3cr3tValue", "length": 24})),
                TfResource::for_test(
                    "aws_secretsmanager_secret_version",
                    "managed",
                    serde_json::json!({"secret_id": arn, "secret_string": "{\"username\":\"admin\",\"password\":\"s3cr3tValue\"}"}),
                ),
                TfResource::for_test("aws_rds_cluster", "managed", serde_json::json!({"master_password": "s3cr3tValue"})),
                TfResource::for_test("aws_rds_cluster", "managed", serde_json::json!({"master_password": "only-in-terraform"})),
                TfResource::for_test("aws_rds_cluster", "managed", serde_json::json!({"manage_master_user_password": true})),
            ],
            outputs: Vec::new(),
        };
        let mut items = vec![
            item("secretsmanager.secret", arn, serde_json::json!({"arn": arn, "version_id": "v-1"})),
            item("rds.cluster", "db", serde_json::json!({})),
            item("rds.cluster", "other", serde_json::json!({})),
            item("rds.cluster", "managed", serde_json::json!({})),
        ];
        let sources: Vec<&TfResource> = vec![&state.resources[1], &state.resources[2], &state.resources[3], &state.resources[4]];
        let refused = wire_passwords(&mut items, &sources, &state);
        assert_eq!(items[0].props["generate"], serde_json::json!({"username": "admin", "password_length": 24}));
        assert_eq!(items[1].props["master_password_secret"], arn);
        assert_eq!(items[1].props["master_password_key"], "password");
        assert_eq!(items[1].props["master_password_version"], "v-1");
        let refused: Vec<usize> = refused
            .into_iter()
            .map(|(i, why)| {
                assert!(!why.contains("only-in-terraform"));
                i
            })
            .collect();
        assert_eq!(refused, vec![2, 3], "a password kept nowhere but Terraform's state, and one AWS manages, are not written");
        let all: String = items.iter().map(|i| i.props.to_string()).collect();
        assert!(!all.contains("s3cr3tValue") && !all.contains("only-in-terraform"), "{all}");
    }

    #[test]
    fn keys_are_replaced_only_as_words() {
        assert_eq!(substitute_key("jobs-eu", "eu"), "jobs-${each.key}");
        assert_eq!(substitute_key("queue", "e"), "queue");
        assert_eq!(substitute_key("app-1-x1", "1"), "app-${each.key}-x1");
        assert_eq!(module_name(Some("module.app.module.db"), "r"), "app_db");
        assert_eq!(sanitize("My-Stack.2"), "my_stack_2");
    }

    #[test]
    fn nested_defaults_are_left_out() {
        let rtype = registry::resource("apigateway.rest_api").unwrap();
        let Ty::Object(fields) = rtype.schema() else { panic!() };
        let routes = fields.iter().find(|f| f.name == "routes").unwrap();
        let v = serde_json::json!([{"path": "/a", "method": "GET", "api_key_required": false, "authorization": "NONE", "integration_type": "AWS_PROXY", "integration_uri": "u"}]);
        assert_eq!(without_defaults(&v, &routes.ty), serde_json::json!([{"path": "/a", "method": "GET", "integration_uri": "u"}]));
    }

    #[test]
    fn toml_without_nulls() {
        let v = serde_json::json!({"a": null, "b": [1, {"c": "x y", "d": null}]});
        assert_eq!(inline(&v).unwrap(), "{ b = [1, { c = \"x y\" }] }");
    }
}
