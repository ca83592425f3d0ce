//! The plan's typed steps: what will happen to each node (create, update, replace,
//! delete, forget, same, read), why, and in which order.

use std::collections::HashMap;

use serde_json::Value;

use crate::aws::Caller;
use crate::graph::Address;
use crate::manifest::Protection;
use crate::resources::Attrs;
use crate::schema::Change;
use crate::state::ResourceState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Read,
    Same,
    Create,
    Update,
    Replace,
    Delete,
    /// Leave it in AWS, drop it from the state (`on_delete = "retain"`).
    Forget,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Read => "<=",
            Action::Same => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Forget => "-x",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Same => "unchanged",
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Forget => "forget",
        }
    }

    /// Changes something in AWS or the state.
    pub fn is_change(self) -> bool {
        matches!(self, Action::Create | Action::Update | Action::Replace | Action::Delete | Action::Forget)
    }

    /// Needs `--yes` or a typed confirmation: something in AWS goes away.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Replace | Action::Delete)
    }
}

/// One changed property, and whether AWS drifted from what was applied.
#[derive(Debug, Clone)]
pub struct PropChange {
    pub change: Change,
    pub drift: bool,
}

/// How a replacement goes. A step holds one exactly when it replaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replacement {
    /// Asked for with `--replace`, not forced by a change AWS cannot make in place.
    pub forced: bool,
    /// The new resource is created first and the old one deleted after its users moved
    /// to the new one (`create_before_destroy`).
    pub create_first: bool,
    /// The recorded attributes the new resource will not keep (its id, ARN, URL ...),
    /// so the plan says what its users lose.
    pub loses: Vec<String>,
}

/// What happens to one node. The action and what only some actions carry (how a
/// replacement goes, whether a delete removes a deposed resource) change together,
/// through [`Step::set_action`], [`Step::replace`] and [`Step::deposed`], so that a
/// step cannot say "update" and carry a replacement's order.
#[derive(Debug, Clone)]
pub struct Step {
    pub address: Address,
    /// Resource or data type; empty for outputs.
    pub type_name: String,
    action: Action,
    replacement: Option<Replacement>,
    /// A delete of the old resource a `create_before_destroy` replacement left.
    deposed: bool,
    pub changes: Vec<PropChange>,
    /// Why, when it is not simply the manifest: "not found in AWS", "removed from the manifest".
    pub reason: Option<String>,
    /// Included to re-wire a deployed dependent of a module in this run.
    pub rewire: bool,
    /// The recorded resource, if any.
    pub prior: Option<ResourceState>,
    /// The resource as it is live (refresh), if read.
    pub live: Option<(Value, Attrs)>,
    /// `prior` was found in AWS after an interrupted create, not read from the state:
    /// the step records it even when nothing else changes.
    pub adopt: bool,
    /// What the manifest wants, as far as it is known while planning.
    pub desired: Option<Value>,
    /// The planner made sure the name a create takes is free (or ours); otherwise the
    /// executor checks just before creating.
    pub owner_checked: bool,
    /// For a re-wired resource of a module outside the selection: its properties as
    /// resolved from the inputs it last consumed. Only what differs from these (what
    /// this run's changed values change) is applied; its other edits wait.
    pub rewire_base: Option<Value>,
}

impl Step {
    /// A step doing `action`; a replacement starts as one the manifest forces, deleting
    /// the old resource first.
    pub fn new(address: Address, type_name: &str, action: Action) -> Self {
        let mut step = Step {
            address,
            type_name: type_name.to_string(),
            action: Action::Same,
            replacement: None,
            deposed: false,
            changes: Vec::new(),
            reason: None,
            rewire: false,
            prior: None,
            live: None,
            adopt: false,
            desired: None,
            owner_checked: false,
            rewire_base: None,
        };
        step.set_action(action);
        step
    }

    /// The delete of an old resource a `create_before_destroy` replacement left recorded.
    pub fn deposed(address: Address, type_name: &str) -> Self {
        let mut step = Step::new(address, type_name, Action::Delete);
        step.deposed = true;
        step
    }

    pub fn action(&self) -> Action {
        self.action
    }

    /// Change what the step does; what belonged only to the old action goes with it.
    pub fn set_action(&mut self, action: Action) {
        self.action = action;
        self.deposed &= action == Action::Delete;
        self.replacement = match action {
            Action::Replace => Some(self.replacement.take().unwrap_or_default()),
            _ => None,
        };
    }

    /// Make the step a replacement that goes as `how` says.
    pub fn replace(&mut self, how: Replacement) {
        self.set_action(Action::Replace);
        self.replacement = Some(how);
    }

    /// How the replacement goes; `None` unless the step replaces.
    pub fn replacement(&self) -> Option<&Replacement> {
        self.replacement.as_ref()
    }

    pub fn replacement_mut(&mut self) -> Option<&mut Replacement> {
        self.replacement.as_mut()
    }

    /// A replacement the user asked for with `--replace`.
    pub fn is_forced(&self) -> bool {
        self.replacement.as_ref().is_some_and(|r| r.forced)
    }

    pub fn is_deposed(&self) -> bool {
        self.deposed
    }

    /// The protection that applies to removing this resource: the manifest's when it
    /// still declares it, else what was recorded when it was applied.
    pub fn protection(&self, declared: Option<Protection>) -> Protection {
        declared.unwrap_or_else(|| self.prior.as_ref().map(|p| p.protection()).unwrap_or_default())
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// `(a, b)`: step `a` must finish before step `b` starts.
    pub edges: Vec<(usize, usize)>,
    /// Dependencies that need not be waited for: `b` uses only values of `a` known
    /// before `a` is created, in places that do not need `a` to exist (a policy, an
    /// environment variable). Kept to show what they save.
    pub early_edges: Vec<(usize, usize)>,
    /// Attributes of resources to be created that follow from their inputs (a name,
    /// an ARN built from account, region and name), known while planning.
    pub early: HashMap<Address, Attrs>,
    /// Output values final while planning (they read only early-known or unchanging
    /// values), so their users need not wait for the output step.
    pub early_outputs: HashMap<Address, Value>,
    pub identity: Option<Caller>,
    /// Data lookups made while planning.
    pub data: HashMap<Address, Attrs>,
    /// Sensitive attributes read from AWS (API key values); kept in memory only.
    pub secrets: HashMap<Address, Attrs>,
    /// Old resources of `create_before_destroy` replacements an earlier run left
    /// recorded (it failed before deleting them): deleted by this run.
    pub deposed: Vec<(Address, ResourceState)>,
    /// Pending changes outside the selection (`up MODULE`, `--target`): what a reviewer
    /// of a partial plan should know it does not do.
    pub left_out: Vec<super::LeftOut>,
}

impl Plan {
    /// Keep what a read found of a resource's sensitive attributes (an API key's value)
    /// for the steps that use it: in memory only, masked in all output, never stored.
    pub fn keep_secrets(&mut self, address: &Address, type_name: &str, attrs: &Attrs) {
        let (_, secret) = crate::resources::split_sensitive(type_name, attrs.clone());
        if !secret.is_empty() {
            self.secrets.insert(address.clone(), secret);
        }
    }

    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action().is_change() || s.adopt) || !self.deposed.is_empty()
    }

    pub fn is_destructive(&self) -> bool {
        self.steps.iter().any(|s| s.action().is_destructive()) || !self.deposed.is_empty()
    }

    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action() == action).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_belongs_to_one_action_goes_with_it() {
        let mut step = Step::new(Address::resource("m", "q"), "sqs.queue", Action::Update);
        assert!(step.replacement().is_none());
        step.replace(Replacement { forced: true, create_first: true, loses: vec!["arn".into()] });
        assert_eq!(step.action(), Action::Replace);
        assert!(step.is_forced());
        // A retained resource's replacement becomes a forget: no order, no lost values.
        step.set_action(Action::Forget);
        assert!(step.replacement().is_none() && !step.is_forced());
        step.set_action(Action::Replace);
        assert_eq!(step.replacement(), Some(&Replacement::default()), "a replacement the manifest forces, old one first");

        let mut old = Step::deposed(Address::resource("m", "q"), "sqs.queue");
        assert!(old.is_deposed() && old.action() == Action::Delete);
        old.set_action(Action::Same);
        assert!(!old.is_deposed());
    }
}
