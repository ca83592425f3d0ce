//! Who holds an environment's lock (written into the lock, read by the next run), and
//! whether that holder still lives; the same for both backends.

use std::time::Duration;

use serde::{Deserialize, Serialize};

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
