//! Semantic checks of loaded modules: known types, properties against each type's
//! schema (unknown, missing, wrong type), AWS's rules for every value known before
//! anything runs (names, ranges, CIDRs, rules across properties and, through
//! [`Peers`], across resources: a queue and its dead-letter queue, a subnet and its
//! VPC), references that resolve, `depends_on` targets, variables that have values, and
//! no two resources that would be the same AWS resource. Cycles are found when the graph
//! is built. The rules themselves belong to the types; this module only finds where
//! values are written and what they are before anything runs.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::expr::{self, Part, Reference, AWS_BUILTINS};
use super::source::{suggest, Diagnostic, Loc, Node, NodeKind, SourceFile};
use super::{Dependency, Module, Project};
use crate::resources::{registry, Attr, Peer, Peers};
use crate::schema::{self, Ty, UNKNOWN};

pub(super) fn check(project: &Project) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for module in project.modules.values() {
        Checker { project, module, diags: &mut diags }.module();
    }
    diags.extend(duplicates(project));
    diags
}

/// How much of a value is known before anything runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Literals, variables, locals and `${env}`; anything else is unknown.
    Strict,
    /// Also `${aws.*}`, kept as its text: two names that differ only there are the same
    /// in any one account, which is all a duplicate check needs.
    Symbolic,
}

/// The value a written node has before anything runs, as far as it can be known;
/// unknown parts are [`UNKNOWN`].
fn static_value(project: &Project, module: &Module, node: &Node, mode: Known, depth: usize) -> Value {
    let unknown = || Value::String(UNKNOWN.into());
    if depth > 8 {
        return unknown();
    }
    match &node.kind {
        NodeKind::Str(s) => {
            let Ok(template) = expr::parse(s) else { return unknown() };
            let lookup = |r: &Reference| -> Option<Value> {
                match r {
                    Reference::Var(v) => module.variables.get(v).map(|v| v.value.clone()).filter(|v| !v.is_null()),
                    Reference::Local(l) => module.locals.get(l).map(|l| static_value(project, module, &l.value, mode, depth + 1)),
                    Reference::Env => Some(Value::String(project.environment.clone())),
                    Reference::Aws(_) if mode == Known::Symbolic => Some(Value::String(r.to_string())),
                    _ => None,
                }
            };
            if let Some(r) = template.whole_reference() {
                return lookup(r).unwrap_or_else(unknown);
            }
            let mut out = String::new();
            for part in &template.parts {
                match part {
                    Part::Lit(t) => out.push_str(t),
                    Part::Ref(r) => match lookup(r) {
                        Some(Value::String(t)) if t != UNKNOWN => out.push_str(&t),
                        Some(v) if !schema::contains_unknown(&v) && !v.is_object() && !v.is_array() => out.push_str(&v.to_string()),
                        _ => return unknown(),
                    },
                }
            }
            Value::String(out)
        }
        NodeKind::Array(items) => Value::Array(items.iter().map(|n| static_value(project, module, n, mode, depth + 1)).collect()),
        NodeKind::Table(entries) => {
            Value::Object(entries.iter().map(|(k, v)| (k.name.clone(), static_value(project, module, v, mode, depth + 1))).collect())
        }
        _ => node.to_json(),
    }
}

/// A resource's properties as far as they are known before anything runs, brought to
/// its schema (defaults filled in); `None` when they do not fit it (reported by the
/// schema check).
fn known_props(project: &Project, module: &Module, decl: &super::Decl, ty: &Ty) -> Option<Value> {
    let mut value = static_value(project, module, &decl.properties, Known::Strict, 0);
    schema::normalize(&mut value, ty, "").ok()?;
    Some(value)
}

/// The resources of the project behind one resource's property values, followed
/// through locals and module outputs that are exactly one reference.
struct PeersOf<'a> {
    project: &'a Project,
    module: &'a Module,
    decl: &'a super::Decl,
}

impl PeersOf<'_> {
    /// `through`: the first other module's output on the way.
    fn follow(&self, module: &Module, node: &Node, depth: usize, through: Option<String>) -> Option<Peer> {
        if depth > 8 {
            return None;
        }
        let template = expr::parse(node.as_str()?).ok()?;
        match template.whole_reference()? {
            Reference::Resource { name, attr } => {
                let decl = module.resources.get(name)?;
                let ty = registry::resource(&decl.type_name)?.schema();
                Some(Peer {
                    address: format!("{}.{}", module.name, decl.name),
                    declared_at: decl.loc.to_string(),
                    type_name: decl.type_name.clone(),
                    attr: attr.clone(),
                    through,
                    props: known_props(self.project, module, decl, &ty)?,
                })
            }
            Reference::Local(name) => self.follow(module, &module.locals.get(name)?.value, depth + 1, through),
            Reference::Module { module: up, output } => {
                let through = through.or_else(|| Some(format!("{up}.{output}")));
                let up = self.project.modules.get(up)?;
                self.follow(up, &up.outputs.get(output)?.value, depth + 1, through)
            }
            _ => None,
        }
    }
}

impl Peers for PeersOf<'_> {
    fn at(&self, path: &str) -> Option<Peer> {
        self.follow(self.module, node_at(&self.decl.properties, path)?, 0, None)
    }
}

/// The written node a property path (`ingress[0].cidr_blocks[1]`) points at.
fn node_at<'n>(node: &'n Node, path: &str) -> Option<&'n Node> {
    path.split('.').filter(|p| !p.is_empty()).try_fold(node, |n, seg| {
        let mut parts = seg.split('[');
        let key = parts.next().unwrap_or("");
        let mut cur = if key.is_empty() { n } else { n.get(key)? };
        for idx in parts {
            let i: usize = idx.trim_end_matches(']').parse().ok()?;
            cur = match &cur.kind {
                NodeKind::Array(items) => items.get(i)?,
                _ => return None,
            };
        }
        Some(cur)
    })
}

/// Two resources in the project that would be one AWS resource: same type, same
/// identifying values (a queue's name, a security group's VPC and name).
fn duplicates(project: &Project) -> Vec<Diagnostic> {
    let mut seen: HashMap<(String, Vec<Value>), (String, Loc)> = HashMap::new();
    let mut diags = Vec::new();
    for module in project.modules.values() {
        for decl in module.resources.values() {
            let Some(rtype) = registry::resource(&decl.type_name) else { continue };
            let identity = rtype.identity();
            let fields = identity.fields();
            if fields.is_empty() {
                continue;
            }
            let props = static_value(project, module, &decl.properties, Known::Symbolic, 0);
            let values: Vec<Value> = fields.iter().map(|f| props.get(*f).cloned().unwrap_or(Value::Null)).collect();
            if values.iter().any(|v| v.is_null() || schema::contains_unknown(v)) {
                continue;
            }
            let here = format!("{}.{}", module.name, decl.name);
            match seen.get(&(decl.type_name.clone(), values.clone())) {
                Some((first, loc)) => {
                    let name: Vec<String> =
                        values.iter().map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).collect();
                    diags.push(
                        Diagnostic::at(
                            decl.loc.clone(),
                            format!(
                                "{here} and {first} are the same AWS resource ({} {}): each `up` would overwrite the other's settings",
                                decl.type_name,
                                name.join(" / ")
                            ),
                        )
                        .with_help(format!(
                            "{first} is declared at {loc}; give one of them another name (`${{env}}` helps per environment)"
                        )),
                    );
                }
                None => {
                    seen.insert((decl.type_name.clone(), values), (here, decl.loc.clone()));
                }
            }
        }
    }
    diags
}

/// Schema and attributes of a declared type, if the type exists.
fn rtype_of(type_name: &str, data: bool) -> Option<(Ty, &'static [Attr])> {
    if data {
        registry::data_source(type_name).map(|d| (d.schema(), d.attributes()))
    } else {
        registry::resource(type_name).map(|r| (r.schema(), r.attributes()))
    }
}

struct Checker<'a> {
    project: &'a Project,
    module: &'a Module,
    diags: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    fn file(&self) -> &Arc<SourceFile> {
        &self.module.file
    }

    fn at(&mut self, span: &std::ops::Range<usize>, msg: String) -> &mut Diagnostic {
        let loc = Loc::new(self.file(), span.clone());
        self.diags.push(Diagnostic::at(loc, msg));
        self.diags.last_mut().expect("just pushed")
    }

    fn module(&mut self) {
        let env = &self.project.environment;
        for var in self.module.variables.values() {
            if var.value.is_null() {
                self.diags.push(
                    Diagnostic::at(var.loc.clone(), format!("variable `{}` has no value", var.name))
                        .with_help(format!("give it a default, set it in modules/env/{env}.toml, or pass --var {}=...", var.name)),
                );
            }
        }
        for (decls, data) in [(&self.module.data, true), (&self.module.resources, false)] {
            for decl in decls.values() {
                let Some((ty, _)) = rtype_of(&decl.type_name, data) else {
                    let (what, known): (&str, Vec<&str>) = if data {
                        ("data source", registry::data_source_types().collect())
                    } else {
                        ("resource", registry::resource_types().collect())
                    };
                    let help = suggest(&decl.type_name, known.iter().copied())
                        .unwrap_or_else(|| format!("known {what} types: {}", known.join(", ")));
                    let d = Diagnostic::at(decl.type_loc.clone(), format!("unknown {what} type `{}`", decl.type_name)).with_help(help);
                    self.diags.push(d);
                    continue;
                };
                self.node(&decl.properties, &ty, "", &decl.type_name, &decl.loc);
                if !data {
                    self.rules(decl, &ty);
                }
                for (dep, loc) in &decl.depends_on {
                    self.dependency(dep, loc);
                }
            }
        }
        if let Some(tags) = &self.module.tags {
            self.module_tags(tags);
        }
        self.local_cycles();
        let refs: Vec<(Reference, Loc)> = self.module.references().map(|(r, l)| (r.clone(), l.clone())).collect();
        for (r, loc) in refs {
            self.reference(&r, &loc);
        }
    }

    /// AWS's rules for every value known now, reported where the value is written.
    fn rules(&mut self, decl: &super::Decl, ty: &Ty) {
        let Some(rtype) = registry::resource(&decl.type_name) else { return };
        // A value the schema check refused is reported there already.
        let Some(value) = known_props(self.project, self.module, decl, ty) else { return };
        let mut problems = schema::problems(&value, ty);
        // Each type's rules run as soon as what they read is known (`CHECK_READS`).
        problems.extend(rtype.check(&value));
        problems.extend(rtype.check_peers(&value, &PeersOf { project: self.project, module: self.module, decl }));
        for (path, why) in problems {
            let loc = node_at(&decl.properties, &path).map(|n| Loc::new(self.file(), n.span.clone())).unwrap_or_else(|| decl.loc.clone());
            self.diags.push(Diagnostic::at(loc, format!("{}.{}: `{path}`: {why}", self.module.name, decl.name)));
        }
    }

    /// `[module] tags` apply to every resource, so they may only use what is the same
    /// for all of them: variables, locals, `${env}` and `${aws.*}`.
    fn module_tags(&mut self, tags: &Node) {
        let mut bad = Vec::new();
        for (_, v) in tags.as_table().unwrap_or_default() {
            let Some(text) = v.as_str() else { continue };
            let Ok(t) = expr::parse(text) else { continue };
            if t.references().any(|r| !matches!(r, Reference::Var(_) | Reference::Local(_) | Reference::Env | Reference::Aws(_))) {
                bad.push((v.span.clone(), text.to_string()));
            }
        }
        for (span, text) in bad {
            self.at(&span, format!("module tags may use variables, locals, `${{env}}` and `${{aws.*}}`, not `{text}`"));
        }
    }

    fn dependency(&mut self, dep: &Dependency, loc: &Loc) {
        let m = self.module;
        let problem = match dep {
            // Waiting for a resource this environment does not have (`enabled = false`)
            // is no wait: the one of two variants that exists is waited for.
            Dependency::Resource(n) if !m.resources.contains_key(n) && !m.disabled.contains_key(n) => {
                Some(format!("no resource `{n}` in module {}", m.name))
            }
            Dependency::Data(n) if !m.data.contains_key(n) => Some(format!("no data source `{n}` in module {}", m.name)),
            Dependency::Module(n) if n == &m.name => Some("a module cannot depend on itself".to_string()),
            Dependency::Module(n) if !self.project.modules.contains_key(n) => Some(format!("unknown module `{n}`")),
            _ => None,
        };
        if let Some(p) = problem {
            self.diags.push(Diagnostic::at(loc.clone(), format!("`depends_on`: {p}")));
        }
    }

    fn reference(&mut self, r: &Reference, loc: &Loc) {
        let m = self.module;
        let (problem, help): (String, Option<String>) = match r {
            Reference::Var(n) if !m.variables.contains_key(n) => {
                (format!("unknown variable in `{r}`"), suggest(n, m.variables.keys().map(String::as_str)))
            }
            Reference::Local(n) if !m.locals.contains_key(n) => {
                (format!("unknown local in `{r}`"), suggest(n, m.locals.keys().map(String::as_str)))
            }
            Reference::Resource { name, attr } | Reference::Data { name, attr } => {
                let data = matches!(r, Reference::Data { .. });
                let decls = if data { &m.data } else { &m.resources };
                match decls.get(name) {
                    None if !data && m.disabled.contains_key(name) => (
                        format!("`{r}` refers to resource `{name}`, which is disabled (`enabled` is false)"),
                        Some("disable this resource too, with the same `enabled` setting".into()),
                    ),
                    None => (
                        format!("`{r}` refers to no {} in module {}", if data { "data source" } else { "resource" }, m.name),
                        suggest(name, decls.keys().map(String::as_str)),
                    ),
                    Some(decl) => match rtype_of(&decl.type_name, data) {
                        Some((_, attrs)) if !attrs.iter().any(|a| a.name == attr) && !self.more_attributes(decl, data).contains(attr) => {
                            let more = self.more_attributes(decl, data);
                            let names: Vec<&str> = attrs.iter().map(|a| a.name).chain(more.iter().map(String::as_str)).collect();
                            (
                                format!("{} has no attribute `{attr}` (in `{r}`)", decl.type_name),
                                Some(suggest(attr, names.iter().copied()).unwrap_or(format!("it has: {}", names.join(", ")))),
                            )
                        }
                        _ => return,
                    },
                }
            }
            Reference::Module { module, .. } if module == &m.name => (
                format!("module {module} cannot read its own outputs (in `{r}`)"),
                Some("refer to the resource directly: ${resources.NAME.ATTRIBUTE}".into()),
            ),
            Reference::Module { module, output } => match self.project.modules.get(module) {
                None => (format!("unknown module in `{r}`"), suggest(module, self.project.modules.keys().map(String::as_str))),
                Some(up) if !up.outputs.contains_key(output) => {
                    (format!("module {module} has no output `{output}` (in `{r}`)"), suggest(output, up.outputs.keys().map(String::as_str)))
                }
                _ => return,
            },
            Reference::Aws(n) if !AWS_BUILTINS.contains(&n.as_str()) => {
                (format!("unknown value `{r}`"), Some(format!("available: {}", AWS_BUILTINS.join(", "))))
            }
            _ => return,
        };
        let mut d = Diagnostic::at(loc.clone(), problem);
        d.help = help;
        self.diags.push(d);
    }

    /// The attributes a resource has because of its properties (a Cloud Control
    /// resource's read-only properties), beyond its type's fixed ones.
    fn more_attributes(&self, decl: &super::Decl, data: bool) -> Vec<String> {
        let Some(rtype) = registry::resource(&decl.type_name).filter(|_| !data) else { return Vec::new() };
        rtype.more_attributes(&static_value(self.project, self.module, &decl.properties, Known::Symbolic, 0))
    }

    /// Check a written value against the schema type of its slot.
    /// `top` is where a missing top-level property is reported (the resource's name).
    fn node(&mut self, node: &Node, ty: &Ty, path: &str, type_name: &str, top: &Loc) {
        let shown = if path.is_empty() { type_name.to_string() } else { format!("`{path}`") };
        let wrong = |node: &Node| format!("{shown} expects {}, found {}", ty.name(), node.type_name());
        match (&node.kind, ty) {
            (_, Ty::Json) => {}
            (NodeKind::Str(s), _) => self.string(node, s, ty, &shown),
            (NodeKind::Int(_), Ty::Int | Ty::Float) | (NodeKind::Float(_), Ty::Float) | (NodeKind::Bool(_), Ty::Bool) => {}
            (NodeKind::Array(items), Ty::List(item)) => {
                for (i, n) in items.iter().enumerate() {
                    self.node(n, item, &format!("{path}[{i}]"), type_name, top);
                }
            }
            (NodeKind::Table(entries), Ty::Map(item)) => {
                for (k, v) in entries {
                    self.node(v, item, &join(path, &k.name), type_name, top);
                }
            }
            (NodeKind::Table(entries), Ty::Object(fields)) => {
                for (k, v) in entries {
                    match fields.iter().find(|f| f.name == k.name) {
                        None => {
                            let names: Vec<&str> = fields.iter().filter(|f| !f.computed).map(|f| f.name).collect();
                            let help = suggest(&k.name, names.iter().copied())
                                .unwrap_or_else(|| format!("{type_name} accepts: {}", names.join(", ")));
                            let what = if path.is_empty() { format!("for {type_name}") } else { format!("in `{path}`") };
                            self.at(&k.span, format!("unknown property `{}` {what}", k.name)).help = Some(help);
                        }
                        Some(f) if f.computed => {
                            self.at(&k.span, format!("`{}` is computed by infra and cannot be set", k.name));
                        }
                        Some(f) => self.node(v, &f.ty, &join(path, f.name), type_name, top),
                    }
                }
                for f in fields.iter().filter(|f| f.required && !entries.iter().any(|(k, _)| k.name == f.name)) {
                    let where_ = if path.is_empty() { type_name.to_string() } else { format!("`{path}`") };
                    let loc = if path.is_empty() { top.clone() } else { Loc::new(self.file(), node.span.clone()) };
                    self.diags.push(Diagnostic::at(loc, format!("missing required property `{}` for {where_}", f.name)));
                }
            }
            _ => {
                let msg = wrong(node);
                self.at(&node.span, msg);
            }
        }
    }

    fn string(&mut self, node: &Node, s: &str, ty: &Ty, shown: &str) {
        let Ok(template) = expr::parse(s) else { return }; // reported while loading
        let Some(r) = template.whole_reference() else {
            if !matches!(ty, Ty::Str) {
                let msg = format!("{shown} expects {}, found string `{s}`", ty.name());
                self.at(&node.span, msg);
            }
            return;
        };
        if let Reference::Var(name) = r {
            if let Some(var) = self.module.variables.get(name) {
                let mut v = var.value.clone();
                if !v.is_null() {
                    if let Err(e) = schema::normalize(&mut v, ty, "") {
                        let origin = var.overridden_by.clone().unwrap_or_else(|| format!("default at line {}", var.loc.line()));
                        let msg = format!("{shown} expects {}, but `{r}` is {} ({origin}): {e}", ty.name(), show(&var.value));
                        self.at(&node.span, msg);
                    }
                }
            }
            return;
        }
        if let Some(rt) = self.ref_type(r, 0) {
            if !compatible(&rt, ty) {
                let msg = format!("{shown} expects {}, but `{r}` is {}", ty.name(), rt.name());
                self.at(&node.span, msg);
            }
        }
    }

    /// Static type of what a reference yields, when it can be known.
    fn ref_type(&self, r: &Reference, depth: usize) -> Option<Ty> {
        self.ref_type_in(self.module, r, depth)
    }

    fn ref_type_in(&self, m: &Module, r: &Reference, depth: usize) -> Option<Ty> {
        if depth > 8 {
            return None;
        }
        let attr_ty = |decl: Option<&super::Decl>, attr: &str, data: bool| {
            let (_, attrs) = rtype_of(&decl?.type_name, data)?;
            attrs.iter().find(|a| a.name == attr).map(|a| a.ty.ty())
        };
        match r {
            Reference::Var(n) => m.variables.get(n).map(|v| json_ty(&v.value)),
            Reference::Local(n) => node_ty(self, m, &m.locals.get(n)?.value, depth),
            Reference::Resource { name, attr } => attr_ty(m.resources.get(name), attr, false),
            Reference::Data { name, attr } => attr_ty(m.data.get(name), attr, true),
            Reference::Aws(_) | Reference::Env => Some(Ty::Str),
            Reference::Module { module, output } => {
                let up = self.project.modules.get(module)?;
                node_ty(self, up, &up.outputs.get(output)?.value, depth)
            }
        }
    }

    /// Locals that refer to themselves through other locals.
    fn local_cycles(&mut self) {
        let m = self.module;
        for (name, local) in &m.locals {
            let mut stack: Vec<&str> = local.references.iter().filter_map(|(r, _)| as_local(r)).collect();
            let mut seen = std::collections::HashSet::new();
            while let Some(n) = stack.pop() {
                if n == name {
                    self.diags
                        .push(Diagnostic::at(local.loc.clone(), format!("local `{name}` refers to itself through `${{local.{name}}}`")));
                    break;
                }
                if seen.insert(n) {
                    if let Some(l) = m.locals.get(n) {
                        stack.extend(l.references.iter().filter_map(|(r, _)| as_local(r)));
                    }
                }
            }
        }
    }
}

fn as_local(r: &Reference) -> Option<&str> {
    match r {
        Reference::Local(n) => Some(n),
        _ => None,
    }
}

/// Static type of a written value (a whole reference takes the referenced type).
fn node_ty(checker: &Checker<'_>, m: &Module, node: &Node, depth: usize) -> Option<Ty> {
    match &node.kind {
        NodeKind::Str(s) => match expr::parse(s).ok()?.whole_reference() {
            Some(inner) => checker.ref_type_in(m, inner, depth + 1),
            None => Some(Ty::Str),
        },
        _ if contains_reference(node) => Some(Ty::Json),
        _ => Some(json_ty(&node.to_json())),
    }
}

fn contains_reference(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Str(s) => s.contains("${"),
        NodeKind::Array(items) => items.iter().any(contains_reference),
        NodeKind::Table(entries) => entries.iter().any(|(_, v)| contains_reference(v)),
        _ => false,
    }
}

fn json_ty(v: &Value) -> Ty {
    match v {
        Value::String(_) => Ty::Str,
        Value::Number(n) if n.is_i64() => Ty::Int,
        Value::Number(_) => Ty::Float,
        Value::Bool(_) => Ty::Bool,
        Value::Array(_) => Ty::List(Box::new(Ty::Json)),
        _ => Ty::Json,
    }
}

/// Whether a value of type `have` fits a slot of type `want` (after the same scalar
/// conversions [`schema::normalize`] makes).
fn compatible(have: &Ty, want: &Ty) -> bool {
    match (want, have) {
        (Ty::Json, _) | (_, Ty::Json) => true,
        (Ty::Str, Ty::Str | Ty::Int | Ty::Float | Ty::Bool) => true,
        (Ty::Int, Ty::Int) | (Ty::Float, Ty::Int | Ty::Float) | (Ty::Bool, Ty::Bool) => true,
        (Ty::List(w), Ty::List(h)) => compatible(h, w),
        (Ty::Map(_) | Ty::Object(_), Ty::Map(_) | Ty::Object(_)) => true,
        _ => false,
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string \"{s}\""),
        other => format!("{other}"),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
