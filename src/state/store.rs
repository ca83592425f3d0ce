//! Where an environment's state lives, behind one type: [`StateStore`] is the local
//! file or the S3 object chosen in `infra.toml`, with the same load, per-step record,
//! end-of-run compaction, whole-document save, lock and unlock on both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::local::{LocalLock, LocalStore};
use super::s3::{S3Lock, S3Store};
use super::State;
use crate::aws::{AwsOptions, ConnectError};
use crate::manifest::settings::StateBackend;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "state {what} is not valid: {detail}\n  It was left untouched. {}",
        match backup { Some(b) => format!("The previous version is in {}; inspect it and copy it back if it is right.", b.display()), None => "Earlier versions: `infra state history`.".into() }
    )]
    Corrupt { what: String, detail: String, backup: Option<PathBuf> },
    #[error("state {what} has schema version {found}, newer than this infra understands ({}); upgrade infra", super::SCHEMA_VERSION)]
    TooNew { what: String, found: u32 },
    #[error("cannot write state file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("state {what} is locked by {holder}\n  {}", if *.dead {
        "That run is no longer running. `infra unlock` clears its lock after showing it; then run again.".to_string()
    } else {
        "Wait for that run to finish (or pass --lock-timeout 5m to wait). If it is stuck, `infra unlock --force` breaks the lock.".to_string()
    })]
    Locked { what: String, holder: String, dead: bool },
    #[error("cannot lock state {path}: {source}")]
    Lock { path: PathBuf, source: std::io::Error },
    #[error("state {what}: {action}: {source}")]
    Remote { what: String, action: &'static str, source: ConnectError },
    /// Someone else wrote the document since this run read it (the lock was broken).
    #[error(
        "state {what} was changed by another run since this one read it (was the lock broken?); \
         nothing was overwritten.\n  Everything this run recorded is in {}: compare it with `infra state pull` and \
         put back what is missing (`infra state restore`, `infra import`).", recovery.display()
    )]
    Conflict { what: String, recovery: PathBuf },
    #[error("{0}")]
    Refused(String),
}

impl StateError {
    /// Errors after which no further step may run: the state can no longer be saved.
    pub fn is_fatal(&self) -> bool {
        matches!(self, StateError::Conflict { .. } | StateError::Remote { .. })
    }
}

/// Who holds a lock, written into it for the next run to read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockInfo {
    pub pid: u32,
    pub host: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    pub since: String,
    pub command: String,
    /// This run's id (S3: tells a lock this run wrote from one written over it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub run: String,
    /// S3: refreshed while the run lives, every `heartbeat_secs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_secs: Option<u64>,
}

impl LockInfo {
    pub fn mine(command: &str) -> Self {
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
        LockInfo {
            pid: std::process::id(),
            host: hostname(),
            user,
            since: super::now(),
            command: command.to_string(),
            run: String::new(),
            heartbeat: None,
            heartbeat_secs: None,
        }
    }

    /// How long ago the lock was taken, in words.
    pub fn age(&self) -> Option<String> {
        let since = humantime::parse_rfc3339(&self.since).ok()?;
        let secs = std::time::SystemTime::now().duration_since(since).ok()?.as_secs();
        Some(humantime::format_duration(Duration::from_secs(secs)).to_string())
    }

    /// Whether the holder is known to have stopped: on this host its process is gone;
    /// elsewhere its heartbeat stopped (three intervals missed).
    pub fn is_dead(&self) -> bool {
        if self.host == hostname() {
            return !process_alive(self.pid);
        }
        match (&self.heartbeat, self.heartbeat_secs) {
            (Some(beat), Some(every)) => humantime::parse_rfc3339(beat)
                .ok()
                .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
                .is_some_and(|quiet| quiet > Duration::from_secs(every * 3)),
            _ => false,
        }
    }
}

impl std::fmt::Display for LockInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let who = if self.user.is_empty() { String::new() } else { format!("{} ", self.user) };
        write!(f, "{who}pid {} on {} since {}", self.pid, self.host, self.since)?;
        if let Some(age) = self.age() {
            write!(f, " ({age} ago)")?;
        }
        write!(f, " (`{}`)", self.command)
    }
}

pub fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    // Signal 0 checks existence; EPERM means it exists under another user.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// What `infra unlock` did.
#[derive(Debug)]
pub enum Unlocked {
    /// Nobody held the lock.
    NotLocked,
    /// Cleared the record of a run that died holding the lock.
    Abandoned(LockInfo),
    /// Removed the lock of a run that may still be running (`--force`).
    Forced(String),
}

/// One environment's state, wherever it lives.
#[derive(Debug)]
pub enum StateStore {
    Local(LocalStore),
    S3(S3Store),
}

/// Held for the whole run; released when dropped.
#[derive(Debug)]
pub enum StateLock {
    Local(LocalLock),
    S3(S3Lock),
}

impl StateLock {
    /// The run that held the lock last and died without releasing it (local backend:
    /// the operating system released its lock; S3 refuses instead).
    pub fn abandoned_by(&self) -> Option<&LockInfo> {
        match self {
            StateLock::Local(l) => l.abandoned_by.as_ref(),
            StateLock::S3(_) => None,
        }
    }

    /// Give the lock back now (S3: delete the lock object) rather than when dropped.
    pub async fn release(self) {
        if let StateLock::S3(l) = self {
            l.release().await;
        }
    }
}

impl StateStore {
    pub fn local(dir: impl Into<PathBuf>, environment: &str) -> Self {
        StateStore::Local(LocalStore::new(dir, environment))
    }

    /// The store `infra.toml` chose. Local files (the local state, or the S3 backend's
    /// journal and recovery files) go to `<root>/state`.
    pub fn open(root: &Path, environment: &str, backend: &StateBackend, aws: &AwsOptions) -> Self {
        match backend {
            StateBackend::Local => StateStore::local(root.join("state"), environment),
            StateBackend::S3(s3) => StateStore::S3(S3Store::new(s3.clone(), environment, aws.clone(), root.join("state"))),
        }
    }

    /// The file path or `s3://` URI, for messages.
    pub fn describe(&self) -> String {
        match self {
            StateStore::Local(l) => l.path().display().to_string(),
            StateStore::S3(s) => s.uri(),
        }
    }

    pub fn environment(&self) -> &str {
        match self {
            StateStore::Local(l) => l.environment(),
            StateStore::S3(s) => s.environment(),
        }
    }

    /// The current state (a journal left by a dead run replayed onto it).
    pub async fn load(&self) -> Result<State, StateError> {
        match self {
            StateStore::Local(l) => l.load(),
            StateStore::S3(s) => s.load().await,
        }
    }

    /// Warnings about what loading found (a journal that could not be replayed).
    pub fn warnings(&self) -> Vec<String> {
        match self {
            StateStore::Local(_) => Vec::new(),
            StateStore::S3(s) => s.warnings(),
        }
    }

    /// Record one finished step's change; a crash after this loses nothing of it.
    pub fn record(&self, state: &mut State, edit: super::Edit) -> Result<(), StateError> {
        match self {
            StateStore::Local(l) => l.record(state, edit),
            StateStore::S3(s) => s.record(state, edit),
        }
    }

    /// The end of a run: the whole document written, the journal removed.
    pub async fn compact(&self, state: &mut State) -> Result<(), StateError> {
        match self {
            StateStore::Local(l) => l.compact(state),
            StateStore::S3(s) => s.compact(state).await,
        }
    }

    /// Write the whole document now (state commands), bumping its serial.
    pub async fn save(&self, state: &mut State) -> Result<(), StateError> {
        match self {
            StateStore::Local(l) => l.save(state),
            StateStore::S3(s) => s.save(state).await,
        }
    }

    /// Take the lock, waiting up to `wait` for another run to release it.
    pub async fn lock(&self, wait: Duration, command: &str) -> Result<StateLock, StateError> {
        match self {
            StateStore::Local(l) => l.lock(wait, command).map(StateLock::Local),
            StateStore::S3(s) => s.lock(wait, command).await.map(StateLock::S3),
        }
    }

    /// Who holds the lock now, if anyone (to show before breaking it).
    pub async fn holder(&self) -> Result<Option<LockInfo>, StateError> {
        match self {
            StateStore::Local(l) => Ok(l.holder()),
            StateStore::S3(s) => s.holder().await,
        }
    }

    /// Clear a lock left by a dead run, or with `force` a live one's.
    pub async fn unlock(&self, force: bool) -> Result<Unlocked, StateError> {
        match self {
            StateStore::Local(l) => l.unlock(force),
            StateStore::S3(s) => s.unlock(force).await,
        }
    }
}

/// Build an S3 client for the backend, from the usual credential chain.
/// A client for the state bucket, and the endpoint override it talks to (if any).
pub(super) async fn s3_client(aws: &AwsOptions, region: Option<&str>) -> Result<(aws_sdk_s3::Client, Option<String>), ConnectError> {
    let loaded = crate::aws::Aws::load(aws).await?;
    Ok((loaded.s3_in(region), loaded.s3_endpoint()))
}
