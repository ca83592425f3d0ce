//! `events.event_bus`: a custom EventBridge event bus, for an application's own events
//! (rules on it are `events.rule` with `event_bus_name`). Description, KMS key and
//! dead-letter queue change in place; the name replaces it.

use async_trait::async_trait;
use aws_sdk_eventbridge::operation::describe_event_bus::DescribeEventBusOutput;
use aws_sdk_eventbridge::types::{DeadLetterConfig, Tag};

use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct EventBusProps {
        /// Not `default`, which is the account's own bus.
        name: String => required, replace, check(Check::Name { what: "event bus name", min: 1, max: 256, chars: Chars::EventBus });
        description: Option<String> => optional, check(Check::MaxLen(512));
        /// Encrypt events with this customer managed KMS key (ARN, id or alias); AWS's own key when absent.
        kms_key_identifier: Option<String> => optional;
        /// The SQS queue (ARN) that events the bus could not deliver to a target go to.
        dead_letter_arn: Option<String> => optional, check(Check::Arn);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct EventBusAttrs {
        name: String,
        arn: String,
    }
}

pub struct EventBus;

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

fn dead_letter(p: &EventBusProps) -> DeadLetterConfig {
    DeadLetterConfig::builder().set_arn(p.dead_letter_arn.clone()).build()
}

async fn describe(cx: &Ctx<'_>, name: &str) -> Result<Option<DescribeEventBusOutput>, ResourceError> {
    let req = cx.aws.eventbridge().describe_event_bus().name(name);
    Ok(req.send().await.found("DescribeEventBus", |e| e.is_resource_not_found_exception())?)
}

#[async_trait]
impl Resource for EventBus {
    type Props = EventBusProps;
    type Attrs = EventBusAttrs;
    const TYPE: &'static str = "events.event_bus";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.dlq]
type = "sqs.queue"
name = "conformance-bus-dlq"

[resources.example]
type = "events.event_bus"
name = "conformance-orders"
description = "Order events"
"#,
        updates: &["description = \"Order events, changed\"", "dead_letter_arn = \"${resources.dlq.arn}\""],
        replace: Some("name = \"conformance-orders-2\""),
        skip: &[],
    };

    fn check(&self, p: &EventBusProps) -> Vec<Problem> {
        if p.name == "default" {
            return vec![("name".into(), "`default` is the account's own event bus; infra makes custom ones".into())];
        }
        Vec::new()
    }

    fn early(&self, p: &EventBusProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:events:{}:{}:event-bus/{}", at.partition, at.region, at.account_id, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &EventBusProps) -> Result<Created<EventBusAttrs>, ResourceError> {
        let out = cx
            .aws
            .eventbridge()
            .create_event_bus()
            .name(&p.name)
            .set_description(p.description.clone())
            .set_kms_key_identifier(p.kms_key_identifier.clone())
            .set_dead_letter_config(p.dead_letter_arn.is_some().then(|| dead_letter(p)))
            .set_tags(Some(sdk_tags(&p.tags)?))
            .send()
            .await
            .api("CreateEventBus")?;
        let arn = out.event_bus_arn().unwrap_or_default().to_string();
        Ok(Created::new(&p.name, EventBusAttrs { name: p.name.clone(), arn }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &EventBusProps,
    ) -> Result<Option<Observed<EventBusProps, EventBusAttrs>>, ResourceError> {
        let Some(out) = describe(cx, id).await? else { return Ok(None) };
        let arn = out.arn().unwrap_or_default().to_string();
        let tag_list = cx.aws.eventbridge().list_tags_for_resource().resource_arn(&arn).send().await.api("ListTagsForResource")?;
        let props = EventBusProps {
            name: id.to_string(),
            description: out.description().filter(|d| !d.is_empty()).map(str::to_string),
            kms_key_identifier: out.kms_key_identifier().filter(|k| !k.is_empty()).map(str::to_string),
            dead_letter_arn: out.dead_letter_config().and_then(|d| d.arn()).filter(|a| !a.is_empty()).map(str::to_string),
            tags: tags::live(tag_list.tags().iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { props, attrs: EventBusAttrs { name: id.to_string(), arn } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &EventBusProps,
        new: &EventBusProps,
    ) -> Result<Option<EventBusAttrs>, ResourceError> {
        let events = cx.aws.eventbridge();
        if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            // UpdateEventBus sets all three: an absent description or queue is cleared, an
            // absent key is AWS's own.
            events
                .update_event_bus()
                .name(id)
                .description(new.description.clone().unwrap_or_default())
                .set_kms_key_identifier(new.kms_key_identifier.clone())
                .dead_letter_config(dead_letter(new))
                .send()
                .await
                .api("UpdateEventBus")?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if set.is_empty() && remove.is_empty() {
            return Ok(None);
        }
        let arn = describe(cx, id).await?.and_then(|o| o.arn).unwrap_or_default();
        if !set.is_empty() {
            events.tag_resource().resource_arn(&arn).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            events.untag_resource().resource_arn(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &EventBusProps) -> Result<(), ResourceError> {
        // DeleteEventBus answers success for a bus that does not exist.
        cx.aws.eventbridge().delete_event_bus().name(id).send().await.api("DeleteEventBus")?;
        Ok(())
    }

    /// Custom buses: the account's `default` is not one to manage.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = cx.aws.eventbridge().list_event_buses().set_next_token(token).send().await.api("ListEventBuses")?;
            out.extend(page.event_buses().iter().filter_map(|b| b.name()).filter(|n| *n != "default").map(str::to_string));
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }
}
