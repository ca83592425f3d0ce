//! The dependency DAG of every resource, data lookup and output across all modules.
//! Edges run from a dependency to what uses it; they come from `${...}` references and
//! `depends_on`. The graph knows nothing of AWS or of how it will be walked.

use std::collections::{HashMap, HashSet};
use std::fmt;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use crate::manifest::expr::Reference;
use crate::manifest::{Dependency, Diagnostic, Loc, Project};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Resource,
    Data,
    Output,
}

/// A node's address: `5_database.aurora`, `5_database.data.vpc`, `5_database.output.aurora_secret_arn`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub module: String,
    pub kind: Kind,
    pub name: String,
}

impl Address {
    pub fn resource(module: &str, name: &str) -> Self {
        Address { module: module.into(), kind: Kind::Resource, name: name.into() }
    }
    pub fn data(module: &str, name: &str) -> Self {
        Address { module: module.into(), kind: Kind::Data, name: name.into() }
    }
    pub fn output(module: &str, name: &str) -> Self {
        Address { module: module.into(), kind: Kind::Output, name: name.into() }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::Resource => write!(f, "{}.{}", self.module, self.name),
            Kind::Data => write!(f, "{}.data.{}", self.module, self.name),
            Kind::Output => write!(f, "{}.output.{}", self.module, self.name),
        }
    }
}

#[derive(Debug, Clone)]
pub struct GraphNode {
    pub address: Address,
    /// Resource or data type; empty for outputs.
    pub type_name: String,
    pub loc: Loc,
}

#[derive(Debug)]
pub struct Graph {
    pub dag: DiGraph<GraphNode, ()>,
    index: HashMap<Address, NodeIndex>,
}

impl Graph {
    /// Build the graph; a cycle is an error that prints the cycle with locations.
    pub fn build(project: &Project) -> Result<Self, Vec<Diagnostic>> {
        let mut dag = DiGraph::new();
        let mut index = HashMap::new();
        for m in project.modules.values() {
            let decls = m
                .data
                .values()
                .map(|d| (Address::data(&m.name, &d.name), d))
                .chain(m.resources.values().map(|d| (Address::resource(&m.name, &d.name), d)));
            for (addr, d) in decls {
                let node = GraphNode { address: addr.clone(), type_name: d.type_name.clone(), loc: d.loc.clone() };
                index.insert(addr, dag.add_node(node));
            }
            for o in m.outputs.values() {
                let addr = Address::output(&m.name, &o.name);
                let node = GraphNode { address: addr.clone(), type_name: String::new(), loc: o.loc.clone() };
                index.insert(addr, dag.add_node(node));
            }
        }
        let mut edges = HashSet::new();
        for m in project.modules.values() {
            let users = m
                .data
                .values()
                .map(|d| (Address::data(&m.name, &d.name), &d.references, d.depends_on.as_slice()))
                .chain(m.resources.values().map(|d| (Address::resource(&m.name, &d.name), &d.references, d.depends_on.as_slice())))
                .chain(m.outputs.values().map(|o| (Address::output(&m.name, &o.name), &o.references, &[][..])));
            for (user, refs, deps) in users {
                let to = index[&user];
                let mut from: Vec<Address> =
                    m.expand_locals(refs.iter().map(|(r, _)| r)).into_iter().filter_map(|r| reference_target(&m.name, r)).collect();
                for (dep, _) in deps {
                    match dep {
                        Dependency::Resource(n) => from.push(Address::resource(&m.name, n)),
                        Dependency::Data(n) => from.push(Address::data(&m.name, n)),
                        Dependency::Module(up) => {
                            if let Some(up) = project.module(up) {
                                from.extend(up.resources.keys().map(|n| Address::resource(&up.name, n)));
                            }
                        }
                    }
                }
                for addr in from {
                    // Validation reports references to nothing; here they are skipped.
                    if let Some(&f) = index.get(&addr) {
                        if edges.insert((f, to)) {
                            dag.add_edge(f, to, ());
                        }
                    }
                }
            }
        }
        let graph = Graph { dag, index };
        graph.check_cycles()?;
        Ok(graph)
    }

    fn check_cycles(&self) -> Result<(), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        for scc in tarjan_scc(&self.dag) {
            let self_loop = scc.len() == 1 && self.dag.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let cycle = self.cycle_path(&scc);
            let names: Vec<String> = cycle.iter().chain(cycle.first()).map(|&i| self.dag[i].address.to_string()).collect();
            let first = &self.dag[cycle[0]];
            let mut d = Diagnostic::at(first.loc.clone(), format!("dependency cycle: {}", names.join(" -> ")));
            let places: Vec<String> = cycle.iter().map(|&i| format!("{} at {}", self.dag[i].address, self.dag[i].loc)).collect();
            d.help = Some(format!("the cycle passes through {}", places.join(", ")));
            diags.push(d);
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(diags)
        }
    }

    /// One concrete cycle inside a strongly connected component, in edge order.
    fn cycle_path(&self, scc: &[NodeIndex]) -> Vec<NodeIndex> {
        let members: HashSet<NodeIndex> = scc.iter().copied().collect();
        let start = *scc.iter().min_by_key(|i| &self.dag[**i].address).unwrap_or(&scc[0]);
        let mut path = vec![start];
        let mut seen = HashSet::from([start]);
        let mut cur = start;
        loop {
            let mut next = self.dag.neighbors_directed(cur, Direction::Outgoing).filter(|n| members.contains(n)).collect::<Vec<_>>();
            next.sort_by_key(|n| &self.dag[*n].address);
            if next.contains(&start) {
                return path;
            }
            match next.into_iter().find(|n| !seen.contains(n)) {
                Some(n) => {
                    seen.insert(n);
                    path.push(n);
                    cur = n;
                }
                None => return path,
            }
        }
    }

    pub fn index_of(&self, addr: &Address) -> Option<NodeIndex> {
        self.index.get(addr).copied()
    }

    pub fn node(&self, i: NodeIndex) -> &GraphNode {
        &self.dag[i]
    }

    pub fn dependencies(&self, i: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.dag.neighbors_directed(i, Direction::Incoming)
    }

    /// Addresses of the resources a node reads, looking through outputs and data: what
    /// the state records as its dependencies (a resource is deleted before them).
    pub fn resources_read(&self, addr: &Address) -> Vec<String> {
        let Some(start) = self.index_of(addr) else { return Vec::new() };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<_> = self.dependencies(start).collect();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let a = &self.node(n).address;
            match a.kind {
                Kind::Resource => out.push(a.to_string()),
                Kind::Data | Kind::Output => stack.extend(self.dependencies(n)),
            }
        }
        out.sort();
        out
    }

    /// Every node that depends on one of `seeds`, directly or not (seeds excluded).
    pub fn downstream(&self, seeds: &HashSet<NodeIndex>) -> HashSet<NodeIndex> {
        let mut out = HashSet::new();
        let mut stack: Vec<NodeIndex> = seeds.iter().copied().collect();
        while let Some(n) = stack.pop() {
            for d in self.dag.neighbors_directed(n, Direction::Outgoing) {
                if !seeds.contains(&d) && out.insert(d) {
                    stack.push(d);
                }
            }
        }
        out
    }

    pub fn module_nodes<'a>(&'a self, module: &'a str) -> impl Iterator<Item = NodeIndex> + 'a {
        self.dag.node_indices().filter(move |&i| self.dag[i].address.module == module)
    }

    /// Nodes in dependency order (valid because the graph has no cycle).
    pub fn topological(&self) -> Vec<NodeIndex> {
        petgraph::algo::toposort(&self.dag, None).unwrap_or_default()
    }

    /// Nodes of the given modules (all if empty) plus the other modules' nodes they read.
    fn shown(&self, modules: &[String]) -> Vec<NodeIndex> {
        let wanted = |i: NodeIndex| modules.is_empty() || modules.contains(&self.dag[i].address.module);
        let mut nodes: HashSet<NodeIndex> = self.dag.node_indices().filter(|&i| wanted(i)).collect();
        let upstream: Vec<NodeIndex> = nodes.iter().flat_map(|&i| self.dependencies(i)).collect();
        nodes.extend(upstream);
        let mut nodes: Vec<NodeIndex> = nodes.into_iter().collect();
        nodes.sort_by_key(|i| &self.dag[*i].address);
        nodes
    }

    fn by_module(&self, nodes: &[NodeIndex]) -> Vec<(String, Vec<NodeIndex>)> {
        let mut groups: Vec<(String, Vec<NodeIndex>)> = Vec::new();
        for &i in nodes {
            let m = &self.dag[i].address.module;
            match groups.last_mut() {
                Some((name, list)) if name == m => list.push(i),
                _ => groups.push((m.clone(), vec![i])),
            }
        }
        groups
    }

    fn label(&self, i: NodeIndex) -> String {
        let n = &self.dag[i];
        match n.address.kind {
            Kind::Resource => format!("{}\\n{}", n.address.name, n.type_name),
            Kind::Data => format!("data.{}\\n{}", n.address.name, n.type_name),
            Kind::Output => format!("output.{}", n.address.name),
        }
    }

    /// Graphviz DOT, one cluster per module.
    pub fn to_dot(&self, modules: &[String]) -> String {
        let nodes = self.shown(modules);
        let set: HashSet<NodeIndex> = nodes.iter().copied().collect();
        let mut out = String::from("digraph infra {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
        for (module, list) in self.by_module(&nodes) {
            out.push_str(&format!("  subgraph \"cluster_{module}\" {{\n    label=\"{module}\";\n"));
            for i in list {
                let shape = match self.dag[i].address.kind {
                    Kind::Resource => "box",
                    Kind::Data => "cylinder",
                    Kind::Output => "note",
                };
                out.push_str(&format!("    \"{}\" [label=\"{}\", shape={shape}];\n", self.dag[i].address, self.label(i)));
            }
            out.push_str("  }\n");
        }
        let mut edges: Vec<(String, String)> = self
            .dag
            .edge_references()
            .filter(|e| set.contains(&e.source()) && set.contains(&e.target()))
            .map(|e| (self.dag[e.source()].address.to_string(), self.dag[e.target()].address.to_string()))
            .collect();
        edges.sort();
        for (a, b) in edges {
            out.push_str(&format!("  \"{a}\" -> \"{b}\";\n"));
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid flowchart, one subgraph per module.
    pub fn to_mermaid(&self, modules: &[String]) -> String {
        let nodes = self.shown(modules);
        let ids: HashMap<NodeIndex, String> = nodes.iter().enumerate().map(|(k, &i)| (i, format!("n{k}"))).collect();
        let mut out = String::from("flowchart LR\n");
        for (k, (module, list)) in self.by_module(&nodes).into_iter().enumerate() {
            out.push_str(&format!("  subgraph m{k}[\"{module}\"]\n"));
            for i in list {
                let label = self.label(i).replace("\\n", "<br/>");
                out.push_str(&format!("    {}[\"{label}\"]\n", ids[&i]));
            }
            out.push_str("  end\n");
        }
        let mut edges: Vec<(&String, &String)> =
            self.dag.edge_references().filter_map(|e| Some((ids.get(&e.source())?, ids.get(&e.target())?))).collect();
        edges.sort();
        for (a, b) in edges {
            out.push_str(&format!("  {a} --> {b}\n"));
        }
        out
    }
}

/// The node a reference reads from, if it is one (variables and `aws.*` are not nodes).
pub fn reference_target(module: &str, r: &Reference) -> Option<Address> {
    match r {
        Reference::Resource { name, .. } => Some(Address::resource(module, name)),
        Reference::Data { name, .. } => Some(Address::data(module, name)),
        Reference::Module { module, output } => Some(Address::output(module, output)),
        Reference::Var(_) | Reference::Local(_) | Reference::Aws(_) | Reference::Env => None,
    }
}
