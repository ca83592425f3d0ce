//! `infra plan`: show what `up` would do, without changing anything: as text, JSON or
//! Markdown, and saved for `up FILE` to apply exactly (`--out`).

use std::path::PathBuf;

use super::plan_doc::{Costs, PlanDoc, Saved, SavedOptions};
use super::{render, Exit, GlobalOptions, OpsError, Workspace};
use crate::cost::Pricing;
use crate::plan::{select_modules, select_targets, Downstream, Planner, Selection};
use crate::printer::Printer;

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub modules: Vec<String>,
    pub all: bool,
    pub with_deps: bool,
    pub no_dependents: bool,
    /// The deployed dependents whole, not only re-wired (`--with-dependents`).
    pub with_dependents: bool,
    /// These resources and what they need instead of modules (`--target MODULE.NAME`).
    pub targets: Vec<String>,
    /// Resources to replace although nothing forces it (`--replace MODULE.NAME`).
    pub replace: Vec<String>,
    pub parallelism: usize,
    pub refresh: bool,
    /// Also print how long the plan should take on AWS, and its critical path.
    pub estimate: bool,
    pub format: PlanFormat,
    /// Save the plan here for `infra up FILE`.
    pub out: Option<PathBuf>,
}

/// How `plan` prints the plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlanFormat {
    #[default]
    Text,
    /// The plan document (docs/plans.md).
    Json,
    /// For a pull-request comment.
    Markdown,
}

pub async fn plan(global: &GlobalOptions, opts: &PlanOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let ws = Workspace::open(global)?;
    let mut state = ws.load_state(printer).await?;
    let options = SavedOptions {
        modules: opts.modules.clone(),
        all: opts.all,
        with_deps: opts.with_deps,
        no_dependents: opts.no_dependents,
        replace: opts.replace.clone(),
        with_dependents: opts.with_dependents,
        targets: opts.targets.clone(),
    };
    let sel = select(&ws, &state, &options)?;
    let aws = super::connect(global, printer).await?;
    ws.bind(&mut state, aws.preflight().await?)?;
    let planner =
        Planner { project: &ws.project, graph: &ws.graph, state: &state, aws: &aws, parallelism: opts.parallelism, refresh: opts.refresh };
    let plan = super::interrupt::unless_interrupted(planner.plan(&sel)).await??;
    let title = format!("infra plan (environment {}):", global.environment);
    // Prices are an aid to the reviewer: a pricing file that does not load costs the
    // plan its figures, not its run (`validate` reports the file's problems).
    let costs = Pricing::load(&ws.project.root).map(|p| Costs::of(&plan, &p)).unwrap_or_default();
    let doc = PlanDoc::new(&plan, &global.environment, &costs);
    match opts.format {
        PlanFormat::Text => {
            printer.out(&render::priced_plan(printer, &plan, &title, &costs));
            if !plan.left_out.is_empty() {
                printer.out(&render::left_out(printer, &plan));
            }
        }
        PlanFormat::Json => printer.out(&doc.to_json()),
        PlanFormat::Markdown => printer.out(&render::markdown(&doc, &format!("infra plan: environment `{}`", global.environment))),
    }
    if opts.estimate && plan.has_changes() {
        printer.out(&render::estimate(&crate::plan::estimate::estimate(&plan)));
    }
    if let Some(path) = &opts.out {
        let saved = Saved { lineage: state.lineage.clone(), serial: state.serial, options, created_at: crate::state::now() };
        PlanDoc { saved: Some(saved), ..doc }.write(path)?;
        printer.note(&format!("\nSaved the plan to {}. `infra up {}` applies exactly this plan.", path.display(), path.display()));
    }
    Ok(if plan.has_changes() { Exit::Changes } else { Exit::Ok })
}

/// What `plan` and `up` (also of a saved plan) select: the modules named and as much
/// around them as the options say, or the `--target` resources and what they need.
pub(super) fn select(ws: &Workspace, state: &crate::state::State, o: &SavedOptions) -> Result<Selection, OpsError> {
    let mut sel = if o.targets.is_empty() {
        let modules = ws.modules(&o.modules, o.all, state)?;
        let downstream = match (o.with_dependents, o.no_dependents) {
            (true, _) => Downstream::Whole,
            (_, true) => Downstream::Untouched,
            _ => Downstream::Rewire,
        };
        select_modules(&ws.project, &ws.graph, state, &modules, o.with_deps || o.all, downstream)?
    } else if !o.modules.is_empty() || o.all {
        return Err(OpsError::Usage("--target selects resources itself; give it without module names or --all".into()));
    } else {
        select_targets(&ws.graph, state, &o.targets)?
    };
    sel.force_replace(&ws.project, &ws.graph, &o.replace)?;
    Ok(sel)
}
