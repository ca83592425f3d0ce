//! `cloudcontrol.resource`: any type of the CloudFormation registry that infra has no
//! native type for (`AWS::Pipes::Pipe`, `AWS::Cognito::UserPool`, ...), by its
//! CloudFormation type name, with its properties as CloudFormation names them, through
//! AWS's Cloud Control API. What is create-only, read-only and write-only, and the primary
//! identifier, come from AWS's resource schema of that type (shipped with infra, from the
//! cfn-lint release the fidelity contract test vendors): a change to a create-only
//! property replaces the resource and the plan names it; every other change is made in
//! place as a JSON Patch of only what changed; read-only properties (`Arn`, an AWS-assigned
//! id) are not written but become attributes, referenced as `${resources.NAME.Arn}`
//! (nested ones with `_`: `Endpoint_Address`); write-only string values (passwords) are
//! sent but handled as secrets (masked in all output, a token in the state) and, like
//! every write-only value, never compared with AWS, which does not return them.
//! Properties AWS fills in that the manifest does not set are not drift. Each create,
//! update and delete is followed to its end (the request token polled, honouring AWS's
//! RetryAfter); a failed one names AWS's error code and message, and a failed create
//! deletes what it had already made. Import by the primary identifier (values joined
//! with `|`, as Cloud Control writes it) works as for native types; a create interrupted
//! by a crash is found again by that identifier when the manifest sets it (a name), not by
//! tags; discover cannot list these resources (infra would have to try every type of the
//! registry). Not tagged by infra (each
//! CloudFormation type has its own tag shape: set `Tags` in `properties`). infra's tests
//! prove this protocol handling against a stand-in for Cloud Control, not each type's
//! behaviour on AWS.

use std::time::{Instant, SystemTime};

use async_trait::async_trait;
use aws_sdk_cloudcontrol::types::{HandlerErrorCode, OperationStatus, ProgressEvent};
use serde_json::{Map, Value};

use super::{carry, diff_segments, facts, patch, prune, remove_at, touches, values_at, Facts};
use crate::aws::{AwsError, SdkResultExt};
use crate::schema::{contains_unknown, Change};
use crate::{props, secrets};
use crate::{Attr, AttrSet, AttrTy, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct CloudControlProps {
        /// The CloudFormation type, e.g. `AWS::Pipes::Pipe`; one AWS's schemas know.
        type_name: String => required, replace;
        /// The type's properties, named as in its CloudFormation schema (`Name`, `RoleArn`);
        /// `${...}` references work inside. Create-only ones replace the resource when
        /// changed; read-only ones cannot be set (they are attributes).
        properties: serde_json::Value => default({});
    }
}

/// The primary identifier, and each read-only property AWS reports, by its name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CloudControlAttrs {
    identifier: String,
    #[serde(flatten)]
    read_only: Map<String, Value>,
}

impl AttrSet for CloudControlAttrs {
    const LIST: &'static [Attr] = &[
        Attr::ID,
        Attr {
            name: "identifier",
            ty: AttrTy::Str,
            sensitive: false,
            doc: "The primary identifier Cloud Control returns (several values joined with `|`); the same as `id`.",
        },
    ];
}

pub struct CloudControlResource;

/// Shorter strings are not masked as secrets (secrets.rs), so such write-only values are
/// refused rather than stored.
const WRITE_ONLY_MIN: usize = 6;

fn facts_of(type_name: &str) -> Result<&'static Facts, ResourceError> {
    facts(type_name).ok_or_else(|| ResourceError::Invalid(format!("unknown CloudFormation type `{type_name}`")))
}

/// The attribute name of a read-only path: `Arn`, `Endpoint_Address`; none inside arrays.
fn attr_name(path: &[String]) -> Option<String> {
    (!path.iter().any(|s| s == "*")).then(|| path.join("_"))
}

/// What of a model AWS returned is attributes, and what is properties in manifest terms
/// (read-only values removed, cut to what `applied` set, write-only ones carried over).
fn split_model(facts: &Facts, mut model: Value, applied: &Value) -> (Value, Map<String, Value>) {
    let mut attrs = Map::new();
    for path in &facts.read_only {
        if let (Some(name), Some(v)) = (attr_name(path), values_at(&model, path).first()) {
            attrs.insert(name, (*v).clone());
        }
    }
    for path in &facts.read_only {
        remove_at(&mut model, path);
    }
    let mut props = prune(&model, applied);
    for path in &facts.write_only {
        carry(&mut props, applied, path);
    }
    (props, attrs)
}

fn model_of(text: Option<&str>, op: &'static str) -> Result<Value, ResourceError> {
    serde_json::from_str(text.unwrap_or("{}"))
        .map_err(|e| ResourceError::Invalid(format!("{op}: AWS returned a model that is not JSON: {e}")))
}

/// A request that ended FAILED, as an error with AWS's code and message.
fn failed(op: &'static str, event: &ProgressEvent) -> AwsError {
    let code = event.error_code().map(|c| c.as_str().to_string());
    let message = match (&code, event.status_message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.clone(),
        (None, m) => m.unwrap_or("failed without a message").to_string(),
    };
    AwsError { op, code, message }
}

/// Follow a request to its end (SUCCESS, FAILED or cancelled), polling
/// GetResourceRequestStatus no sooner than AWS's RetryAfter asks, backing off otherwise.
async fn follow(cx: &Ctx<'_>, what: &str, mut event: ProgressEvent) -> Result<ProgressEvent, ResourceError> {
    let start = Instant::now();
    let first = crate::context::poll_interval();
    let mut delay = first;
    loop {
        if matches!(event.operation_status(), Some(OperationStatus::Success | OperationStatus::Failed | OperationStatus::CancelComplete)) {
            return Ok(event);
        }
        let elapsed = start.elapsed();
        if elapsed >= cx.timeout {
            return Err(ResourceError::Timeout { what: what.to_string(), after: cx.timeout });
        }
        cx.progress.waiting(cx.address, what, elapsed);
        let asked = event
            .retry_after()
            .and_then(|t| SystemTime::try_from(*t).ok())
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .filter(|d| !d.is_zero());
        tokio::time::sleep(asked.unwrap_or(delay).min(cx.timeout - elapsed)).await;
        delay = (delay * 2).min(first * 15);
        let Some(token) = event.request_token().map(str::to_string) else {
            return Err(ResourceError::Invalid(format!("{what}: AWS answered without a request token to follow")));
        };
        let out = cx.aws.cloudcontrol().get_resource_request_status().request_token(&token).send().await.api("GetResourceRequestStatus")?;
        event = out.progress_event.ok_or_else(|| ResourceError::Invalid(format!("{what}: AWS answered without a progress event")))?;
    }
}

async fn get(cx: &Ctx<'_>, type_name: &str, id: &str) -> Result<Option<Value>, ResourceError> {
    let out = cx
        .aws
        .cloudcontrol()
        .get_resource()
        .type_name(type_name)
        .identifier(id)
        .send()
        .await
        .found("GetResource", |e| e.is_resource_not_found_exception())?;
    let Some(description) = out.and_then(|o| o.resource_description) else { return Ok(None) };
    model_of(description.properties(), "GetResource").map(Some)
}

async fn delete_id(cx: &Ctx<'_>, type_name: &str, id: &str) -> Result<(), ResourceError> {
    let sent = cx
        .aws
        .cloudcontrol()
        .delete_resource()
        .type_name(type_name)
        .identifier(id)
        .send()
        .await
        .found("DeleteResource", |e| e.is_resource_not_found_exception())?;
    let Some(event) = sent.and_then(|o| o.progress_event) else { return Ok(()) };
    let done = follow(cx, &format!("{type_name} {id} to be deleted"), event).await?;
    match done.operation_status() {
        Some(OperationStatus::Success) => Ok(()),
        // Deleted by someone else meanwhile: what a delete wants.
        Some(OperationStatus::Failed) if done.error_code() == Some(&HandlerErrorCode::NotFound) => Ok(()),
        _ => Err(failed("DeleteResource", &done).into()),
    }
}

/// Write-only string values: secrets from the moment infra sees them.
fn protect(facts: &Facts, properties: &Value) {
    for path in &facts.write_only {
        for v in values_at(properties, path) {
            if let Value::String(s) = v {
                if !contains_unknown(v) {
                    secrets::register(s);
                }
            }
        }
    }
}

fn pointer_path(path: &[String]) -> String {
    format!("properties.{}", path.join("."))
}

#[async_trait]
impl Resource for CloudControlResource {
    type Props = CloudControlProps;
    type Attrs = CloudControlAttrs;
    const TYPE: &'static str = "cloudcontrol.resource";
    const IDENTITY: Identity = Identity::Assigned;
    // The rules read the type and which properties are set; the values of those may
    // still be unknown (a reference to what an earlier step makes).
    const CHECK_READS: &'static [&'static str] = &["type_name"];
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.source]
type = "sqs.queue"
name = "conformance-pipe-source"

[resources.target]
type = "sqs.queue"
name = "conformance-pipe-target"

[resources.example]
type = "cloudcontrol.resource"
type_name = "AWS::Pipes::Pipe"
properties = { Name = "conformance-pipe", RoleArn = "arn:aws:iam::${aws.account_id}:role/conformance-pipe", Source = "${resources.source.arn}", Target = "${resources.target.arn}", Description = "Moves messages on", DesiredState = "RUNNING" }

# Read-only properties are attributes.
[outputs]
pipe_arn = "${resources.example.Arn}"
"#,
        updates: &[
            r#"properties = { Name = "conformance-pipe", RoleArn = "arn:aws:iam::${aws.account_id}:role/conformance-pipe", Source = "${resources.source.arn}", Target = "${resources.target.arn}", Description = "Moves messages on, changed", DesiredState = "RUNNING" }"#,
            r#"properties = { Name = "conformance-pipe", RoleArn = "arn:aws:iam::${aws.account_id}:role/conformance-pipe", Source = "${resources.source.arn}", Target = "${resources.target.arn}", Description = "Moves messages on, changed", DesiredState = "STOPPED" }"#,
        ],
        replace: Some(
            r#"properties = { Name = "conformance-pipe-2", RoleArn = "arn:aws:iam::${aws.account_id}:role/conformance-pipe", Source = "${resources.source.arn}", Target = "${resources.target.arn}", Description = "Moves messages on, changed", DesiredState = "STOPPED" }"#,
        ),
        skip: &[(
            crate::Skip::Discover,
            "listing needs a CloudFormation type, and neither the account nor the id says which types to list",
        )],
    };

    fn check(&self, p: &CloudControlProps) -> Vec<Problem> {
        let Some(facts) = facts(&p.type_name) else {
            let near = super::type_names().find(|t| t.eq_ignore_ascii_case(&p.type_name));
            let hint = near.map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
            return vec![(
                "type_name".into(),
                format!(
                    "unknown CloudFormation type `{}`: not in AWS's resource schemas as infra ships them{hint}; names look like `AWS::Pipes::Pipe`",
                    p.type_name
                ),
            )];
        };
        if !p.properties.is_object() && !contains_unknown(&p.properties) {
            return vec![("properties".into(), "expects a table of the type's CloudFormation properties".into())];
        }
        let mut out = Vec::new();
        for path in &facts.read_only {
            if !values_at(&p.properties, path).is_empty() {
                let name = attr_name(path).unwrap_or_else(|| path.join("."));
                out.push((
                    pointer_path(path),
                    format!("read-only in {}: AWS sets it; refer to it as `${{resources.NAME.{name}}}` instead", p.type_name),
                ));
            }
        }
        for path in &facts.write_only {
            let short = values_at(&p.properties, path)
                .into_iter()
                .any(|v| v.as_str().is_some_and(|s| !contains_unknown(v) && s.chars().count() < WRITE_ONLY_MIN));
            if short {
                out.push((
                    pointer_path(path),
                    format!(
                        "write-only in {}: infra keeps such values out of the state only from {WRITE_ONLY_MIN} characters on",
                        p.type_name
                    ),
                ));
            }
        }
        out
    }

    fn more_attributes(&self, p: &CloudControlProps) -> Vec<String> {
        facts(&p.type_name).map(|f| f.read_only.iter().filter_map(|path| attr_name(path)).collect()).unwrap_or_default()
    }

    fn forces_replace(&self, p: &CloudControlProps, change: &Change) -> bool {
        if change.path != "properties" && !change.path.starts_with("properties.") {
            return false;
        }
        let Some(facts) = facts(&p.type_name) else { return false };
        let segs = diff_segments(&change.path);
        facts.create_only.iter().any(|c| touches(c, &segs, &change.old, &change.new))
    }

    fn prepare(&self, p: &mut CloudControlProps, _cx: &crate::PrepareCx<'_>) -> Result<(), ResourceError> {
        if let Some(facts) = facts(&p.type_name) {
            protect(facts, &p.properties);
        }
        Ok(())
    }

    async fn find(&self, cx: &Ctx<'_>, p: &CloudControlProps) -> Result<Option<String>, ResourceError> {
        // Only a primary identifier the manifest sets (a name) can be looked up; one AWS
        // assigns is not known before the create answers.
        let facts = facts_of(&p.type_name)?;
        let mut parts = Vec::new();
        for path in &facts.primary {
            match values_at(&p.properties, path).first() {
                Some(Value::String(s)) if !s.is_empty() && !contains_unknown(&Value::String(s.clone())) => parts.push(s.clone()),
                _ => return Ok(None),
            }
        }
        if parts.is_empty() {
            return Ok(None);
        }
        let id = parts.join("|");
        Ok(get(cx, &p.type_name, &id).await?.map(|_| id))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &CloudControlProps) -> Result<Created<CloudControlAttrs>, ResourceError> {
        let facts = facts_of(&p.type_name)?;
        protect(facts, &p.properties);
        let sent = cx
            .aws
            .cloudcontrol()
            .create_resource()
            .type_name(&p.type_name)
            .desired_state(p.properties.to_string())
            .set_client_token(cx.token.map(str::to_string))
            .send()
            .await
            .api("CreateResource")?;
        let event =
            sent.progress_event.ok_or_else(|| ResourceError::Invalid("CreateResource: AWS answered without a progress event".into()))?;
        let done = follow(cx, &format!("{} to be created", p.type_name), event).await?;
        let id = done.identifier().unwrap_or_default().to_string();
        if done.operation_status() != Some(&OperationStatus::Success) {
            let mut err = failed("CreateResource", &done);
            // A handler can fail after AWS made something: it is deleted, not left behind
            // unrecorded.
            if !id.is_empty() {
                err.message.push_str(&match delete_id(cx, &p.type_name, &id).await {
                    Ok(()) => format!(" (what the failed create had made, {id}, was deleted)"),
                    Err(e) => format!(" (what the failed create had made, {id}, could not be deleted: {e}; delete it before trying again)"),
                });
            }
            return Err(err.into());
        }
        if id.is_empty() {
            return Err(ResourceError::Invalid("CreateResource: AWS reported success without an identifier".into()));
        }
        let model = match get(cx, &p.type_name, &id).await? {
            Some(m) => m,
            None => model_of(done.resource_model(), "CreateResource")?,
        };
        let (_, read_only) = split_model(facts, model, &p.properties);
        Ok(Created::new(&id, CloudControlAttrs { identifier: id.clone(), read_only }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &CloudControlProps,
    ) -> Result<Option<Observed<CloudControlProps, CloudControlAttrs>>, ResourceError> {
        let facts = facts_of(&p.type_name)?;
        let Some(model) = get(cx, &p.type_name, id).await? else { return Ok(None) };
        let (properties, read_only) = split_model(facts, model, &p.properties);
        let props = CloudControlProps { type_name: p.type_name.clone(), properties };
        Ok(Some(Observed { props, attrs: CloudControlAttrs { identifier: id.to_string(), read_only } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &CloudControlProps,
        new: &CloudControlProps,
    ) -> Result<Option<CloudControlAttrs>, ResourceError> {
        let facts = facts_of(&new.type_name)?;
        protect(facts, &new.properties);
        let ops = patch(&old.properties, &new.properties);
        if ops.is_empty() {
            return Ok(None);
        }
        let sent = cx
            .aws
            .cloudcontrol()
            .update_resource()
            .type_name(&new.type_name)
            .identifier(id)
            .patch_document(Value::Array(ops).to_string())
            .send()
            .await
            .api("UpdateResource")?;
        let event =
            sent.progress_event.ok_or_else(|| ResourceError::Invalid("UpdateResource: AWS answered without a progress event".into()))?;
        let done = follow(cx, &format!("{} {id} to be updated", new.type_name), event).await?;
        if done.operation_status() != Some(&OperationStatus::Success) {
            return Err(failed("UpdateResource", &done).into());
        }
        let Some(model) = get(cx, &new.type_name, id).await? else { return Ok(None) };
        let (_, read_only) = split_model(facts, model, &new.properties);
        Ok(Some(CloudControlAttrs { identifier: id.to_string(), read_only }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &CloudControlProps) -> Result<(), ResourceError> {
        delete_id(cx, &p.type_name, id).await
    }

    // No `list`: discover would have to try every type of the registry (ListResources
    // takes one type name), so it lists none; import by identifier works.
}
