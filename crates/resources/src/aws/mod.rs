//! AWS access: one `SdkConfig` from aws-config's standard chain (environment, profile,
//! SSO, instance role; `AWS_ENDPOINT_URL[_<SERVICE>]` for emulators), service clients
//! built on first use, the caller identity, and typed wrapping of SDK errors.

mod connect;
mod error;

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use tokio::sync::OnceCell;

pub use connect::{classify, ConnectError, DENIED};
pub use error::{AwsError, SdkResultExt};

/// Options from the command line, and from the environment's settings (`[env.NAME]`
/// in infra.toml) where the command line says nothing.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// A role to assume, with the credentials of the chain (`profile` included) as source.
    pub role: Option<AssumeRole>,
    /// Where `profile` or `role` were named if not on the command line
    /// (`infra.toml:4 [env.prod]`), for messages.
    pub named_in: Option<String>,
}

/// STS AssumeRole's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub arn: String,
    pub external_id: Option<String>,
    pub session_name: String,
    pub duration: Option<Duration>,
}

/// Who we are talking to AWS as (STS GetCallerIdentity): not to be confused with a
/// resource type's `Identity`, how AWS names one resource.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub arn: String,
    pub region: String,
    pub partition: String,
}

macro_rules! clients {
    ($($name:ident: $krate:ident),* $(,)?) => {
        /// Lazily built service clients sharing one configuration.
        pub struct Aws {
            config: SdkConfig,
            /// The profile the credentials come from, for messages.
            profile: String,
            /// The role assumed with them and where it was named, for messages.
            role: Option<String>,
            identity: OnceCell<Caller>,
            s3: OnceLock<aws_sdk_s3::Client>,
            $($name: OnceLock<$krate::Client>,)*
        }

        impl Aws {
            /// Clients for an explicit configuration (tests point one at the emulator).
            pub fn from_config(config: SdkConfig, profile: String) -> Self {
                Aws { config, profile, role: None, identity: OnceCell::new(), s3: OnceLock::new(), $($name: OnceLock::new(),)* }
            }

            $(
                pub fn $name(&self) -> &$krate::Client {
                    self.$name.get_or_init(|| $krate::Client::new(&self.config))
                }
            )*
        }
    };
}

clients! {
    acm: aws_sdk_acm,
    agentcore: aws_sdk_bedrockagentcorecontrol,
    apigateway: aws_sdk_apigateway,
    apigatewayv2: aws_sdk_apigatewayv2,
    apprunner: aws_sdk_apprunner,
    cloudcontrol: aws_sdk_cloudcontrol,
    cloudfront: aws_sdk_cloudfront,
    cloudwatch: aws_sdk_cloudwatch,
    costexplorer: aws_sdk_costexplorer,
    dynamodb: aws_sdk_dynamodb,
    ec2: aws_sdk_ec2,
    ecr: aws_sdk_ecr,
    ecs: aws_sdk_ecs,
    elbv2: aws_sdk_elasticloadbalancingv2,
    eventbridge: aws_sdk_eventbridge,
    iam: aws_sdk_iam,
    kinesis: aws_sdk_kinesis,
    kms: aws_sdk_kms,
    lambda: aws_sdk_lambda,
    logs: aws_sdk_cloudwatchlogs,
    rds: aws_sdk_rds,
    route53: aws_sdk_route53,
    sagemaker: aws_sdk_sagemaker,
    scheduler: aws_sdk_scheduler,
    secretsmanager: aws_sdk_secretsmanager,
    sfn: aws_sdk_sfn,
    sns: aws_sdk_sns,
    sqs: aws_sdk_sqs,
    ssm: aws_sdk_ssm,
    sts: aws_sdk_sts,
}

/// Region used when neither `--region`, the environment nor the profile names one.
pub const FALLBACK_REGION: &str = "us-east-1";

impl Aws {
    /// Load the standard configuration chain. Makes no network call, but refuses a
    /// profile that is not defined. An explicit profile (`--profile`, or `AWS_PROFILE`)
    /// wins over keys in the environment, as on the AWS CLI's command line. With a
    /// role, what the chain finds only serves to assume it.
    pub async fn load(opts: &AwsOptions) -> Result<Self, ConnectError> {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).http_client(https_client()).retry_config(retry_config()).timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
        let profile = opts.profile.clone().or_else(|| std::env::var("AWS_PROFILE").ok()).filter(|p| !p.is_empty());
        if let Some(name) = &profile {
            check_profile(name, opts.named_in.as_deref()).await?;
            // A profile that assumes a role calls STS, which needs the run's region.
            let region = match &opts.region {
                Some(r) => Region::new(r.clone()),
                // Not the default region chain: its instance-metadata step builds a client
                // without our HTTPS client.
                None => aws_config::meta::region::RegionProviderChain::first_try(
                    aws_config::environment::region::EnvironmentVariableRegionProvider::new(),
                )
                .or_else(aws_config::profile::region::ProfileFileRegionProvider::builder().profile_name(name).build())
                .region()
                .await
                .unwrap_or(Region::from_static(FALLBACK_REGION)),
            };
            let provider_config =
                aws_config::provider_config::ProviderConfig::default().with_http_client(https_client()).with_region(Some(region));
            let credentials =
                aws_config::profile::ProfileFileCredentialsProvider::builder().configure(&provider_config).profile_name(name).build();
            loader = loader.profile_name(name).credentials_provider(credentials);
        }
        if let Some(region) = &opts.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let mut config = loader.load().await;
        if config.region().is_none() {
            config = config.into_builder().region(Region::from_static(FALLBACK_REGION)).build();
        }
        if let Some(role) = &opts.role {
            config = assume(config, role).await;
        }
        let mut aws = Self::from_config(config, profile.unwrap_or_else(|| "default".into()));
        aws.role = opts.role.as_ref().map(|r| match &opts.named_in {
            Some(place) => format!("{} ({place})", r.arn),
            None => r.arn.clone(),
        });
        Ok(aws)
    }

    /// Where STS calls go: the configured endpoint, else the region's.
    pub fn endpoint(&self) -> String {
        std::env::var("AWS_ENDPOINT_URL_STS")
            .ok()
            .or_else(|| self.config.endpoint_url().map(str::to_string))
            .unwrap_or_else(|| format!("https://sts.{}.amazonaws.com", self.region()))
    }

    /// Ask STS who we are, with short timeouts and few retries, so that missing
    /// credentials, a refused connection or a silent endpoint are told apart and
    /// reported within seconds instead of after the full retry budget.
    pub async fn preflight(&self) -> Result<&Caller, ConnectError> {
        let endpoint = self.endpoint();
        let attempt = preflight_attempt_timeout();
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(200)))
            .timeout_config(TimeoutConfig::builder().connect_timeout(Duration::from_secs(3)).operation_attempt_timeout(attempt).build())
            .build();
        let sts = aws_sdk_sts::Client::from_conf(conf);
        self.identity
            .get_or_try_init(|| async {
                match sts.get_caller_identity().send().await {
                    Ok(out) => Ok(self.identity_from(out.account(), out.arn())),
                    Err(e) => {
                        tracing::debug!(error = %aws_smithy_types::error::display::DisplayErrorContext(&e), "GetCallerIdentity failed");
                        let mut err = classify(&endpoint, "GetCallerIdentity", &e, &self.profile);
                        if let ConnectError::Timeout { after, .. } = &mut err {
                            *after = attempt;
                        }
                        if let ConnectError::AssumeRole { role, .. } = &mut err {
                            role.clone_from(&self.role);
                        }
                        Err(err)
                    }
                }
            })
            .await
    }

    fn identity_from(&self, account: Option<&str>, arn: Option<&str>) -> Caller {
        let arn = arn.unwrap_or_default().to_string();
        let partition = arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws").to_string();
        Caller { account_id: account.unwrap_or_default().to_string(), arn, region: self.region().to_string(), partition }
    }

    pub fn region(&self) -> &str {
        self.config.region().map(|r| r.as_ref()).unwrap_or(FALLBACK_REGION)
    }

    /// S3 needs path-style addressing against an emulator on `127.0.0.1:PORT`.
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.s3.get_or_init(|| {
            let custom_endpoint = self.config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
            let conf = aws_sdk_s3::config::Builder::from(&self.config).force_path_style(custom_endpoint).build();
            aws_sdk_s3::Client::from_conf(conf)
        })
    }

    /// The endpoint S3 calls go to when it is not AWS's own (an emulator), if any.
    pub fn s3_endpoint(&self) -> Option<String> {
        std::env::var("AWS_ENDPOINT_URL_S3").ok().or_else(|| self.config.endpoint_url().map(str::to_string))
    }

    /// An S3 client for a bucket in `region` (the run's when `None`), e.g. the state's.
    pub fn s3_in(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let Some(region) = region else { return self.s3().clone() };
        let custom_endpoint = self.config.endpoint_url().is_some() || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some();
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()))
            .force_path_style(custom_endpoint)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// The caller's account and partition, asked of STS once per run.
    pub async fn identity(&self) -> Result<&Caller, AwsError> {
        self.identity
            .get_or_try_init(|| async {
                let out = self.sts().get_caller_identity().send().await.api("GetCallerIdentity")?;
                Ok(self.identity_from(out.account(), out.arn()))
            })
            .await
    }
}

/// The one HTTPS client every SDK configuration gets: rustls on the ring provider,
/// with the system's root certificates. The SDK crates are built without their default
/// client (which brings the aws-lc C library and a second, legacy HTTP stack), so a
/// configuration without this one cannot send anything; tests use it too. A new one per
/// configuration: its connection pool belongs to the runtime that first uses it.
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}

/// The role's temporary credentials in place of the chain's, which become their source.
/// The clients' identity cache keeps them and asks STS again before they expire, so a
/// run longer than the session goes on. STS is reached like every other service (the
/// same HTTPS client, endpoint override, retries).
async fn assume(config: SdkConfig, role: &AssumeRole) -> SdkConfig {
    let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.arn).configure(&config).session_name(&role.session_name);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id);
    }
    if let Some(length) = role.duration {
        builder = builder.session_length(length);
    }
    let provider = builder.build().await;
    config.into_builder().credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider)).build()
}

/// A profile named on the command line, in AWS_PROFILE or in infra.toml must exist:
/// otherwise the SDK falls back to other sources and the error talks about instance
/// metadata.
async fn check_profile(name: &str, named_in: Option<&str>) -> Result<(), ConnectError> {
    use aws_types::os_shim_internal::{Env, Fs};
    let files = aws_runtime::env_config::file::EnvConfigFiles::default();
    let set = aws_config::profile::load(&Fs::real(), &Env::real(), &files, None).await;
    match set {
        Ok(set) if set.get_profile(name).is_some() => Ok(()),
        _ => Err(ConnectError::NoProfile {
            profile: name.to_string(),
            files: connect::profile_files(),
            change: match named_in {
                Some(place) => format!("`profile` in {place}"),
                None => "--profile / AWS_PROFILE".into(),
            },
        }),
    }
}

/// How long one preflight attempt may wait for an answer (`INFRA_CONNECT_TIMEOUT_SECS`
/// shortens it in tests); three attempts stay under two minutes.
fn preflight_attempt_timeout() -> Duration {
    std::env::var("INFRA_CONNECT_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(30))
}

/// Throttling, 5xx and connection errors are retried by the SDK itself: adaptive mode
/// slows the whole client down when AWS throttles, instead of every task hammering on.
fn retry_config() -> RetryConfig {
    let attempts = std::env::var("INFRA_MAX_ATTEMPTS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(20))
}
