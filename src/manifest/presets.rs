//! `modules/presets.toml`: named multi-module operations (`infra down --preset
//! minimize-costs`, `infra up --preset daily`), kept as data beside the modules.

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use super::source::{suggest, Diagnostic, Loc, SourceFile};
use super::{display_path, Module};

/// Where the presets live, beside the modules; not a module.
pub const PRESETS_FILE: &str = "presets.toml";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresetAction {
    Up,
    Down,
}

impl PresetAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PresetAction::Up => "up",
            PresetAction::Down => "down",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub action: PresetAction,
    pub modules: Vec<String>,
    /// Variables an `up` preset sets (`MODULE.NAME=VALUE`, as `--var` takes them): a
    /// `pause` that keeps everything deployed at its cheapest settings.
    pub vars: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    presets: IndexMap<String, Def>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Def {
    description: String,
    action: PresetAction,
    modules: Vec<Spanned<String>>,
    /// `{ "MODULE.NAME" = value }`.
    #[serde(default)]
    vars: IndexMap<String, Spanned<toml::Value>>,
}

/// Load presets; a missing file means no presets.
pub fn load(root: &Path, modules: &IndexMap<String, Module>) -> Result<IndexMap<String, Preset>, Vec<Diagnostic>> {
    let path = root.join("modules").join(PRESETS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(IndexMap::new()),
        Err(e) => return Err(vec![Diagnostic::file(&display_path(root, &path), format!("cannot read: {e}"))]),
    };
    let file = SourceFile::new(display_path(root, &path), text);
    let parsed: File = toml::from_str(&file.text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        vec![Diagnostic::at(Loc::new(&file, span), e.message().trim_end().to_string())]
    })?;
    let mut diags = Vec::new();
    let mut out = IndexMap::new();
    for (name, def) in parsed.presets {
        for m in &def.modules {
            if !modules.contains_key(m.get_ref()) {
                let mut d = Diagnostic::at(loc(&file, m), format!("preset `{name}` names unknown module `{}`", m.get_ref()));
                d.help = suggest(m.get_ref(), modules.keys().map(String::as_str));
                diags.push(d);
            }
        }
        let mut vars = Vec::new();
        for (key, value) in &def.vars {
            let known = key.split_once('.').and_then(|(m, v)| modules.get(m).map(|module| module.variables.contains_key(v)));
            if known != Some(true) || def.action != PresetAction::Up {
                let why = if def.action != PresetAction::Up {
                    "only an `up` preset sets variables"
                } else {
                    "is not a variable of a module (MODULE.NAME)"
                };
                diags.push(Diagnostic::at(Loc::new(&file, value.span()), format!("preset `{name}`: `{key}` {why}")));
                continue;
            }
            let text = match value.get_ref() {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            vars.push(format!("{key}={text}"));
        }
        let modules = def.modules.into_iter().map(Spanned::into_inner).collect();
        out.insert(name.clone(), Preset { name, description: def.description, action: def.action, modules, vars });
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

fn loc(file: &Arc<SourceFile>, s: &Spanned<String>) -> Loc {
    Loc::new(file, s.span())
}
