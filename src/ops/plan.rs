//! `infra plan`: show what `up` would do, without changing anything.

use super::{render, Exit, GlobalOptions, OpsError, Workspace};
use crate::plan::{select_up, Planner};
use crate::printer::Printer;

#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub modules: Vec<String>,
    pub all: bool,
    pub with_deps: bool,
    pub no_dependents: bool,
    pub parallelism: usize,
    pub refresh: bool,
    /// Also print how long the plan should take on AWS, and its critical path.
    pub estimate: bool,
}

pub async fn plan(global: &GlobalOptions, opts: &PlanOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let ws = Workspace::open(global)?;
    let mut state = ws.load_state(printer).await?;
    let modules = ws.modules(&opts.modules, opts.all, &state)?;
    let sel = select_up(&ws.project, &ws.graph, &state, &modules, opts.with_deps || opts.all, !opts.no_dependents)?;
    let aws = super::connect(global, printer).await?;
    ws.bind(&mut state, aws.preflight().await?)?;
    let planner =
        Planner { project: &ws.project, graph: &ws.graph, state: &state, aws: &aws, parallelism: opts.parallelism, refresh: opts.refresh };
    let plan = super::interrupt::unless_interrupted(planner.plan(&sel)).await??;
    let title = format!("infra plan (environment {}):", global.environment);
    printer.out(&render::plan(printer, &plan, &title));
    if opts.estimate && plan.has_changes() {
        printer.out(&render::estimate(&crate::plan::estimate::estimate(&plan)));
    }
    Ok(if plan.has_changes() { Exit::Changes } else { Exit::Ok })
}
