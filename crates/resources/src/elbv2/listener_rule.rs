//! `elbv2.listener_rule`: a listener's rule: requests matching its path patterns (and
//! host headers) get its action (`/api/*` to the API's target group). Lower priorities
//! are tried first. Everything but the listener changes in place.

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{HostHeaderConditionConfig, PathPatternConditionConfig, Rule, RuleCondition, RulePriorityPair};

use super::listener::Listener;
use super::{live_tags, sdk_tags, sync_tags, Action};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct ListenerRuleProps {
        listener_arn: String => required, replace, check(Check::Arn);
        /// 1 to 50000, unique on the listener; lower is tried first.
        priority: i64 => required, check(Check::Range { min: 1, max: 50000 });
        /// Match any of these paths (`/api/*`).
        path_patterns: Vec<String> => default([]);
        /// Match any of these host names.
        host_headers: Vec<String> => default([]);
        action: Action => required;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ListenerRuleAttrs {
        arn: String,
    }
}

pub struct ListenerRule;

fn conditions(p: &ListenerRuleProps) -> Vec<RuleCondition> {
    let mut out = Vec::new();
    if !p.path_patterns.is_empty() {
        let cfg = PathPatternConditionConfig::builder().set_values(Some(p.path_patterns.clone())).build();
        out.push(RuleCondition::builder().field("path-pattern").path_pattern_config(cfg).build());
    }
    if !p.host_headers.is_empty() {
        let cfg = HostHeaderConditionConfig::builder().set_values(Some(p.host_headers.clone())).build();
        out.push(RuleCondition::builder().field("host-header").host_header_config(cfg).build());
    }
    out
}

/// A condition's values, from its typed config or (older API shape) its `values`.
fn values(rule: &Rule, field: &str) -> Vec<String> {
    let Some(c) = rule.conditions().iter().find(|c| c.field() == Some(field)) else { return Vec::new() };
    let typed = match field {
        "path-pattern" => c.path_pattern_config().map(|p| p.values().to_vec()),
        _ => c.host_header_config().map(|h| h.values().to_vec()),
    };
    typed.filter(|v| !v.is_empty()).unwrap_or_else(|| c.values().to_vec())
}

async fn rules(cx: &Ctx<'_>, listener_arn: Option<&str>, rule_arn: Option<&str>) -> Result<Vec<Rule>, ResourceError> {
    let out = cx
        .aws
        .elbv2()
        .describe_rules()
        .set_listener_arn(listener_arn.map(str::to_string))
        .set_rule_arns(rule_arn.map(|a| vec![a.to_string()]))
        .send()
        .await
        .found("DescribeRules", |e| e.is_rule_not_found_exception() || e.is_listener_not_found_exception())?;
    Ok(out.map(|o| o.rules.unwrap_or_default()).unwrap_or_default())
}

#[async_trait]
impl Resource for ListenerRule {
    type Props = ListenerRuleProps;
    type Attrs = ListenerRuleAttrs;
    const TYPE: &'static str = "elbv2.listener_rule";
    const IDENTITY: Identity = Identity::Unique(&["listener_arn", "priority"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.85.0.0/16"

[resources.a]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.85.1.0/24"
availability_zone = "us-east-1a"

[resources.b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.85.2.0/24"
availability_zone = "us-east-1b"

[resources.alb]
type = "elbv2.load_balancer"
name = "conformance-rules"
subnets = ["${resources.a.id}", "${resources.b.id}"]

[resources.api]
type = "elbv2.target_group"
name = "conformance-rules-api"
port = 8000
vpc_id = "${resources.vpc.id}"

[resources.http]
type = "elbv2.listener"
load_balancer_arn = "${resources.alb.arn}"
port = 80
default_action = { fixed_response = { status_code = "404" } }

[resources.https]
type = "elbv2.listener"
load_balancer_arn = "${resources.alb.arn}"
port = 8080
default_action = { fixed_response = { status_code = "404" } }

[resources.example]
type = "elbv2.listener_rule"
listener_arn = "${resources.http.arn}"
priority = 10
path_patterns = ["/api/*"]
action = { forward = "${resources.api.arn}" }
"#,
        updates: &[
            "path_patterns = [\"/api/*\", \"/docs\"]",
            "host_headers = [\"insights.example.com\"]",
            "priority = 20",
            "action = { fixed_response = { status_code = \"503\", message_body = \"maintenance\" } }",
        ],
        replace: Some("listener_arn = \"${resources.https.arn}\""),
        skip: &[],
    };

    fn check(&self, p: &ListenerRuleProps) -> Vec<Problem> {
        let mut out = p.action.problems("action");
        if p.path_patterns.is_empty() && p.host_headers.is_empty() {
            out.push(("path_patterns".into(), "a rule needs `path_patterns` or `host_headers`".into()));
        }
        out
    }

    async fn find(&self, cx: &Ctx<'_>, p: &ListenerRuleProps) -> Result<Option<String>, ResourceError> {
        let priority = p.priority.to_string();
        let all = rules(cx, Some(&p.listener_arn), None).await?;
        Ok(all.into_iter().find(|r| r.priority() == Some(priority.as_str())).and_then(|r| r.rule_arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ListenerRuleProps) -> Result<Created<ListenerRuleAttrs>, ResourceError> {
        let out = cx
            .aws
            .elbv2()
            .create_rule()
            .listener_arn(&p.listener_arn)
            .priority(p.priority as i32)
            .set_conditions(Some(conditions(p)))
            .actions(p.action.sdk()?)
            .set_tags((!p.tags.is_empty()).then(|| sdk_tags(&p.tags)))
            .send()
            .await
            .api("CreateRule")?;
        let arn = out.rules().first().and_then(|r| r.rule_arn()).unwrap_or_default().to_string();
        Ok(Created::new(&arn, ListenerRuleAttrs { arn: arn.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &ListenerRuleProps,
    ) -> Result<Option<Observed<ListenerRuleProps, ListenerRuleAttrs>>, ResourceError> {
        let Some(r) = rules(cx, None, Some(id)).await?.pop() else { return Ok(None) };
        // A rule's ARN is its listener's with `listener-rule` for `listener` and one more id.
        let listener_arn = id.replacen(":listener-rule/", ":listener/", 1).rsplit_once('/').map(|(l, _)| l.to_string());
        let props = ListenerRuleProps {
            listener_arn: listener_arn.unwrap_or_else(|| p.listener_arn.clone()),
            priority: r.priority().and_then(|x| x.parse().ok()).unwrap_or(p.priority),
            path_patterns: values(&r, "path-pattern"),
            host_headers: values(&r, "host-header"),
            action: r.actions().first().map(Action::live).unwrap_or_else(|| p.action.clone()),
            tags: live_tags(cx, id).await?,
        };
        Ok(Some(Observed { props, attrs: ListenerRuleAttrs { arn: id.to_string() } }))
    }

    /// The rules of every listener, less each listener's default rule (its
    /// `default_action`); a listener deleted meanwhile has none.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        for listener in Listener.list(cx).await? {
            let mut pages = cx.aws.elbv2().describe_rules().listener_arn(&listener).into_paginator().send();
            while let Some(page) = pages.next().await {
                let Some(page) = page.found("DescribeRules", |e| e.is_listener_not_found_exception())? else { break };
                let added = page.rules().iter().filter(|r| r.is_default() != Some(true));
                out.extend(added.filter_map(|r| r.rule_arn()).map(str::to_string));
            }
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &ListenerRuleProps,
        new: &ListenerRuleProps,
    ) -> Result<Option<ListenerRuleAttrs>, ResourceError> {
        let elb = cx.aws.elbv2();
        if (&old.path_patterns, &old.host_headers, &old.action) != (&new.path_patterns, &new.host_headers, &new.action) {
            let req = elb.modify_rule().rule_arn(id).set_conditions(Some(conditions(new))).actions(new.action.sdk()?);
            req.send().await.api("ModifyRule")?;
        }
        if old.priority != new.priority {
            let pair = RulePriorityPair::builder().rule_arn(id).priority(new.priority as i32).build();
            elb.set_rule_priorities().rule_priorities(pair).send().await.api("SetRulePriorities")?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ListenerRuleProps) -> Result<(), ResourceError> {
        cx.aws.elbv2().delete_rule().rule_arn(id).send().await.found("DeleteRule", |e| e.is_rule_not_found_exception())?;
        Ok(())
    }
}
