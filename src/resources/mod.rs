//! Resource and data-source types. Each type lives in its own file, declares typed
//! properties with [`props!`](crate::props) and implements [`Resource`] (or
//! [`DataSource`]); the [`registry`] maps manifest type names to them.

mod dynamic;
pub mod registry;

mod apigateway_api_key;
mod apigateway_rest_api;
mod apigateway_usage_plan;
mod apprunner_service;
mod cloudfront_distribution;
mod cloudfront_origin_access_control;
mod cloudwatch_dashboard;
mod cloudwatch_log_group;
mod data_sources;
mod ec2_security_group;
mod ecr_repository;
mod iam_role;
mod lambda_event_source_mapping;
mod lambda_function;
mod lambda_permission;
mod random_id;
mod rds_cluster;
mod rds_cluster_instance;
mod rds_subnet_group;
mod s3_bucket;
mod s3_bucket_policy;
mod sagemaker_endpoint;
mod sagemaker_endpoint_config;
mod sagemaker_model;
mod scheduler_schedule;
mod secretsmanager_secret;
mod sqs_queue;

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::{Aws, AwsError};
use crate::schema::{PropType, Ty};

pub use dynamic::{DynDataSource, DynResource};

/// Attribute values a resource exposes to `${resources.NAME.ATTR}` (id, arn, name, ...).
pub type Attrs = Map<String, Value>;

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AttrTy {
    Str,
    StrList,
    Int,
}

impl AttrTy {
    pub fn ty(self) -> Ty {
        match self {
            AttrTy::Str => Ty::Str,
            AttrTy::StrList => Ty::List(Box::new(Ty::Str)),
            AttrTy::Int => Ty::Int,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Attr {
    pub name: &'static str,
    pub ty: AttrTy,
    /// A secret (an API key's value): never stored, read from AWS when needed.
    pub sensitive: bool,
}

pub const fn attr(name: &'static str) -> Attr {
    Attr { name, ty: AttrTy::Str, sensitive: false }
}

pub const fn attr_list(name: &'static str) -> Attr {
    Attr { name, ty: AttrTy::StrList, sensitive: false }
}

pub const fn attr_sensitive(name: &'static str) -> Attr {
    Attr { name, ty: AttrTy::Str, sensitive: true }
}

/// Split attributes into those that may be stored and the sensitive ones, registering
/// the sensitive values so they are masked everywhere.
pub fn split_sensitive(type_name: &str, attrs: Attrs) -> (Attrs, Attrs) {
    let sensitive: Vec<&str> =
        registry::resource(type_name).map(|r| r.attributes().iter().filter(|a| a.sensitive).map(|a| a.name).collect()).unwrap_or_default();
    let (mut plain, mut secret) = (Attrs::new(), Attrs::new());
    for (k, v) in attrs {
        if sensitive.contains(&k.as_str()) {
            if let Some(s) = v.as_str() {
                crate::secrets::register(s);
            }
            secret.insert(k, v);
        } else {
            plain.insert(k, v);
        }
    }
    (plain, secret)
}

/// What a create or update left behind: the physical id and the attributes.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub id: String,
    pub attrs: Attrs,
}

impl Outcome {
    pub fn new(id: impl Into<String>) -> Self {
        Outcome { id: id.into(), attrs: Attrs::new() }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.attrs.insert(key.to_string(), value.into());
        self
    }
}

/// A resource as it is live: its properties in manifest terms (what AWS cannot show is
/// carried over from the last applied properties) and its current attributes.
#[derive(Debug, Clone)]
pub struct Observed<P> {
    pub props: P,
    pub attrs: Attrs,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ResourceError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("{0}")]
    Invalid(String),
    #[error("timed out after {} waiting for {what}", humantime::format_duration(*after))]
    Timeout { what: String, after: Duration },
}

impl From<aws_smithy_types::error::operation::BuildError> for ResourceError {
    fn from(e: aws_smithy_types::error::operation::BuildError) -> Self {
        ResourceError::Invalid(format!("cannot build the request: {e}"))
    }
}

/// Reports long waits (an Aurora cluster becoming available) while they happen.
pub trait Progress: Send + Sync {
    fn waiting(&self, address: &str, what: &str, elapsed: Duration);
}

/// Everything a resource operation may use.
pub struct Ctx<'a> {
    pub aws: &'a Aws,
    pub module: &'a str,
    pub name: &'a str,
    /// `module.name`, for messages.
    pub address: &'a str,
    /// The module's directory; relative paths in properties start here.
    pub dir: &'a Path,
    /// Upper bound for waits on slow creates and deletes.
    pub timeout: Duration,
    pub progress: &'a dyn Progress,
    /// Idempotency token for this create, stable across a crash and the retry after it.
    pub token: Option<&'a str>,
}

/// Default bound for a wait when the manifest sets no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60 * 60);

impl Ctx<'_> {
    /// Tags put on everything `infra` creates.
    pub fn tags(&self) -> Vec<(String, String)> {
        vec![("ManagedBy".into(), "infra".into()), ("infra:module".into(), self.module.into()), ("infra:resource".into(), self.name.into())]
    }

    /// Poll `probe` until it returns a value, backing off from 1 s to 15 s, reporting
    /// progress, and failing after the resource's timeout.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> Result<T, ResourceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, ResourceError>>,
    {
        let start = Instant::now();
        let mut delay = poll_interval();
        loop {
            if let Some(done) = probe().await? {
                return Ok(done);
            }
            let elapsed = start.elapsed();
            if elapsed >= self.timeout {
                return Err(ResourceError::Timeout { what: what.to_string(), after: self.timeout });
            }
            self.progress.waiting(self.address, what, elapsed);
            tokio::time::sleep(delay.min(self.timeout - elapsed)).await;
            delay = (delay * 2).min(Duration::from_secs(15));
        }
    }
}

/// How an attempt at an eventually consistent call went wrong.
pub enum Attempt {
    /// AWS has not caught up yet (a fresh role, a recently deleted queue): try again.
    Retry(ResourceError),
    /// A real error.
    Fail(ResourceError),
}

impl Attempt {
    /// An SDK error that means "not yet".
    pub fn retry<E, R>(op: &'static str, e: SdkError<E, R>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        Attempt::Retry(AwsError::new(op, e).into())
    }

    /// An SDK error that is final.
    pub fn fail<E, R>(op: &'static str, e: SdkError<E, R>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        Attempt::Fail(AwsError::new(op, e).into())
    }
}

impl From<ResourceError> for Attempt {
    fn from(e: ResourceError) -> Self {
        Attempt::Fail(e)
    }
}

impl From<AwsError> for Attempt {
    fn from(e: AwsError) -> Self {
        Attempt::Fail(e.into())
    }
}

impl Ctx<'_> {
    /// Run `op` until it succeeds, fails for real, or has been retried for `limit`.
    /// Each retry is shown as a wait on `why`. Throttling, 5xx and connection errors never
    /// reach here: the SDK retries those itself.
    pub async fn retry_eventual<T, F, Fut>(&self, why: &str, limit: Duration, mut op: F) -> Result<T, ResourceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Attempt>>,
    {
        let start = Instant::now();
        let mut delay = poll_interval();
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry(e)) => {
                    let elapsed = start.elapsed();
                    if elapsed >= limit {
                        tracing::debug!(address = self.address, %e, "gave up waiting for {why}");
                        return Err(e);
                    }
                    self.progress.waiting(self.address, why, elapsed);
                    tokio::time::sleep(delay.min(limit - elapsed)).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    /// Whether the IAM role `arn` was created recently enough that AWS services may not
    /// see it yet (IAM is eventually consistent; 10-30 s is common).
    pub async fn role_is_fresh(&self, arn: &str) -> bool {
        let Some(name) = arn.rsplit('/').next() else { return false };
        let Ok(out) = self.aws.iam().get_role().role_name(name).send().await else { return false };
        let Some(created) = out.role().map(|r| r.create_date()) else { return false };
        let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
        now.secs() - created.secs() < ROLE_PROPAGATION.as_secs() as i64
    }
}

/// How long after its creation a role's "cannot be assumed" errors are treated as
/// propagation delay rather than a real mistake.
pub const ROLE_PROPAGATION: Duration = Duration::from_secs(300);
/// How long such errors are retried.
pub const PROPAGATION_RETRY: Duration = Duration::from_secs(120);

/// First poll delay; `INFRA_POLL_INTERVAL_MS` shortens it for tests against fast emulators.
fn poll_interval() -> Duration {
    std::env::var("INFRA_POLL_INTERVAL_MS").ok().and_then(|v| v.parse().ok()).map(Duration::from_millis).unwrap_or(Duration::from_secs(1))
}

/// Context for filling computed properties before a diff (no AWS access).
pub struct PrepareCx<'a> {
    pub dir: &'a Path,
}

/// One resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    type Props: PropType + Serialize + DeserializeOwned + Send + Sync;
    /// Manifest type name, e.g. `sqs.queue`.
    const TYPE: &'static str;
    const ATTRIBUTES: &'static [Attr];
    /// Fill computed properties (e.g. the Lambda code hash) before a diff.
    fn prepare(&self, _props: &mut Self::Props, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        Ok(())
    }
    async fn create(&self, cx: &Ctx<'_>, props: &Self::Props) -> Result<Outcome, ResourceError>;
    /// For name-keyed types: the physical id the properties imply, so a resource whose
    /// create was interrupted can be found again.
    fn natural_id(&self, _props: &Self::Props) -> Option<String> {
        None
    }
    /// The physical id of an existing resource matching these properties (after an
    /// interrupted create), or `None`. Defaults to reading [`Resource::natural_id`].
    async fn find(&self, cx: &Ctx<'_>, props: &Self::Props) -> Result<Option<String>, ResourceError> {
        match self.natural_id(props) {
            Some(id) => Ok(self.read(cx, &id, props).await?.map(|_| id)),
            None => Ok(None),
        }
    }
    /// Wait until an adopted resource is usable (a cluster still creating).
    async fn settle(&self, _cx: &Ctx<'_>, _id: &str, _props: &Self::Props) -> Result<(), ResourceError> {
        Ok(())
    }
    /// `None` when the resource no longer exists. `props` are the last applied ones.
    async fn read(&self, cx: &Ctx<'_>, id: &str, props: &Self::Props) -> Result<Option<Observed<Self::Props>>, ResourceError>;
    /// Make the live resource (`old`) match `new`; only in-place changes reach here.
    /// Attributes returned replace the recorded ones; those not returned are kept.
    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &Self::Props, new: &Self::Props) -> Result<Outcome, ResourceError>;
    /// Delete; a resource that is already gone is not an error.
    async fn delete(&self, cx: &Ctx<'_>, id: &str, props: &Self::Props) -> Result<(), ResourceError>;
}

/// One data-source type: a read-only lookup.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    type Props: PropType + DeserializeOwned + Send + Sync;
    const TYPE: &'static str;
    const ATTRIBUTES: &'static [Attr];
    async fn read(&self, cx: &Ctx<'_>, props: &Self::Props) -> Result<Attrs, ResourceError>;
}

/// Tags as the SDK builders of most services want them.
pub fn tag_map(cx: &Ctx<'_>) -> std::collections::HashMap<String, String> {
    cx.tags().into_iter().collect()
}
