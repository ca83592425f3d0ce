//! How the executor's progress reads on the terminal: the [`Reporter`] the engine talks
//! to, written with the one [`Printer`], and the style of each action.

use std::time::Duration;

use crate::engine::{Reporter, StepError};
use crate::graph::{Address, Kind};
use crate::plan::{Action, Step};
use crate::printer::{Printer, Style};

pub fn action_style(action: Action) -> Style {
    match action {
        Action::Create => Style::Green,
        Action::Update => Style::Yellow,
        Action::Replace | Action::Delete => Style::Red,
        Action::Read | Action::Same | Action::Forget => Style::Dim,
    }
}

fn verb_ing(action: Action) -> &'static str {
    match action {
        Action::Create => "Creating",
        Action::Update => "Updating",
        Action::Replace => "Replacing",
        Action::Delete => "Deleting",
        Action::Forget => "Forgetting",
        Action::Read => "Reading",
        Action::Same => "Checking",
    }
}

fn verb_ed(action: Action) -> &'static str {
    match action {
        Action::Create => "Created",
        Action::Update => "Updated",
        Action::Replace => "Replaced",
        Action::Delete => "Deleted",
        Action::Forget => "Forgot",
        Action::Read => "Read",
        Action::Same => "Unchanged",
    }
}

/// The printer as the executor's reporter.
pub struct PrinterReporter<'a>(pub &'a Printer);

impl Reporter for PrinterReporter<'_> {
    fn started(&self, step: &Step) {
        if step.address.kind == Kind::Output {
            return;
        }
        let note = match (step.rewire, step.is_deposed()) {
            (true, _) => " (re-wire)",
            (_, true) => " (the old one, replaced with create_before_destroy)",
            _ => "",
        };
        self.0.status(verb_ing(step.action()), action_style(step.action()), &format!("{}{note}", step.address));
    }

    fn waiting(&self, address: &str, what: &str, elapsed: Duration, expected: Option<Duration>) {
        let secs = elapsed.as_secs();
        let expected = match expected {
            Some(d) => format!(", expected {} on AWS", humantime::format_duration(d)),
            None => String::new(),
        };
        self.0.status("Waiting", Style::Cyan, &format!("{address}: {what} ({secs}s elapsed{expected})"));
    }

    fn finished(&self, step: &Step, action: Action, elapsed: Duration) {
        if step.address.kind == Kind::Output {
            if action.is_change() {
                self.0.verbose(&format!("     Output {} updated", step.address));
            }
            return;
        }
        let detail = if action == Action::Same && step.action() != Action::Same {
            " (no change once inputs were known)".to_string()
        } else if step.is_deposed() {
            " (the old one)".to_string()
        } else {
            String::new()
        };
        let time = format!("{:.1}s", elapsed.as_secs_f64());
        self.0.status(verb_ed(action), action_style(action), &format!("{}{detail} {}", step.address, self.0.paint(Style::Dim, &time)));
    }

    fn failed(&self, error: &StepError) {
        self.0.status("Failed", Style::Red, &error.to_string());
    }

    fn warning(&self, message: &str) {
        self.0.warn(message);
    }

    fn noted(&self, address: &str, what: &str) {
        self.0.status("Note", Style::Cyan, &format!("{address}: {what}"));
    }

    fn skipped(&self, step: &Step, because: &Address) {
        if step.action().is_change() {
            self.0.status("Skipped", Style::Yellow, &format!("{} (because {because} failed)", step.address));
        }
    }
}
