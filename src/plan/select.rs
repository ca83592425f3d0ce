//! Which graph nodes a command touches: the named modules, the upstream modules they
//! need (`--with-deps`), the deployed dependents to re-wire, and what to delete.

use std::collections::{BTreeSet, HashSet};

use petgraph::graph::NodeIndex;

use crate::graph::{Address, Graph, Kind};
use crate::manifest::Project;
use crate::state::State;

#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error("unknown module `{0}`{1}")]
    UnknownModule(String, String),
    #[error("{}", upstream_message(.0))]
    UpstreamMissing(Vec<(String, String)>),
    #[error(
        "refusing to tear down {}: deployed modules use its outputs: {}\n  Pass --with-dependents to tear them down too, or --keep-dependents to keep them (they become stale until {} is deployed again).",
        .modules.join(", "), .dependents.join(", "), .modules.join(", ")
    )]
    HasDependents { modules: Vec<String>, dependents: Vec<String> },
}

fn upstream_message(missing: &[(String, String)]) -> String {
    let lines: Vec<String> = missing.iter().map(|(m, up)| format!("  {m} reads outputs of {up}, which is not deployed")).collect();
    let ups: BTreeSet<&str> = missing.iter().map(|(_, up)| up.as_str()).collect();
    let ups: Vec<&str> = ups.into_iter().collect();
    format!(
        "cannot deploy before its upstream modules:\n{}\n  Deploy them first (infra up {}), or add --with-deps to deploy them in the same run.",
        lines.join("\n"),
        ups.join(" ")
    )
}

#[derive(Debug, Default)]
pub struct Selection {
    /// Modules named (plus upstream ones with `--with-deps`).
    pub modules: BTreeSet<String>,
    /// Graph nodes to plan.
    pub nodes: HashSet<NodeIndex>,
    /// Of those, the nodes of other, deployed modules included to re-wire them.
    pub rewire: HashSet<NodeIndex>,
    /// Recorded resources to delete: `(module, name)`.
    pub deletes: Vec<(String, String)>,
}

fn check_modules(project: &Project, state: &State, modules: &[String]) -> Result<(), SelectError> {
    for m in modules {
        if project.module(m).is_none() && !state.modules.contains_key(m) {
            let help = crate::manifest::suggest_module(project, m).map(|s| format!(" ({s})")).unwrap_or_default();
            return Err(SelectError::UnknownModule(m.clone(), help));
        }
    }
    Ok(())
}

/// Modules `module` reads from, transitively.
fn upstream_closure(project: &Project, roots: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = roots.clone();
    let mut stack: Vec<String> = roots.iter().cloned().collect();
    while let Some(m) = stack.pop() {
        for up in project.module(&m).map(|m| m.upstream_modules()).unwrap_or_default() {
            if out.insert(up.clone()) {
                stack.push(up);
            }
        }
    }
    out
}

/// For `up` / `plan`.
pub fn select_up(
    project: &Project,
    graph: &Graph,
    state: &State,
    modules: &[String],
    with_deps: bool,
    rewire: bool,
) -> Result<Selection, SelectError> {
    check_modules(project, state, modules)?;
    let mut chosen: BTreeSet<String> = modules.iter().cloned().collect();
    if with_deps {
        chosen = upstream_closure(project, &chosen);
    }
    let mut missing = Vec::new();
    for m in &chosen {
        let Some(module) = project.module(m) else { continue };
        for up in module.upstream_modules() {
            if !chosen.contains(&up) && !state.is_deployed(&up) {
                missing.push((m.clone(), up));
            }
        }
    }
    if !missing.is_empty() {
        return Err(SelectError::UpstreamMissing(missing));
    }

    let mut nodes: HashSet<NodeIndex> = chosen.iter().flat_map(|m| graph.module_nodes(m)).collect();
    let mut rewired = HashSet::new();
    if rewire {
        for n in graph.downstream(&nodes) {
            let addr = &graph.node(n).address;
            let keep = match addr.kind {
                Kind::Resource => state.resource(&addr.module, &addr.name).is_some(),
                Kind::Output => state.is_deployed(&addr.module),
                Kind::Data => true,
            };
            if keep && !chosen.contains(&addr.module) {
                rewired.insert(n);
            }
        }
    }
    nodes.extend(rewired.iter().copied());
    add_data_closure(graph, &mut nodes);

    let mut deletes = Vec::new();
    for m in &chosen {
        let Some(ms) = state.modules.get(m) else { continue };
        for name in ms.resources.keys() {
            if graph.index_of(&Address::resource(m, name)).is_none() {
                deletes.push((m.clone(), name.clone()));
            }
        }
    }
    Ok(Selection { modules: chosen, nodes, rewire: rewired, deletes })
}

/// Data lookups the selected nodes read, so their values are available.
fn add_data_closure(graph: &Graph, nodes: &mut HashSet<NodeIndex>) {
    let mut stack: Vec<NodeIndex> = nodes.iter().copied().collect();
    while let Some(n) = stack.pop() {
        for d in graph.dependencies(n) {
            if graph.node(d).address.kind == Kind::Data && nodes.insert(d) {
                stack.push(d);
            }
        }
    }
}

/// Deployed modules (outside `modules`) that read outputs of `modules`.
pub fn dependents(project: &Project, state: &State, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (name, ms) in &state.modules {
        if modules.contains(name) || ms.resources.is_empty() {
            continue;
        }
        let by_manifest = project.module(name).is_some_and(|m| m.upstream_modules().iter().any(|u| modules.contains(u)));
        let by_state =
            ms.resources.values().flat_map(|r| r.consumed.keys()).any(|k| k.split_once('.').is_some_and(|(up, _)| modules.contains(up)));
        if by_manifest || by_state {
            out.insert(name.clone());
        }
    }
    out
}

/// For `down`: every recorded resource of the modules, after checking dependents.
pub fn select_down(
    project: &Project,
    state: &State,
    modules: &[String],
    with_dependents: bool,
    keep_dependents: bool,
) -> Result<Selection, SelectError> {
    check_modules(project, state, modules)?;
    let mut chosen: BTreeSet<String> = modules.iter().cloned().collect();
    loop {
        let deps = dependents(project, state, &chosen);
        if deps.is_empty() || keep_dependents {
            break;
        }
        if !with_dependents {
            return Err(SelectError::HasDependents { modules: chosen.into_iter().collect(), dependents: deps.into_iter().collect() });
        }
        chosen.extend(deps);
    }
    let deletes = chosen
        .iter()
        .filter_map(|m| state.modules.get(m).map(|ms| (m, ms)))
        .flat_map(|(m, ms)| ms.resources.keys().map(move |n| (m.clone(), n.clone())))
        .collect();
    Ok(Selection { modules: chosen, deletes, ..Selection::default() })
}
