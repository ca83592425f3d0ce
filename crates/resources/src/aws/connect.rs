//! Reaching AWS before anything else: the profile asked for exists, credentials resolve,
//! the endpoint answers. Each way this can fail is one short error naming its cause
//! (connection, timeout, credentials, permission) and what was tried, never a dump of
//! the SDK's error chain.

use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What went wrong while reaching AWS.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectError {
    #[error("AWS profile `{profile}` does not exist (read {files})\n  Name a profile defined there, or change {change}.")]
    NoProfile { profile: String, files: String, change: String },
    #[error(
        "no AWS credentials found; tried {tried}\n  Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile NAME, or run `aws sso login`."
    )]
    NoCredentials { tried: String },
    #[error("cannot load AWS credentials: {0}\n  Check the profile's settings, or log in again (`aws sso login`) if the session expired.")]
    Credentials(String),
    #[error("cannot connect to {endpoint}: {detail}\n  Check the network, the endpoint (AWS_ENDPOINT_URL) and the region.")]
    Unreachable { endpoint: String, detail: String },
    #[error("{endpoint} accepted the connection but did not answer within {} s\n  Check the endpoint (AWS_ENDPOINT_URL) and any proxy between here and AWS.", .after.as_secs())]
    Timeout { endpoint: String, after: Duration },
    #[error(
        "AWS refused the credentials ({code}): {message}\n  Check the access keys, or log in again (`aws sso login`) if they expired."
    )]
    Rejected { code: String, message: String },
    #[error("AWS denied {operation} ({code}): {message}\n  The credentials lack a permission this command needs.")]
    Denied { operation: &'static str, code: String, message: String },
    /// The source credentials worked or not, but STS did not hand out the role's: the
    /// cause is the AssumeRole call's own failure.
    #[error("cannot assume {}: {cause}", role.as_deref().map(|r| format!("role {r}")).unwrap_or_else(|| "the profile's role".into()))]
    AssumeRole { role: Option<String>, cause: Box<ConnectError> },
    #[error("cannot reach AWS: {0}")]
    Other(String),
}

/// Error codes with which AWS refuses the credentials themselves.
const REJECTED: &[&str] = &[
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "InvalidToken",
];

/// Error codes meaning "you may not do this".
pub const DENIED: &[&str] =
    &["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden", "AuthFailure"];

/// The credential sources the default chain tries, for the "no credentials" message.
pub fn credential_sources(profile: &str) -> String {
    format!(
        "environment variables (AWS_ACCESS_KEY_ID), profile `{profile}` in {}, web identity token, SSO, \
         container credentials and the EC2 instance role",
        profile_files()
    )
}

/// The shared config and credentials files, as the SDK finds them.
pub fn profile_files() -> String {
    let home = std::env::var("HOME").unwrap_or_else(|_| "~".into());
    let config = std::env::var("AWS_CONFIG_FILE").unwrap_or_else(|_| format!("{home}/.aws/config"));
    let creds = std::env::var("AWS_SHARED_CREDENTIALS_FILE").unwrap_or_else(|_| format!("{home}/.aws/credentials"));
    format!("{config} and {creds}")
}

/// Turn a failed call into the cause a user can act on. A failure to assume a role (an
/// environment's `role_arn`, or a profile's) is told as that, with AssumeRole's own cause.
pub fn classify<E, R>(endpoint: &str, operation: &'static str, err: &SdkError<E, R>, profile: &str) -> ConnectError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    type AssumeRoleFailure = SdkError<aws_sdk_sts::operation::assume_role::AssumeRoleError, HttpResponse>;
    match find_source::<AssumeRoleFailure>(err) {
        Some(assume) => ConnectError::AssumeRole { role: None, cause: Box::new(classify_call(endpoint, "AssumeRole", assume, profile)) },
        None => classify_call(endpoint, operation, err, profile),
    }
}

fn classify_call<E, R>(endpoint: &str, operation: &'static str, err: &SdkError<E, R>, profile: &str) -> ConnectError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let Some(cred) = find_source::<CredentialsError>(err) {
        return match cred {
            CredentialsError::CredentialsNotLoaded(_) => ConnectError::NoCredentials { tried: credential_sources(profile) },
            other => ConnectError::Credentials(short(other)),
        };
    }
    match err {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("Unknown").to_string();
            let message = se.err().message().unwrap_or_default().to_string();
            if REJECTED.contains(&code.as_str()) {
                ConnectError::Rejected { code, message }
            } else if DENIED.contains(&code.as_str()) {
                ConnectError::Denied { operation, code, message }
            } else {
                ConnectError::Other(format!("{operation}: {code}: {message}"))
            }
        }
        SdkError::TimeoutError(_) => ConnectError::Timeout { endpoint: endpoint.to_string(), after: Duration::ZERO },
        SdkError::DispatchFailure(d) if d.is_timeout() => ConnectError::Timeout { endpoint: endpoint.to_string(), after: Duration::ZERO },
        SdkError::DispatchFailure(d) if d.is_io() => ConnectError::Unreachable { endpoint: endpoint.to_string(), detail: io_detail(err) },
        SdkError::ResponseError(_) => {
            ConnectError::Other(format!("{endpoint} sent an answer that is not an AWS response to {operation}; is it an AWS endpoint?"))
        }
        other => ConnectError::Other(format!("{operation}: {}", short(other))),
    }
}

/// The innermost error of a type in an error's source chain.
fn find_source<'e, T: std::error::Error + 'static>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut found = None;
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<T>() {
            found = Some(t);
        }
        cur = e.source();
    }
    found
}

/// "connection refused", "dns error: ...": the innermost I/O error, which says why.
fn io_detail(err: &(dyn std::error::Error + 'static)) -> String {
    if let Some(io) = find_source::<std::io::Error>(err) {
        return match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::ConnectionReset => "connection reset".into(),
            _ => io.to_string(),
        };
    }
    let mut last = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        last = e.to_string();
        cur = e.source();
    }
    last
}

/// One line, without the Debug renderings some SDK errors carry in their chain.
fn short(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !text.contains('{') && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = e.source();
    }
    parts.join(": ")
}
