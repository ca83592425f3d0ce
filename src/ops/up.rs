//! `infra up`: create or update the named modules, re-wiring deployed dependents.

use std::collections::HashSet;

use super::apply::{self, ApplySettings};
use super::{GlobalOptions, OpsError, Workspace};
use crate::manifest::presets::PresetAction;
use crate::plan::select_up;
use crate::printer::Printer;

#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    pub modules: Vec<String>,
    /// An `up` preset from modules/presets.toml instead of module names.
    pub preset: Option<String>,
    pub all: bool,
    pub with_deps: bool,
    pub no_dependents: bool,
    pub yes: bool,
    pub parallelism: usize,
    pub lock_timeout: Option<std::time::Duration>,
    /// Plan and show, change nothing.
    pub dry_run: bool,
    /// Where to write step timings (`--timings`).
    pub timings: Option<std::path::PathBuf>,
}

pub async fn up(global: &GlobalOptions, opts: &UpOptions, printer: &'static Printer) -> Result<(), OpsError> {
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
        None => (ws.modules(&opts.modules, opts.all, &state)?, String::new()),
    };
    let sel = select_up(&ws.project, &ws.graph, &state, &modules, opts.with_deps || opts.all, !opts.no_dependents)?;
    let aws = ws.connected(early, &mut state, global, printer).await?;
    let title =
        format!("{heading}infra up {} (environment {}):", sel.modules.iter().cloned().collect::<Vec<_>>().join(" "), global.environment);
    let settings = ApplySettings {
        yes: opts.yes,
        dry_run: opts.dry_run,
        parallelism: opts.parallelism,
        tearing_down: HashSet::new(),
        title,
        timings: opts.timings.clone(),
    };
    apply::run(&ws, &aws, printer, state, &sel, settings).await.map(|_| ())
}
