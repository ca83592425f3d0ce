//! Operations behind the commands. Each loads what it needs through [`Workspace`],
//! does one job and reports through the [`Printer`]; errors are typed ([`OpsError`]).

mod apply;
mod down;
mod graph;
mod output;
mod plan;
mod render;
mod status;
mod unlock;
mod up;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::aws::AwsOptions;
use crate::engine::StepError;
use crate::graph::Graph;
use crate::manifest::presets::{Preset, PresetAction};
use crate::manifest::{self, Diagnostic, LoadOptions, Project};
use crate::plan::{PlanError, SelectError};
use crate::printer::Printer;
use crate::state::{StateError, StateLock, StateStore};

pub use down::{down, DownOptions};
pub use graph::{graph, GraphFormat};
pub use output::output;
pub use plan::{plan, PlanOptions};
pub use status::{status, StatusOptions};
pub use unlock::unlock;
pub use up::{up, UpOptions};
pub use validate::validate;

/// Options every command shares.
#[derive(Debug, Clone, Default)]
pub struct GlobalOptions {
    pub project_dir: Option<PathBuf>,
    pub environment: String,
    pub vars: Vec<String>,
    pub aws: AwsOptions,
}

/// How a command ended, beyond plain success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// `plan --detailed-exitcode` found changes.
    Changes,
}

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{} in the manifests", plural(.0.len(), "problem"))]
    Manifest(Vec<Diagnostic>),
    #[error("no modules/ directory found in {0} or any parent; pass --project-dir")]
    NoProject(PathBuf),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Select(#[from] SelectError),
    // Boxed so that every operation's Result stays small.
    #[error(transparent)]
    Plan(Box<PlanError>),
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Usage(String),
    #[error("{} failed:\n{}", plural(.0.len(), "step"), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Apply(Vec<StepError>),
    #[error("interrupted; the state records everything that finished")]
    Interrupted,
}

impl From<PlanError> for OpsError {
    fn from(e: PlanError) -> Self {
        OpsError::Plan(Box::new(e))
    }
}

impl OpsError {
    /// Process exit code: 130 after an interrupt (as shells do for SIGINT), else 1.
    pub fn exit_code(&self) -> i32 {
        match self {
            OpsError::Interrupted => 130,
            _ => 1,
        }
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The loaded project: manifests, graph and where its state lives.
pub struct Workspace {
    pub project: Project,
    pub graph: Graph,
    pub store: StateStore,
}

/// The directory holding `modules/`: the given one, else the nearest from here up.
fn find_root(explicit: Option<&Path>) -> Result<PathBuf, OpsError> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|_| OpsError::NoProject(PathBuf::from(".")))?;
    cwd.ancestors().find(|d| d.join("modules").is_dir()).map(Path::to_path_buf).ok_or(OpsError::NoProject(cwd))
}

impl Workspace {
    pub fn open(opts: &GlobalOptions) -> Result<Self, OpsError> {
        let root = find_root(opts.project_dir.as_deref())?;
        let load = LoadOptions { root: root.clone(), environment: opts.environment.clone(), vars: opts.vars.clone() };
        let project = manifest::load(&load).map_err(OpsError::Manifest)?;
        let graph = Graph::build(&project).map_err(OpsError::Manifest)?;
        let store = StateStore::new(root.join("state"), &opts.environment);
        Ok(Workspace { project, graph, store })
    }

    /// Module names from the command line, or every module with `--all`.
    pub fn modules(&self, named: &[String], all: bool, state: &crate::state::State) -> Result<Vec<String>, OpsError> {
        match (all, named.is_empty()) {
            (true, true) => {
                let mut names: Vec<String> = self.project.modules.keys().cloned().collect();
                names.extend(state.modules.keys().filter(|m| !self.project.modules.contains_key(*m)).cloned());
                Ok(names)
            }
            (true, false) => Err(OpsError::Usage("give module names or --all, not both".into())),
            (false, true) => Err(OpsError::Usage("name the modules to work on, or pass --all or --preset NAME".into())),
            (false, false) => Ok(named.to_vec()),
        }
    }
}

impl Workspace {
    /// The preset named on the command line, checked to be one for `action`.
    pub fn preset(&self, name: &str, action: PresetAction) -> Result<&Preset, OpsError> {
        let preset = self.project.presets.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.project.presets.keys().map(String::as_str).collect();
            OpsError::Usage(format!(
                "unknown preset `{name}`; modules/presets.toml defines: {}",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })?;
        if preset.action != action {
            return Err(OpsError::Usage(format!(
                "preset `{name}` is for `infra {}`, not `infra {}`",
                preset.action.as_str(),
                action.as_str()
            )));
        }
        Ok(preset)
    }
}

impl Workspace {
    /// Take the state lock (waiting up to `timeout`), saying so when the previous run
    /// died holding it: its interrupted creates are then checked by this run's plan.
    pub fn lock(&self, timeout: Option<Duration>, command: &str, printer: &Printer) -> Result<StateLock, OpsError> {
        let lock = self.store.lock(timeout.unwrap_or(Duration::ZERO), command)?;
        if let Some(dead) = &lock.abandoned_by {
            printer.warn(&format!(
                "the previous run ({dead}) ended without releasing the lock (killed or crashed); \
                 anything it left half-done is checked now"
            ));
        }
        Ok(lock)
    }
}
