//! `infra up`: create or update the named modules, re-wiring deployed dependents; or
//! apply a saved plan exactly (`infra up FILE`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::apply::{self, ApplySettings};
use super::plan_doc::{PlanDoc, SavedOptions};
use super::{GlobalOptions, OpsError, Workspace};
use crate::manifest::presets::PresetAction;
use crate::printer::Printer;

#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    pub modules: Vec<String>,
    /// An `up` preset from modules/presets.toml instead of module names.
    pub preset: Option<String>,
    pub all: bool,
    pub with_deps: bool,
    pub no_dependents: bool,
    /// The deployed dependents whole, not only re-wired (`--with-dependents`).
    pub with_dependents: bool,
    /// These resources and what they need instead of modules (`--target MODULE.NAME`).
    pub targets: Vec<String>,
    /// Resources to replace although nothing forces it (`--replace MODULE.NAME`).
    pub replace: Vec<String>,
    pub yes: bool,
    pub parallelism: usize,
    pub lock_timeout: Option<std::time::Duration>,
    /// Plan and show, change nothing.
    pub dry_run: bool,
    /// Where to write step timings (`--timings`).
    pub timings: Option<std::path::PathBuf>,
}

/// Returns whether anything changed.
pub async fn up(global: &GlobalOptions, opts: &UpOptions, printer: &'static Printer) -> Result<bool, OpsError> {
    if let Some(path) = saved_plan(&opts.modules) {
        return up_saved(global, opts, &path, printer).await;
    }
    let mut ws = Workspace::open(global)?;
    // A preset's variables come before the command line's, which win.
    let preset_vars = match &opts.preset {
        Some(name) => ws.preset(name, PresetAction::Up)?.vars.clone(),
        None => Vec::new(),
    };
    let with_vars;
    let global = if preset_vars.is_empty() {
        global
    } else {
        with_vars = GlobalOptions { vars: preset_vars.into_iter().chain(global.vars.iter().cloned()).collect(), ..global.clone() };
        ws = Workspace::open(&with_vars)?;
        &with_vars
    };
    let (_lock, mut state, early) = ws.begin(global, opts.lock_timeout, "infra up", printer).await?;
    let (modules, heading) = match &opts.preset {
        Some(name) => {
            let preset = ws.preset(name, PresetAction::Up)?;
            (
                preset.modules.clone(),
                format!(
                    "Preset {name}: {}
",
                    preset.description
                ),
            )
        }
        None => (opts.modules.clone(), String::new()),
    };
    let options = SavedOptions {
        modules,
        all: opts.all,
        with_deps: opts.with_deps,
        no_dependents: opts.no_dependents,
        replace: opts.replace.clone(),
        with_dependents: opts.with_dependents,
        targets: opts.targets.clone(),
    };
    let sel = super::plan::select(&ws, &state, &options)?;
    let aws = ws.connected(early, &mut state, global, printer).await?;
    let named = if opts.targets.is_empty() { sel.modules.iter().cloned().collect::<Vec<_>>() } else { opts.targets.clone() };
    let title = format!("{heading}infra up {} (environment {}):", named.join(" "), global.environment);
    let settings = ApplySettings {
        expect: None,
        yes: opts.yes,
        dry_run: opts.dry_run,
        parallelism: opts.parallelism,
        tearing_down: HashSet::new(),
        title,
        timings: opts.timings.clone(),
    };
    apply::run(&ws, &aws, printer, state, &sel, settings).await.map(|r| r.changed() > 0)
}

/// The saved plan `up FILE` names: one argument that is a file, not a module.
fn saved_plan(modules: &[String]) -> Option<PathBuf> {
    match modules {
        [one] if Path::new(one).is_file() => Some(PathBuf::from(one)),
        _ => None,
    }
}

/// `up FILE`: apply a plan saved with `plan --out`, exactly: refused when the state
/// moved since, or when planning again (with the saved selection) gives any other
/// change. It was reviewed, so it needs no further confirmation.
async fn up_saved(global: &GlobalOptions, opts: &UpOptions, path: &Path, printer: &'static Printer) -> Result<bool, OpsError> {
    let doc = PlanDoc::read(path)?;
    if opts.all
        || opts.preset.is_some()
        || opts.with_deps
        || opts.no_dependents
        || opts.with_dependents
        || !opts.targets.is_empty()
        || !opts.replace.is_empty()
    {
        return Err(OpsError::Usage(format!(
            "{} carries the modules and options it was planned with; give the file alone (infra up {})",
            path.display(),
            path.display()
        )));
    }
    if doc.environment != global.environment {
        return Err(OpsError::Refused(format!(
            "{} was planned for environment {}, not {}; run `infra --env {} up {}`",
            path.display(),
            doc.environment,
            global.environment,
            doc.environment,
            path.display()
        )));
    }
    let Some(saved) = doc.saved.clone() else { return Err(OpsError::Refused(format!("{}: not a saved plan", path.display()))) };
    let ws = Workspace::open(global)?;
    let (_lock, mut state, early) = ws.begin(global, opts.lock_timeout, "infra up", printer).await?;
    if saved.serial == 0 && state.serial == 0 {
        state.lineage = saved.lineage.clone();
    }
    if saved.lineage != state.lineage || saved.serial != state.serial {
        return Err(OpsError::Refused(format!(
            "the state changed since {} was planned (serial {} then, {} now: another run applied changes); nothing was changed. Plan again.",
            path.display(),
            saved.serial,
            state.serial
        )));
    }
    let sel = super::plan::select(&ws, &state, &saved.options)?;
    let aws = ws.connected(early, &mut state, global, printer).await?;
    let title = format!("infra up {} (environment {}), as planned:", path.display(), global.environment);
    let settings = ApplySettings {
        expect: Some(doc),
        yes: true,
        dry_run: opts.dry_run,
        parallelism: opts.parallelism,
        tearing_down: HashSet::new(),
        title,
        timings: opts.timings.clone(),
    };
    apply::run(&ws, &aws, printer, state, &sel, settings).await.map(|r| r.changed() > 0)
}
