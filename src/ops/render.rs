//! Text for plans and results: one line per step with its symbol, address and type,
//! then the changed properties (`old -> new`, drift and forced replacement marked), and
//! the data held by what a plan deletes.

use serde_json::Value;

use super::plan_doc::{Costs, PlanDoc};
use super::report::action_style;
use crate::graph::Kind;
use crate::plan::{Action, Plan, Replacement, Step};
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
    let shown = if step.adopt && step.action() == Action::Same { Action::Update } else { step.action() };
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

/// What a replacement costs its users: the order (old one deleted first, or new one
/// created first) and the values that will differ (id, ARN, URL ...). The data it holds
/// is listed under the plan (`held`).
fn replacement_note(how: &Replacement) -> String {
    let order = if how.create_first {
        "the new one is created first, its users move to it, then the old one is deleted"
    } else {
        "the old one is deleted before the new one exists"
    };
    if how.loses.is_empty() {
        format!("replacing: {order}")
    } else {
        format!("replacing: {order}; new {} (users of the old values are updated)", how.loses.join(", "))
    }
}

/// Properties a reviewer needs to see of a resource about to be created, when not
/// showing everything (`-v`): who may do what (policies, principals), what is reachable
/// (CIDRs, ports, public access), and what it costs (sizes, capacities, classes).
fn worth_reviewing(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "policy",
        "principal",
        "cidr",
        "port",
        "public",
        "ingress",
        "egress",
        "acl",
        "cors",
        "size",
        "capacity",
        "memory",
        "cpu",
        "class",
        "count",
        "storage",
        "throughput",
        "iops",
        "billing",
        "encrypt",
        "kms",
        "engine",
        "runtime",
        "image",
        "protocol",
        "scheme",
        "source_arn",
        "authori",
    ];
    WORDS.iter().any(|w| name.contains(w))
}

/// The properties of what a create makes: all with `-v`; else those worth reviewing
/// that say something (not empty, not the type's default). Documents (policies) are
/// shown whole and indented: they are what a reviewer reads.
fn created_properties(step: &Step, full: bool) -> Vec<String> {
    let Some(Value::Object(props)) = &step.desired else { return Vec::new() };
    let schema = crate::resources::registry::resource(&step.type_name).map(|r| r.schema());
    let default = |k: &str| schema.as_ref().and_then(|s| s.field(k)).and_then(|f| f.default.clone());
    let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|m| m.is_empty());
    props
        .iter()
        .filter(|(k, v)| full || (worth_reviewing(k) && k.as_str() != "tags" && !empty(v) && default(k).as_ref() != Some(*v)))
        .map(|(k, v)| match v {
            Value::Object(_) | Value::Array(_) if !crate::schema::contains_unknown(v) => {
                let pretty = serde_json::to_string_pretty(&crate::secrets::mask_json(v)).unwrap_or_default();
                format!("        {k} = {}", pretty.replace('\n', "\n        "))
            }
            _ => format!("        {k} = {}", show_value(v, full)),
        })
        .collect()
}

/// A monthly cost delta as the plan shows it: `+12.40 USD/month`.
fn money(delta: f64, currency: &str) -> String {
    let delta = super::plan_doc::round_cents(delta);
    let sign = if delta > 0.0 { "+" } else { "" };
    format!("{sign}{delta:.2} {currency}/month").trim().to_string()
}

/// The whole plan as text.
pub fn plan(p: &Printer, plan: &Plan, title: &str) -> String {
    priced_plan(p, plan, title, &Costs::default())
}

/// The whole plan as text, resources grouped by module, each change with its monthly
/// cost delta where its type is priced, and the total.
pub fn priced_plan(p: &Printer, plan: &Plan, title: &str, costs: &Costs) -> String {
    let full = p.verbosity() >= 1;
    let mut shown: Vec<&Step> =
        plan.steps.iter().filter(|s| (s.action().is_change() || s.adopt) && s.address.kind == Kind::Resource).collect();
    // Stable: within a module, the graph's order.
    shown.sort_by(|a, b| a.address.module.cmp(&b.address.module));
    let outputs: Vec<&Step> = plan.steps.iter().filter(|s| s.action().is_change() && s.address.kind == Kind::Output).collect();
    if shown.is_empty() && outputs.is_empty() && plan.deposed.is_empty() {
        return "No changes. The infrastructure matches the manifests.".to_string();
    }
    let width =
        shown.iter().map(|s| s.address.to_string().len()).chain(plan.deposed.iter().map(|(a, _)| a.to_string().len())).max().unwrap_or(0);
    let modules: std::collections::BTreeSet<&str> =
        shown.iter().map(|s| s.address.module.as_str()).chain(plan.deposed.iter().map(|(a, _)| a.module.as_str())).collect();
    let mut out = vec![title.to_string()];
    let mut module = None;
    for step in &shown {
        if modules.len() > 1 && module != Some(step.address.module.as_str()) {
            module = Some(step.address.module.as_str());
            out.push(String::new());
            out.push(p.paint(Style::Bold, &format!("Module {}", step.address.module)));
        } else if module.is_none() {
            module = Some(step.address.module.as_str());
            out.push(String::new());
        }
        let mut line = step_line(p, step, width);
        if let Some(delta) = costs.delta.get(&step.address).filter(|d| **d != 0.0) {
            line.push_str(&format!("  {}", p.paint(Style::Dim, &money(*delta, &costs.currency))));
        }
        out.push(line);
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
        if step.action() == Action::Create && !step.adopt {
            out.extend(created_properties(step, full));
        }
        if let Some(how) = step.replacement() {
            out.push(format!("        {}", replacement_note(how)));
        }
    }
    if shown.is_empty() {
        out.push(String::new());
    }
    for (address, old) in &plan.deposed {
        let symbol = p.paint(action_style(Action::Delete), &format!("{:>3}", Action::Delete.symbol()));
        out.push(format!(
            "{symbol} {:<width$}  {}  (the old one ({}), replaced with create_before_destroy; deleted once the run's other steps are done)",
            address.to_string(),
            p.paint(Style::Dim, &old.type_name),
            old.id
        ));
    }
    if !outputs.is_empty() {
        out.push(String::new());
        out.push("Outputs:".to_string());
        for step in outputs {
            let value = step.changes.first().map(|c| show_value(&c.change.new, full)).unwrap_or_default();
            let sym = p.paint(action_style(step.action()), &format!("{:>3}", step.action().symbol()));
            out.push(format!("{sym} {}.{} = {}", step.address.module, step.address.name, value));
        }
    }
    out.push(String::new());
    let forget = shown.iter().any(|s| s.action() == Action::Forget);
    let counts = [Action::Create, Action::Update, Action::Replace, Action::Delete, Action::Forget]
        .iter()
        .filter(|&&a| a != Action::Forget || forget)
        .map(|&a| {
            let n = shown.iter().filter(|s| s.action() == a).count() + if a == Action::Delete { plan.deposed.len() } else { 0 };
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
    let cost = if costs.delta.is_empty() { String::new() } else { format!(" Monthly cost: {}.", money(costs.total(), &costs.currency)) };
    out.push(format!("Plan: {counts}.{cost}"));
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

/// What a partial plan leaves out (`up MODULE`, `--target`): one line per pending change,
/// so a reviewer knows the plan is not everything. Empty when nothing is left out.
pub fn left_out(p: &Printer, plan: &Plan) -> String {
    use crate::plan::LeftOut;
    if plan.left_out.is_empty() {
        return String::new();
    }
    let mut lines: Vec<(String, String)> = Vec::new();
    for item in &plan.left_out {
        match item {
            LeftOut::Step { address, action, note } => {
                let symbol = p.paint(action_style(*action), &format!("{:>3}", action.symbol()));
                let note = note.as_ref().map(|n| format!("  ({n})")).unwrap_or_default();
                lines.push((address.to_string(), format!("{symbol} {address}{note}")));
            }
            LeftOut::Unknown(why) => lines.push((String::new(), format!("    (what else is pending could not be worked out: {why})"))),
        }
    }
    lines.sort();
    const SHOWN: usize = 20;
    let more = lines.len().saturating_sub(SHOWN);
    let mut out = vec![String::new(), "Not in this plan (pending, left for a run that selects them):".to_string()];
    out.extend(lines.into_iter().take(SHOWN).map(|(_, l)| l));
    if more > 0 {
        out.push(format!("    ... and {more} more"));
    }
    out.push("Name their modules, add --with-dependents, or use --all to include them.".to_string());
    out.join("\n")
}

/// The plan as Markdown for a pull-request comment: the summary, then per module a
/// `diff` block (`+` create, `-` delete, `!` update or replace) with the changed
/// properties, a replacement's cause and each change's cost.
pub fn markdown(doc: &PlanDoc, title: &str) -> String {
    let s = &doc.summary;
    if doc.changes.is_empty() && doc.outputs.is_empty() {
        return format!("### {title}\n\nNo changes. The infrastructure matches the manifests.\n");
    }
    let cost = if s.currency.is_empty() { String::new() } else { format!(" Monthly cost: {}.", money(s.monthly_cost_delta, &s.currency)) };
    let mut out = vec![
        format!("### {title}"),
        String::new(),
        format!(
            "**Plan:** {} to create, {} to update, {} to replace, {} to delete{}.{cost}",
            s.create,
            s.update,
            s.replace,
            s.delete,
            if s.forget > 0 { format!(", {} to forget (left in AWS)", s.forget) } else { String::new() }
        ),
    ];
    let fence = |v: &Value| show_value(v, true).replace("```", "'''");
    let mut module: Option<&str> = None;
    for c in &doc.changes {
        if module != Some(c.module.as_str()) {
            if module.is_some() {
                out.push("```".into());
            }
            module = Some(c.module.as_str());
            out.extend([String::new(), format!("#### Module `{}`", c.module), String::new(), "```diff".into()]);
        }
        let marker = match c.action.as_str() {
            "create" => "+",
            "delete" | "forget" => "-",
            _ => "!",
        };
        let mut notes: Vec<String> = c.reason.iter().cloned().collect();
        if let (Some(d), false) = (c.monthly_cost_delta, s.currency.is_empty()) {
            if d != 0.0 {
                notes.push(money(d, &s.currency));
            }
        }
        let notes = if notes.is_empty() { String::new() } else { format!("  ({})", notes.join("; ")) };
        out.push(format!("{marker} {} {} ({}){notes}", c.action, c.address, c.type_name));
        for p in &c.properties {
            let forced = if p.forces_replacement { "  (forces replacement)" } else { "" };
            let drift = if p.drift { "  (changed outside infra)" } else { "" };
            out.push(format!("    {}: {} -> {}{forced}{drift}", p.path, fence(&p.before), fence(&p.after)));
        }
        if let (Some(Value::Object(after)), "create") = (&c.after, c.action.as_str()) {
            for (k, v) in after.iter().filter(|(k, v)| !v.is_null() && worth_reviewing(k) && k.as_str() != "tags") {
                out.push(format!("    {k} = {}", fence(v)));
            }
        }
        if let Some(r) = &c.replacement {
            let order = if r.order == "create_first" { "new one first" } else { "old one deleted first" };
            out.push(format!("    replacing ({order}); new: {}", r.new_values.join(", ")));
        }
    }
    if module.is_some() {
        out.push("```".into());
    }
    if !doc.outputs.is_empty() {
        out.extend([String::new(), "#### Outputs".into(), String::new(), "```diff".into()]);
        for o in &doc.outputs {
            out.push(format!("! {} = {}", o.address, fence(&o.after)));
        }
        out.push("```".into());
    }
    if !doc.left_out.is_empty() {
        out.extend([
            String::new(),
            "<details><summary>Not in this plan (pending, left for a run that selects them)</summary>".into(),
            String::new(),
        ]);
        for l in &doc.left_out {
            let what = [l.action.as_deref(), l.address.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
            let note = l.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            out.push(format!("- {what}{note}"));
        }
        out.extend([String::new(), "</details>".into()]);
    }
    out.push(String::new());
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
