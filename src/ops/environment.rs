//! Which environments a project knows, so that a mistyped `--env` is refused instead of
//! silently planning a whole new stack. Known: the default environment, one with an
//! environment file (`modules/env/NAME.toml`), one declared in `infra.toml`
//! (`[env.NAME]`), and one that has a state. `--new-env` starts another.

use std::path::Path;

use super::{GlobalOptions, OpsError, DEFAULT_ENVIRONMENT};
use crate::manifest::settings::{self, PROJECT_FILE};
use crate::manifest::suggest;
use crate::state::{State, StateStore};

/// What [`check`] could decide before any request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvCheck {
    Known,
    /// Nothing on this machine knows it, but the state lives in S3: known if the state
    /// object exists, which only loading it tells ([`confirm_loaded`]).
    UntilLoaded,
}

/// Refuses an environment nothing declares and nothing recorded, unless `--new-env`.
pub fn check(root: &Path, global: &GlobalOptions, store: &StateStore) -> Result<EnvCheck, OpsError> {
    let name = global.environment.as_str();
    if global.new_env || known(root).iter().any(|(n, _)| n == name) {
        return Ok(EnvCheck::Known);
    }
    match store {
        StateStore::S3(_) => Ok(EnvCheck::UntilLoaded),
        StateStore::Local(_) => Err(unknown(root, name, store)),
    }
}

/// The S3 half of [`check`]: an environment whose state object does not exist is unknown.
pub fn confirm_loaded(root: &Path, name: &str, store: &StateStore, state: &State) -> Result<(), OpsError> {
    if state.serial > 0 || !state.is_empty() {
        return Ok(());
    }
    Err(unknown(root, name, store))
}

fn unknown(root: &Path, name: &str, store: &StateStore) -> OpsError {
    let known = known(root);
    let hint = suggest(name, known.iter().map(|(n, _)| n.as_str())).map(|s| format!(" ({s})")).unwrap_or_default();
    let list: Vec<String> = known.iter().map(|(n, why)| format!("{n} ({why})")).collect();
    OpsError::Usage(format!(
        "unknown environment `{name}`{hint}: no modules/env/{name}.toml, no [env.{name}] in {PROJECT_FILE}, no state at {}\n  \
         Known environments: {}\n  \
         To start `{name}`, run once with --new-env (its state then makes it known), or create modules/env/{name}.toml.",
        store.describe(),
        list.join(", ")
    ))
}

/// Every environment known without asking AWS, each with where it is known from.
pub fn known(root: &Path) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = vec![(DEFAULT_ENVIRONMENT.to_string(), "the default")];
    let mut add = |name: String, why: &'static str| {
        if crate::manifest::check_environment_name(&name).is_ok() && !out.iter().any(|(n, _)| *n == name) {
            out.push((name, why));
        }
    };
    for name in stems(&root.join("modules").join("env"), &["toml"]) {
        add(name, "modules/env");
    }
    for name in declared_in_project_file(root) {
        add(name, PROJECT_FILE);
    }
    // A journal alone is a first run that died before its first full save.
    for name in stems(&root.join("state"), &["json", "journal"]) {
        add(name, "a state");
    }
    out
}

/// File names in `dir` with one of `extensions`, without it (`prod.json` is `prod`;
/// `prod.json.backup` and `prod.recovery-1.json` are not environments).
fn stems(dir: &Path, extensions: &[&str]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().to_string();
            let (stem, ext) = file.rsplit_once('.')?;
            (extensions.contains(&ext) && !stem.contains('.')).then(|| stem.to_string())
        })
        .collect();
    names.sort();
    names
}

/// `[env.NAME]` tables in `infra.toml` (a file with mistakes declares nothing here:
/// opening the state store reports them first).
fn declared_in_project_file(root: &Path) -> Vec<String> {
    settings::load_settings(root).map(|s| s.environments.into_keys().collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_environments_come_from_env_files_the_project_file_and_states() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("modules/env")).unwrap();
        std::fs::create_dir_all(root.join("state")).unwrap();
        std::fs::write(root.join("modules/env/prod.toml"), "").unwrap();
        std::fs::write(root.join(PROJECT_FILE), "[env.qa]\nregion = \"eu-west-1\"\n").unwrap();
        for file in ["staging.json", "staging.json.backup", "dev.lock", "gone.recovery-1.json", "crashed.journal"] {
            std::fs::write(root.join("state").join(file), "").unwrap();
        }
        let names: Vec<String> = known(root).into_iter().map(|(n, why)| format!("{n}:{why}")).collect();
        assert_eq!(names, ["dev:the default", "prod:modules/env", "qa:infra.toml", "crashed:a state", "staging:a state"]);
    }
}
