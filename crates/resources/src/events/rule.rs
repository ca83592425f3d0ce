//! `events.rule`: an EventBridge rule that matches events by pattern (workflow state
//! changes) or fires on a schedule. Pattern, schedule, description and state change in
//! place.

use async_trait::async_trait;
use aws_sdk_eventbridge::types::{RuleState, Tag};
use serde_json::Value;

use super::{rule_id, split_id};
use crate::aws::SdkResultExt;
use crate::schema::check::{Chars, Check};
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct RuleProps {
        name: String => required, replace, check(Check::Name { what: "rule name", min: 1, max: 64, chars: Chars::AlnumDashUnderscoreDot });
        event_bus_name: String => default("default"), replace;
        description: Option<String> => optional, check(Check::MaxLen(512));
        /// The events to match (`{ source = ["aegis.workflow"] }`).
        event_pattern: Option<Value> => optional;
        /// `rate(5 minutes)` or `cron(...)`; default bus only.
        schedule_expression: Option<String> => optional;
        state: String => default("ENABLED"), check(Check::OneOf(&["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct RuleAttrs {
        name: String,
        arn: String,
    }
}

pub struct Rule;

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Ok(Tag::builder().key(k).value(v).build()?)).collect()
}

impl Rule {
    async fn put(cx: &Ctx<'_>, p: &RuleProps, with_tags: bool) -> Result<String, ResourceError> {
        let pattern = p.event_pattern.as_ref().map(|v| v.to_string());
        let out = cx
            .aws
            .eventbridge()
            .put_rule()
            .name(&p.name)
            .event_bus_name(&p.event_bus_name)
            .set_description(p.description.clone())
            .set_event_pattern(pattern)
            .set_schedule_expression(p.schedule_expression.clone())
            .state(RuleState::from(p.state.as_str()))
            .set_tags(if with_tags && !p.tags.is_empty() { Some(sdk_tags(&p.tags)?) } else { None })
            .send()
            .await
            .api("PutRule")?;
        Ok(out.rule_arn().unwrap_or_default().to_string())
    }
}

#[async_trait]
impl Resource for Rule {
    type Props = RuleProps;
    type Attrs = RuleAttrs;
    const TYPE: &'static str = "events.rule";
    const IDENTITY: Identity = Identity::Unique(&["event_bus_name", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "events.rule"
name = "conformance-workflow-events"
event_pattern = { source = ["aegis.workflow"] }
"#,
        updates: &[
            "event_pattern = { source = [\"aegis.workflow\"], detail-type = [\"Workflow State Changed\"] }",
            "description = \"Workflow state changes\"",
            "state = \"DISABLED\"",
        ],
        replace: Some("name = \"conformance-workflow-events-2\""),
        skip: &[],
    };

    fn early(&self, p: &RuleProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let path = rule_id(&p.event_bus_name, &p.name);
        let arn = format!("arn:{}:events:{}:{}:rule/{path}", at.partition, at.region, at.account_id);
        vec![("id", path), ("name", p.name.clone()), ("arn", arn)]
    }

    fn check(&self, p: &RuleProps) -> Vec<Problem> {
        if p.event_pattern.is_none() && p.schedule_expression.is_none() {
            return vec![("event_pattern".into(), "a rule needs `event_pattern` or `schedule_expression`".into())];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &RuleProps) -> Result<Option<String>, ResourceError> {
        let id = rule_id(&p.event_bus_name, &p.name);
        Ok(self.read(cx, &id, p).await?.map(|_| id))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RuleProps) -> Result<Created<RuleAttrs>, ResourceError> {
        let arn = Self::put(cx, p, true).await?;
        Ok(Created::new(rule_id(&p.event_bus_name, &p.name), RuleAttrs { name: p.name.clone(), arn }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RuleProps) -> Result<Option<Observed<RuleProps, RuleAttrs>>, ResourceError> {
        let (bus, name) = split_id(id);
        let eb = cx.aws.eventbridge();
        let out = eb
            .describe_rule()
            .name(name)
            .event_bus_name(bus)
            .send()
            .await
            .found("DescribeRule", |e| e.is_resource_not_found_exception())?;
        let Some(r) = out else { return Ok(None) };
        let arn = r.arn().unwrap_or_default().to_string();
        let tag_list = eb.list_tags_for_resource().resource_arn(&arn).send().await.api("ListTagsForResource")?;
        let pattern = r.event_pattern().map(|s| serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string())));
        let props = RuleProps {
            name: r.name().unwrap_or(&p.name).to_string(),
            event_bus_name: r.event_bus_name().unwrap_or(&p.event_bus_name).to_string(),
            description: r.description().filter(|d| !d.is_empty()).map(str::to_string),
            event_pattern: pattern,
            schedule_expression: r.schedule_expression().filter(|s| !s.is_empty()).map(str::to_string),
            state: r.state().map(|s| s.as_str().to_string()).unwrap_or_else(|| p.state.clone()),
            tags: tags::live(tag_list.tags().iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { attrs: RuleAttrs { name: props.name.clone(), arn }, props }))
    }

    /// Every bus's rules, except those another AWS service manages (`ManagedBy`): they
    /// cannot be changed or deleted by the account.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let eb = cx.aws.eventbridge();
        let mut buses = Vec::new();
        let mut token = None;
        loop {
            let page = eb.list_event_buses().set_next_token(token).send().await.api("ListEventBuses")?;
            buses.extend(page.event_buses().iter().filter_map(|b| b.name()).map(str::to_string));
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut out = Vec::new();
        for bus in buses {
            let mut token = None;
            loop {
                let req = eb.list_rules().event_bus_name(&bus).set_next_token(token);
                // A bus deleted since it was listed has no rules left to find.
                let Some(page) = req.send().await.found("ListRules", |e| e.is_resource_not_found_exception())? else { break };
                let own = page.rules().iter().filter(|r| r.managed_by().is_none_or(str::is_empty));
                out.extend(own.filter_map(|r| r.name()).map(|name| rule_id(&bus, name)));
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }

    async fn update(&self, cx: &Ctx<'_>, _id: &str, old: &RuleProps, new: &RuleProps) -> Result<Option<RuleAttrs>, ResourceError> {
        let arn = if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            Self::put(cx, new, false).await?
        } else {
            cx.arn("events", true, &format!("rule/{}", rule_id(&new.event_bus_name, &new.name))).await?
        };
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        let eb = cx.aws.eventbridge();
        if !set.is_empty() {
            eb.tag_resource().resource_arn(&arn).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            eb.untag_resource().resource_arn(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &RuleProps) -> Result<(), ResourceError> {
        let (bus, name) = split_id(id);
        let req = cx.aws.eventbridge().delete_rule().name(name).event_bus_name(bus);
        req.send().await.found("DeleteRule", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
