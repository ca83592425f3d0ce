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

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use aws_sdk_s3::Client;
use tokio::sync::{Notify, OnceCell};
use tokio::task::JoinHandle;

use super::journal::{Header, Journal};
use super::local::atomic_write;
use super::store::{hostname, s3_client, LockInfo, StateError, Unlocked};
use super::{decode, encode, Edit, State};
use crate::aws::{classify, AwsOptions};
use crate::manifest::settings::S3Backend;

/// How often a lock holder proves it is alive (`INFRA_LOCK_HEARTBEAT_SECS` in tests).
fn heartbeat_every() -> Duration {
    let secs = std::env::var("INFRA_LOCK_HEARTBEAT_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs)
}

/// The S3 connection and the document's version as this run knows it, shared with the
/// upload and heartbeat tasks.
#[derive(Debug)]
struct Remote {
    settings: S3Backend,
    environment: String,
    aws: AwsOptions,
    /// The client, and the endpoint override it talks to (an emulator's), if any.
    client: OnceCell<(Client, Option<String>)>,
    /// This process's run id, recorded with every upload and in the lock.
    run: String,
    command: Mutex<String>,
    /// ETag of the document as last read or written; `None`: there is none.
    etag: Mutex<Option<String>>,
    /// The writer of the document as last read (its `run` metadata).
    writer: Mutex<Option<String>>,
}

/// What a conditional write ran into.
enum PutError {
    /// The object changed (or appeared, or went) since it was read.
    Precondition,
    Other(StateError),
}

/// One stored version of the document, for `infra state history`.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub modified: String,
    pub latest: bool,
    pub serial: Option<u64>,
    pub who: String,
    pub command: String,
    pub last_of_run: bool,
}

impl Remote {
    fn key(&self, suffix: &str) -> String {
        self.settings.key(&self.environment, suffix)
    }

    fn uri(&self) -> String {
        format!("s3://{}/{}", self.settings.bucket, self.key("json"))
    }

    async fn connect(&self) -> Result<&(Client, Option<String>), StateError> {
        self.client
            .get_or_try_init(|| async { s3_client(&self.aws, self.settings.region.as_deref()).await })
            .await
            .map_err(|source| StateError::Remote { what: self.uri(), action: "connect", source })
    }

    async fn client(&self) -> Result<&Client, StateError> {
        Ok(&self.connect().await?.0)
    }

    fn remote_err<E>(&self, action: &'static str, err: &SdkError<E, HttpResponse>) -> StateError
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        if err.as_service_error().and_then(|e| e.code()) == Some("NoSuchBucket") {
            return StateError::Refused(format!(
                "state {}: bucket {} does not exist; `infra state init-backend` creates it",
                self.uri(),
                self.settings.bucket
            ));
        }
        let endpoint = self.client.get().and_then(|(_, endpoint)| endpoint.clone()).unwrap_or_else(|| "S3".into());
        StateError::Remote { what: self.uri(), action, source: classify(&endpoint, action, err, "default") }
    }

    /// An object's bytes, ETag and metadata; `None` when it does not exist.
    async fn get(&self, key: &str, version: Option<&str>) -> Result<Option<(Vec<u8>, String, HashMap<String, String>)>, StateError> {
        let client = self.client().await?;
        let out = match client.get_object().bucket(&self.settings.bucket).key(key).set_version_id(version.map(str::to_string)).send().await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(self.remote_err("GetObject", &e)),
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let meta = out.metadata().cloned().unwrap_or_default();
        let bytes =
            out.body.collect().await.map_err(|e| StateError::Read { path: PathBuf::from(self.uri()), source: std::io::Error::other(e) })?;
        Ok(Some((bytes.to_vec(), etag, meta)))
    }

    /// Write `key` only if it is absent (`if_etag` `None`) or still at `if_etag`.
    async fn put(&self, key: &str, bytes: Vec<u8>, if_etag: Option<&str>, meta: HashMap<String, String>) -> Result<String, PutError> {
        let client = self.client().await.map_err(PutError::Other)?;
        let mut req = client
            .put_object()
            .bucket(&self.settings.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(bytes))
            .set_metadata(Some(meta));
        req = match &self.settings.kms_key_id {
            Some(kms) => req.server_side_encryption(ServerSideEncryption::AwsKms).ssekms_key_id(kms),
            None => req.server_side_encryption(ServerSideEncryption::Aes256),
        };
        req = match if_etag {
            Some(etag) => req.if_match(etag),
            None => req.if_none_match("*"),
        };
        match req.send().await {
            Ok(out) => Ok(out.e_tag().unwrap_or_default().to_string()),
            Err(e) if is_precondition(&e, if_etag.is_some()) => Err(PutError::Precondition),
            Err(e) => Err(PutError::Other(self.remote_err("PutObject", &e))),
        }
    }

    /// Upload a document over the version this run knows.
    async fn put_state(&self, state: &State, last_of_run: bool) -> Result<(), PutError> {
        let etag = self.etag.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut meta = HashMap::from([
            ("serial".to_string(), state.serial.to_string()),
            ("run".to_string(), self.run.clone()),
            ("who".to_string(), who()),
            ("command".to_string(), self.command.lock().unwrap_or_else(|e| e.into_inner()).clone()),
        ]);
        if last_of_run {
            meta.insert("final".into(), "true".into());
        }
        let new = self.put(&self.key("json"), encode(state), etag.as_deref(), meta).await?;
        *self.etag.lock().unwrap_or_else(|e| e.into_inner()) = Some(new);
        *self.writer.lock().unwrap_or_else(|e| e.into_inner()) = Some(self.run.clone());
        Ok(())
    }
}

fn who() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
    format!("{user}@{}", hostname())
}

/// 412 Precondition Failed, 409 ConditionalRequestConflict (a concurrent conditional
/// write), or, for `If-Match`, 404 on an object deleted meanwhile (not a missing bucket).
fn is_precondition<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>, if_match: bool) -> bool {
    let status = err.raw_response().map(|r| r.status().as_u16());
    let no_bucket = err.as_service_error().and_then(|e| e.code()) == Some("NoSuchBucket");
    matches!(status, Some(412 | 409)) || (if_match && status == Some(404) && !no_bucket)
}

/// Steps finished since the last upload, and whether uploading failed.
#[derive(Debug, Default)]
struct Pending {
    /// This run's view, kept in step with the caller's by applying the same edits.
    state: Option<State>,
    dirty: bool,
    failed: Option<FailedUpload>,
}

#[derive(Debug, Clone)]
enum FailedUpload {
    Conflict,
    Other(String),
}

#[derive(Debug)]
struct Shared {
    remote: Remote,
    pending: Mutex<Pending>,
    wake: Notify,
    stop: AtomicBool,
}

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

    pub fn settings(&self) -> &S3Backend {
        &self.remote().settings
    }

    pub async fn client(&self) -> Result<&Client, StateError> {
        self.remote().client().await
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

impl S3Store {
    /// Make the bucket the way a state bucket should be: versioned (history, restore),
    /// encrypted by default (KMS when a key is set), no public access, owner-enforced
    /// objects, TLS-only. Safe to run again; returns what it did.
    pub async fn init_backend(&self) -> Result<Vec<String>, StateError> {
        use aws_sdk_s3::types::{
            BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ObjectOwnership, OwnershipControls,
            OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
            ServerSideEncryptionRule, VersioningConfiguration,
        };
        let remote = self.remote();
        let client = remote.client().await?;
        let bucket = remote.settings.bucket.as_str();
        let mut done = Vec::new();
        let err = |action: &'static str, e: String| StateError::Refused(format!("s3://{bucket}: {action}: {e}"));
        let show = |e: &dyn std::error::Error| aws_smithy_types::error::display::DisplayErrorContext(e).to_string();
        match client.head_bucket().bucket(bucket).send().await {
            Ok(_) => done.push(format!("bucket {bucket} exists")),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                let region = client.config().region().map(|r| r.to_string()).unwrap_or_default();
                let mut req = client.create_bucket().bucket(bucket);
                if region != "us-east-1" && !region.is_empty() {
                    let conf =
                        CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region.as_str())).build();
                    req = req.create_bucket_configuration(conf);
                }
                req.send().await.map_err(|e| remote.remote_err("CreateBucket", &e))?;
                done.push(format!("bucket {bucket} created in {region}"));
            }
            Err(e) => {
                return Err(err("HeadBucket", format!("{}; the name may belong to another account", show(&e))));
            }
        }
        let versioning = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
        client
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(versioning)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutBucketVersioning", &e))?;
        done.push("versioning on (every state version kept: `infra state history`)".into());
        let default = match &remote.settings.kms_key_id {
            Some(key) => {
                ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::AwsKms).kms_master_key_id(key).build()
            }
            None => ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256).build(),
        }
        .map_err(|e| err("PutBucketEncryption", e.to_string()))?;
        let rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(default).bucket_key_enabled(true).build();
        let sse =
            ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(|e| err("PutBucketEncryption", e.to_string()))?;
        client
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(sse)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutBucketEncryption", &e))?;
        done.push(match &remote.settings.kms_key_id {
            Some(key) => format!("default encryption SSE-KMS with {key}"),
            None => "default encryption SSE-S3".into(),
        });
        let block = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        client
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(block)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutPublicAccessBlock", &e))?;
        done.push("all public access blocked".into());
        let owner = OwnershipControlsRule::builder()
            .object_ownership(ObjectOwnership::BucketOwnerEnforced)
            .build()
            .map_err(|e| err("PutBucketOwnershipControls", e.to_string()))?;
        let controls = OwnershipControls::builder().rules(owner).build().map_err(|e| err("PutBucketOwnershipControls", e.to_string()))?;
        client
            .put_bucket_ownership_controls()
            .bucket(bucket)
            .ownership_controls(controls)
            .send()
            .await
            .map_err(|e| remote.remote_err("PutBucketOwnershipControls", &e))?;
        done.push("ACLs disabled (bucket owner enforced)".into());
        // The policy refuses every plain-HTTP request, this client's included: against an
        // emulator served over http:// it would lock the state out, so it waits for TLS.
        match remote.connect().await?.1.as_deref() {
            Some(endpoint) if !endpoint.starts_with("https://") => {
                done.push(format!(
                    "bucket policy: TLS only NOT applied: the endpoint {endpoint} is not TLS and the policy would refuse this client"
                ));
            }
            _ => {
                client
                    .put_bucket_policy()
                    .bucket(bucket)
                    .policy(tls_only_policy(bucket))
                    .send()
                    .await
                    .map_err(|e| remote.remote_err("PutBucketPolicy", &e))?;
                done.push("bucket policy: TLS only".into());
            }
        }
        Ok(done)
    }
}

/// A bucket policy refusing any request not made over TLS.
pub fn tls_only_policy(bucket: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
    .to_string()
}

/// At most one upload per interval while a run goes on: the journal already keeps every
/// step on this machine, so S3 only needs to be close behind (at most this much, plus an
/// upload), and each upload is a whole document. Terraform persists every 20 s.
const UPLOAD_EVERY: Duration = Duration::from_secs(1);

async fn upload_loop(shared: Arc<Shared>) {
    let stopping = || shared.stop.load(Ordering::SeqCst);
    loop {
        shared.wake.notified().await;
        loop {
            // The run's end uploads the final document itself: nothing more here.
            if stopping() {
                return;
            }
            let view = {
                let mut pending = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
                if pending.failed.is_some() || !pending.dirty {
                    break;
                }
                pending.dirty = false;
                pending.state.clone()
            };
            let Some(view) = view else { break };
            let next = Instant::now() + UPLOAD_EVERY;
            if let Err(e) = shared.remote.put_state(&view, false).await {
                let failed = match e {
                    PutError::Precondition => FailedUpload::Conflict,
                    PutError::Other(e) => FailedUpload::Other(e.to_string()),
                };
                shared.pending.lock().unwrap_or_else(|e| e.into_inner()).failed = Some(failed);
                return;
            }
            while !stopping() && Instant::now() < next {
                let _ = tokio::time::timeout(next - Instant::now(), shared.wake.notified()).await;
            }
        }
        if stopping() || shared.pending.lock().unwrap_or_else(|e| e.into_inner()).failed.is_some() {
            return;
        }
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
    fn start(shared: Arc<Shared>, key: String, etag: String, mut info: LockInfo, every: Duration) -> Self {
        let etag = Arc::new(Mutex::new(etag));
        let beat = {
            let (shared, key, etag) = (Arc::clone(&shared), key.clone(), Arc::clone(&etag));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    info.heartbeat = Some(super::now());
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_bucket_policy_refuses_plain_http_for_the_bucket_and_its_objects() {
        let policy: serde_json::Value = serde_json::from_str(&super::tls_only_policy("b")).unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(statement["Action"], "s3:*");
        assert_eq!(statement["Resource"], serde_json::json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]));
        assert_eq!(statement["Condition"]["Bool"]["aws:SecureTransport"], "false");
    }
}
