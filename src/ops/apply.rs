//! The flow `up` and `down` share: plan, show the plan, get approval for destructive
//! steps, execute with Ctrl-C handling, save, summarise.

use std::collections::HashSet;
use std::io::IsTerminal;

use super::{plural, render, OpsError, Workspace};
use crate::aws::Aws;
use crate::engine::{ApplyReport, Executor};
use crate::plan::{Action, Plan, Planner, Selection};
use crate::printer::{Printer, Style};
use crate::state::State;

pub struct ApplySettings {
    pub yes: bool,
    pub dry_run: bool,
    pub parallelism: usize,
    pub tearing_down: HashSet<String>,
    pub title: String,
    /// Write step timings and the run's critical path here.
    pub timings: Option<std::path::PathBuf>,
}

/// Ask on a terminal; refuse when nobody can answer.
fn approve(printer: &Printer, plan: &Plan, yes: bool) -> Result<bool, OpsError> {
    if !plan.is_destructive() || yes {
        return Ok(true);
    }
    let n = plan.count(Action::Delete) + plan.count(Action::Replace);
    if !std::io::stdin().is_terminal() {
        return Err(OpsError::Refused(format!(
            "the plan deletes or replaces {}; pass --yes to allow that in a non-interactive run",
            plural(n, "resource")
        )));
    }
    let question = format!("\nThe plan deletes or replaces {}. Type 'yes' to continue: ", plural(n, "resource"));
    let answer = printer.prompt(&question).map_err(|e| OpsError::Refused(format!("cannot read the answer: {e}")))?;
    if answer.trim() == "yes" {
        Ok(true)
    } else {
        printer.note("Cancelled; nothing was changed.");
        Ok(false)
    }
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
    if !plan.has_changes() {
        return Ok(ApplyReport::default());
    }
    if settings.dry_run {
        printer.note("Dry run: nothing was changed.");
        return Ok(ApplyReport::default());
    }
    if !approve(printer, &plan, settings.yes)? {
        return Ok(ApplyReport::default());
    }
    printer.note("");
    let exec = Executor {
        project: &ws.project,
        graph: &ws.graph,
        aws,
        store: &ws.store,
        reporter: &super::report::Progress(printer),
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
        std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap_or_default())
            .map_err(|e| OpsError::Usage(format!("cannot write {}: {e}", path.display())))?;
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
            Some(json!({"address": s.address.to_string(), "action": s.action.verb(), "start_ms": ms(start), "end_ms": ms(end)}))
        })
        .collect();
    let applied = report.timings.iter().flatten().map(|(_, end)| *end).max().unwrap_or_default();
    json!({
        "plan_ms": ms(planned_in),
        "apply_ms": ms(applied),
        "critical_path_ms": critical as f64 / 1000.0,
        "critical_path": path.iter().map(|&i| plan.steps[i].address.to_string()).collect::<Vec<_>>(),
        "early_edges": plan.early_edges.len(),
        "steps": steps,
    })
}
