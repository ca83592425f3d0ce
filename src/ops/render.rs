//! Text for plans and results: one line per step with its symbol, address and type,
//! then the changed properties (`old -> new`, drift and forced replacement marked), and
//! the data held by what a plan deletes.

use serde_json::Value;

use super::report::action_style;
use crate::graph::Kind;
use crate::plan::{Action, Plan, Step};
use crate::printer::{Printer, Style};
use crate::schema::is_unknown;

/// A value as shown in a plan; long values are cut unless verbose.
pub fn show_value(v: &Value, full: bool) -> String {
    let text = match v {
        Value::Null => "(none)".to_string(),
        v if is_unknown(v) => "(known after apply)".to_string(),
        other => other.to_string(),
    };
    // A marker inside a larger value is JSON-escaped: drop its control character, and
    // the marker's own words remain.
    let text = text.replace("\\u0001", "");
    if full || text.chars().count() <= 90 {
        text
    } else {
        format!("{}...", text.chars().take(87).collect::<String>())
    }
}

fn step_line(p: &Printer, step: &Step, width: usize) -> String {
    let shown = if step.adopt && step.action == Action::Same { Action::Update } else { step.action };
    let symbol = p.paint(action_style(shown), &format!("{:>3}", shown.symbol()));
    let mut notes = Vec::new();
    if step.rewire {
        notes.push("re-wire".to_string());
    }
    if step.changes.iter().any(|c| c.drift) && step.changes.iter().all(|c| c.drift) {
        notes.push("drift".to_string());
    }
    if let Some(r) = &step.reason {
        notes.push(r.clone());
    }
    let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join("; ")) };
    format!("{symbol} {:<width$}  {}{}", step.address.to_string(), p.paint(Style::Dim, &step.type_name), notes)
}

/// The whole plan as text.
pub fn plan(p: &Printer, plan: &Plan, title: &str) -> String {
    let full = p.verbosity() >= 1;
    let shown: Vec<&Step> = plan.steps.iter().filter(|s| (s.action.is_change() || s.adopt) && s.address.kind == Kind::Resource).collect();
    let outputs: Vec<&Step> = plan.steps.iter().filter(|s| s.action.is_change() && s.address.kind == Kind::Output).collect();
    if shown.is_empty() && outputs.is_empty() {
        return "No changes. The infrastructure matches the manifests.".to_string();
    }
    let width = shown.iter().map(|s| s.address.to_string().len()).max().unwrap_or(0);
    let mut out = vec![title.to_string(), String::new()];
    for step in &shown {
        out.push(step_line(p, step, width));
        for c in &step.changes {
            let mut tags = Vec::new();
            if c.change.replace {
                tags.push(p.paint(Style::Red, "forces replacement"));
            }
            if c.drift {
                tags.push(p.paint(Style::Yellow, "changed outside infra"));
            }
            let tags = if tags.is_empty() { String::new() } else { format!("  ({})", tags.join(", ")) };
            out.push(format!(
                "        {}: {} -> {}{tags}",
                c.change.path,
                show_value(&c.change.old, full),
                show_value(&c.change.new, full)
            ));
        }
        if full && step.action == Action::Create {
            out.push("        (all properties are new)".to_string());
        }
    }
    if !outputs.is_empty() {
        out.push(String::new());
        out.push("Outputs:".to_string());
        for step in outputs {
            let value = step.changes.first().map(|c| show_value(&c.change.new, full)).unwrap_or_default();
            let sym = p.paint(action_style(step.action), &format!("{:>3}", step.action.symbol()));
            out.push(format!("{sym} {}.{} = {}", step.address.module, step.address.name, value));
        }
    }
    out.push(String::new());
    let forget = shown.iter().any(|s| s.action == Action::Forget);
    let counts = [Action::Create, Action::Update, Action::Replace, Action::Delete, Action::Forget]
        .iter()
        .filter(|&&a| a != Action::Forget || forget)
        .map(|&a| {
            let n = shown.iter().filter(|s| s.action == a).count();
            let word = match a {
                Action::Create => "to create",
                Action::Update => "to update",
                Action::Replace => "to replace",
                Action::Forget => "to forget (left in AWS)",
                _ => "to delete",
            };
            format!("{n} {word}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    out.push(format!("Plan: {counts}."));
    let unknown = shown.iter().any(|s| s.changes.iter().any(|c| is_unknown(&c.change.new)));
    if unknown {
        out.push("Values shown as (known after apply) are resolved when the step runs.".to_string());
    }
    out.join("\n")
}

/// The data the plan's deletions and replacements take with them, one line per
/// resource that holds any: what it holds, and what (if anything) outlives it.
pub fn held(held: &[super::apply::Held]) -> String {
    let mut out = vec![String::new(), "Data in what this plan deletes or replaces:".to_string()];
    for h in held {
        let fate = h.contents.kept.as_deref().unwrap_or("deleted with it");
        out.push(format!("  {} ({}): {}; {fate}", h.address, h.type_name, h.contents.held));
    }
    out.join("\n")
}

/// `plan --estimate`: the expected time on AWS and the chain that decides it.
pub fn estimate(e: &crate::plan::estimate::Estimate) -> String {
    let human = |d: std::time::Duration| humantime::format_duration(d).to_string();
    let chain: Vec<String> = e.path.iter().map(|(addr, action, secs)| format!("{addr} ({} {secs} s)", action.verb())).collect();
    let mut out = vec![
        String::new(),
        format!("Estimated time on AWS: {} along the critical path:", human(e.total)),
        format!("  {}", if chain.is_empty() { "(no slow step)".to_string() } else { chain.join(" -> ") }),
    ];
    if e.without_early > e.total {
        out.push(format!("Waiting for every dependency (no value known early) it would take {}.", human(e.without_early)));
    }
    // Where the figures come from, in the user's terms: the table they come from is built
    // into the binary, so its path in the source tree means nothing to them.
    out.push(
        "Based on AWS's typical durations per resource type (published measurements, or estimates where none was found); real runs vary."
            .into(),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::UNKNOWN;
    use serde_json::json;

    #[test]
    fn unknown_values_read_as_words_also_inside_larger_values() {
        assert_eq!(show_value(&json!(UNKNOWN), false), "(known after apply)");
        assert_eq!(show_value(&json!({ "a": format!("x-{UNKNOWN}") }), false), r#"{"a":"x-(known after apply)"}"#);
    }
}
