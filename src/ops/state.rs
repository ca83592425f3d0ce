//! `infra state ...`: read and repair the state on either backend. `list`, `show`,
//! `pull` and `history` read; `rm`, `mv` and `restore` change it under the lock and
//! never touch AWS; `migrate` moves every environment between the backends;
//! `init-backend` makes the S3 bucket.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::{find_root, lock_store, open_store, plural, GlobalOptions, OpsError};
use crate::manifest::settings::{self, S3Backend, StateBackend};
use crate::printer::{Printer, Style};
use crate::state::{self, Edit, LocalStore, S3Store, State, StateStore};

/// What `infra state` was asked to do.
#[derive(Debug, Clone)]
pub enum StateCommand {
    List { module: Option<String> },
    Show { address: String },
    Rm { addresses: Vec<String> },
    Mv { from: String, to: String },
    Pull { version: Option<String> },
    History { all: bool, limit: usize },
    Restore { version: String, yes: bool },
    Migrate { to: String, yes: bool },
    InitBackend,
}

pub async fn state(
    global: &GlobalOptions,
    command: StateCommand,
    lock_timeout: Option<Duration>,
    printer: &Printer,
) -> Result<(), OpsError> {
    let root = find_root(global.project_dir.as_deref())?;
    let store = open_store(&root, global)?;
    match command {
        StateCommand::List { module } => list(&store, module.as_deref(), printer).await,
        StateCommand::Show { address } => show(&store, &address, printer).await,
        StateCommand::Rm { addresses } => rm(&store, &addresses, lock_timeout, printer).await,
        StateCommand::Mv { from, to } => mv(&root, global, &store, &from, &to, lock_timeout, printer).await,
        StateCommand::Pull { version } => pull(&store, version.as_deref(), printer).await,
        StateCommand::History { all, limit } => history(&store, all, limit, printer).await,
        StateCommand::Restore { version, yes } => restore(&store, &version, yes, lock_timeout, printer).await,
        StateCommand::Migrate { to, yes } => migrate(&root, global, &to, yes, printer).await,
        StateCommand::InitBackend => init_backend(&root, global, printer).await,
    }
}

/// `module.name` split, or a usage error naming the form.
fn split(address: &str) -> Result<(&str, &str), OpsError> {
    address
        .split_once('.')
        .filter(|(m, n)| !m.is_empty() && !n.is_empty() && !n.contains('.'))
        .ok_or_else(|| OpsError::Usage(format!("`{address}` is not a resource address; write MODULE.NAME, e.g. 5_database.aurora")))
}

fn recorded<'s>(state: &'s State, address: &str) -> Result<&'s state::ResourceState, OpsError> {
    let (m, n) = split(address)?;
    state.resource(m, n).ok_or_else(|| OpsError::Usage(format!("{address} is not in the state; `infra state list` shows what is")))
}

async fn list(store: &StateStore, module: Option<&str>, printer: &Printer) -> Result<(), OpsError> {
    let state = super::load_state(store, printer).await?;
    let rows: Vec<(String, &str, &str)> = state
        .modules
        .iter()
        .filter(|(m, _)| module.is_none_or(|want| want == m.as_str()))
        .flat_map(|(m, ms)| ms.resources.iter().map(move |(n, r)| (format!("{m}.{n}"), r.type_name.as_str(), r.id.as_str())))
        .collect();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let type_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    for (address, type_name, id) in &rows {
        printer.out(&format!("{address:width$}  {type_name:type_width$}  {id}"));
    }
    if rows.is_empty() {
        printer.note(&format!("{} records no resources", store.describe()));
    }
    Ok(())
}

async fn show(store: &StateStore, address: &str, printer: &Printer) -> Result<(), OpsError> {
    let state = super::load_state(store, printer).await?;
    let r = recorded(&state, address)?;
    printer.out(&serde_json::to_string_pretty(r).unwrap_or_default());
    Ok(())
}

async fn rm(store: &StateStore, addresses: &[String], wait: Option<Duration>, printer: &Printer) -> Result<(), OpsError> {
    let _lock = lock_store(store, wait, "infra state rm", printer).await?;
    let mut state = super::load_state(store, printer).await?;
    let mut forgotten = Vec::new();
    for address in addresses {
        let r = recorded(&state, address)?;
        forgotten.push(format!("{address} ({} {})", r.type_name, r.id));
    }
    for address in addresses {
        let (m, n) = split(address)?;
        store.record(&mut state, Edit::Remove { module: m.into(), name: n.into() })?;
    }
    store.compact(&mut state).await?;
    for f in &forgotten {
        printer.status("Forgot", Style::Yellow, &format!("{f}: it still exists in AWS; `infra import` takes it back"));
    }
    Ok(())
}

async fn mv(
    root: &Path,
    global: &GlobalOptions,
    store: &StateStore,
    from: &str,
    to: &str,
    wait: Option<Duration>,
    printer: &Printer,
) -> Result<(), OpsError> {
    let (tm, tn) = split(to)?;
    let _lock = lock_store(store, wait, "infra state mv", printer).await?;
    let mut state = super::load_state(store, printer).await?;
    let type_name = recorded(&state, from)?.type_name.clone();
    if state.resource(tm, tn).is_some() || state.pending(tm, tn).is_some() {
        return Err(OpsError::Usage(format!("{to} is already in the state; `infra state rm {to}` first if it is stale")));
    }
    store.record(&mut state, Edit::Move { from: from.into(), to: to.into() })?;
    store.compact(&mut state).await?;
    printer.status("Moved", Style::Green, &format!("{from} to {to} ({type_name}); nothing changed in AWS"));
    // The manifests usually change with the rename; say when they do not match yet.
    let load =
        crate::manifest::LoadOptions { root: root.to_path_buf(), environment: global.environment.clone(), vars: global.vars.clone() };
    if let Ok(project) = crate::manifest::load(&load) {
        match project.module(tm).and_then(|m| m.resources.get(tn)) {
            Some(decl) if decl.type_name != type_name => {
                printer.warn(&format!("the manifests declare {to} as {}, not {type_name}: the next `up` replaces it", decl.type_name))
            }
            Some(_) => {}
            None => printer.warn(&format!("the manifests do not declare {to} yet: the next `up` of {tm} would delete it")),
        }
    }
    Ok(())
}

async fn pull(store: &StateStore, version: Option<&str>, printer: &Printer) -> Result<(), OpsError> {
    let bytes = version_bytes(store, version).await?;
    printer.out(String::from_utf8_lossy(&bytes).trim_end());
    Ok(())
}

/// A stored version's bytes: an S3 version id, or `backup` for the local backend's.
async fn version_bytes(store: &StateStore, version: Option<&str>) -> Result<Vec<u8>, OpsError> {
    let missing = || OpsError::Usage(format!("{} has no version {}", store.describe(), version.unwrap_or("(current)")));
    match store {
        StateStore::S3(s3) => s3.pull(version).await?.ok_or_else(missing),
        StateStore::Local(local) => {
            let path = match version {
                None => local.path(),
                Some("backup") => local.backup_path(),
                Some(other) => {
                    return Err(OpsError::Usage(format!("the local backend keeps one earlier version, `backup`, not `{other}`")))
                }
            };
            std::fs::read(&path).map_err(|_| missing())
        }
    }
}

async fn history(store: &StateStore, all: bool, limit: usize, printer: &Printer) -> Result<(), OpsError> {
    let StateStore::S3(s3) = store else {
        let local = match store {
            StateStore::Local(l) => l,
            StateStore::S3(_) => unreachable!(),
        };
        for (name, path) in [("current", local.path()), ("backup", local.backup_path())] {
            if let Ok(bytes) = std::fs::read(&path) {
                let serial = state::decode(&bytes, &path.display().to_string(), None).map(|s| s.serial.to_string()).unwrap_or("?".into());
                printer.out(&format!("{name:8} serial {serial:>5}  {}", path.display()));
            }
        }
        printer.note(
            "The local backend keeps the current version and the one before the last run (`backup`); the S3 backend keeps every version.",
        );
        return Ok(());
    };
    let versions = s3.history(all, limit).await?;
    printer.out(&format!("{:34}  {:>6}  {:24}  {:20}  COMMAND", "VERSION", "SERIAL", "TIME", "WHO"));
    for v in &versions {
        let serial = v.serial.map(|s| s.to_string()).unwrap_or_else(|| "?".into());
        let mark = if v.latest { " (current)" } else { "" };
        printer.out(&format!("{:34}  {serial:>6}  {:24}  {:20}  {}{mark}", v.id, v.modified, v.who, v.command));
    }
    if versions.is_empty() {
        printer.note(&format!("{} has no versions yet", s3.uri()));
    } else if !all {
        printer.note("Each run's final version; --all adds the ones saved after each step.");
    }
    Ok(())
}

/// What differs between two states, one line per resource.
fn diff(old: &State, new: &State) -> Vec<String> {
    let addresses: BTreeSet<(String, String)> = [old, new]
        .iter()
        .flat_map(|s| s.modules.iter().flat_map(|(m, ms)| ms.resources.keys().map(move |n| (m.clone(), n.clone()))))
        .collect();
    let mut out = Vec::new();
    for (m, n) in addresses {
        match (old.resource(&m, &n), new.resource(&m, &n)) {
            (None, Some(r)) => out.push(format!("  + {m}.{n} ({} {})", r.type_name, r.id)),
            (Some(r), None) => out.push(format!("  - {m}.{n} ({} {})", r.type_name, r.id)),
            (Some(a), Some(b)) if a.id != b.id || a.properties != b.properties || a.attributes != b.attributes => {
                let what = if a.id != b.id { format!("id {} -> {}", a.id, b.id) } else { "recorded properties".into() };
                out.push(format!("  ~ {m}.{n} ({what})"));
            }
            _ => {}
        }
    }
    out
}

/// Scripts say `--yes`: there is nobody to ask.
fn non_interactive() -> String {
    "pass --yes to do this in a non-interactive run".to_string()
}

async fn restore(store: &StateStore, version: &str, yes: bool, wait: Option<Duration>, printer: &Printer) -> Result<(), OpsError> {
    let _lock = lock_store(store, wait, "infra state restore", printer).await?;
    let current = super::load_state(store, printer).await?;
    let bytes = version_bytes(store, Some(version)).await?;
    let mut restored = state::decode(&bytes, &format!("{} version {version}", store.describe()), None)?;
    if restored.lineage != current.lineage && !current.is_empty() {
        return Err(OpsError::Refused(format!(
            "version {version} belongs to another state (lineage {}, current {}); nothing was changed",
            restored.lineage, current.lineage
        )));
    }
    let changes = diff(&current, &restored);
    printer.out(&format!("Restoring version {version} (serial {}) over serial {}:", restored.serial, current.serial));
    if changes.is_empty() {
        printer.out("  (the same resources as now)");
    }
    for line in &changes {
        printer.out(line);
    }
    printer.note("Only the state changes; AWS is untouched until the next `up` or `down`.");
    if !super::confirm(printer, yes, "Restore this version?", non_interactive)? {
        printer.note("Cancelled; nothing was changed.");
        return Ok(());
    }
    restored.serial = current.serial;
    store.save(&mut restored).await?;
    printer.status("Restored", Style::Green, &format!("version {version} as serial {} of {}", restored.serial, store.describe()));
    Ok(())
}

/// The S3 settings `infra.toml` holds, which both directions of a migration need.
fn s3_settings(root: &Path) -> Result<S3Backend, OpsError> {
    match settings::load(root).map_err(OpsError::Manifest)? {
        StateBackend::S3(s3) => Ok(s3),
        StateBackend::Local => Err(OpsError::Usage(format!(
            "{} has no `[state] backend = \"s3\"` settings; add the bucket there first (docs/state.md)",
            root.join(settings::PROJECT_FILE).display()
        ))),
    }
}

/// Environments with a local state document.
fn local_environments(dir: &Path) -> Vec<String> {
    let mut envs: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".json")).map(str::to_string))
        .filter(|n| crate::manifest::check_environment_name(n).is_ok())
        .collect();
    envs.sort();
    envs
}

async fn migrate(root: &Path, global: &GlobalOptions, to: &str, yes: bool, printer: &Printer) -> Result<(), OpsError> {
    let s3 = s3_settings(root)?;
    let dir = root.join("state");
    let remote = |env: &str| S3Store::new(s3.clone(), env, global.aws.clone(), dir.clone());
    match to {
        "s3" => {
            let envs = local_environments(&dir);
            if envs.is_empty() {
                return Err(OpsError::Usage(format!("{} holds no state to migrate", dir.display())));
            }
            // Every target must be free before anything moves.
            for env in &envs {
                if remote(env).pull(None).await?.is_some() {
                    return Err(OpsError::Refused(format!(
                        "{} already exists; nothing was migrated (the target must be empty)",
                        remote(env).uri()
                    )));
                }
            }
            if !super::confirm(
                printer,
                yes,
                &format!("Move {} to s3://{}?", plural(envs.len(), "environment"), s3.bucket),
                non_interactive,
            )? {
                printer.note("Cancelled; nothing was changed.");
                return Ok(());
            }
            for env in &envs {
                let local = LocalStore::new(&dir, env);
                let _lock = local.lock(Duration::ZERO, "infra state migrate")?;
                let state = local.load()?;
                let target = remote(env);
                if !target.create(state::encode(&state)).await? {
                    return Err(OpsError::Refused(format!("{} appeared meanwhile; {env} was not migrated", target.uri())));
                }
                let kept = local.path().with_extension("json.migrated");
                std::fs::rename(local.path(), &kept)
                    .map_err(|e| OpsError::Usage(format!("cannot rename {}: {e}", local.path().display())))?;
                printer.status(
                    "Migrated",
                    Style::Green,
                    &format!("{env} (serial {}) to {}; the local copy is {}", state.serial, target.uri(), kept.display()),
                );
            }
            printer.note("Keep `[state] backend = \"s3\"` in infra.toml: every command now uses the bucket.");
        }
        "local" => {
            let probe = remote("_");
            let envs = probe.environments().await?;
            if envs.is_empty() {
                return Err(OpsError::Usage(format!("s3://{}/{} holds no state to migrate", s3.bucket, s3.prefix)));
            }
            for env in &envs {
                let local = LocalStore::new(&dir, env);
                if !local.load()?.is_empty() || local.path().exists() {
                    return Err(OpsError::Refused(format!(
                        "{} already exists; nothing was migrated (the target must be empty)",
                        local.path().display()
                    )));
                }
            }
            if !super::confirm(printer, yes, &format!("Move {} to {}?", plural(envs.len(), "environment"), dir.display()), non_interactive)?
            {
                printer.note("Cancelled; nothing was changed.");
                return Ok(());
            }
            for env in &envs {
                let source = remote(env);
                let _lock = source.lock(Duration::ZERO, "infra state migrate").await?;
                let state = source.load().await?;
                let local = LocalStore::new(&dir, env);
                let _local_lock = local.lock(Duration::ZERO, "infra state migrate")?;
                local.write_exact(&state::encode(&state))?;
                source.remove().await?;
                printer.status(
                    "Migrated",
                    Style::Green,
                    &format!("{env} (serial {}) to {}; earlier versions stay in the bucket", state.serial, local.path().display()),
                );
            }
            printer.note("Set `backend = \"local\"` in infra.toml (or remove its [state] table): every command now uses state/.");
        }
        other => return Err(OpsError::Usage(format!("--to {other}: expected `s3` or `local`"))),
    }
    Ok(())
}

async fn init_backend(root: &Path, global: &GlobalOptions, printer: &Printer) -> Result<(), OpsError> {
    let s3 = s3_settings(root)?;
    for done in super::backend::init_backend(root, &s3, global).await? {
        printer.status("Ready", Style::Green, &done);
    }
    Ok(())
}
