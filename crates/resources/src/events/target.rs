//! `events.target`: where a rule delivers matching events: a CloudWatch Logs group, a
//! Lambda function, an SQS queue (each also needs the target's own permission: a logs
//! resource policy, a Lambda permission, a queue policy). The ARN, role and input
//! change in place.

use async_trait::async_trait;
use aws_sdk_eventbridge::types::Target as SdkTarget;
use serde_json::Value;

use super::{rule_id, split_id};
use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::check::{Chars, Check};
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError};

props! {
    pub struct TargetProps {
        /// The rule's name.
        rule: String => required, replace;
        event_bus_name: String => default("default"), replace;
        /// Unique among the rule's targets.
        target_id: String => required, replace, check(Check::Name { what: "target id", min: 1, max: 64, chars: Chars::AlnumDashUnderscoreDot });
        /// The log group's, function's or queue's ARN.
        arn: String => required, check(Check::Arn);
        /// The role EventBridge assumes to deliver (Kinesis, Step Functions, other buses).
        role_arn: Option<String> => optional, check(Check::Arn);
        /// A constant JSON document to send instead of the event.
        input: Option<Value> => optional;
    }
}

pub struct Target;

fn target_id(p: &TargetProps) -> String {
    format!("{}/{}", rule_id(&p.event_bus_name, &p.rule), p.target_id)
}

/// `(bus, rule, target id)` from a target's physical id.
fn split(id: &str) -> (&str, &str, &str) {
    let (rule, target) = id.rsplit_once('/').unwrap_or((id, ""));
    let (bus, rule) = split_id(rule);
    (bus, rule, target)
}

async fn live(cx: &Ctx<'_>, id: &str) -> Result<Option<SdkTarget>, ResourceError> {
    let (bus, rule, target) = split(id);
    let mut token = None;
    loop {
        let req = cx.aws.eventbridge().list_targets_by_rule().rule(rule).event_bus_name(bus).set_next_token(token);
        let Some(page) = req.send().await.found("ListTargetsByRule", |e| e.is_resource_not_found_exception())? else { return Ok(None) };
        if let Some(t) = page.targets().iter().find(|t| t.id() == target) {
            return Ok(Some(t.clone()));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(None);
        }
    }
}

#[async_trait]
impl Resource for Target {
    type Props = TargetProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "events.target";
    const IDENTITY: Identity = Identity::Unique(&["event_bus_name", "rule", "target_id"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.rule]
type = "events.rule"
name = "conformance-target-rule"
event_pattern = { source = ["aegis.workflow"] }

[resources.logs]
type = "logs.log_group"
name = "/aws/events/conformance"

[resources.queue]
type = "sqs.queue"
name = "conformance-events"

[resources.example]
type = "events.target"
rule = "${resources.rule.name}"
target_id = "logs"
arn = "${resources.logs.arn}"
"#,
        updates: &["arn = \"${resources.queue.arn}\"", "input = { note = \"constant\" }"],
        replace: Some("target_id = \"logs-2\""),
        skip: &[],
    };

    fn early(&self, p: &TargetProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("id", target_id(p))]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &TargetProps) -> Result<Option<String>, ResourceError> {
        let id = target_id(p);
        Ok(live(cx, &id).await?.map(|_| id))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &TargetProps) -> Result<Created<IdOnly>, ResourceError> {
        let target = SdkTarget::builder()
            .id(&p.target_id)
            .arn(&p.arn)
            .set_role_arn(p.role_arn.clone())
            .set_input(p.input.as_ref().map(Value::to_string))
            .build()?;
        let out = cx
            .aws
            .eventbridge()
            .put_targets()
            .rule(&p.rule)
            .event_bus_name(&p.event_bus_name)
            .targets(target)
            .send()
            .await
            .api("PutTargets")?;
        if let Some(f) = out.failed_entries().first() {
            let why = f.error_message().unwrap_or("no reason given");
            return Err(ResourceError::Invalid(format!("PutTargets refused target {}: {why}", p.target_id)));
        }
        Ok(Created::new(target_id(p), IdOnly {}))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &TargetProps) -> Result<Option<Observed<TargetProps, IdOnly>>, ResourceError> {
        let Some(t) = live(cx, id).await? else { return Ok(None) };
        let (bus, rule, target) = split(id);
        let props = TargetProps {
            rule: if rule == p.rule { p.rule.clone() } else { rule.to_string() },
            event_bus_name: bus.to_string(),
            target_id: target.to_string(),
            arn: t.arn().to_string(),
            role_arn: t.role_arn().map(str::to_string),
            input: t.input().map(|s| serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string()))),
        };
        Ok(Some(Observed { props, attrs: IdOnly {} }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        for rule in super::rule::Rule.list(cx).await? {
            let (bus, name) = split_id(&rule);
            let mut token = None;
            loop {
                let req = cx.aws.eventbridge().list_targets_by_rule().rule(name).event_bus_name(bus).set_next_token(token);
                // A rule deleted since it was listed has no targets left to find.
                let Some(page) = req.send().await.found("ListTargetsByRule", |e| e.is_resource_not_found_exception())? else { break };
                out.extend(page.targets().iter().map(|t| format!("{rule}/{}", t.id())));
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }

    async fn update(&self, cx: &Ctx<'_>, _id: &str, _old: &TargetProps, new: &TargetProps) -> Result<Option<IdOnly>, ResourceError> {
        // PutTargets replaces the target with the same id.
        self.create(cx, new).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &TargetProps) -> Result<(), ResourceError> {
        let (bus, rule, target) = split(id);
        let req = cx.aws.eventbridge().remove_targets().rule(rule).event_bus_name(bus).ids(target);
        req.send().await.found("RemoveTargets", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
