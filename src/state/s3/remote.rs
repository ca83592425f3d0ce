//! The S3 objects behind a state: the connection, reads, and conditional writes
//! (`If-None-Match: *` to create, `If-Match` on the last ETag to replace).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use aws_sdk_s3::Client;
use tokio::sync::OnceCell;

use crate::aws::{classify, AwsOptions, ConnectError};
use crate::manifest::settings::S3Backend;
use crate::state::lock::hostname;
use crate::state::{encode, State, StateError};

/// The S3 connection and the document's version as this run knows it, shared with the
/// upload and heartbeat tasks.
#[derive(Debug)]
pub(super) struct Remote {
    pub(super) settings: S3Backend,
    pub(super) environment: String,
    pub(super) aws: AwsOptions,
    /// The client, and the endpoint override it talks to (an emulator's), if any.
    pub(super) client: OnceCell<(Client, Option<String>)>,
    /// This process's run id, recorded with every upload and in the lock.
    pub(super) run: String,
    pub(super) command: Mutex<String>,
    /// ETag of the document as last read or written; `None`: there is none.
    pub(super) etag: Mutex<Option<String>>,
    /// The writer of the document as last read (its `run` metadata).
    pub(super) writer: Mutex<Option<String>>,
}

/// What a conditional write ran into.
pub(super) enum PutError {
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
    pub(super) fn key(&self, suffix: &str) -> String {
        self.settings.key(&self.environment, suffix)
    }

    pub(super) fn uri(&self) -> String {
        format!("s3://{}/{}", self.settings.bucket, self.key("json"))
    }

    pub(super) async fn connect(&self) -> Result<&(Client, Option<String>), StateError> {
        self.client
            .get_or_try_init(|| async { s3_client(&self.aws, self.settings.region.as_deref()).await })
            .await
            .map_err(|source| StateError::Remote { what: self.uri(), action: "connect", source })
    }

    pub(super) async fn client(&self) -> Result<&Client, StateError> {
        Ok(&self.connect().await?.0)
    }

    pub(super) fn remote_err<E>(&self, action: &'static str, err: &SdkError<E, HttpResponse>) -> StateError
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
    pub(super) async fn get(
        &self,
        key: &str,
        version: Option<&str>,
    ) -> Result<Option<(Vec<u8>, String, HashMap<String, String>)>, StateError> {
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
    pub(super) async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        if_etag: Option<&str>,
        meta: HashMap<String, String>,
    ) -> Result<String, PutError> {
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
    pub(super) async fn put_state(&self, state: &State, last_of_run: bool) -> Result<(), PutError> {
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

pub(super) fn who() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
    format!("{user}@{}", hostname())
}

/// 412 Precondition Failed, 409 ConditionalRequestConflict (a concurrent conditional
/// write), or, for `If-Match`, 404 on an object deleted meanwhile (not a missing bucket).
pub(super) fn is_precondition<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>, if_match: bool) -> bool {
    let status = err.raw_response().map(|r| r.status().as_u16());
    let no_bucket = err.as_service_error().and_then(|e| e.code()) == Some("NoSuchBucket");
    matches!(status, Some(412 | 409)) || (if_match && status == Some(404) && !no_bucket)
}

/// Build an S3 client for the backend, from the usual credential chain.
/// A client for the state bucket, and the endpoint override it talks to (if any).
pub(super) async fn s3_client(aws: &AwsOptions, region: Option<&str>) -> Result<(aws_sdk_s3::Client, Option<String>), ConnectError> {
    let loaded = crate::aws::Aws::load(aws).await?;
    Ok((loaded.s3_in(region), loaded.s3_endpoint()))
}
