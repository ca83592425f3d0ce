//! SDK errors turned into one error type that keeps the operation name, the AWS error
//! code and the full message chain. Callers decide "not found" with the SDK's typed
//! `is_*()` helpers before anything reaches here.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{op}: {message}")]
pub struct AwsError {
    /// API operation, e.g. `CreateDBCluster`.
    pub op: &'static str,
    /// AWS error code, when the service sent one.
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    pub fn new<E>(op: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_string);
        tracing::debug!(op, error = %DisplayErrorContext(&err), "AWS call failed");
        let message = match &err {
            SdkError::ServiceError(se) => {
                let e = se.err();
                match (e.code(), e.message()) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(c), None) => c.to_string(),
                    // Not an AWS error document (a proxy's page, an emulator's 404): its
                    // status and the start of its text say more than the decoder's error.
                    _ => {
                        let raw = se.raw();
                        let body = raw.body().bytes().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
                        let text: String = body.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(160).collect();
                        format!("HTTP {} without an AWS error code: {text}", raw.status().as_u16())
                    }
                }
            }
            other => super::connect::classify("the endpoint", op, other, "default").to_string(),
        };
        let hint = if code.as_deref().is_some_and(|c| super::DENIED.contains(&c)) {
            "\n  The credentials lack a permission this needs."
        } else {
            ""
        };
        AwsError { op, code, message: format!("{message}{hint}") }
    }
}

pub trait SdkResultExt<T, E> {
    /// Wrap a failure with the operation's name.
    fn api(self, op: &'static str) -> Result<T, AwsError>;
    /// `Ok(None)` when the service error matches `not_found` (an SDK `is_*` helper).
    fn found(self, op: &'static str, not_found: impl FnOnce(&E) -> bool) -> Result<Option<T>, AwsError>;
    /// For services that model no error shapes (EC2): `Ok(None)` when the error code,
    /// as sent by AWS in its structured error body, is one of `codes`.
    fn found_code(self, op: &'static str, codes: &[&str]) -> Result<Option<T>, AwsError>;
}

impl<T, E> SdkResultExt<T, E> for Result<T, SdkError<E, HttpResponse>>
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    fn api(self, op: &'static str) -> Result<T, AwsError> {
        self.map_err(|e| AwsError::new(op, e))
    }

    fn found(self, op: &'static str, not_found: impl FnOnce(&E) -> bool) -> Result<Option<T>, AwsError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.as_service_error().is_some_and(not_found) => Ok(None),
            Err(e) => Err(AwsError::new(op, e)),
        }
    }

    fn found_code(self, op: &'static str, codes: &[&str]) -> Result<Option<T>, AwsError> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code().is_some_and(|c| codes.contains(&c)) => Ok(None),
            Err(e) => Err(AwsError::new(op, e)),
        }
    }
}
