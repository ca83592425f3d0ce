//! `stepfunctions.state_machine`: a Step Functions workflow, its Amazon States Language
//! definition written as a TOML table or as JSON text, either with references
//! (`Resource = "${resources.worker.arn}"`). The definition, role, logging and tracing
//! change in place; the name and the type (`STANDARD` or `EXPRESS`) replace it.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;
use aws_sdk_sfn::types::{
    CloudWatchLogsLogGroup, LogDestination, LogLevel, LoggingConfiguration, StateMachineStatus, StateMachineType, Tag, TracingConfiguration,
};
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::{json_eq, Check};
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    /// Execution history sent to a CloudWatch Logs group.
    pub struct Logging {
        /// What is logged: `ALL`, `ERROR`, `FATAL` or `OFF`.
        level: String => default("ALL"), check(Check::OneOf(&["ALL", "ERROR", "FATAL", "OFF"]));
        /// The log group's ARN (`${resources.logs.arn}`); needed unless the level is `OFF`.
        log_group_arn: Option<String> => optional, check(Check::Arn);
        /// Log each execution's input and output too.
        include_execution_data: bool => default(false);
    }
}

props! {
    pub struct StateMachineProps {
        name: String => required, replace, check(Check::Name { what: "state machine name", min: 1, max: 80, chars: Chars::StepFunctions });
        /// The workflow in the Amazon States Language, with `StartAt` and `States`: a TOML
        /// table, or the JSON text as a string.
        definition: Value => required;
        /// The role Step Functions assumes to call the workflow's tasks (trusting `states.amazonaws.com`).
        role_arn: String => required, check(Check::Arn);
        /// `STANDARD` (durable, up to a year) or `EXPRESS` (high-volume, up to five minutes).
        state_machine_type: String => default("STANDARD"), replace, check(Check::OneOf(&["STANDARD", "EXPRESS"]));
        /// Executions logged to CloudWatch Logs; none when absent.
        logging: Option<Logging> => optional;
        /// Trace executions with AWS X-Ray.
        tracing_enabled: bool => default(false);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct StateMachineAttrs {
        /// The ARN (also the id): what `StartExecution` and event targets name.
        arn: String,
        name: String,
    }
}

pub struct StateMachine;

fn arn(partition: &str, region: &str, account: &str, name: &str) -> String {
    format!("arn:{partition}:states:{region}:{account}:stateMachine:{name}")
}

/// The definition as the JSON text Step Functions takes.
fn definition_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The definition as JSON however it was written; `None` for text that is not JSON.
fn definition_json(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

/// The live definition in the form the manifest wrote it: the applied text itself when it
/// means the same (so other whitespace or key order is no change), a table for a table.
fn live_definition(live: &str, applied: &Value) -> Value {
    let parsed: Option<Value> = serde_json::from_str(live).ok();
    match (applied, parsed) {
        (Value::String(_), Some(p)) if definition_json(applied).is_some_and(|a| json_eq(&a, &p)) => applied.clone(),
        (Value::String(_), _) | (_, None) => Value::String(live.to_string()),
        (_, Some(p)) => p,
    }
}

/// Step Functions takes a log group's ARN with the `:*` its log streams add; a
/// `logs.log_group`'s `arn` has none.
fn with_streams(arn: &str) -> String {
    if arn.ends_with(":*") {
        arn.to_string()
    } else {
        format!("{arn}:*")
    }
}

fn is_off(l: &Logging) -> bool {
    l.level == "OFF" && l.log_group_arn.is_none() && !l.include_execution_data
}

fn logging(p: &StateMachineProps) -> LoggingConfiguration {
    let Some(l) = &p.logging else { return LoggingConfiguration::builder().level(LogLevel::Off).build() };
    let destination = |arn: &String| {
        let group = CloudWatchLogsLogGroup::builder().log_group_arn(with_streams(arn)).build();
        vec![LogDestination::builder().cloud_watch_logs_log_group(group).build()]
    };
    LoggingConfiguration::builder()
        .level(LogLevel::from(l.level.as_str()))
        .include_execution_data(l.include_execution_data)
        .set_destinations(l.log_group_arn.as_ref().map(destination))
        .build()
}

fn tracing(p: &StateMachineProps) -> TracingConfiguration {
    TracingConfiguration::builder().enabled(p.tracing_enabled).build()
}

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// `None` when there is none, or it is being deleted (gone to every caller but a create
/// of the same name, which waits for it).
async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<DescribeStateMachineOutput>, ResourceError> {
    let req = cx.aws.sfn().describe_state_machine().state_machine_arn(arn);
    let out = req.send().await.found("DescribeStateMachine", |e| e.is_state_machine_does_not_exist())?;
    Ok(out.filter(|o| o.status() != Some(&StateMachineStatus::Deleting)))
}

/// Whether a create or update was refused because `states.amazonaws.com` cannot assume
/// the role: AWS has not caught up yet when the role was made moments ago.
fn denied(e: &impl ProvideErrorMetadata) -> bool {
    // Not among the operations' modelled errors: its code is compared.
    e.code() == Some("AccessDeniedException")
}

/// How long a create or update waits for a fresh role or a deletion to finish.
const CATCH_UP: Duration = Duration::from_secs(300);

#[async_trait]
impl Resource for StateMachine {
    type Props = StateMachineProps;
    type Attrs = StateMachineAttrs;
    const TYPE: &'static str = "stepfunctions.state_machine";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    // `other_role` is what the role change among the updates moves to.
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.worker_role]
type = "iam.role"
name = "conformance-orders-worker"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.worker]
type = "lambda.function"
name = "conformance-orders-worker"
role = "${resources.worker_role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.logs]
type = "logs.log_group"
name = "/aws/vendedlogs/states/conformance-orders"

[resources.role]
type = "iam.role"
name = "conformance-orders-workflow"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "states.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.role.inline_policies.run]
Version = "2012-10-17"
Statement = [
  { Effect = "Allow", Action = "lambda:InvokeFunction", Resource = "${resources.worker.arn}" },
  { Effect = "Allow", Action = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"], Resource = "*" },
  { Effect = "Allow", Action = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"], Resource = "*" },
]

[resources.other_role]
type = "iam.role"
name = "conformance-orders-workflow-2"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "states.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.example]
type = "stepfunctions.state_machine"
name = "conformance-orders"
role_arn = "${resources.role.arn}"

[resources.example.definition]
Comment = "Process one order"
StartAt = "Process"
States = { Process = { Type = "Task", Resource = "${resources.worker.arn}", End = true } }
"#,
        updates: &[
            r#"definition = '{"StartAt": "Process", "States": {"Process": {"Type": "Task", "Resource": "${resources.worker.arn}", "TimeoutSeconds": 60, "End": true}}}'"#,
            r#"logging = { level = "ERROR", log_group_arn = "${resources.logs.arn}", include_execution_data = true }"#,
            "tracing_enabled = true",
            r#"role_arn = "${resources.other_role.arn}""#,
        ],
        replace: Some(r#"state_machine_type = "EXPRESS""#),
        skip: &[],
    };

    fn check(&self, p: &StateMachineProps) -> Vec<Problem> {
        let mut out = Vec::new();
        match definition_json(&p.definition) {
            None => out.push(("definition".into(), "is not JSON: write the definition as a TOML table, or as JSON text".into())),
            Some(Value::Object(d)) => {
                for (key, want) in [("StartAt", "the first state's name"), ("States", "a table of the states")] {
                    if !d.contains_key(key) {
                        out.push(("definition".into(), format!("has no `{key}` ({want}), which every state machine needs")));
                    }
                }
            }
            Some(_) => out.push(("definition".into(), "must be an object with `StartAt` and `States`".into())),
        }
        if let Some(l) = p.logging.as_ref().filter(|l| l.level != "OFF" && l.log_group_arn.is_none()) {
            out.push(("logging.log_group_arn".into(), format!("level `{}` logs to a log group: name its ARN", l.level)));
        }
        out
    }

    fn early(&self, p: &StateMachineProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = arn(&at.partition, &at.region, &at.account_id, &p.name);
        vec![("id", arn.clone()), ("arn", arn), ("name", p.name.clone())]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &StateMachineProps) -> Result<Option<String>, ResourceError> {
        let caller = cx.aws.identity().await?;
        let arn = arn(&caller.partition, &caller.region, &caller.account_id, &p.name);
        Ok(describe(cx, &arn).await?.map(|_| arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &StateMachineProps) -> Result<Created<StateMachineAttrs>, ResourceError> {
        let out = cx
            .retry_eventual("the role to be usable, or the old state machine of this name to be deleted", CATCH_UP, || async {
                let sent = cx
                    .aws
                    .sfn()
                    .create_state_machine()
                    .name(&p.name)
                    .definition(definition_text(&p.definition))
                    .role_arn(&p.role_arn)
                    .r#type(StateMachineType::from(p.state_machine_type.as_str()))
                    .logging_configuration(logging(p))
                    .tracing_configuration(tracing(p))
                    .set_tags(Some(sdk_tags(&p.tags)))
                    .send()
                    .await;
                match sent {
                    Ok(out) => Ok(out),
                    // The old state machine of this name (a replace) is still being deleted.
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_state_machine_deleting()) => {
                        Err(Attempt::retry("CreateStateMachine", e))
                    }
                    Err(e) if denied(&e) && cx.role_is_fresh(&p.role_arn).await => Err(Attempt::retry("CreateStateMachine", e)),
                    Err(e) => Err(Attempt::fail("CreateStateMachine", e)),
                }
            })
            .await?;
        let arn = out.state_machine_arn().to_string();
        Ok(Created::new(&arn, StateMachineAttrs { arn: arn.clone(), name: p.name.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &StateMachineProps,
    ) -> Result<Option<Observed<StateMachineProps, StateMachineAttrs>>, ResourceError> {
        let Some(out) = describe(cx, id).await? else { return Ok(None) };
        let tag_list = cx.aws.sfn().list_tags_for_resource().resource_arn(id).send().await.api("ListTagsForResource")?;
        let applied_star = p.logging.as_ref().and_then(|l| l.log_group_arn.as_deref()).is_some_and(|a| a.ends_with(":*"));
        let live_logging = out.logging_configuration().map(|l| Logging {
            level: l.level().map_or("OFF", |v| v.as_str()).to_string(),
            log_group_arn: l
                .destinations()
                .first()
                .and_then(|d| d.cloud_watch_logs_log_group())
                .and_then(|g| g.log_group_arn())
                .map(|a| if applied_star { a } else { a.strip_suffix(":*").unwrap_or(a) }.to_string()),
            include_execution_data: l.include_execution_data(),
        });
        // Logging that is off reads as no logging, unless the manifest spelled it out.
        let logging = match live_logging {
            Some(l) if !is_off(&l) => Some(l),
            _ => p.logging.clone().filter(is_off),
        };
        let props = StateMachineProps {
            name: out.name().to_string(),
            definition: live_definition(out.definition(), &p.definition),
            role_arn: out.role_arn().to_string(),
            state_machine_type: out.r#type().as_str().to_string(),
            logging,
            tracing_enabled: out.tracing_configuration().is_some_and(|t| t.enabled()),
            tags: tags::live(tag_list.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))),
        };
        let attrs = StateMachineAttrs { arn: id.to_string(), name: props.name.clone() };
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &StateMachineProps,
        new: &StateMachineProps,
    ) -> Result<Option<StateMachineAttrs>, ResourceError> {
        let sfn = cx.aws.sfn();
        if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            // UpdateStateMachine sets what it is sent: all four, so each is what the manifest says.
            cx.retry_eventual("the role to be usable", CATCH_UP, || async {
                let sent = sfn
                    .update_state_machine()
                    .state_machine_arn(id)
                    .definition(definition_text(&new.definition))
                    .role_arn(&new.role_arn)
                    .logging_configuration(logging(new))
                    .tracing_configuration(tracing(new))
                    .send()
                    .await;
                match sent {
                    Ok(_) => Ok(()),
                    Err(e) if denied(&e) && cx.role_is_fresh(&new.role_arn).await => Err(Attempt::retry("UpdateStateMachine", e)),
                    Err(e) => Err(Attempt::fail("UpdateStateMachine", e)),
                }
            })
            .await?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            sfn.tag_resource().resource_arn(id).set_tags(Some(sdk_tags(&set))).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            sfn.untag_resource().resource_arn(id).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(None)
    }

    /// A state machine with running executions is deleted once they stop; it is gone to
    /// infra from the call on.
    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &StateMachineProps) -> Result<(), ResourceError> {
        // DeleteStateMachine answers success for a state machine that does not exist.
        cx.aws.sfn().delete_state_machine().state_machine_arn(id).send().await.api("DeleteStateMachine")?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = cx.aws.sfn().list_state_machines().set_next_token(token).send().await.api("ListStateMachines")?;
            out.extend(page.state_machines().iter().map(|m| m.state_machine_arn().to_string()));
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }
}
