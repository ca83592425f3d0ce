//! `lambda.function`: a function whose code is a directory of the repository, zipped
//! deterministically (sorted entries, fixed timestamps) so its SHA-256 is a stable
//! property: editing the code is a change, re-running is not. Packages go inline, or
//! through an S3 bucket (`code_bucket`), which Lambda requires above 50 MB zipped.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment, FunctionCode, FunctionConfiguration, LastUpdateStatus, Runtime, State, TracingConfig, TracingMode,
};
use aws_sdk_s3::primitives::ByteStream;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Poll, PrepareCx, Resource, ResourceError, PROPAGATION_RETRY};

props! {
    /// Run inside a VPC: one network interface per subnet, behind the security groups.
    pub struct VpcConfig {
        subnet_ids: Vec<String> => required;
        security_group_ids: Vec<String> => required;
    }
}

props! {
    pub struct FunctionProps {
        name: String => required, replace, check(rules::LAMBDA_FUNCTION);
        /// ARN of the execution role.
        role: String => required, check(Check::Arn);
        runtime: String => default("python3.12");
        /// `file.function` for Python, `file.export` for Node.js.
        handler: String => required, check(Check::Name { what: "handler", min: 1, max: 128, chars: crate::schema::check::Chars::NoSpace });
        /// Directory holding the code, relative to the module file.
        code_dir: String => required;
        /// Upload the package to this bucket (key `<name>/<sha256>.zip`) instead of
        /// sending it inline; needed for packages over 50 MB zipped.
        code_bucket: Option<String> => optional;
        /// MB of memory (CPU grows with it).
        memory_size: i64 => default(128), check(Check::Range { min: 128, max: 10240 });
        /// Seconds an invocation may run.
        timeout: i64 => default(3), check(Check::Range { min: 1, max: 900 });
        environment: BTreeMap<String, String> => default({});
        description: Option<String> => optional, check(Check::MaxLen(256));
        vpc_config: Option<VpcConfig> => optional;
        /// `x86_64` or `arm64` (Graviton: cheaper per millisecond). Changed in place,
        /// with the code sent again; the code and its layers must run on it.
        architecture: String => default("x86_64"), check(Check::OneOf(&["x86_64", "arm64"]));
        /// `Active` sends traces to X-Ray; `PassThrough` only forwards an incoming trace.
        tracing_mode: String => default("PassThrough"), check(Check::OneOf(&["Active", "PassThrough"]));
        /// Concurrent executions kept for (and limited to) this function.
        reserved_concurrency: Option<i64> => optional, check(Check::Range { min: 0, max: 10000 });
        /// Layer version ARNs, in order.
        layers: Vec<String> => default([]), check(Check::Arn);
        /// Base64 SHA-256 of the zipped `code_dir`, as Lambda reports it.
        code_sha256: Option<String> => optional, computed;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct FunctionAttrs {
        name: String,
        arn: String,
        /// What API Gateway integrations call.
        invoke_arn: String,
    }
}

pub struct Function;

fn vpc(v: &VpcConfig) -> aws_sdk_lambda::types::VpcConfig {
    aws_sdk_lambda::types::VpcConfig::builder()
        .set_subnet_ids(Some(v.subnet_ids.clone()))
        .set_security_group_ids(Some(v.security_group_ids.clone()))
        .build()
}

impl Function {
    /// Refused (409) while another change to the function is in progress: retried.
    async fn set_concurrency(cx: &Ctx<'_>, name: &str, n: Option<i64>) -> Result<(), ResourceError> {
        let lambda = cx.aws.lambda();
        let why = "an earlier change to the function to finish";
        match n {
            Some(n) => {
                cx.retry_eventual(why, PROPAGATION_RETRY, || async {
                    match lambda.put_function_concurrency().function_name(name).reserved_concurrent_executions(n as i32).send().await {
                        Ok(_) => Ok(()),
                        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                            Err(Attempt::retry("PutFunctionConcurrency", e))
                        }
                        Err(e) => Err(Attempt::fail("PutFunctionConcurrency", e)),
                    }
                })
                .await
            }
            None => {
                cx.retry_eventual(why, PROPAGATION_RETRY, || async {
                    match lambda.delete_function_concurrency().function_name(name).send().await {
                        Ok(_) => Ok(()),
                        Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                            Err(Attempt::retry("DeleteFunctionConcurrency", e))
                        }
                        Err(e) => Err(Attempt::fail("DeleteFunctionConcurrency", e)),
                    }
                })
                .await
            }
        }
    }
}

/// Packages built in this process, by a digest of their files. Planning, applying, and
/// functions sharing a directory then compress each content once per run.
static BUILT: LazyLock<Mutex<HashMap<ContentDigest, Arc<Vec<u8>>>>> = LazyLock::new(Default::default);

/// SHA-256 over a directory's file names and contents.
type ContentDigest = [u8; 32];

/// Zip a directory with stable bytes for stable content.
pub fn zip_dir(dir: &Path) -> Result<Arc<Vec<u8>>, ResourceError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
            } else {
                out.push(path.strip_prefix(root).map(Path::to_path_buf).unwrap_or(path));
            }
        }
        Ok(())
    }
    let err = |e: &dyn std::fmt::Display| ResourceError::Invalid(format!("cannot package {}: {e}", dir.display()));
    let mut paths = Vec::new();
    walk(dir, dir, &mut paths).map_err(|e| err(&e))?;
    if paths.is_empty() {
        return Err(err(&"the directory is empty"));
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    let mut digest = Sha256::new();
    for rel in paths {
        let name = rel.to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(dir.join(&rel)).map_err(|e| err(&e))?;
        for part in [name.as_bytes(), &bytes] {
            digest.update((part.len() as u64).to_le_bytes());
            digest.update(part);
        }
        files.push((name, bytes));
    }
    let key: ContentDigest = digest.finalize().into();
    if let Some(zip) = BUILT.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Arc::clone(zip));
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        zip.start_file(name, options).map_err(|e| err(&e))?;
        zip.write_all(&bytes).map_err(|e| err(&e))?;
    }
    let zip = Arc::new(zip.finish().map_err(|e| err(&e))?.into_inner());
    BUILT.lock().unwrap_or_else(|e| e.into_inner()).insert(key, Arc::clone(&zip));
    Ok(zip)
}

/// The largest package Lambda takes inline in a request (zipped).
pub const INLINE_LIMIT: usize = 50 * 1024 * 1024;

/// A package too large to send inline, with no bucket to send it through.
pub fn check_inline(p: &FunctionProps, len: usize) -> Result<(), ResourceError> {
    if p.code_bucket.is_none() && len > INLINE_LIMIT {
        return Err(ResourceError::Invalid(format!(
            "the package zipped from `{}` is {:.1} MB; Lambda takes at most 50 MB inline: set `code_bucket` to upload it through S3",
            p.code_dir,
            len as f64 / (1024.0 * 1024.0)
        )));
    }
    Ok(())
}

pub fn code_sha256(zip: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(zip))
}

fn attrs(c: &FunctionConfiguration, partition_region: (&str, &str)) -> FunctionAttrs {
    let arn = c.function_arn().unwrap_or_default();
    let (partition, region) = partition_region;
    FunctionAttrs {
        name: c.function_name().unwrap_or_default().to_string(),
        arn: arn.to_string(),
        invoke_arn: format!("arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"),
    }
}

impl Function {
    /// The configuration, tags and reserved concurrency, all from one GetFunction.
    async fn get_all(cx: &Ctx<'_>, name: &str) -> Result<Option<(FunctionConfiguration, Tags, Option<i64>)>, ResourceError> {
        let out = cx
            .aws
            .lambda()
            .get_function()
            .function_name(name)
            .send()
            .await
            .found("GetFunction", |e| e.is_resource_not_found_exception())?;
        Ok(out.and_then(|o| {
            let tags = tags::live(o.tags().into_iter().flatten());
            let reserved = o.concurrency().and_then(|c| c.reserved_concurrent_executions()).map(i64::from);
            o.configuration.map(|c| (c, tags, reserved))
        }))
    }

    async fn get(cx: &Ctx<'_>, name: &str) -> Result<Option<(FunctionConfiguration, Tags)>, ResourceError> {
        Ok(Self::get_all(cx, name).await?.map(|(c, t, _)| (c, t)))
    }

    /// Lambda applies changes asynchronously; the next change must wait for it.
    async fn wait_ready(cx: &Ctx<'_>, name: &str) -> Result<FunctionConfiguration, ResourceError> {
        cx.wait_ready(&format!("function {name}"), || async {
            let Some((c, _)) = Self::get(cx, name).await? else { return Ok(Poll::Gone) };
            if c.state() == Some(&State::Failed) || c.last_update_status() == Some(&LastUpdateStatus::Failed) {
                return Ok(Poll::Failed(c.state_reason().or(c.last_update_status_reason()).unwrap_or("failed state").to_string()));
            }
            let active = c.state().is_none_or(|s| *s == State::Active);
            let updated = c.last_update_status().is_none_or(|s| *s == LastUpdateStatus::Successful);
            Ok(if active && updated { Poll::Ready(c) } else { Poll::Pending })
        })
        .await
    }

    /// The package as Lambda takes it: inline, or uploaded to `code_bucket` first. The
    /// key names the content, so a re-run after a crash uploads the same object again.
    async fn package(cx: &Ctx<'_>, p: &FunctionProps) -> Result<FunctionCode, ResourceError> {
        // `prepare` has already refused a package too large to go inline.
        let zip = zip_dir(&cx.dir.join(&p.code_dir))?;
        let Some(bucket) = &p.code_bucket else { return Ok(FunctionCode::builder().zip_file(Blob::new(zip.to_vec())).build()) };
        let key = format!("{}/{:x}.zip", p.name, Sha256::digest(zip.as_slice()));
        cx.aws.s3().put_object().bucket(bucket).key(&key).body(ByteStream::from(zip.to_vec())).send().await.api("PutObject")?;
        Ok(FunctionCode::builder().s3_bucket(bucket).s3_key(key).build())
    }

    async fn partition_region<'a>(cx: &'a Ctx<'_>) -> Result<(&'a str, &'a str), ResourceError> {
        let id = cx.aws.identity().await?;
        Ok((id.partition.as_str(), id.region.as_str()))
    }
}

#[async_trait]
impl Resource for Function {
    type Props = FunctionProps;
    type Attrs = FunctionAttrs;
    const TYPE: &'static str = "lambda.function";
    const IDENTITY: Identity = Identity::Named("name");
    // The tracing mode is set at creation and not among the updates: the emulator ignores a
    // change to it (docs/architecture.md, "The emulator"). Notes like this stay out of the
    // manifest, which `infra schema` shows.
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-function-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.90.0.0/16"

[resources.subnet]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.90.1.0/24"

[resources.sg]
type = "ec2.security_group"
name = "conformance-function-sg"
vpc_id = "${resources.vpc.id}"

[resources.example]
type = "lambda.function"
name = "conformance-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"
timeout = 30
memory_size = 256
environment = { MODE = "test" }
architecture = "arm64"
tracing_mode = "Active"
"#,
        updates: &[
            "timeout = 60",
            "memory_size = 512",
            "environment = { MODE = \"prod\", LEVEL = \"info\" }",
            "reserved_concurrency = 5",
            "vpc_config = { subnet_ids = [\"${resources.subnet.id}\"], security_group_ids = [\"${resources.sg.id}\"] }",
            "architecture = \"x86_64\"",
        ],
        replace: Some("name = \"conformance-function-2\""),
        skip: &[(crate::Skip::Discover, "its `code_dir`, the directory the code is packaged from, is the project's and not kept in AWS")],
    };

    fn early(&self, p: &FunctionProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:lambda:{}:{}:function:{}", at.partition, at.region, at.account_id, p.name);
        let invoke_arn = format!("arn:{}:apigateway:{}:lambda:path/2015-03-31/functions/{arn}/invocations", at.partition, at.region);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn), ("invoke_arn", invoke_arn)]
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &FunctionProps) -> Result<(), ResourceError> {
        Self::wait_ready(cx, id).await.map(|_| ())
    }

    fn prepare(&self, p: &mut FunctionProps, cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        let zip = zip_dir(&cx.dir.join(&p.code_dir))?;
        // Refused while planning, before anything in the run has changed.
        check_inline(p, zip.len())?;
        p.code_sha256 = Some(code_sha256(&zip));
        if let Some(v) = &mut p.vpc_config {
            v.subnet_ids.sort();
            v.security_group_ids.sort();
        }
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &FunctionProps) -> Result<Created<FunctionAttrs>, ResourceError> {
        let code = Self::package(cx, p).await?;
        // A role created moments ago is refused ("cannot be assumed by Lambda", an
        // InvalidParameterValueException) until IAM has propagated it.
        let created = cx
            .retry_eventual("the IAM role to reach Lambda", PROPAGATION_RETRY, || async {
                let sent = cx
                    .aws
                    .lambda()
                    .create_function()
                    .function_name(&p.name)
                    .role(&p.role)
                    .runtime(Runtime::from(p.runtime.as_str()))
                    .handler(&p.handler)
                    .code(code.clone())
                    .memory_size(p.memory_size as i32)
                    .timeout(p.timeout as i32)
                    .environment(Environment::builder().set_variables(Some(p.environment.clone().into_iter().collect())).build())
                    .set_description(p.description.clone())
                    .set_vpc_config(p.vpc_config.as_ref().map(vpc))
                    .architectures(Architecture::from(p.architecture.as_str()))
                    .tracing_config(TracingConfig::builder().mode(TracingMode::from(p.tracing_mode.as_str())).build())
                    .set_layers((!p.layers.is_empty()).then(|| p.layers.clone()))
                    .set_tags(Some(p.tags.clone().into_iter().collect()))
                    .send()
                    .await;
                match sent {
                    Ok(out) => Ok(out),
                    Err(e)
                        if e.as_service_error().is_some_and(|e| e.is_invalid_parameter_value_exception())
                            && cx.role_is_fresh(&p.role).await =>
                    {
                        Err(Attempt::retry("CreateFunction", e))
                    }
                    Err(e) => Err(Attempt::fail("CreateFunction", e)),
                }
            })
            .await?;
        // A function created Active needs no second look; a Pending one is waited for.
        let settled = created.state().is_none_or(|s| *s == State::Active)
            && created.last_update_status().is_none_or(|s| *s == LastUpdateStatus::Successful);
        let config = if settled {
            FunctionConfiguration::builder()
                .function_name(created.function_name().unwrap_or(&p.name))
                .set_function_arn(created.function_arn().map(str::to_string))
                .build()
        } else {
            Self::wait_ready(cx, &p.name).await?
        };
        if let Some(n) = p.reserved_concurrency {
            Self::set_concurrency(cx, &p.name, Some(n)).await?;
        }
        Ok(Created::new(&p.name, attrs(&config, Self::partition_region(cx).await?)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &FunctionProps,
    ) -> Result<Option<Observed<FunctionProps, FunctionAttrs>>, ResourceError> {
        let Some((c, live_tags, reserved_concurrency)) = Self::get_all(cx, id).await? else { return Ok(None) };
        let vpc_config = c.vpc_config().filter(|v| !v.subnet_ids().is_empty()).map(|v| {
            let (mut subnet_ids, mut security_group_ids) = (v.subnet_ids().to_vec(), v.security_group_ids().to_vec());
            subnet_ids.sort();
            security_group_ids.sort();
            VpcConfig { subnet_ids, security_group_ids }
        });
        let props = FunctionProps {
            name: id.to_string(),
            role: c.role().unwrap_or_default().to_string(),
            runtime: c.runtime().map(|r| r.as_str().to_string()).unwrap_or_else(|| p.runtime.clone()),
            handler: c.handler().unwrap_or_default().to_string(),
            code_dir: p.code_dir.clone(),
            code_bucket: p.code_bucket.clone(),
            memory_size: c.memory_size().map(i64::from).unwrap_or(p.memory_size),
            timeout: c.timeout().map(i64::from).unwrap_or(p.timeout),
            environment: c
                .environment()
                .and_then(|e| e.variables())
                .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            description: c.description().map(str::to_string).filter(|d| !d.is_empty()),
            vpc_config,
            architecture: c.architectures().first().map(|a| a.as_str().to_string()).unwrap_or_else(|| "x86_64".into()),
            tracing_mode: c.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str().to_string()).unwrap_or_else(|| "PassThrough".into()),
            reserved_concurrency,
            layers: c.layers().iter().filter_map(|l| l.arn().map(str::to_string)).collect(),
            code_sha256: c.code_sha256().map(str::to_string),
            tags: live_tags,
        };
        Ok(Some(Observed { props, attrs: attrs(&c, Self::partition_region(cx).await?) }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &FunctionProps,
        new: &FunctionProps,
    ) -> Result<Option<FunctionAttrs>, ResourceError> {
        let lambda = cx.aws.lambda();
        let config_changed = (&old.role, &old.runtime, &old.handler, old.memory_size, old.timeout, &old.environment, &old.description)
            != (&new.role, &new.runtime, &new.handler, new.memory_size, new.timeout, &new.environment, &new.description)
            || (&old.vpc_config, &old.tracing_mode, &old.layers) != (&new.vpc_config, &new.tracing_mode, &new.layers);
        if old.reserved_concurrency != new.reserved_concurrency {
            Self::set_concurrency(cx, id, new.reserved_concurrency).await?;
        }
        if config_changed {
            cx.retry_eventual("an earlier change to the function to finish", PROPAGATION_RETRY, || async {
                let sent = lambda
                    .update_function_configuration()
                    .function_name(id)
                    .role(&new.role)
                    .runtime(Runtime::from(new.runtime.as_str()))
                    .handler(&new.handler)
                    .memory_size(new.memory_size as i32)
                    .timeout(new.timeout as i32)
                    .environment(Environment::builder().set_variables(Some(new.environment.clone().into_iter().collect())).build())
                    .description(new.description.clone().unwrap_or_default())
                    // Leaving the VPC is an empty configuration, not an absent one.
                    .vpc_config(
                        new.vpc_config
                            .as_ref()
                            .map(vpc)
                            .unwrap_or_else(|| vpc(&VpcConfig { subnet_ids: vec![], security_group_ids: vec![] })),
                    )
                    .tracing_config(TracingConfig::builder().mode(TracingMode::from(new.tracing_mode.as_str())).build())
                    .set_layers(Some(new.layers.clone()))
                    .send()
                    .await;
                match sent {
                    Ok(_) => Ok(()),
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                        Err(Attempt::retry("UpdateFunctionConfiguration", e))
                    }
                    Err(e)
                        if e.as_service_error().is_some_and(|e| e.is_invalid_parameter_value_exception())
                            && cx.role_is_fresh(&new.role).await =>
                    {
                        Err(Attempt::retry("UpdateFunctionConfiguration", e))
                    }
                    Err(e) => Err(Attempt::fail("UpdateFunctionConfiguration", e)),
                }
            })
            .await?;
            Self::wait_ready(cx, id).await?;
        }
        // The architecture travels only with code: UpdateFunctionCode is the one call that
        // changes it.
        if old.code_sha256 != new.code_sha256 || old.architecture != new.architecture {
            let code = Self::package(cx, new).await?;
            cx.retry_eventual("an earlier change to the function to finish", PROPAGATION_RETRY, || async {
                let sent = lambda
                    .update_function_code()
                    .function_name(id)
                    .set_zip_file(code.zip_file.clone())
                    .set_s3_bucket(code.s3_bucket.clone())
                    .set_s3_key(code.s3_key.clone())
                    .architectures(Architecture::from(new.architecture.as_str()))
                    .send()
                    .await;
                match sent {
                    Ok(_) => Ok(()),
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                        Err(Attempt::retry("UpdateFunctionCode", e))
                    }
                    Err(e) => Err(Attempt::fail("UpdateFunctionCode", e)),
                }
            })
            .await?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() || !remove.is_empty() {
            let arn = cx.arn("lambda", true, &format!("function:{id}")).await?;
            if !set.is_empty() {
                lambda.tag_resource().resource(&arn).set_tags(Some(set.into_iter().collect())).send().await.api("TagResource")?;
            }
            if !remove.is_empty() {
                lambda.untag_resource().resource(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
            }
        }
        let config = Self::wait_ready(cx, id).await?;
        Ok(Some(attrs(&config, Self::partition_region(cx).await?)))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &FunctionProps) -> Result<(), ResourceError> {
        cx.aws
            .lambda()
            .delete_function()
            .function_name(id)
            .send()
            .await
            .found("DeleteFunction", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
