//! Reading `modules/*.toml` into [`Project`]: structure of each file, variables and
//! their overrides (environment file, `--var`), then the semantic checks.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use serde_json::Value;

use super::expr::{self, Reference};
use super::presets::PRESETS_FILE;
use super::source::{self, suggest, Diagnostic, Key, Loc, Node, NodeKind, SourceFile};
use super::{display_path, validate, Decl, Dependency, Module, Output, Project, Variable};

/// Where list prices and usage assumptions live (read by `cost`); not a module.
pub const PRICING_FILE: &str = "pricing.toml";
/// Files in `modules/` that hold data, not modules.
pub const DATA_FILES: &[&str] = &[PRESETS_FILE, PRICING_FILE];
/// Default environment name (state file `state/dev.json`).
pub const DEFAULT_ENVIRONMENT: &str = "dev";

#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub root: PathBuf,
    pub environment: String,
    /// `--var` values: `NAME=VALUE` or `MODULE.NAME=VALUE`.
    pub vars: Vec<String>,
}

/// Load and check every module. All problems are returned together.
pub fn load(opts: &LoadOptions) -> Result<Project, Vec<Diagnostic>> {
    let modules_dir = opts.root.join("modules");
    let mut diags = Vec::new();
    let entries = match std::fs::read_dir(&modules_dir) {
        Ok(entries) => entries,
        Err(e) => return Err(vec![Diagnostic::file(&modules_dir, format!("cannot read the modules directory: {e}"))]),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !DATA_FILES.contains(&n)))
        .collect();
    paths.sort();

    // Every file is read and parsed before anything is checked. One that cannot be is a
    // module (or the environment's settings) missing from all that follows, whose checks
    // would then report what is absent (unknown modules, variables without values) rather
    // than what is wrong: syntax errors are reported alone.
    let parsed: Vec<(Arc<SourceFile>, Node)> = paths.iter().filter_map(|p| read_and_parse(&opts.root, p, &mut diags)).collect();
    let env_path = modules_dir.join("env").join(format!("{}.toml", opts.environment));
    let env_file = env_path.is_file().then(|| read_and_parse(&opts.root, &env_path, &mut diags)).flatten();
    if !diags.is_empty() {
        return Err(diags);
    }

    let mut modules: IndexMap<String, Module> = IndexMap::new();
    for (file, node) in &parsed {
        if let Some(module) = load_module(file, node, &modules_dir, &mut diags) {
            if let Some(existing) = modules.get(&module.name) {
                diags.push(Diagnostic::at(
                    module.file_loc(),
                    format!("duplicate module name `{}` (also in {})", module.name, existing.file.display.display()),
                ));
            } else {
                modules.insert(module.name.clone(), module);
            }
        }
    }
    modules.sort_keys();

    let mut env_tags = std::collections::BTreeMap::new();
    if let Some((file, node)) = &env_file {
        apply_env_file(file, node, &opts.environment, &mut modules, &mut env_tags, &mut diags);
    }
    for var in &opts.vars {
        if let Err(d) = apply_cli_var(var, &mut modules) {
            diags.push(d);
        }
    }

    for module in modules.values_mut() {
        super::each::expand(module, &mut diags);
        collect_all_references(module, &mut diags);
        apply_meta(module, &opts.environment, &mut diags);
        for var in module.variables.values().filter(|v| v.sensitive) {
            if let Value::String(secret) = &var.value {
                crate::secrets::register(secret);
            }
        }
    }
    let presets = super::presets::load(&opts.root, &modules).unwrap_or_else(|errs| {
        diags.extend(errs);
        IndexMap::new()
    });
    let project = Project { root: opts.root.clone(), environment: opts.environment.clone(), modules, presets, tags: env_tags };
    diags.extend(validate::check(&project));
    if diags.is_empty() {
        Ok(project)
    } else {
        Err(diags)
    }
}

fn read_source(root: &Path, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<Arc<SourceFile>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(SourceFile::new(display_path(root, path), text)),
        Err(e) => {
            diags.push(Diagnostic::file(&display_path(root, path), format!("cannot read: {e}")));
            None
        }
    }
}

/// A file read and parsed, or its problems added to `diags`.
fn read_and_parse(root: &Path, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<(Arc<SourceFile>, Node)> {
    let file = read_source(root, path, diags)?;
    match source::parse(&file) {
        Ok(node) => Some((file, node)),
        Err(errs) => {
            diags.extend(errs.into_iter().map(|d| match d.help {
                Some(_) => d,
                None => d.with_help("the other checks run once every file parses"),
            }));
            None
        }
    }
}

impl Module {
    fn file_loc(&self) -> Loc {
        Loc::new(&self.file, 0..0)
    }
}

/// Whether `s` may name a module (and so its file).
pub fn is_module_name(s: &str) -> bool {
    is_name(s)
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn unknown_key(file: &Arc<SourceFile>, key: &Key, what: &str, allowed: &[&str]) -> Diagnostic {
    let d = Diagnostic::at(Loc::new(file, key.span.clone()), format!("unknown {what} `{}`", key.name));
    match suggest(&key.name, allowed.iter().copied()) {
        Some(help) => d.with_help(help),
        None => d.with_help(format!("expected one of: {}", allowed.join(", "))),
    }
}

fn expect_table<'n>(file: &Arc<SourceFile>, node: &'n Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<&'n [(Key, Node)]> {
    match node.as_table() {
        Some(t) => Some(t),
        None => {
            diags.push(Diagnostic::at(Loc::new(file, node.span.clone()), format!("{what} must be a table, found {}", node.type_name())));
            None
        }
    }
}

fn expect_str<'n>(file: &Arc<SourceFile>, node: &'n Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<&'n str> {
    match node.as_str() {
        Some(s) => Some(s),
        None => {
            diags.push(Diagnostic::at(Loc::new(file, node.span.clone()), format!("{what} must be a string, found {}", node.type_name())));
            None
        }
    }
}

fn load_module(file: &Arc<SourceFile>, root: &Node, dir: &Path, diags: &mut Vec<Diagnostic>) -> Option<Module> {
    const TOP: &[&str] = &["module", "variables", "locals", "data", "resources", "outputs", "moved"];
    let stem = file.display.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut module = Module {
        name: stem.clone(),
        description: None,
        tags: None,
        file: Arc::clone(file),
        dir: dir.to_path_buf(),
        variables: IndexMap::new(),
        locals: IndexMap::new(),
        data: IndexMap::new(),
        resources: IndexMap::new(),
        disabled: IndexMap::new(),
        outputs: IndexMap::new(),
        moved: Vec::new(),
    };
    let before = diags.len();
    let table = expect_table(file, root, "a module file", diags)?;
    // An unknown top-level table is reported but does not stop the module's other checks.
    let mut stray = Vec::new();
    let mut moved = Vec::new();
    for (key, value) in table {
        match key.name.as_str() {
            "module" => load_module_meta(file, value, &stem, &mut module, diags),
            "variables" => load_variables(file, value, &mut module, diags),
            "locals" => load_locals(file, value, &mut module, diags),
            "data" => module.data = load_decls(file, value, "data", diags),
            "resources" => module.resources = load_decls(file, value, "resources", diags),
            "outputs" => load_outputs(file, value, &mut module, diags),
            "moved" => moved.push(value),
            _ => stray.push(unknown_key(file, key, "top-level table", TOP)),
        }
    }
    for node in moved {
        load_moved(file, node, &mut module, diags);
    }
    if !is_name(&module.name) {
        diags
            .push(Diagnostic::at(Loc::new(file, 0..0), format!("module name `{}` may only use letters, digits, `_` and `-`", module.name)));
    }
    let ok = diags.len() == before;
    diags.extend(stray);
    ok.then_some(module)
}

/// `[[moved]] from = "old" to = "new"`: `from` may name another module's resource
/// (`4_old.queue`); `to` is a resource this module declares.
fn load_moved(file: &Arc<SourceFile>, node: &Node, module: &mut Module, diags: &mut Vec<Diagnostic>) {
    let entries: Vec<&Node> = match &node.kind {
        NodeKind::Array(items) => items.iter().collect(),
        _ => vec![node],
    };
    for entry in entries {
        let Some(table) = expect_table(file, entry, "[[moved]]", diags) else { continue };
        let (mut from, mut to) = (None, None);
        for (key, value) in table {
            match key.name.as_str() {
                "from" => from = expect_str(file, value, "moved.from", diags).map(|s| (s.to_string(), value.span.clone())),
                "to" => to = expect_str(file, value, "moved.to", diags).map(|s| (s.to_string(), value.span.clone())),
                _ => diags.push(unknown_key(file, key, "key in [[moved]]", &["from", "to"])),
            }
        }
        let (Some((from, from_span)), Some((to, to_span))) = (from, to) else {
            diags.push(Diagnostic::at(Loc::new(file, entry.span.clone()), "[[moved]] needs both `from` and `to`"));
            continue;
        };
        let full = |s: &str| if s.contains('.') { s.to_string() } else { format!("{}.{s}", module.name) };
        let (from, to) = (full(&from), full(&to));
        let bad = |s: &str| s.split('.').count() != 2 || !s.split('.').all(is_name);
        if bad(&from) {
            diags.push(Diagnostic::at(Loc::new(file, from_span), format!("`{from}` is not a resource address (NAME or MODULE.NAME)")));
            continue;
        }
        let to_name = to.strip_prefix(&format!("{}.", module.name)).filter(|n| module.resources.contains_key(*n));
        if to_name.is_none() {
            diags.push(
                Diagnostic::at(Loc::new(file, to_span.clone()), format!("`to = \"{to}\"` is not a resource of this module"))
                    .with_help("`to` names the resource as this file now declares it"),
            );
            continue;
        }
        if from == to {
            diags.push(Diagnostic::at(Loc::new(file, to_span), "`from` and `to` are the same resource"));
            continue;
        }
        module.moved.push(super::Moved { from, to, loc: Loc::new(file, entry.span.clone()) });
    }
}

fn load_module_meta(file: &Arc<SourceFile>, node: &Node, stem: &str, module: &mut Module, diags: &mut Vec<Diagnostic>) {
    let Some(table) = expect_table(file, node, "[module]", diags) else { return };
    for (key, value) in table {
        match key.name.as_str() {
            "name" => {
                if let Some(name) = expect_str(file, value, "module.name", diags) {
                    if name != stem {
                        diags.push(
                            Diagnostic::at(
                                Loc::new(file, value.span.clone()),
                                format!("module name `{name}` does not match its file name `{stem}.toml`"),
                            )
                            .with_help("a module is addressed by its file name; rename one of them"),
                        );
                    }
                }
            }
            "description" => module.description = expect_str(file, value, "module.description", diags).map(str::to_string),
            "tags" => module.tags = load_tags(file, value, "[module] tags", diags).then(|| value.clone()),
            _ => diags.push(unknown_key(file, key, "key in [module]", &["name", "description", "tags"])),
        }
    }
}

fn contains_template(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Str(s) => s.contains("${"),
        NodeKind::Array(items) => items.iter().any(contains_template),
        NodeKind::Table(entries) => entries.iter().any(|(_, v)| contains_template(v)),
        _ => false,
    }
}

fn load_variables(file: &Arc<SourceFile>, node: &Node, module: &mut Module, diags: &mut Vec<Diagnostic>) {
    let Some(table) = expect_table(file, node, "[variables]", diags) else { return };
    for (key, value) in table {
        let loc = Loc::new(file, key.span.clone());
        if !is_name(&key.name) {
            diags.push(Diagnostic::at(loc, format!("invalid variable name `{}`", key.name)));
            continue;
        }
        // Long form `{ default = ..., description = ... }`; anything else is the default itself.
        let long = value
            .as_table()
            .filter(|t| !t.is_empty() && t.iter().all(|(k, _)| ["default", "description", "sensitive"].contains(&k.name.as_str())));
        let (default, description, sensitive) = match long {
            Some(_) => (
                value.get("default"),
                value.get("description").and_then(Node::as_str).map(str::to_string),
                matches!(value.get("sensitive").map(|n| &n.kind), Some(NodeKind::Bool(true))),
            ),
            None => (Some(value), None, false),
        };
        if let Some(d) = default.filter(|d| contains_template(d)) {
            diags.push(
                Diagnostic::at(Loc::new(file, d.span.clone()), "a variable's default cannot contain `${...}`")
                    .with_help("reference the value where it is used instead"),
            );
            continue;
        }
        module.variables.insert(
            key.name.clone(),
            Variable {
                name: key.name.clone(),
                value: default.map(Node::to_json).unwrap_or(Value::Null),
                description,
                loc,
                overridden_by: None,
                sensitive,
            },
        );
    }
}

fn load_locals(file: &Arc<SourceFile>, node: &Node, module: &mut Module, diags: &mut Vec<Diagnostic>) {
    let Some(table) = expect_table(file, node, "[locals]", diags) else { return };
    for (key, value) in table {
        let loc = Loc::new(file, key.span.clone());
        if !is_name(&key.name) {
            diags.push(Diagnostic::at(loc, format!("invalid local name `{}`", key.name)));
            continue;
        }
        let references = collect_references(file, value, diags);
        module.locals.insert(key.name.clone(), super::Local { name: key.name.clone(), value: value.clone(), loc, references });
    }
}

fn load_decls(file: &Arc<SourceFile>, node: &Node, section: &str, diags: &mut Vec<Diagnostic>) -> IndexMap<String, Decl> {
    let mut out = IndexMap::new();
    let Some(table) = expect_table(file, node, &format!("[{section}]"), diags) else { return out };
    for (key, value) in table {
        let loc = Loc::new(file, key.span.clone());
        if !is_name(&key.name) {
            diags.push(Diagnostic::at(loc, format!("invalid name `{}`: use letters, digits, `_` and `-`", key.name)));
            continue;
        }
        let Some(entries) = expect_table(file, value, &format!("{section}.{}", key.name), diags) else { continue };
        let mut type_name = None;
        let mut depends_on = Vec::new();
        let mut timeout = None;
        let (mut enabled, mut prevent_destroy, mut on_delete, mut create_before_destroy) = (None, None, None, None);
        let mut for_each = None;
        let mut props = Vec::new();
        for (k, v) in entries {
            match k.name.as_str() {
                "type" => type_name = expect_str(file, v, "`type`", diags).map(|s| (s.to_string(), Loc::new(file, v.span.clone()))),
                "depends_on" => depends_on = load_depends_on(file, v, diags),
                "wait_timeout" => timeout = load_timeout(file, v, diags),
                "enabled" => enabled = Some(v.clone()),
                "prevent_destroy" if section == "resources" => prevent_destroy = Some(v.clone()),
                "on_delete" if section == "resources" => on_delete = Some(v.clone()),
                "create_before_destroy" if section == "resources" => create_before_destroy = Some(v.clone()),
                // Terraform's block; here the settings sit in the resource's own table.
                "lifecycle" if section == "resources" => diags.push(
                    Diagnostic::at(Loc::new(file, k.span.clone()), "`lifecycle` is not a table here")
                        .with_help("write `create_before_destroy = true` or `prevent_destroy = true` directly in the resource's table"),
                ),
                "for_each" if section == "resources" => for_each = Some(v.clone()),
                _ => props.push((k.clone(), v.clone())),
            }
        }
        let Some((type_name, type_loc)) = type_name else {
            diags.push(
                Diagnostic::at(loc, format!("{section}.{} has no `type`", key.name)).with_help("add a line like `type = \"sqs.queue\"`"),
            );
            continue;
        };
        let properties = Node { span: value.span.clone(), kind: NodeKind::Table(props) };
        // Collected once `for_each` and the helpers are expanded (`collect_all_references`).
        let references = Vec::new();
        out.insert(
            key.name.clone(),
            Decl {
                name: key.name.clone(),
                type_name,
                loc,
                type_loc,
                properties,
                depends_on,
                references,
                timeout,
                enabled,
                prevent_destroy,
                on_delete,
                create_before_destroy,
                for_each,
                protection: Default::default(),
                create_first: false,
            },
        );
    }
    out
}

fn load_depends_on(file: &Arc<SourceFile>, node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<(Dependency, Loc)> {
    let NodeKind::Array(items) = &node.kind else {
        diags.push(Diagnostic::at(Loc::new(file, node.span.clone()), "`depends_on` must be an array of strings"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let loc = Loc::new(file, item.span.clone());
        let Some(s) = expect_str(file, item, "a `depends_on` entry", diags) else { continue };
        let parts: Vec<&str> = s.split('.').collect();
        let dep = match parts.as_slice() {
            ["resources", name] if is_name(name) => Dependency::Resource(name.to_string()),
            ["data", name] if is_name(name) => Dependency::Data(name.to_string()),
            ["module", name] if is_name(name) => Dependency::Module(name.to_string()),
            _ => {
                diags.push(
                    Diagnostic::at(loc, format!("invalid `depends_on` entry `{s}`"))
                        .with_help("write `resources.NAME`, `data.NAME` or `module.MODULE`"),
                );
                continue;
            }
        };
        out.push((dep, loc));
    }
    out
}

fn load_timeout(file: &Arc<SourceFile>, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Duration> {
    let s = expect_str(file, node, "`wait_timeout`", diags)?;
    match humantime::parse_duration(s) {
        Ok(d) if !d.is_zero() => Some(d),
        _ => {
            diags.push(
                Diagnostic::at(Loc::new(file, node.span.clone()), format!("invalid wait_timeout `{s}`"))
                    .with_help("write a duration such as \"45m\" or \"1h 30m\""),
            );
            None
        }
    }
}

fn collect_references(file: &Arc<SourceFile>, node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<(Reference, Loc)> {
    let mut out = Vec::new();
    walk_strings(node, &mut |s, span| match expr::parse(s) {
        Ok(t) => out.extend(t.references().map(|r| (r.clone(), Loc::new(file, span.clone())))),
        Err(e) => diags.push(Diagnostic::at(Loc::new(file, span.clone()), e.to_string())),
    });
    out
}

/// The references of every lookup, resource and output, as written after expansion.
fn collect_all_references(module: &mut Module, diags: &mut Vec<Diagnostic>) {
    let file = Arc::clone(&module.file);
    for decl in module.data.values_mut().chain(module.resources.values_mut()) {
        decl.references = collect_references(&file, &decl.properties, diags);
    }
    for output in module.outputs.values_mut() {
        output.references = collect_references(&file, &output.value, diags);
    }
}

fn walk_strings(node: &Node, f: &mut impl FnMut(&str, &std::ops::Range<usize>)) {
    match &node.kind {
        NodeKind::Str(s) => f(s, &node.span),
        NodeKind::Array(items) => items.iter().for_each(|n| walk_strings(n, f)),
        NodeKind::Table(entries) => entries.iter().for_each(|(_, n)| walk_strings(n, f)),
        _ => {}
    }
}

fn load_outputs(file: &Arc<SourceFile>, node: &Node, module: &mut Module, diags: &mut Vec<Diagnostic>) {
    let Some(table) = expect_table(file, node, "[outputs]", diags) else { return };
    for (key, value) in table {
        let loc = Loc::new(file, key.span.clone());
        if !is_name(&key.name) {
            diags.push(Diagnostic::at(loc, format!("invalid output name `{}`", key.name)));
            continue;
        }
        let long = value.as_table().filter(|t| t.iter().any(|(k, _)| k.name == "value"));
        let (value_node, description, sensitive) = match long {
            Some(t) => {
                let mut description = None;
                let mut sensitive = false;
                for (k, v) in t {
                    match k.name.as_str() {
                        "value" => {}
                        "description" => description = expect_str(file, v, "output description", diags).map(str::to_string),
                        "sensitive" => match v.kind {
                            NodeKind::Bool(b) => sensitive = b,
                            _ => diags.push(Diagnostic::at(Loc::new(file, v.span.clone()), "`sensitive` must be true or false")),
                        },
                        _ => diags.push(unknown_key(file, k, "key in an output", &["value", "description", "sensitive"])),
                    }
                }
                (value.get("value").cloned().unwrap_or_else(|| value.clone()), description, sensitive)
            }
            None => (value.clone(), None, false),
        };
        let references = Vec::new();
        module
            .outputs
            .insert(key.name.clone(), Output { name: key.name.clone(), value: value_node, description, sensitive, loc, references });
    }
}

/// `[variables]` for every module declaring the name, `[modules.NAME]` for one module.
fn apply_env_file(
    file: &Arc<SourceFile>,
    root: &Node,
    environment: &str,
    modules: &mut IndexMap<String, Module>,
    tags: &mut std::collections::BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(table) = expect_table(file, root, "an environment file", diags) else { return };
    for (key, value) in table {
        match key.name.as_str() {
            "tags" => {
                if !load_tags(file, value, "[tags]", diags) {
                    continue;
                }
                for (k, v) in value.as_table().unwrap_or_default() {
                    let text = v.as_str().unwrap_or_default();
                    match expr::parse(text) {
                        Ok(t) if t.references().all(|r| *r == Reference::Env) => {
                            let resolved: String = t
                                .parts
                                .iter()
                                .map(|p| match p {
                                    expr::Part::Lit(s) => s.as_str(),
                                    expr::Part::Ref(_) => environment,
                                })
                                .collect();
                            tags.insert(k.name.clone(), resolved);
                        }
                        _ => diags.push(Diagnostic::at(
                            Loc::new(file, v.span.clone()),
                            format!("environment tags may use `${{env}}` and nothing else, not `{text}`"),
                        )),
                    }
                }
            }
            "variables" => {
                let Some(vars) = expect_table(file, value, "[variables]", diags) else { continue };
                for (k, v) in vars {
                    let origin = format!("{}:{}", file.display.display(), file.line_col(k.span.start).0);
                    let hits = set_variable(modules, None, &k.name, v.to_json(), &origin);
                    if hits == 0 {
                        diags.push(Diagnostic::at(Loc::new(file, k.span.clone()), format!("no module declares a variable `{}`", k.name)));
                    }
                }
            }
            "modules" => {
                let Some(mods) = expect_table(file, value, "[modules]", diags) else { continue };
                for (m, vars) in mods {
                    if !modules.contains_key(&m.name) {
                        let d = Diagnostic::at(Loc::new(file, m.span.clone()), format!("unknown module `{}`", m.name));
                        let help = suggest(&m.name, modules.keys().map(String::as_str));
                        diags.push(match help {
                            Some(h) => d.with_help(h),
                            None => d,
                        });
                        continue;
                    }
                    let Some(vars) = expect_table(file, vars, &format!("[modules.{}]", m.name), diags) else { continue };
                    for (k, v) in vars {
                        let origin = format!("{}:{}", file.display.display(), file.line_col(k.span.start).0);
                        if set_variable(modules, Some(&m.name), &k.name, v.to_json(), &origin) == 0 {
                            diags.push(Diagnostic::at(
                                Loc::new(file, k.span.clone()),
                                format!("module `{}` has no variable `{}`", m.name, k.name),
                            ));
                        }
                    }
                }
            }
            _ => diags.push(unknown_key(file, key, "table in an environment file", &["variables", "modules", "tags"])),
        }
    }
}

fn set_variable(modules: &mut IndexMap<String, Module>, only: Option<&str>, name: &str, value: Value, origin: &str) -> usize {
    let mut hits = 0;
    for module in modules.values_mut().filter(|m| only.is_none_or(|o| o == m.name)) {
        if let Some(var) = module.variables.get_mut(name) {
            var.value = value.clone();
            var.overridden_by = Some(origin.to_string());
            hits += 1;
        }
    }
    hits
}

/// `--var NAME=VALUE` or `--var MODULE.NAME=VALUE`; the value is read as a TOML value
/// when it is one (`1.5`, `true`, `["a"]`) and as a plain string otherwise.
fn apply_cli_var(spec: &str, modules: &mut IndexMap<String, Module>) -> Result<(), Diagnostic> {
    let bad = |msg: String| Diagnostic { loc: None, message: format!("--var {spec}: {msg}"), help: None };
    let (key, raw) = spec.split_once('=').ok_or_else(|| bad("expected NAME=VALUE".into()))?;
    let (module, name) = match key.split_once('.') {
        Some((m, n)) => (Some(m), n),
        None => (None, key),
    };
    if let Some(m) = module.filter(|m| !modules.contains_key(*m)) {
        return Err(bad(format!("unknown module `{m}`")));
    }
    let as_toml = (!raw.contains('\n'))
        .then(|| source::parse(&SourceFile::new("--var", format!("v = {raw}"))).ok())
        .flatten()
        .and_then(|n| n.get("v").map(Node::to_json));
    let value = as_toml.unwrap_or_else(|| Value::String(raw.to_string()));
    if set_variable(modules, module, name, value, &format!("--var {spec}")) == 0 {
        return Err(bad(format!("no module declares a variable `{name}`")));
    }
    Ok(())
}

/// A table of tags: string values, no reserved keys (`aws:`, `infra:`). True when it is one.
fn load_tags(file: &Arc<SourceFile>, node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    let Some(entries) = expect_table(file, node, what, diags) else { return false };
    let before = diags.len();
    for (k, v) in entries {
        if let Some(prefix) = crate::resources::tags::RESERVED.iter().find(|p| k.name.starts_with(**p)) {
            diags.push(Diagnostic::at(Loc::new(file, k.span.clone()), format!("tag `{}` uses the reserved prefix `{prefix}`", k.name)));
        }
        if k.name.is_empty() || k.name.chars().count() > 128 {
            diags.push(Diagnostic::at(Loc::new(file, k.span.clone()), format!("tag key `{}` must be 1 to 128 characters", k.name)));
        }
        match v.as_str() {
            Some(s) if s.chars().count() <= 256 => {}
            Some(_) => diags.push(Diagnostic::at(Loc::new(file, v.span.clone()), "a tag value may be at most 256 characters")),
            None => diags.push(Diagnostic::at(
                Loc::new(file, v.span.clone()),
                format!("tag `{}` must be a string, found {}", k.name, v.type_name()),
            )),
        }
    }
    diags.len() == before
}

/// A setting decided before anything runs (`enabled`, `prevent_destroy`, `on_delete`):
/// a literal, `${var.NAME}`, `${!var.NAME}` (a boolean variable's opposite, for the one
/// of two variants an environment does not use) or `${env}`.
fn static_setting(module: &Module, node: &Node, environment: &str, key: &str) -> Result<Value, String> {
    if let NodeKind::Str(s) = &node.kind {
        if let Some(inner) = s.strip_prefix("${!") {
            let negated = Node { kind: NodeKind::Str(format!("${{{inner}")), span: node.span.clone() };
            return match static_setting(module, &negated, environment, key)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(format!("`!` needs a boolean variable, but `{s}` is {other}")),
            };
        }
    }
    match &node.kind {
        NodeKind::Bool(b) => Ok(Value::Bool(*b)),
        NodeKind::Str(s) => match expr::parse(s).ok().as_ref().and_then(|t| t.whole_reference()) {
            Some(Reference::Var(v)) => match module.variables.get(v).map(|v| &v.value) {
                Some(Value::String(s)) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
                Some(value) => Ok(value.clone()),
                None => Err(format!("unknown variable `{v}` in `{key}`")),
            },
            Some(Reference::Env) => Ok(Value::String(environment.to_string())),
            Some(_) => Err(format!("`{key}` is decided before anything runs, so it can only use variables, not `{s}`")),
            None => Ok(Value::String(s.clone())),
        },
        _ => Err(format!("`{key}` must be a boolean or a string, found {}", node.type_name())),
    }
}

/// Resolve `enabled`, `prevent_destroy` and `on_delete`, and move disabled resources
/// out of the module.
fn apply_meta(module: &mut Module, environment: &str, diags: &mut Vec<Diagnostic>) {
    let mut off = Vec::new();
    let mut protections = Vec::new();
    for decl in module.resources.values() {
        let at = |node: &Node| Loc::new(&module.file, node.span.clone());
        let mut boolean = |node: &Option<Node>, key: &str| -> Option<bool> {
            let node = node.as_ref()?;
            match static_setting(module, node, environment, key) {
                Ok(Value::Bool(b)) => Some(b),
                Ok(other) => {
                    diags.push(Diagnostic::at(at(node), format!("`{key}` needs a boolean, but it is {other}")));
                    None
                }
                Err(e) => {
                    diags.push(Diagnostic::at(at(node), e));
                    None
                }
            }
        };
        if boolean(&decl.enabled, "enabled") == Some(false) {
            off.push(decl.name.clone());
        }
        let prevent_destroy = boolean(&decl.prevent_destroy, "prevent_destroy").unwrap_or(false);
        let create_first = boolean(&decl.create_before_destroy, "create_before_destroy").unwrap_or(false);
        let retain = match decl.on_delete.as_ref().map(|n| (n, static_setting(module, n, environment, "on_delete"))) {
            None => false,
            Some((_, Ok(Value::String(s)))) if s == "retain" => true,
            Some((_, Ok(Value::String(s)))) if s == "delete" => false,
            Some((n, Ok(other))) => {
                diags.push(Diagnostic::at(at(n), format!("`on_delete` must be \"delete\" or \"retain\", not {other}")));
                false
            }
            Some((n, Err(e))) => {
                diags.push(Diagnostic::at(at(n), e));
                false
            }
        };
        protections.push((decl.name.clone(), crate::manifest::Protection { prevent_destroy, retain }, create_first));
    }
    for (name, protection, create_first) in protections {
        if let Some(decl) = module.resources.get_mut(&name) {
            decl.protection = protection;
            decl.create_first = create_first;
        }
    }
    for name in off {
        if let Some(decl) = module.resources.shift_remove(&name) {
            module.disabled.insert(name, decl);
        }
    }
}
