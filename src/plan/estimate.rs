//! How long a plan should take on real AWS: typical durations per type and action
//! (`durations.toml`, each with its source) added up along the plan's critical path.
//! The executor uses the same figures to start the longest chains first.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;

use super::step::{Action, Plan};
use crate::graph::{Address, Kind};

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    create: u64,
    update: u64,
    delete: u64,
    #[allow(dead_code)]
    source: String,
}

fn table() -> &'static HashMap<String, Entry> {
    static TABLE: OnceLock<HashMap<String, Entry>> = OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(include_str!("durations.toml")).unwrap_or_default())
}

/// Typical seconds a step takes on AWS.
pub fn seconds(type_name: &str, kind: Kind, action: Action) -> u64 {
    if kind != Kind::Resource {
        return 0;
    }
    let t = table();
    let Some(e) = t.get(type_name).or_else(|| t.get("default")) else { return 1 };
    match action {
        Action::Create => e.create,
        Action::Update => e.update,
        Action::Replace => e.delete + e.create,
        Action::Delete => e.delete,
        Action::Read | Action::Same | Action::Forget => 0,
    }
}

/// Each step's weight for scheduling: its typical duration, plus one so that longer
/// chains of quick steps still come first.
pub fn weights(plan: &Plan) -> Vec<u64> {
    plan.steps.iter().map(|s| seconds(&s.type_name, s.address.kind, s.action()) * 1000 + 1).collect()
}

/// The expected wall time and the chain of steps that decides it.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub total: Duration,
    pub path: Vec<(Address, Action, u64)>,
    /// The same with every dependency waited for, as if no attribute were known early.
    pub without_early: Duration,
}

pub fn estimate(plan: &Plan) -> Estimate {
    let weight: Vec<u64> = plan.steps.iter().map(|s| seconds(&s.type_name, s.address.kind, s.action())).collect();
    let n = plan.steps.len();
    let (total, path) = super::schedule::critical_path(n, &plan.edges, &weight);
    let all: Vec<(usize, usize)> = plan.edges.iter().chain(plan.early_edges.iter()).copied().collect();
    let (without, _) = super::schedule::critical_path(n, &all, &weight);
    Estimate {
        total: Duration::from_secs(total),
        path: path
            .into_iter()
            .filter(|&i| weight[i] > 0)
            .map(|i| (plan.steps[i].address.clone(), plan.steps[i].action(), weight[i]))
            .collect(),
        without_early: Duration::from_secs(without),
    }
}
