//! The lock object `<prefix>/<env>.lock`: taken with `If-None-Match: *` (exactly one
//! run gets it), refreshed by a heartbeat, deleted with `If-Match` (only our own).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::remote::{is_precondition, PutError};
use super::upload::Shared;
use super::S3Store;
use crate::state::{LockInfo, StateError, Unlocked};

/// How often a lock holder proves it is alive (`INFRA_LOCK_HEARTBEAT_SECS` in tests).
pub(super) fn heartbeat_every() -> Duration {
    let secs = std::env::var("INFRA_LOCK_HEARTBEAT_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

impl S3Store {
    /// Take the lock object, waiting up to `wait` while another run holds it.
    pub async fn lock(&self, wait: Duration, command: &str) -> Result<S3Lock, StateError> {
        let remote = self.remote();
        *remote.command.lock().unwrap_or_else(|e| e.into_inner()) = command.to_string();
        let every = heartbeat_every();
        let mut info = LockInfo::mine(command);
        info.run = remote.run.clone();
        info.heartbeat = Some(info.since.clone());
        info.heartbeat_secs = Some(every.as_secs());
        let key = remote.key("lock");
        let start = Instant::now();
        loop {
            let body = serde_json::to_vec_pretty(&info).unwrap_or_default();
            match remote.put(&key, body, None, HashMap::new()).await {
                // S3 lets exactly one `If-None-Match: *` create through (strongly
                // consistent since 2020, conditional since 2024): no read-back needed.
                Ok(etag) => {
                    self.locked.store(true, Ordering::SeqCst);
                    return Ok(S3Lock::start(Arc::clone(&self.shared), key, etag, info, every));
                }
                Err(PutError::Other(e)) => return Err(e),
                Err(PutError::Precondition) => {}
            }
            if start.elapsed() >= wait {
                let holder = self.holder().await?;
                let dead = holder.as_ref().is_some_and(LockInfo::is_dead);
                let holder = holder.map(|h| h.to_string()).unwrap_or_else(|| "another infra run".into());
                return Err(StateError::Locked { what: self.uri(), holder, dead });
            }
            tokio::time::sleep(Duration::from_secs(1).min(wait.saturating_sub(start.elapsed()))).await;
        }
    }

    pub async fn holder(&self) -> Result<Option<LockInfo>, StateError> {
        let remote = self.remote();
        let got = remote.get(&remote.key("lock"), None).await?;
        Ok(got.map(|(bytes, _, _)| {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| LockInfo {
                pid: 0,
                host: "?".into(),
                command: "an unreadable lock".into(),
                ..LockInfo::mine("?")
            })
        }))
    }

    /// Delete the lock object: that of a dead run, or with `force` a live one's.
    pub async fn unlock(&self, force: bool) -> Result<Unlocked, StateError> {
        let remote = self.remote();
        let key = remote.key("lock");
        let Some((bytes, etag, _)) = remote.get(&key, None).await? else { return Ok(Unlocked::NotLocked) };
        let info: Option<LockInfo> = serde_json::from_slice(&bytes).ok();
        let dead = info.as_ref().is_some_and(LockInfo::is_dead);
        if !dead && !force {
            let holder = info.map(|i| i.to_string()).unwrap_or_else(|| "another infra run".into());
            return Err(StateError::Locked { what: self.uri(), holder, dead });
        }
        let client = remote.client().await?;
        match client.delete_object().bucket(&remote.settings.bucket).key(&key).if_match(&etag).send().await {
            Ok(_) => {}
            Err(e) if is_precondition(&e, true) => {
                return Err(StateError::Refused(format!("the lock of {} changed while it was being cleared; look again", self.uri())))
            }
            Err(e) => return Err(remote.remote_err("DeleteObject", &e)),
        }
        Ok(match (info, dead) {
            (Some(info), true) => Unlocked::Abandoned(info),
            (info, _) => Unlocked::Forced(info.map(|i| i.to_string()).unwrap_or_else(|| "another infra run".into())),
        })
    }
}

/// The lock object, refreshed by a heartbeat task until released.
#[derive(Debug)]
pub struct S3Lock {
    shared: Arc<Shared>,
    key: String,
    etag: Arc<Mutex<String>>,
    heartbeat: Option<JoinHandle<()>>,
    released: bool,
}

impl S3Lock {
    pub(super) fn start(shared: Arc<Shared>, key: String, etag: String, mut info: LockInfo, every: Duration) -> Self {
        let etag = Arc::new(Mutex::new(etag));
        let beat = {
            let (shared, key, etag) = (Arc::clone(&shared), key.clone(), Arc::clone(&etag));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    info.heartbeat = Some(crate::state::now());
                    let current = etag.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    let body = serde_json::to_vec_pretty(&info).unwrap_or_default();
                    match shared.remote.put(&key, body, Some(&current), HashMap::new()).await {
                        Ok(new) => *etag.lock().unwrap_or_else(|e| e.into_inner()) = new,
                        // Broken by someone else: the state's own If-Match guards the rest.
                        Err(PutError::Precondition) => return,
                        Err(PutError::Other(_)) => {}
                    }
                }
            })
        };
        S3Lock { shared, key, etag, heartbeat: Some(beat), released: false }
    }

    pub async fn release(mut self) {
        self.delete().await;
    }

    async fn delete(&mut self) {
        if let Some(beat) = self.heartbeat.take() {
            beat.abort();
        }
        self.released = true;
        let etag = self.etag.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Ok(client) = self.shared.remote.client().await else { return };
        // Only our own lock: If-Match, so a lock someone else took meanwhile stays.
        let _ = client.delete_object().bucket(&self.shared.remote.settings.bucket).key(&self.key).if_match(etag).send().await;
    }
}

impl Drop for S3Lock {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        // An early return with `?`: release here, on the runtime we are on.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                tokio::task::block_in_place(|| handle.block_on(self.delete()));
            }
        }
    }
}
