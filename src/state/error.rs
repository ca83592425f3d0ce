//! What can go wrong with a state: reading, writing, locking, a conflict with another run.

use std::path::PathBuf;

use crate::aws::ConnectError;

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
