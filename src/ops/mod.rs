//! Operations behind the commands. Each loads what it needs through [`Workspace`],
//! does one job and reports through the [`Printer`]; errors are typed ([`OpsError`]).

mod apply;
mod backend;
mod docs;
mod down;
mod environment;
mod graph;
mod import;
mod init;
pub mod interrupt;
mod output;
mod plan;
mod plan_doc;
mod render;
mod report;
mod shell;
mod state;
mod status;
mod unlock;
mod up;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::aws::{AssumeRole, Aws, Caller, ConnectError};
use crate::engine::StepError;
use crate::graph::Graph;
use crate::manifest::presets::{Preset, PresetAction};
use crate::manifest::settings::EnvCredentials;
use crate::manifest::{self, Diagnostic, LoadOptions, Project};
use crate::plan::{PlanError, SelectError};
use crate::printer::{Printer, Style};
use crate::state::{Edit, State, StateError, StateLock, StateStore};

pub use crate::aws::AwsOptions;
pub use crate::engine::DEFAULT_PARALLELISM;
pub use crate::manifest::check_environment_name;
pub use crate::manifest::load::DEFAULT_ENVIRONMENT;
pub use docs::{docs, schema};
pub use down::{down, DownOptions};
pub use graph::{graph, GraphFormat};
pub use import::{import, DiscoverFilter, ImportOptions};
pub use init::init;
pub use output::output;
pub use plan::{plan, PlanFormat, PlanOptions};
pub use shell::{completions, man, Shell};
pub use state::{state, StateCommand};
pub use status::{status, StatusOptions};
pub use unlock::unlock;
pub use up::{up, UpOptions};
pub use validate::validate;

/// Options every command shares.
#[derive(Debug, Clone, Default)]
pub struct GlobalOptions {
    pub project_dir: Option<PathBuf>,
    pub environment: String,
    /// `--new-env`: the environment may be one nothing knows yet.
    pub new_env: bool,
    pub vars: Vec<String>,
    pub aws: AwsOptions,
}

impl GlobalOptions {
    /// This environment's `[env.NAME]` from infra.toml, under the command line: `--region`
    /// and `--profile` win (a `--profile` replaces the table's profile or role, it is not
    /// their source); the table wins over `AWS_REGION` and `AWS_PROFILE`, which are for
    /// every environment. Outside a project there is nothing to apply.
    pub fn with_environment_settings(mut self) -> Result<Self, OpsError> {
        let Ok(root) = find_root(self.project_dir.as_deref()) else { return Ok(self) };
        let mut settings = manifest::settings::load_settings(&root).map_err(OpsError::Manifest)?;
        let Some(env) = settings.environments.remove(&self.environment) else { return Ok(self) };
        if self.aws.region.is_none() {
            self.aws.region = env.region;
        }
        if self.aws.profile.is_none() {
            match env.credentials {
                Some(EnvCredentials::Profile(profile)) => self.aws.profile = Some(profile),
                Some(EnvCredentials::Role(role)) => {
                    self.aws.role = Some(AssumeRole {
                        arn: role.arn,
                        external_id: role.external_id,
                        session_name: role.session_name,
                        duration: role.duration,
                    })
                }
                None => return Ok(self),
            }
            self.aws.named_in = Some(env.origin);
        }
        Ok(self)
    }
}

/// How a command ended, beyond plain success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// `plan --detailed-exitcode` found changes; `status --detailed-exitcode` found a
    /// module drifted, stale or partial.
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
    /// A file infra reads or writes (a Terraform state, a manifest it writes) failed:
    /// not the user's wording, the system's answer.
    #[error("cannot {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{} failed:\n{}", plural(.0.len(), "step"), .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Apply(Vec<StepError>),
    #[error("interrupted; the state records everything that finished")]
    Interrupted,
    #[error(transparent)]
    Connect(#[from] ConnectError),
    // Boxed so that every operation's Result stays small.
    #[error(transparent)]
    WrongAccount(Box<WrongAccount>),
    #[error("{} could not be checked against AWS (see above)", plural(*.0, "resource"))]
    Unchecked(usize),
}

/// A state applied to an account or region it was not written for.
#[derive(Debug, thiserror::Error)]
#[error(
    "{path} belongs to account {state_account} in {state_region}, but this run resolves to account {account} in {region} (as {caller})\n  \
     Nothing was changed. Run with the state's account and region (--region, --profile, AWS_REGION, or [env.NAME] in infra.toml), \
     or use another environment (--env NAME)."
)]
pub struct WrongAccount {
    pub path: String,
    pub state_account: String,
    pub state_region: String,
    pub account: String,
    pub region: String,
    /// Who the run acted as (an assumed role's session names the role).
    pub caller: String,
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

/// The one confirmation of every command that deletes or overwrites: `yes` (`--yes`)
/// agrees without asking; otherwise `question` is asked on the terminal and only a typed
/// `yes` agrees. Without a terminal nobody can agree, and the refusal is
/// `without_terminal` (which names the flag that allows it in a script).
pub fn confirm(printer: &Printer, yes: bool, question: &str, without_terminal: impl FnOnce() -> String) -> Result<bool, OpsError> {
    use std::io::IsTerminal;
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(OpsError::Refused(without_terminal()));
    }
    let answer = printer
        .prompt(&format!("{question} Type 'yes' to confirm: "))
        .map_err(|e| OpsError::Refused(format!("cannot read the answer: {e}")))?;
    Ok(answer.trim() == "yes")
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Load AWS settings and make sure AWS answers before anything else happens: a missing
/// profile, missing or refused credentials, a refused connection or a silent endpoint
/// each end the command here with their own message. A slow answer is announced.
pub async fn connect(global: &GlobalOptions, printer: &Printer) -> Result<Aws, OpsError> {
    let aws = Aws::load(&global.aws).await?;
    interrupt::unless_interrupted(async {
        let check = aws.preflight();
        tokio::pin!(check);
        tokio::select! {
            r = &mut check => r?,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                printer.status("Waiting", Style::Cyan, &format!("for {} to answer (GetCallerIdentity)", aws.endpoint()));
                check.await?
            }
        };
        Ok::<_, OpsError>(())
    })
    .await??;
    Ok(aws)
}

/// The loaded project: manifests, graph and where its state lives.
pub struct Workspace {
    pub project: Project,
    pub graph: Graph,
    pub store: StateStore,
    /// Whether loading the state must still show that the environment exists (S3).
    env_check: environment::EnvCheck,
}

/// The directory holding `modules/`: the given one, else the nearest from here up.
pub(crate) fn find_root(explicit: Option<&Path>) -> Result<PathBuf, OpsError> {
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
        let store = open_store(&root, opts)?;
        let env_check = environment::check(&root, opts, &store)?;
        Ok(Workspace { project, graph, store, env_check })
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
    /// A state belongs to the account and region it was first written for: a run that
    /// resolves to another would plan to create everything again and orphan the
    /// originals. An unbound state is bound now (saved with its next write).
    pub fn bind(&self, state: &mut State, identity: &Caller) -> Result<(), OpsError> {
        match (&state.account, &state.region) {
            (Some(a), Some(r)) if (a != &identity.account_id || r != &identity.region) && !state.is_empty() => {
                Err(OpsError::WrongAccount(Box::new(WrongAccount {
                    path: self.store.describe(),
                    state_account: a.clone(),
                    state_region: r.clone(),
                    account: identity.account_id.clone(),
                    region: identity.region.clone(),
                    caller: identity.arn.clone(),
                })))
            }
            _ => {
                state.account = Some(identity.account_id.clone());
                state.region = Some(identity.region.clone());
                Ok(())
            }
        }
    }

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
    pub async fn lock(&self, timeout: Option<Duration>, command: &str, printer: &Printer) -> Result<StateLock, OpsError> {
        lock_store(&self.store, timeout, command, printer).await
    }

    /// The start of a run that changes things: the lock and the state. With remote state
    /// AWS is asked who we are at the same time (both are round trips; AWS's own error
    /// comes first, the clearer one when nothing answers); with local state nothing is
    /// sent until [`Workspace::connected`], so a refused lock or a bad selection fails
    /// before any request.
    pub async fn begin(
        &self,
        global: &GlobalOptions,
        timeout: Option<Duration>,
        command: &str,
        printer: &Printer,
    ) -> Result<(StateLock, State, Option<Aws>), OpsError> {
        let locked = async {
            let lock = self.lock(timeout, command, printer).await?;
            let state = self.load_state_locked(printer).await?;
            Ok::<_, OpsError>((lock, state))
        };
        match &self.store {
            StateStore::Local(_) => {
                let (lock, state) = locked.await?;
                Ok((lock, state, None))
            }
            StateStore::S3(_) => {
                let (locked, aws) = tokio::join!(locked, connect(global, printer));
                let aws = aws?;
                let (lock, state) = locked?;
                Ok((lock, state, Some(aws)))
            }
        }
    }

    /// AWS for this run (connected now unless [`Workspace::begin`] already did), checked
    /// against the account and region the state belongs to.
    pub async fn connected(
        &self,
        early: Option<Aws>,
        state: &mut State,
        global: &GlobalOptions,
        printer: &Printer,
    ) -> Result<Aws, OpsError> {
        let aws = match early {
            Some(aws) => aws,
            None => connect(global, printer).await?,
        };
        self.bind(state, aws.preflight().await?)?;
        Ok(aws)
    }

    /// The state, with what loading it found worth a warning, and the manifests'
    /// `[[moved]]` renames applied in memory (plan, status).
    pub async fn load_state(&self, printer: &Printer) -> Result<State, OpsError> {
        let mut state = load_state(&self.store, printer).await?;
        self.confirm_environment(&state)?;
        self.follow_moves(&mut state, false, printer).await?;
        Ok(state)
    }

    /// The state for a run that changes things (holding the lock): `[[moved]]` renames
    /// are saved before anything else happens.
    pub async fn load_state_locked(&self, printer: &Printer) -> Result<State, OpsError> {
        let mut state = load_state(&self.store, printer).await?;
        self.confirm_environment(&state)?;
        self.follow_moves(&mut state, true, printer).await?;
        Ok(state)
    }

    fn confirm_environment(&self, state: &State) -> Result<(), OpsError> {
        match self.env_check {
            environment::EnvCheck::Known => Ok(()),
            environment::EnvCheck::UntilLoaded => {
                environment::confirm_loaded(&self.project.root, self.store.environment(), &self.store, state)
            }
        }
    }

    async fn follow_moves(&self, state: &mut State, persist: bool, printer: &Printer) -> Result<(), OpsError> {
        let mut saved = false;
        for moved in self.project.modules.values().flat_map(|m| &m.moved) {
            let (Some((fm, fname)), Some((tm, tname))) = (moved.from.split_once('.'), moved.to.split_once('.')) else { continue };
            if state.resource(fm, fname).is_none() {
                continue;
            }
            if state.resource(tm, tname).is_some() {
                printer.warn(&format!("{}: both {} and {} are recorded; the moved entry is ignored", moved.loc, moved.from, moved.to));
                continue;
            }
            let edit = Edit::Move { from: moved.from.clone(), to: moved.to.clone() };
            if persist {
                self.store.record(state, edit)?;
                saved = true;
            } else {
                state.apply(&edit);
            }
            let how = if persist { "in the state" } else { "for this plan" };
            printer.status("Moved", Style::Cyan, &format!("{} to {} {how} ({}); AWS is not touched", moved.from, moved.to, moved.loc));
        }
        if saved {
            self.store.compact(state).await?;
        }
        Ok(())
    }
}

/// The state store `infra.toml` chose for this environment.
pub fn open_store(root: &Path, opts: &GlobalOptions) -> Result<StateStore, OpsError> {
    let backend = manifest::settings::load(root).map_err(OpsError::Manifest)?;
    Ok(StateStore::open(root, &opts.environment, &backend, &opts.aws))
}

pub async fn load_state(store: &StateStore, printer: &Printer) -> Result<State, OpsError> {
    let state = interrupt::unless_interrupted(store.load()).await??;
    for w in store.warnings() {
        printer.warn(&w);
    }
    Ok(state)
}

/// Take the lock, saying so when the previous run died holding it (local backend):
/// its interrupted creates are then checked by this run's plan.
pub async fn lock_store(store: &StateStore, timeout: Option<Duration>, command: &str, printer: &Printer) -> Result<StateLock, OpsError> {
    let lock = interrupt::unless_interrupted(store.lock(timeout.unwrap_or(Duration::ZERO), command)).await??;
    {
        if let Some(dead) = lock.abandoned_by() {
            printer.warn(&format!(
                "the previous run ({dead}) ended without releasing the lock (killed or crashed); \
                 anything it left half-done is checked now"
            ));
        }
    }
    Ok(lock)
}
