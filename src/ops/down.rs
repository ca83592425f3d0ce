//! `infra down`: delete the named modules' resources in reverse dependency order,
//! refusing while deployed modules still use their outputs unless told what to do.

use super::apply::{self, ApplySettings};
use super::{GlobalOptions, OpsError, Workspace};
use crate::cost::Pricing;
use crate::manifest::presets::PresetAction;
use crate::plan::{dependents, select_down};
use crate::printer::Printer;

#[derive(Debug, Clone, Default)]
pub struct DownOptions {
    pub modules: Vec<String>,
    /// A `down` preset from modules/presets.toml; it keeps dependents (they go stale).
    pub preset: Option<String>,
    pub all: bool,
    pub with_dependents: bool,
    pub keep_dependents: bool,
    pub yes: bool,
    pub parallelism: usize,
    pub lock_timeout: Option<std::time::Duration>,
    /// Plan and show, change nothing.
    pub dry_run: bool,
    /// Where to write step timings (`--timings`).
    pub timings: Option<std::path::PathBuf>,
    /// With `--all`: also delete the final snapshots databases left (their data).
    pub delete_snapshots: bool,
}

pub async fn down(global: &GlobalOptions, opts: &DownOptions, printer: &'static Printer) -> Result<(), OpsError> {
    if opts.with_dependents && opts.keep_dependents {
        return Err(OpsError::Usage("--with-dependents and --keep-dependents exclude each other".into()));
    }
    let ws = Workspace::open(global)?;
    let (_lock, mut state, early) = ws.begin(global, opts.lock_timeout, "infra down", printer).await?;
    let (modules, keep, heading) = match &opts.preset {
        Some(name) => {
            let preset = ws.preset(name, PresetAction::Down)?;
            let pricing = Pricing::load(&ws.project.root).map_err(OpsError::Manifest)?;
            let saving: f64 = preset
                .modules
                .iter()
                .filter_map(|m| state.modules.get(m))
                .flat_map(|m| m.resources.values())
                .fold(0.0, |sum, r| sum + pricing.monthly(&r.type_name, &r.properties));
            let saving = crate::cost::money(saving);
            let heading = format!(
                "Preset {name}: {}
Estimated saving: ${saving:.2}/month.
",
                preset.description
            );
            (preset.modules.clone(), !opts.with_dependents, heading)
        }
        None => (ws.modules(&opts.modules, opts.all, &state)?, opts.keep_dependents, String::new()),
    };
    let sel = select_down(&ws.project, &state, &modules, opts.with_dependents, keep)?;
    if sel.deletes.is_empty() {
        printer.out("Nothing to delete: none of these modules is deployed.");
        if opts.all && opts.delete_snapshots && !opts.dry_run {
            let lineage = state.lineage.clone();
            let aws = ws.connected(early, &mut state, global, printer).await?;
            snapshots(&aws, &lineage, opts, printer).await?;
        }
        return Ok(());
    }
    let kept = dependents(&ws.project, &state, &sel.modules);
    let aws = ws.connected(early, &mut state, global, printer).await?;
    let title =
        format!("{heading}infra down {} (environment {}):", sel.modules.iter().cloned().collect::<Vec<_>>().join(" "), global.environment);
    let settings = ApplySettings {
        expect: None,
        yes: opts.yes,
        dry_run: opts.dry_run,
        parallelism: opts.parallelism,
        tearing_down: sel.modules.clone().into_iter().collect(),
        title,
        timings: opts.timings.clone(),
    };
    let lineage = state.lineage.clone();
    apply::run(&ws, &aws, printer, state, &sel, settings).await?;
    if opts.all && opts.preset.is_none() && !opts.dry_run {
        snapshots(&aws, &lineage, opts, printer).await?;
    }
    if !kept.is_empty() {
        let kept_list = kept.iter().cloned().collect::<Vec<_>>().join(", ");
        let removed = sel.modules.iter().cloned().collect::<Vec<_>>().join(", ");
        if opts.dry_run {
            printer.note(&format!("{kept_list} would be kept, stale until {removed} is deployed again"));
        } else {
            printer.warn(&format!(
                "kept {kept_list}; {} stale until {removed} is deployed again (`infra up` re-wires them)",
                if kept.len() == 1 { "it is" } else { "they are" },
            ));
        }
    }
    Ok(())
}

/// After `down --all`: the final snapshots this environment's databases left hold their
/// data, so they go only when asked: `--delete-snapshots`, or `yes` typed at the prompt.
async fn snapshots(aws: &crate::aws::Aws, lineage: &str, opts: &DownOptions, printer: &Printer) -> Result<(), OpsError> {
    let kept =
        crate::resources::kept_snapshots(aws, lineage).await.map_err(|e| OpsError::Refused(format!("listing final snapshots: {e}")))?;
    if kept.is_empty() {
        return Ok(());
    }
    let list = kept.join(", ");
    let question = format!("Also delete {} ({list}), and the data in them?", super::plural(kept.len(), "final snapshot"));
    // `--yes` approves the plan, not this: the snapshots are data, kept unless asked
    // for. With nobody to ask (or no answer) they stay too.
    let delete = opts.delete_snapshots || (!opts.yes && super::confirm(printer, false, &question, String::new).unwrap_or(false));
    if !delete {
        printer.note(&format!(
            "kept {} of the deleted databases' data: {list}; `infra down --all --delete-snapshots` deletes them",
            super::plural(kept.len(), "final snapshot")
        ));
        return Ok(());
    }
    for name in &kept {
        crate::resources::delete_snapshot(aws, name).await.map_err(|e| OpsError::Refused(format!("deleting snapshot {name}: {e}")))?;
        printer.status("Deleted", crate::printer::Style::Red, &format!("snapshot {name}"));
    }
    Ok(())
}
