//! The flow `up` and `down` share: plan, show the plan and the data its deletions
//! take, get approval for destructive steps, execute with Ctrl-C handling, save,
//! summarise.

use std::collections::HashSet;

use futures::{stream, StreamExt};

use super::plan_doc::{Costs, PlanDoc};
use super::{plural, render, OpsError, Workspace};
use crate::aws::Aws;
use crate::engine::{ApplyReport, Executor};
use crate::graph::{Address, Kind};
use crate::plan::{Action, Plan, Planner, Selection};
use crate::printer::{Printer, Style};
use crate::resources::{registry, Contents, Ctx};
use crate::state::State;

pub struct ApplySettings {
    pub yes: bool,
    pub dry_run: bool,
    pub parallelism: usize,
    pub tearing_down: HashSet<String>,
    pub title: String,
    /// Write step timings and the run's critical path here.
    pub timings: Option<std::path::PathBuf>,
    /// A saved plan (`up FILE`): the fresh plan must match it change for change.
    pub expect: Option<PlanDoc>,
}

/// One resource the plan deletes or replaces that holds data.
pub struct Held {
    pub address: Address,
    pub type_name: String,
    pub contents: Contents,
}

/// What the resources this plan deletes or replaces hold (objects, items, messages,
/// databases), asked of each type: nothing is confirmed without naming it. A count that
/// fails is shown as such rather than holding up the plan.
async fn held_data(ws: &Workspace, aws: &Aws, plan: &Plan, parallelism: usize) -> Vec<Held> {
    let doomed = plan.steps.iter().filter(|s| s.address.kind == Kind::Resource && s.action().is_destructive());
    let asks = doomed.filter_map(|step| {
        let prior = step.prior.as_ref().filter(|p| !p.id.is_empty())?;
        let rtype = registry::resource(&prior.type_name)?;
        Some(async move {
            let label = step.address.to_string();
            let dir = ws.project.module_dir(&step.address.module);
            let contents = match rtype.contents(&Ctx::new(aws, &label, &dir), &prior.id, &prior.properties).await {
                Ok(c) => c?,
                Err(e) => Contents { held: format!("what it holds could not be read ({e})"), kept: None },
            };
            Some(Held { address: step.address.clone(), type_name: prior.type_name.clone(), contents })
        })
    });
    let mut held: Vec<Held> = stream::iter(asks).buffer_unordered(parallelism.max(1)).filter_map(|h| async { h }).collect().await;
    held.sort_by(|a, b| a.address.cmp(&b.address));
    held
}

/// Ask on a terminal; refuse when nobody can answer. The question names the data that
/// goes with the deletions.
fn approve(printer: &Printer, plan: &Plan, held: &[Held], yes: bool) -> Result<bool, OpsError> {
    if !plan.is_destructive() {
        return Ok(true);
    }
    let n = plural(plan.count(Action::Delete) + plan.count(Action::Replace), "resource");
    let lost: Vec<String> =
        held.iter().filter(|h| h.contents.kept.is_none()).map(|h| format!("{} ({})", h.address, h.contents.held)).collect();
    let with = if lost.is_empty() { String::new() } else { format!(", with the data in {}", lost.join(", ")) };
    let question = format!("\nThe plan deletes or replaces {n}{with}.");
    let refusal = || format!("the plan deletes or replaces {n}{with}; pass --yes to allow that in a non-interactive run");
    let agreed = super::confirm(printer, yes, &question, refusal)?;
    if !agreed {
        printer.note("Cancelled; nothing was changed.");
    }
    Ok(agreed)
}

/// Plan `sel`, show it, and apply it. `state` is saved after every finished step.
pub async fn run(
    ws: &Workspace,
    aws: &Aws,
    printer: &'static Printer,
    state: State,
    sel: &Selection,
    settings: ApplySettings,
) -> Result<ApplyReport, OpsError> {
    let planner = Planner { project: &ws.project, graph: &ws.graph, state: &state, aws, parallelism: settings.parallelism, refresh: true };
    let cancel = super::interrupt::token();
    let planning = std::time::Instant::now();
    let plan = super::interrupt::unless_interrupted(planner.plan(sel)).await??;
    let planned_in = planning.elapsed();
    printer.out(&render::plan(printer, &plan, &settings.title));
    if !plan.left_out.is_empty() {
        printer.out(&render::left_out(printer, &plan));
    }
    if let Some(expected) = &settings.expect {
        let moved = expected.differences(&PlanDoc::new(&plan, &expected.environment, &Costs::default()));
        if !moved.is_empty() {
            return Err(OpsError::Refused(format!(
                "the saved plan no longer matches what applying it would do:\n{}\n  Nothing was changed. Plan again and review the new plan.",
                moved.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
            )));
        }
    }
    if !plan.has_changes() {
        return Ok(ApplyReport::default());
    }
    let held = if plan.is_destructive() {
        super::interrupt::unless_interrupted(held_data(ws, aws, &plan, settings.parallelism * 2)).await?
    } else {
        Vec::new()
    };
    if !held.is_empty() {
        printer.out(&render::held(&held));
    }
    if settings.dry_run {
        printer.note("Dry run: nothing was changed.");
        return Ok(ApplyReport::default());
    }
    if !approve(printer, &plan, &held, settings.yes)? {
        return Ok(ApplyReport::default());
    }
    printer.note("");
    let exec = Executor {
        project: &ws.project,
        graph: &ws.graph,
        aws,
        store: &ws.store,
        reporter: &super::report::PrinterReporter(printer),
        parallelism: settings.parallelism,
        allow_destructive: true,
        tearing_down: settings.tearing_down,
        cancel: cancel.clone(),
    };
    let (mut state, report) = exec.apply(&plan, state).await;
    // The whole document again, the journal gone; had this failed, the journal would
    // still be replayed by the next load.
    ws.store.compact(&mut state).await?;
    if let Some(path) = &settings.timings {
        let doc = timings(&plan, &report, planned_in);
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap_or_default()).map_err(|source| OpsError::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        })?;
    }
    let rewired: Vec<String> = report
        .done
        .iter()
        .filter(|(a, act)| act.is_change() && sel.rewire.iter().any(|&n| ws.graph.node(n).address == *a))
        .map(|(a, _)| a.to_string())
        .collect();
    if !rewired.is_empty() {
        printer.status(
            "Re-wired",
            Style::Cyan,
            &format!("{} with the new outputs: {}", plural(rewired.len(), "dependent"), rewired.join(", ")),
        );
    }
    if cancel.is_cancelled() {
        printer.warn(&format!("{} not started", plural(report.not_started.len(), "step")));
        return Err(OpsError::Interrupted);
    }
    if !report.errors.is_empty() {
        let skipped = report.skipped.len();
        if skipped > 0 {
            printer.warn(&format!("{} skipped because something they need failed", plural(skipped, "step")));
        }
        return Err(OpsError::Apply(report.errors));
    }
    let changed = report.changed();
    printer.status("Finished", Style::Green, &format!("{} changed; state saved to {}", plural(changed, "resource"), ws.store.describe()));
    Ok(report)
}

/// `--timings`: when each step ran, the plan phase, and the critical path the run
/// really took (the longest chain of its steps' own durations).
fn timings(plan: &Plan, report: &ApplyReport, planned_in: std::time::Duration) -> serde_json::Value {
    use serde_json::json;
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let weight: Vec<u64> = report.timings.iter().map(|t| t.map(|(a, b)| (b.saturating_sub(a)).as_micros() as u64).unwrap_or(0)).collect();
    let (critical, path) = crate::plan::schedule::critical_path(plan.steps.len(), &plan.edges, &weight);
    let steps: Vec<serde_json::Value> = plan
        .steps
        .iter()
        .zip(&report.timings)
        .filter_map(|(s, t)| {
            let (start, end) = (*t)?;
            Some(json!({"address": s.address.to_string(), "action": s.action().verb(), "start_ms": ms(start), "end_ms": ms(end)}))
        })
        .collect();
    let applied = report.timings.iter().flatten().map(|(_, end)| *end).max().unwrap_or_default();
    // What `plan --estimate` expects of the same plan on AWS, deletes included (no
    // command estimates a `down`): a run on the emulator's scaled clock is measured
    // against it (docs/performance.md, "On AWS's clock").
    let expected = crate::plan::estimate::estimate(plan);
    json!({
        "plan_ms": ms(planned_in),
        "apply_ms": ms(applied),
        "critical_path_ms": critical as f64 / 1000.0,
        "critical_path": path.iter().map(|&i| plan.steps[i].address.to_string()).collect::<Vec<_>>(),
        "estimate_ms": ms(expected.total),
        "estimate_path": expected.path.iter().map(|(a, action, secs)| format!("{a} ({} {secs} s)", action.verb())).collect::<Vec<_>>(),
        "early_edges": plan.early_edges.len(),
        "steps": steps,
    })
}
