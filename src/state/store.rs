//! Where an environment's state lives, behind one type: [`StateStore`] is the local
//! file or the S3 object chosen in `infra.toml`, with the same load, per-step record,
//! end-of-run compaction, whole-document save, lock and unlock on both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::local::{LocalLock, LocalStore};
use super::s3::{S3Lock, S3Store};
use super::{LockInfo, State, StateError, Unlocked};
use crate::aws::AwsOptions;
use crate::manifest::settings::StateBackend;

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
