//! `infra init [DIR]`: a project to start from. `infra.toml` (the state kept locally,
//! the S3 form beside it), one example module that validates and deploys as it is,
//! the built-in list prices as `modules/pricing.toml` to edit, and a `.gitignore` that
//! keeps the local state out of git. Nothing existing is overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::OpsError;
use crate::cost::{DEFAULT_PRICING, PRICING_FILE};
use crate::manifest::settings::PROJECT_FILE;
use crate::printer::Printer;

/// The example module's name (its file is `modules/example.toml`).
pub const EXAMPLE_MODULE: &str = "example";

const PROJECT_SETTINGS: &str = r#"# Project settings (docs/state.md).
#
# Each environment's state (what infra deployed: ids, ARNs, outputs) is kept on this
# machine in state/<env>.json; .gitignore keeps it out of git. A team keeps it in S3
# instead, locked and versioned: make the bucket with `infra state init-backend`, then
# move the local state there with `infra state migrate --to s3`.
#
# [state]
# backend = "s3"
# bucket = "my-team-infra-state"
# prefix = "my-project"

[state]
backend = "local"

# The default environment is dev. Another one is declared by an [env.NAME] table (its
# own credentials and region; this also lets `--env NAME` through without --new-env)
# or by an environment file, modules/env/NAME.toml (its own variable values):
#
# [env.prod]
# profile = "prod"            # or role_arn = "arn:aws:iam::111122223333:role/deploy"
# region = "eu-west-1"
"#;

const EXAMPLE: &str = r#"# An example module: a work queue and the dead-letter queue its failed messages go to.
# Every modules/*.toml file is a module named after its file; `infra schema sqs.queue`
# lists a type's properties and docs/manifests.md the language. `${env}` is the
# environment (default dev), so each environment gets queues of its own.

[module]
description = "A work queue and its dead-letter queue"

[variables]
max_receive_count = { default = 5, description = "Receives before a message moves to the dead-letter queue" }

[resources.dead_letters]
type = "sqs.queue"
name = "${env}-example-dead-letters"
message_retention_seconds = 1209600

[resources.work]
type = "sqs.queue"
name = "${env}-example-work"
redrive = { dead_letter_target_arn = "${resources.dead_letters.arn}", max_receive_count = "${var.max_receive_count}" }

[outputs]
queue_url = "${resources.work.url}"
dead_letter_queue_arn = "${resources.dead_letters.arn}"
"#;

const GITIGNORE_LINE: &str = "state/";
const GITIGNORE: &str = "# infra's local state (state/<env>.json, its backup, lock and journal): this machine's\n\
     # record of what it deployed. A team shares the state through S3 (infra.toml).\n\
     state/\n";

pub fn init(dir: &Path, printer: &Printer) -> Result<(), OpsError> {
    let files: [(PathBuf, &str, &str); 3] = [
        (PathBuf::from(PROJECT_FILE), PROJECT_SETTINGS, "project settings: the state kept in state/ on this machine"),
        (Path::new("modules").join(format!("{EXAMPLE_MODULE}.toml")), EXAMPLE, "module `example`: two SQS queues"),
        (Path::new("modules").join(PRICING_FILE), DEFAULT_PRICING, "us-east-1 list prices in USD and usage assumptions, to edit"),
    ];
    let existing: Vec<String> =
        files.iter().filter(|(rel, ..)| dir.join(rel).exists()).map(|(rel, ..)| rel.display().to_string()).collect();
    if !existing.is_empty() {
        return Err(OpsError::Refused(format!(
            "{} already has {}; nothing was written (infra init never overwrites a file: move them away, or start in another directory)",
            dir.display(),
            existing.join(", ")
        )));
    }
    let mut created = Vec::new();
    for (rel, text, what) in &files {
        let path = dir.join(rel);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(|source| OpsError::Io { action: "create", path: parent.to_path_buf(), source })?;
        // create_new: a file that appeared since the check above is still not overwritten.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|source| OpsError::Io { action: "write", path: path.clone(), source })?;
        created.push((rel.display().to_string(), *what));
    }
    created.push(gitignore(dir)?);

    printer.out(&format!("Created an infra project in {}:", dir.display()));
    let width = created.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
    for (file, what) in &created {
        printer.out(&format!("  {file:<width$}  {what}"));
    }
    printer.out("");
    printer.out("Next:");
    if dir != Path::new(".") {
        printer.out(&format!("  cd {}", dir.display()));
    }
    let next = [
        ("infra validate".to_string(), "check the manifests (no AWS)"),
        (format!("infra plan {EXAMPLE_MODULE}"), "what `up` would create"),
        (format!("infra up {EXAMPLE_MODULE}"), "create it (environment dev; another: --env NAME --new-env)"),
        ("infra status --summary".to_string(), "what is deployed and its estimated monthly cost"),
        (format!("infra down {EXAMPLE_MODULE}"), "delete it again"),
    ];
    for (command, why) in next {
        printer.out(&format!("  {command:<24}  # {why}"));
    }
    Ok(())
}

/// `.gitignore`: written, or the state line added to the one there (never replaced).
fn gitignore(dir: &Path) -> Result<(String, &'static str), OpsError> {
    let path = dir.join(".gitignore");
    let werr = |source| OpsError::Io { action: "write", path: path.clone(), source };
    match std::fs::read_to_string(&path) {
        Ok(text) if text.lines().any(|l| matches!(l.trim(), "state/" | "/state/" | "state" | "/state")) => {
            Ok((".gitignore".into(), "already ignores state/ (unchanged)"))
        }
        Ok(text) => {
            let sep = if text.is_empty() || text.ends_with('\n') { "" } else { "\n" };
            let mut f = std::fs::OpenOptions::new().append(true).open(&path).map_err(werr)?;
            f.write_all(format!("{sep}{GITIGNORE_LINE}\n").as_bytes()).map_err(werr)?;
            Ok((".gitignore".into(), "state/ added: the local state stays out of git"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::write(&path, GITIGNORE).map_err(werr)?;
            Ok((".gitignore".into(), "keeps the local state (state/) out of git"))
        }
        Err(source) => Err(OpsError::Io { action: "read", path, source }),
    }
}
