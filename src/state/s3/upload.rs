//! The background upload: each step is journaled locally at once and carried to S3 by
//! one task that coalesces, at most one upload a second, so steps never wait for S3.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::remote::{PutError, Remote};
use crate::state::State;

/// Steps finished since the last upload, and whether uploading failed.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// This run's view, kept in step with the caller's by applying the same edits.
    pub(super) state: Option<State>,
    pub(super) dirty: bool,
    pub(super) failed: Option<FailedUpload>,
}

#[derive(Debug, Clone)]
pub(super) enum FailedUpload {
    Conflict,
    Other(String),
}

#[derive(Debug)]
pub(super) struct Shared {
    pub(super) remote: Remote,
    pub(super) pending: Mutex<Pending>,
    pub(super) wake: Notify,
    pub(super) stop: AtomicBool,
}

/// At most one upload per interval while a run goes on: the journal already keeps every
/// step on this machine, so S3 only needs to be close behind (at most this much, plus an
/// upload), and each upload is a whole document. Terraform persists every 20 s.
pub(super) const UPLOAD_EVERY: Duration = Duration::from_secs(1);

pub(super) async fn upload_loop(shared: Arc<Shared>) {
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
