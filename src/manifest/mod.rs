//! Module manifests (`modules/*.toml`): the loaded, validated description of what
//! should exist. [`load`] reads and checks them; nothing here talks to AWS.

pub mod each;
pub mod expr;
pub mod load;
pub mod presets;
pub mod settings;
pub mod source;
mod validate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

pub use load::{load, LoadOptions};
pub use source::{suggest, Diagnostic, Loc, Node, NodeKind, SourceFile};

use expr::Reference;

/// All modules of a project, after variables were applied and everything was checked.
#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub environment: String,
    /// Sorted by name, which is also the conventional deployment order (`2_...` to `8_...`).
    pub modules: IndexMap<String, Module>,
    /// From `modules/presets.toml`.
    pub presets: IndexMap<String, presets::Preset>,
    /// `[tags]` of the environment file (`${env}` already substituted): on every
    /// taggable resource, under the module's and the resource's own.
    pub tags: std::collections::BTreeMap<String, String>,
}

impl Project {
    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.get(name)
    }

    pub fn modules_dir(&self) -> PathBuf {
        self.root.join("modules")
    }

    /// Where relative paths of a module's resources start (its file's directory); for a
    /// module only the state still knows, `modules/`.
    pub fn module_dir(&self, name: &str) -> PathBuf {
        self.module(name).map(|m| m.dir.clone()).unwrap_or_else(|| self.modules_dir())
    }
}

#[derive(Debug)]
pub struct Module {
    pub name: String,
    pub description: Option<String>,
    /// `[module] tags = {...}`: on every taggable resource of the module.
    pub tags: Option<Node>,
    pub file: Arc<SourceFile>,
    /// Directory that relative paths in this module (e.g. `code_dir`) start from.
    pub dir: PathBuf,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    pub data: IndexMap<String, Decl>,
    pub resources: IndexMap<String, Decl>,
    /// Resources switched off with `enabled`: not part of the graph; deleted if recorded.
    pub disabled: IndexMap<String, Decl>,
    pub outputs: IndexMap<String, Output>,
    /// `[[moved]]`: resources renamed in this module's file, so the state follows.
    pub moved: Vec<Moved>,
}

/// A rename that travels with the code: the resource recorded at `from` is the one
/// this module now declares as `to` (both `module.name`).
#[derive(Debug, Clone)]
pub struct Moved {
    pub from: String,
    pub to: String,
    pub loc: Loc,
}

impl Module {
    /// Modules whose outputs this module reads.
    pub fn upstream_modules(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .references()
            .filter_map(|(r, _)| match r {
                Reference::Module { module, .. } => Some(module.clone()),
                _ => None,
            })
            .collect();
        out.extend(self.resources.values().chain(self.data.values()).flat_map(|d| {
            d.depends_on.iter().filter_map(|(dep, _)| match dep {
                Dependency::Module(m) => Some(m.clone()),
                _ => None,
            })
        }));
        out.sort();
        out.dedup();
        out
    }

    /// Every reference in this module with where it was written.
    pub fn references(&self) -> impl Iterator<Item = (&Reference, &Loc)> {
        self.data
            .values()
            .chain(self.resources.values())
            .flat_map(|d| d.references.iter())
            .chain(self.outputs.values().flat_map(|o| o.references.iter()))
            .chain(self.locals.values().flat_map(|l| l.references.iter()))
            .map(|(r, l)| (r, l))
    }

    /// `refs` with each `${local.*}` replaced by the references inside that local,
    /// recursively (each local once).
    pub fn expand_locals<'a>(&'a self, refs: impl IntoIterator<Item = &'a Reference>) -> Vec<&'a Reference> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<&Reference> = refs.into_iter().collect();
        while let Some(r) = stack.pop() {
            match r {
                Reference::Local(name) => {
                    if seen.insert(name.as_str()) {
                        if let Some(local) = self.locals.get(name) {
                            stack.extend(local.references.iter().map(|(r, _)| r));
                        }
                    }
                }
                other => out.push(other),
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub value: Value,
    pub description: Option<String>,
    pub loc: Loc,
    /// Where the value came from when it was overridden (env file line or `--var`).
    pub overridden_by: Option<String>,
    /// A secret (an API key): masked in all output and never stored in state.
    pub sensitive: bool,
}

/// A `[resources.NAME]` or `[data.NAME]` table.
#[derive(Debug, Clone)]
pub struct Decl {
    pub name: String,
    pub type_name: String,
    /// Where the table's name is written.
    pub loc: Loc,
    /// Where the `type = "..."` value is written.
    pub type_loc: Loc,
    /// The properties as written (strings may hold `${...}` templates).
    pub properties: Node,
    pub depends_on: Vec<(Dependency, Loc)>,
    /// References in `properties`, in order of appearance.
    pub references: Vec<(Reference, Loc)>,
    /// Per-resource override of how long to wait for slow creates and deletes.
    pub timeout: Option<std::time::Duration>,
    /// `enabled = false` (or a variable that is false) leaves the resource out.
    pub enabled: Option<Node>,
    /// `prevent_destroy = true`: a plan that would delete or replace it fails.
    pub prevent_destroy: Option<Node>,
    /// `on_delete = "retain"`: deleting it forgets it and leaves it in AWS.
    pub on_delete: Option<Node>,
    /// `create_before_destroy = true`: a replacement creates the new one first, moves
    /// its users to it, and deletes the old one last.
    pub create_before_destroy: Option<Node>,
    /// `for_each`, until the loader expands it into one resource per element.
    pub for_each: Option<Node>,
    /// What those two resolved to (they may use variables).
    pub protection: Protection,
    /// What `create_before_destroy` resolved to.
    pub create_first: bool,
}

/// How a resource is protected from deletion, decided before anything runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Protection {
    pub prevent_destroy: bool,
    pub retain: bool,
}

impl Decl {
    /// Properties as JSON, templates unresolved.
    pub fn properties_json(&self) -> Value {
        self.properties.to_json()
    }
}

/// A `[locals]` entry: a value computed once per module and used by `${local.NAME}`.
#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub value: Node,
    pub loc: Loc,
    pub references: Vec<(Reference, Loc)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    Resource(String),
    Data(String),
    Module(String),
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Node,
    pub description: Option<String>,
    /// Never shown in full and never written to the state file.
    pub sensitive: bool,
    pub loc: Loc,
    pub references: Vec<(Reference, Loc)>,
}

/// Keys of a `[resources.NAME]` table that are the manifest's own, not properties.
pub const META_KEYS: &[&str] =
    &["type", "depends_on", "wait_timeout", "enabled", "prevent_destroy", "on_delete", "create_before_destroy", "for_each"];

/// Environment names: 1 to 32 letters, digits, `-` or `_`, starting with a letter or digit.
pub fn check_environment_name(name: &str) -> Result<(), String> {
    let ok = (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!("invalid environment name `{name}`: use 1 to 32 letters, digits, `-` or `_`, starting with a letter or digit"))
    }
}

/// `did you mean` help for a module name.
pub fn suggest_module(project: &Project, name: &str) -> Option<String> {
    suggest(name, project.modules.keys().map(String::as_str))
}

/// Path of a module file relative to the project root, for messages.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    /// These keys belong to the manifest (whether and how a resource exists), so a
    /// property of the same name could never be set.
    #[test]
    fn no_property_is_shadowed_by_a_manifest_key() {
        for r in crate::resources::registry::resources() {
            for meta in super::META_KEYS {
                assert!(r.schema().field(meta).is_none(), "{}: property `{meta}` is shadowed by the manifest's own key", r.type_name());
            }
        }
    }
}
