//! The S3 backend: `<prefix>/<env>.json` in a versioned bucket, locked by the object
//! `<prefix>/<env>.lock`, both guarded by S3's conditional writes. The lock is created
//! with `If-None-Match: *` (exactly one run gets it) and refreshed by a heartbeat; the
//! document is only ever replaced with `If-Match` on the ETag this run last read or
//! wrote, so a run whose lock was broken can never overwrite a newer state: it stops
//! and leaves its own view in a recovery file.
//!
//! Each finished step is journaled locally first (fsynced, as with the local backend)
//! and uploaded by a background task that coalesces: at most one upload a second, the
//! next one carrying every step finished meanwhile, so steps never wait for S3. The
//! run's end uploads the final document (marked `final` in its metadata, which `infra
//! state history` lists).

mod lock;
mod remote;
mod upload;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, OnceCell};
use tokio::task::JoinHandle;

pub use lock::S3Lock;
pub use remote::Version;

use super::journal::{Header, Journal};
use super::local::atomic_write;
use super::{decode, encode, Edit, State, StateError};
use crate::aws::AwsOptions;
use crate::manifest::settings::S3Backend;
use remote::{is_precondition, who, PutError, Remote};
use upload::{upload_loop, FailedUpload, Shared};

#[derive(Debug)]
pub struct S3Store {
    shared: Arc<Shared>,
    journal: Journal,
    dir: PathBuf,
    uploader: Mutex<Option<JoinHandle<()>>>,
    /// Whether this process holds the lock (then a replayed journal is uploaded).
    locked: AtomicBool,
    warnings: Mutex<Vec<String>>,
}

impl S3Store {
    pub fn new(settings: S3Backend, environment: &str, aws: AwsOptions, dir: PathBuf) -> Self {
        let run: String = (0..16).map(|_| format!("{:x}", rand::random::<u8>() % 16)).collect();
        let remote = Remote {
            settings,
            environment: environment.to_string(),
            aws,
            client: OnceCell::new(),
            run,
            command: Mutex::new("infra".into()),
            etag: Mutex::new(None),
            writer: Mutex::new(None),
        };
        let journal = Journal::new(dir.join(format!("{environment}.journal")));
        S3Store {
            shared: Arc::new(Shared { remote, pending: Mutex::default(), wake: Notify::new(), stop: AtomicBool::new(false) }),
            journal,
            dir,
            uploader: Mutex::new(None),
            locked: AtomicBool::new(false),
            warnings: Mutex::default(),
        }
    }

    fn remote(&self) -> &Remote {
        &self.shared.remote
    }

    pub fn uri(&self) -> String {
        self.remote().uri()
    }

    pub fn environment(&self) -> &str {
        &self.remote().environment
    }

    pub fn warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The current document, with a journal this machine's last run left replayed onto
    /// it when it continues exactly this document.
    pub async fn load(&self) -> Result<State, StateError> {
        let remote = self.remote();
        let got = remote.get(&remote.key("json"), None).await?;
        let (mut state, etag, writer) = match got {
            Some((bytes, etag, meta)) => (decode(&bytes, &remote.uri(), None)?, Some(etag), meta.get("run").cloned()),
            None => (State::new(), None, None),
        };
        *remote.etag.lock().unwrap_or_else(|e| e.into_inner()) = etag.clone();
        *remote.writer.lock().unwrap_or_else(|e| e.into_inner()) = writer.clone();
        let Some(contents) = self.journal.read()? else { return Ok(state) };
        let Some(header) = contents.header.clone() else {
            // A local backend's journal: not for this document.
            return Ok(state);
        };
        let last = contents.last_serial().unwrap_or(header.base);
        let continues = header.lineage == state.lineage || (etag.is_none() && state.is_empty());
        let untouched = state.serial == header.base || writer.as_deref() == Some(header.run.as_str());
        if continues && untouched && state.serial <= last {
            if etag.is_none() {
                state.lineage = header.lineage.clone();
            }
            if contents.replay(&mut state) > 0 && self.locked.load(Ordering::SeqCst) {
                // Upload what the dead run finished, so that other machines see it too.
                remote.put_state(&state, true).await.map_err(|e| self.put_failed(e, &state))?;
                self.journal.remove()?;
            }
        } else {
            let aside = self.journal.set_aside()?;
            self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(format!(
                "{} holds steps of a run that died, but {} has changed since (serial {}): it was not replayed and is kept as {}",
                self.journal.path().display(),
                remote.uri(),
                state.serial,
                aside.display()
            ));
        }
        Ok(state)
    }

    /// A failed conditional write, as the error to report; a conflict leaves `state`
    /// in a recovery file first.
    fn put_failed(&self, e: PutError, state: &State) -> StateError {
        match e {
            PutError::Other(e) => e,
            PutError::Precondition => match self.write_recovery(state) {
                Ok(recovery) => StateError::Conflict { what: self.uri(), recovery },
                Err(e) => e,
            },
        }
    }

    fn write_recovery(&self, state: &State) -> Result<PathBuf, StateError> {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let path = self.dir.join(format!("{}.recovery-{stamp}.json", self.environment()));
        let werr = |source| StateError::Write { path: path.clone(), source };
        std::fs::create_dir_all(&self.dir).map_err(werr)?;
        atomic_write(&self.dir, &path, &encode(state)).map_err(werr)?;
        // Everything is in the recovery file now; the journal would not replay.
        self.journal.finish()?;
        Ok(path)
    }

    /// Journal the step locally, then let the uploader carry it to S3.
    pub fn record(&self, state: &mut State, edit: Edit) -> Result<(), StateError> {
        if !self.journal.is_open() {
            self.journal.open(Some(&Header { lineage: state.lineage.clone(), base: state.serial, run: self.remote().run.clone() }))?;
        }
        state.apply(&edit);
        state.serial += 1;
        self.journal.append(state.serial, edit.clone())?;
        let failed = {
            let mut pending = self.shared.pending.lock().unwrap_or_else(|e| e.into_inner());
            match &mut pending.state {
                Some(view) => {
                    view.apply(&edit);
                    view.serial = state.serial;
                }
                None => pending.state = Some(state.clone()),
            }
            pending.dirty = true;
            pending.failed.clone()
        };
        match failed {
            Some(FailedUpload::Conflict) => Err(StateError::Conflict { what: self.uri(), recovery: self.recovery_hint() }),
            Some(FailedUpload::Other(detail)) => Err(StateError::Refused(format!(
                "state {}: uploading failed ({detail}); this run stops; its steps are in {}",
                self.uri(),
                self.journal.path().display()
            ))),
            None => {
                self.start_uploader();
                self.shared.wake.notify_one();
                Ok(())
            }
        }
    }

    fn recovery_hint(&self) -> PathBuf {
        self.dir.join(format!("{}.recovery-*.json (written when the run ends)", self.environment()))
    }

    fn start_uploader(&self) {
        let mut slot = self.uploader.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            let shared = Arc::clone(&self.shared);
            *slot = Some(tokio::spawn(upload_loop(shared)));
        }
    }

    /// The end of a run: wait for the uploader, then upload the final document.
    pub async fn compact(&self, state: &mut State) -> Result<(), StateError> {
        if !self.journal.is_open() {
            return Ok(());
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.wake.notify_one();
        let task = self.uploader.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        let failed = self.shared.pending.lock().unwrap_or_else(|e| e.into_inner()).failed.take();
        match failed {
            Some(FailedUpload::Conflict) => return Err(self.put_failed(PutError::Precondition, state)),
            Some(FailedUpload::Other(_)) | None => {}
        }
        match self.remote().put_state(state, true).await {
            Ok(()) => self.journal.finish().map(|_| ()),
            Err(PutError::Other(e)) => Err(StateError::Refused(format!(
                "{e}\n  The run's steps are kept in {}; the next run on this machine uploads them.",
                self.journal.path().display()
            ))),
            Err(e) => Err(self.put_failed(e, state)),
        }
    }

    /// Write the whole document now, over the version last read.
    pub async fn save(&self, state: &mut State) -> Result<(), StateError> {
        state.serial += 1;
        self.remote().put_state(state, true).await.map_err(|e| self.put_failed(e, state))
    }

    /// The document's stored versions, newest first; only each run's last unless `all`.
    pub async fn history(&self, all: bool, limit: usize) -> Result<Vec<Version>, StateError> {
        use futures::StreamExt;
        let remote = self.remote();
        let client = remote.client().await?;
        let key = remote.key("json");
        let mut versions = Vec::new();
        let (mut key_marker, mut version_marker) = (None, None);
        loop {
            let page = client
                .list_object_versions()
                .bucket(&remote.settings.bucket)
                .prefix(&key)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(|e| remote.remote_err("ListObjectVersions", &e))?;
            let truncated = page.is_truncated().unwrap_or(false);
            key_marker = page.next_key_marker.clone();
            version_marker = page.next_version_id_marker.clone();
            versions.extend(page.versions.unwrap_or_default().into_iter().filter(|v| v.key() == Some(key.as_str())));
            if !truncated || key_marker.is_none() {
                break;
            }
        }
        versions.sort_by(|a, b| b.last_modified().cmp(&a.last_modified()));
        let key = &key;
        let heads = futures::stream::iter(versions.into_iter().map(|v| async move {
            let id = v.version_id().unwrap_or("null").to_string();
            let head = client.head_object().bucket(&remote.settings.bucket).key(key).version_id(&id).send().await;
            let meta = head.ok().and_then(|h| h.metadata).unwrap_or_default();
            Version {
                modified: v.last_modified().map(|t| t.to_string()).unwrap_or_default(),
                latest: v.is_latest().unwrap_or(false),
                serial: meta.get("serial").and_then(|s| s.parse().ok()),
                who: meta.get("who").cloned().unwrap_or_default(),
                command: meta.get("command").cloned().unwrap_or_default(),
                last_of_run: meta.get("final").is_some_and(|f| f == "true"),
                id,
            }
        }))
        .buffered(8)
        .filter(|v| std::future::ready(all || v.last_of_run || v.latest))
        .take(limit)
        .collect()
        .await;
        Ok(heads)
    }

    /// A version's bytes (the current one without `version`).
    pub async fn pull(&self, version: Option<&str>) -> Result<Option<Vec<u8>>, StateError> {
        let remote = self.remote();
        Ok(remote.get(&remote.key("json"), version).await?.map(|(b, _, _)| b))
    }

    /// Create the document only if it does not exist (migration).
    pub async fn create(&self, bytes: Vec<u8>) -> Result<bool, StateError> {
        let remote = self.remote();
        let meta =
            HashMap::from([("run".to_string(), remote.run.clone()), ("who".to_string(), who()), ("final".to_string(), "true".to_string())]);
        match remote.put(&remote.key("json"), bytes, None, meta).await {
            Ok(_) => Ok(true),
            Err(PutError::Precondition) => Ok(false),
            Err(PutError::Other(e)) => Err(e),
        }
    }

    /// Delete the current document (after moving it elsewhere); its versions stay.
    pub async fn remove(&self) -> Result<(), StateError> {
        let remote = self.remote();
        let client = remote.client().await?;
        let etag = remote.etag.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let req = client.delete_object().bucket(&remote.settings.bucket).key(remote.key("json")).set_if_match(etag);
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if is_precondition(&e, true) => {
                Err(StateError::Refused(format!("{} changed meanwhile; nothing was removed", self.uri())))
            }
            Err(e) => Err(remote.remote_err("DeleteObject", &e)),
        }
    }

    /// Environments with a document under the prefix.
    pub async fn environments(&self) -> Result<Vec<String>, StateError> {
        let remote = self.remote();
        let client = remote.client().await?;
        let prefix = if remote.settings.prefix.is_empty() { String::new() } else { format!("{}/", remote.settings.prefix) };
        let mut envs = Vec::new();
        let mut pages = client.list_objects_v2().bucket(&remote.settings.bucket).prefix(&prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| remote.remote_err("ListObjectsV2", &e))?;
            for object in page.contents() {
                let rest = object.key().unwrap_or_default().strip_prefix(&prefix).unwrap_or_default();
                if let Some(env) = rest.strip_suffix(".json").filter(|e| !e.contains('/')) {
                    envs.push(env.to_string());
                }
            }
        }
        Ok(envs)
    }
}
