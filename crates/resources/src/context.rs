//! What a resource operation works with ([`Ctx`]): the AWS clients, its address, its
//! module's directory, a time bound and a progress sink; and the shared ways of waiting
//! on AWS: polling a status until it settles, and retrying calls AWS refuses only until
//! it catches up (eventual consistency).

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::ResourceError;
use crate::aws::{Aws, AwsError};

/// Reports long waits (an Aurora cluster becoming available) while they happen.
pub trait Progress: Send + Sync {
    fn waiting(&self, address: &str, what: &str, elapsed: Duration);
    /// Something a step did that the user should hear of (a restore from a snapshot).
    fn note(&self, _address: &str, _what: &str) {}
}

/// No progress to show (reads, tests).
pub struct Quiet;

impl Progress for Quiet {
    fn waiting(&self, _: &str, _: &str, _: Duration) {}
}

/// Default bound for a wait when the manifest sets no `wait_timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// How long after its creation a role's "cannot be assumed" errors are treated as
/// propagation delay rather than a real mistake.
pub const ROLE_PROPAGATION: Duration = Duration::from_secs(300);
/// How long such errors are retried.
pub const PROPAGATION_RETRY: Duration = Duration::from_secs(120);

/// Everything a resource operation may use.
#[derive(Clone, Copy)]
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

impl<'a> Ctx<'a> {
    /// The one way to build a context: `address` is `module.name`.
    pub fn new(aws: &'a Aws, address: &'a str, dir: &'a Path) -> Self {
        let (module, name) = address.split_once('.').unwrap_or(("", address));
        Ctx { aws, module, name, address, dir, timeout: DEFAULT_TIMEOUT, progress: &Quiet, token: None }
    }

    pub fn timeout(self, timeout: Duration) -> Self {
        Ctx { timeout, ..self }
    }

    pub fn progress(self, progress: &'a dyn Progress) -> Self {
        Ctx { progress, ..self }
    }

    pub fn token(self, token: Option<&'a str>) -> Self {
        Ctx { token, ..self }
    }
}

/// Context for filling computed properties before a diff (no AWS access).
pub struct PrepareCx<'a> {
    pub dir: &'a Path,
}

/// What one look at a settling resource found.
pub enum Poll<T> {
    /// Settled; here it is.
    Ready(T),
    /// Still changing (creating, modifying, deleting).
    Pending,
    /// Settled in a failed state, with AWS's reason.
    Failed(String),
    /// No longer exists.
    Gone,
}

/// First poll delay; `INFRA_POLL_INTERVAL_MS` shortens it for tests against fast emulators,
/// and the longest delay with it (tests on a sped-up AWS clock would otherwise sleep up to
/// 15 s past a wait that took seconds).
pub(crate) fn poll_interval() -> Duration {
    std::env::var("INFRA_POLL_INTERVAL_MS").ok().and_then(|v| v.parse().ok()).map(Duration::from_millis).unwrap_or(Duration::from_secs(1))
}

impl Ctx<'_> {
    /// Poll `probe` until it returns a value, backing off from 1 s to 15 s (15 times the
    /// first delay), reporting progress, and failing after the resource's timeout.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> Result<T, ResourceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, ResourceError>>,
    {
        let start = Instant::now();
        let first = poll_interval();
        let mut delay = first;
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
            delay = (delay * 2).min(first * 15);
        }
    }

    /// Wait for a resource to settle: `probe` describes it and says what its status
    /// means. Disappearing or failing while waited for is an error naming the resource.
    pub async fn wait_ready<T, F, Fut>(&self, what: &str, mut probe: F) -> Result<T, ResourceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Poll<T>, ResourceError>>,
    {
        self.wait_for(&format!("{what} to become available"), || {
            let next = probe();
            async move {
                match next.await? {
                    Poll::Ready(v) => Ok(Some(v)),
                    Poll::Pending => Ok(None),
                    Poll::Failed(why) => Err(ResourceError::Invalid(format!("{what} failed: {why}"))),
                    Poll::Gone => Err(ResourceError::Invalid(format!("{what} disappeared while waiting for it"))),
                }
            }
        })
        .await
    }

    /// Wait until `exists` says the resource is gone (after a delete).
    pub async fn wait_gone<F, Fut>(&self, what: &str, mut exists: F) -> Result<(), ResourceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, ResourceError>>,
    {
        self.wait_for(&format!("{what} to be deleted"), || {
            let next = exists();
            async move { Ok((!next.await?).then_some(())) }
        })
        .await
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
    pub fn retry<E>(op: &'static str, e: SdkError<E, HttpResponse>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        Attempt::Retry(AwsError::new(op, e).into())
    }

    /// An SDK error that is final.
    pub fn fail<E>(op: &'static str, e: SdkError<E, HttpResponse>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
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
        let first = poll_interval();
        let mut delay = first;
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
                    delay = (delay * 2).min(first * 10);
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

    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` for this caller, built without a
    /// call when the identity is known (it is, once a run has started).
    pub async fn arn(&self, service: &str, regional: bool, resource: &str) -> Result<String, ResourceError> {
        let id = self.aws.identity().await?;
        let region = if regional { id.region.as_str() } else { "" };
        Ok(format!("arn:{}:{service}:{region}:{}:{resource}", id.partition, id.account_id))
    }
}
