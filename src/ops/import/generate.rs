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
    pub tf_address: String,
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
    if r.mode == "data" {
        return match lookup_of(r) {
            Ok(_) => None,
            Err(why) => Some(format!("a data source infra has no lookup for ({why}): the values it gave are written as literals")),
        };
    }
    match r.tf_type.as_str() {
        "random_id" => return None,
        "random_password" | "random_string" => {
            return Some(
                "a secret Terraform generated: never written into a manifest; use a secretsmanager.secret with `generate` (the value stays where it is)".into(),
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
    let (infra_type, id_attr) = match r.tf_type.as_str() {
        "random_id" => ("random.id", "hex"),
        t => {
            let m = terraform::mapping(t)?;
            (m.infra_type, m.tf_id)
        }
    };
    let id = r.attributes.get(id_attr).or_else(|| r.attributes.get("id")).and_then(Value::as_str)?.to_string();
    Some((registry::resource(infra_type)?, id))
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
        let base = sanitize(&r.name);
        let mut name = base.clone();
        if taken.contains(&(module.clone(), name.clone())) {
            name = format!("{base}_{}", r.tf_type.rsplit('_').next().unwrap_or("x"));
        }
        let mut n = 2;
        while taken.contains(&(module.clone(), name.clone())) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.insert((module.clone(), name.clone()));
        out.insert(block, name);
    }
    out
}

pub fn new_item(r: &TfResource, module: String, group: String, rtype: &'static dyn DynResource, id: String, live: (Value, Attrs)) -> Item {
    Item { tf_address: r.address.clone(), module, group, key: key_text(r), rtype, id, props: live.0, attrs: live.1 }
}

// A reference inside a string is kept as a marker until the layout is known:
// MARK target MARK attribute MARK rest.
const MARK: char = '\u{1}';

fn marker(target: usize, attr: &str, rest: &str) -> String {
    format!("{MARK}{target}{MARK}{attr}{MARK}{rest}")
}

/// The attribute of `t` a string names: its ARN or URL (or a path under its ARN), its
/// id, or its name.
fn names_target(s: &str, t: &Item, by_name: bool) -> Option<(&'static str, String)> {
    for attr in ["arn", "url"] {
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
    for me in 0..items.len() {
        let Value::Object(props) = items[me].props.clone() else { continue };
        let identity = items[me].rtype.identity().fields().to_vec();
        let mut out = Map::new();
        for (field, v) in props {
            let v = if field == "tags" {
                v
            } else if identity.contains(&field.as_str()) {
                link_assigned_id(&v, items, me, &mut links)
            } else {
                link_value(&v, items, lookups, me, &mut links)
            };
            out.insert(field, v);
        }
        items[me].props = Value::Object(out);
    }
}

/// In a property that identifies the item (its name, or the VPC a subnet is in), only
/// an id AWS assigned (`vpc-0a1b...`) is taken for a reference: such an id names one
/// resource and nothing else, where an equal name may be a coincidence.
fn link_assigned_id(v: &Value, items: &[Item], me: usize, links: &mut Links) -> Value {
    let Value::String(s) = v else { return v.clone() };
    let assigned = |t: usize| matches!(items[t].rtype.identity(), crate::resources::Identity::Assigned);
    let target = (0..items.len())
        .find(|&t| t != me && assigned(t) && items[t].attrs.get("id").and_then(Value::as_str) == Some(s) && links.allows(items, me, t));
    match target {
        Some(t) => {
            links.add(items, me, t);
            Value::String(marker(t, "id", ""))
        }
        None => v.clone(),
    }
}

/// A lookup of `me`'s module one of whose values `v` is, whole: its marker.
fn names_lookup(v: &Value, items: &[Item], lookups: &[Lookup], me: usize) -> Option<Value> {
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
    lookups.iter().filter(|l| l.module == items[me].module).find_map(|l| {
        let (attr, _) = l.values.iter().find(|(_, lv)| same(v, lv))?;
        Some(Value::String(format!("{MARK}data:{}{MARK}{attr}{MARK}", l.name)))
    })
}

fn link_value(v: &Value, items: &[Item], lookups: &[Lookup], me: usize, links: &mut Links) -> Value {
    if let Some(marker) = names_lookup(v, items, lookups, me) {
        return marker;
    }
    match v {
        Value::String(s) => {
            let own = |t: &usize| items[*t].module == items[me].module;
            let order: Vec<usize> = (0..items.len()).filter(own).chain((0..items.len()).filter(|t| !own(t))).collect();
            for pass in [false, true] {
                for &t in order.iter().filter(|&&t| t != me) {
                    let Some((attr, rest)) = names_target(s, &items[t], pass) else { continue };
                    // A cycle of references cannot be applied: the literal stays.
                    if !links.allows(items, me, t) {
                        continue;
                    }
                    links.add(items, me, t);
                    return Value::String(marker(t, attr, &rest));
                }
            }
            v.clone()
        }
        Value::Array(a) => Value::Array(a.iter().map(|i| link_value(i, items, lookups, me, links)).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, i)| (k.clone(), link_value(i, items, lookups, me, links))).collect()),
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
            Some((f.name, v.clone()))
        })
        .collect()
}

/// One module's manifest text.
pub fn manifest(module: &str, source: &str, items: &[Item], lookups: &[Lookup], layout: &Layout, outputs: &[(String, String)]) -> String {
    let mut out = format!(
        "# Generated by `infra import --from-terraform --generate` from {source}:\n\
         # what AWS holds, with the settings that differ from infra's defaults.\n\
         # Edit freely; `infra plan {module}` shows the effect.\n\n\
         [module]\nname = \"{module}\"\n"
    );
    for l in lookups.iter().filter(|l| l.module == module) {
        out.push_str(&format!("\n# {}\n[data.{}]\ntype = \"{}\"\n", l.tf_address, key(&l.name), l.type_name));
        for (name, v) in &l.props {
            if let Some(line) = property(name, v) {
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
            tf_block(&it.tf_address),
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
        let found = value.as_str().and_then(|s| {
            items.iter().enumerate().filter(|(_, it)| it.module == root).find_map(|(i, it)| {
                ["arn", "url", "id", "name"].into_iter().find(|a| it.attrs.get(*a).and_then(Value::as_str) == Some(s)).map(|a| (i, a))
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
            let r = TfResource {
                address: format!("data.{tf_type}.x"),
                tf_type: tf_type.into(),
                name: "x".into(),
                attributes: attributes.as_object().cloned().unwrap_or_default(),
                module: None,
                key: None,
                mode: "data".into(),
            };
            let (type_name, _, attrs) = lookup_of(&r).unwrap();
            let lookup = registry::data_source(type_name).unwrap_or_else(|| panic!("{tf_type}: {type_name} is not a lookup"));
            for (attr, _) in attrs {
                assert!(lookup.attributes().iter().any(|a| a.name == *attr), "{type_name} has no attribute {attr}");
            }
        }
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
    fn toml_without_nulls() {
        let v = serde_json::json!({"a": null, "b": [1, {"c": "x y", "d": null}]});
        assert_eq!(inline(&v).unwrap(), "{ b = [1, { c = \"x y\" }] }");
    }
}
