//! Amazon EventBridge: rules (an event pattern or a schedule) on an event bus, and the
//! targets they deliver to (CloudWatch Logs, Lambda, SQS, ...).

pub mod event_bus;
pub mod rule;
pub mod target;

/// The physical id of a rule (`NAME`, or `BUS/NAME` off the default bus), as Terraform
/// spells it too.
fn rule_id(bus: &str, rule: &str) -> String {
    if bus == "default" {
        rule.to_string()
    } else {
        format!("{bus}/{rule}")
    }
}

/// `(bus, rule)` from a rule's physical id.
fn split_id(id: &str) -> (&str, &str) {
    id.rsplit_once('/').unwrap_or(("default", id))
}
