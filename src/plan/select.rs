//! Which graph nodes a command touches: the named modules, the upstream modules they
//! need (`--with-deps`), the deployed dependents (re-wired, or whole with
//! `--with-dependents`), single resources and what they need (`--target`), and what to
//! delete.

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
    #[error("--replace {address}: {why}")]
    Replace { address: String, why: String },
    #[error("--target {address}: {why}")]
    Target { address: String, why: String },
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
    /// Resources to replace although nothing forces it (`--replace`).
    pub replace: BTreeSet<Address>,
    /// Not everything deployed is selected: the plan lists the pending changes it
    /// leaves out.
    pub partial: bool,
}

/// How far `up` and `plan` reach into the deployed modules downstream of the named ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Downstream {
    /// Not at all (`--no-dependents`).
    Untouched,
    /// Only what this run's changed values change in them (the default).
    Rewire,
    /// Whole, as if named (`--with-dependents`).
    Whole,
}

impl Selection {
    /// Replace these resources (`module.name`) in this run although nothing forces it
    /// (`--replace`): each must be a resource the manifests declare in a selected module.
    pub fn force_replace(&mut self, project: &Project, graph: &Graph, addresses: &[String]) -> Result<(), SelectError> {
        for text in addresses {
            let refuse = |why: String| SelectError::Replace { address: text.clone(), why };
            let Some((module, name)) = text.split_once('.') else {
                return Err(refuse("expected MODULE.RESOURCE, e.g. 5_database.aurora".into()));
            };
            let Some(m) = project.module(module) else {
                let help = crate::manifest::suggest_module(project, module).map(|s| format!(" ({s})")).unwrap_or_default();
                return Err(refuse(format!("no module `{module}`{help}")));
            };
            if !m.resources.contains_key(name) {
                return Err(refuse(format!("module {module} declares no resource `{name}`")));
            }
            let address = Address::resource(module, name);
            if !graph.index_of(&address).is_some_and(|n| self.nodes.contains(&n)) {
                return Err(refuse(format!("module {module} is not part of this run; add it (infra up {module} --replace {text})")));
            }
            self.replace.insert(address);
        }
        Ok(())
    }
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

/// For `up` / `plan`: the modules, re-wiring their deployed dependents or not.
pub fn select_up(
    project: &Project,
    graph: &Graph,
    state: &State,
    modules: &[String],
    with_deps: bool,
    rewire: bool,
) -> Result<Selection, SelectError> {
    let downstream = if rewire { Downstream::Rewire } else { Downstream::Untouched };
    select_modules(project, graph, state, modules, with_deps, downstream)
}

/// The modules (and their upstream ones with `with_deps`), and as much of the deployed
/// modules downstream as `downstream` says.
pub fn select_modules(
    project: &Project,
    graph: &Graph,
    state: &State,
    modules: &[String],
    with_deps: bool,
    downstream: Downstream,
) -> Result<Selection, SelectError> {
    check_modules(project, state, modules)?;
    let mut chosen: BTreeSet<String> = modules.iter().cloned().collect();
    if with_deps {
        chosen = upstream_closure(project, &chosen);
    }
    if downstream == Downstream::Whole {
        loop {
            let more = dependents(project, state, &chosen);
            if more.is_empty() {
                break;
            }
            chosen.extend(more);
        }
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
    if downstream != Downstream::Untouched {
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
    let partial = state.modules.iter().any(|(m, ms)| !chosen.contains(m) && !ms.resources.is_empty());
    Ok(Selection { modules: chosen, nodes, rewire: rewired, deletes, replace: BTreeSet::new(), partial })
}

/// For `up --target` / `plan --target`: each resource named (`MODULE.NAME`) and what it
/// needs (the resources, outputs and lookups it reads, transitively), nothing else. A
/// recorded resource the manifests no longer declare is deleted.
pub fn select_targets(graph: &Graph, state: &State, targets: &[String]) -> Result<Selection, SelectError> {
    let mut nodes = HashSet::new();
    let mut deletes = Vec::new();
    for text in targets {
        let refuse = |why: String| SelectError::Target { address: text.clone(), why };
        let Some((module, name)) = text.split_once('.') else {
            return Err(refuse("expected MODULE.RESOURCE, e.g. 5_database.aurora".into()));
        };
        let address = Address::resource(module, name);
        if let Some(n) = graph.index_of(&address) {
            nodes.insert(n);
        } else if state.resource(module, name).is_some() {
            deletes.push((module.to_string(), name.to_string()));
        } else {
            let known = graph
                .dag
                .node_indices()
                .map(|n| &graph.node(n).address)
                .filter(|a| a.kind == Kind::Resource)
                .map(Address::to_string)
                .chain(state.modules.iter().flat_map(|(m, ms)| ms.resources.keys().map(move |r| format!("{m}.{r}"))));
            let known: BTreeSet<String> = known.collect();
            let help = crate::manifest::suggest(text, known.iter().map(String::as_str)).map(|s| format!("; {s}")).unwrap_or_default();
            return Err(refuse(format!("no resource `{name}` in module `{module}` (declared or recorded){help}")));
        }
    }
    let mut stack: Vec<NodeIndex> = nodes.iter().copied().collect();
    while let Some(n) = stack.pop() {
        for d in graph.dependencies(n) {
            if nodes.insert(d) {
                stack.push(d);
            }
        }
    }
    Ok(Selection { nodes, deletes, partial: true, ..Selection::default() })
}

impl Selection {
    /// What this selection leaves out of the deployed modules, with what it reads (so it
    /// can be resolved): planned only to tell what else is pending.
    pub fn rest(&self, graph: &Graph, state: &State) -> Selection {
        let deployed: BTreeSet<&String> = state.modules.iter().filter(|(_, ms)| !ms.resources.is_empty()).map(|(m, _)| m).collect();
        let mut nodes: HashSet<NodeIndex> =
            graph.dag.node_indices().filter(|n| !self.nodes.contains(n) && deployed.contains(&graph.node(*n).address.module)).collect();
        let mut stack: Vec<NodeIndex> = nodes.iter().copied().collect();
        while let Some(n) = stack.pop() {
            for d in graph.dependencies(n) {
                if nodes.insert(d) {
                    stack.push(d);
                }
            }
        }
        let modules: BTreeSet<String> = deployed.into_iter().filter(|m| !self.modules.contains(*m)).cloned().collect();
        let deletes = modules
            .iter()
            .filter_map(|m| state.modules.get(m).map(|ms| (m, ms)))
            .flat_map(|(m, ms)| ms.resources.keys().map(move |n| (m.clone(), n.clone())))
            .filter(|(m, n)| graph.index_of(&Address::resource(m, n)).is_none() && !self.deletes.contains(&(m.clone(), n.clone())))
            .collect();
        Selection { modules, nodes, deletes, ..Selection::default() }
    }
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
