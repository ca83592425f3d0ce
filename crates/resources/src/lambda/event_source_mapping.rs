//! `lambda.event_source_mapping`: a queue (or stream) feeding a function.

use async_trait::async_trait;

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct MappingProps {
        /// Function name or ARN.
        function_name: String => required;
        /// The queue's (or stream's) ARN.
        event_source_arn: String => required, replace, check(Check::Arn);
        /// Records per invocation.
        batch_size: i64 => default(10), check(Check::Range { min: 1, max: 10000 });
        /// Whether the mapping delivers records (`false` pauses it). (`enabled` is the manifest's own switch for
        /// whether the resource exists at all.)
        active: bool => default(true);
        /// Seconds to gather a batch.
        maximum_batching_window_seconds: Option<i64> => optional, check(Check::Range { min: 0, max: 300 });
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct MappingAttrs {
        /// The mapping's UUID (also its id).
        uuid: String,
        function_arn: String,
    }
}

pub struct EventSourceMapping;

/// `name` and the ARN Lambda reports for it are the same function.
fn same_function(wanted: &str, live_arn: &str) -> bool {
    wanted == live_arn || live_arn.rsplit(':').next() == Some(wanted)
}

/// The function's name, as a manifest names it; a qualified ARN (a version or alias) stays
/// whole, since the name alone would be another function.
fn function_name_of(live_arn: &str) -> &str {
    match live_arn.split_once(":function:") {
        Some((_, name)) if !name.contains(':') => name,
        _ => live_arn,
    }
}

#[async_trait]
impl Resource for EventSourceMapping {
    type Props = MappingProps;
    type Attrs = MappingAttrs;
    const TYPE: &'static str = "lambda.event_source_mapping";
    /// Lambda refuses a second mapping of the same queue to the same function.
    const IDENTITY: Identity = Identity::Unique(&["function_name", "event_source_arn"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.queue]
type = "sqs.queue"
name = "conformance-mapping-jobs"
visibility_timeout_seconds = 60

[resources.role]
type = "iam.role"
name = "conformance-mapping-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }
managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"]

[resources.function]
type = "lambda.function"
name = "conformance-mapping-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"
timeout = 30

[resources.other_queue]
type = "sqs.queue"
name = "conformance-mapping-other"
visibility_timeout_seconds = 60

[resources.example]
type = "lambda.event_source_mapping"
function_name = "${resources.function.name}"
event_source_arn = "${resources.queue.arn}"
batch_size = 5
"#,
        updates: &["batch_size = 8", "active = false"],
        replace: Some("event_source_arn = \"${resources.other_queue.arn}\""),
        skip: &[],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &MappingProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .lambda()
            .list_event_source_mappings()
            .function_name(&p.function_name)
            .event_source_arn(&p.event_source_arn)
            .send()
            .await
            .found("ListEventSourceMappings", |e| e.is_resource_not_found_exception())?;
        Ok(out.and_then(|o| o.event_source_mappings().first().and_then(|m| m.uuid()).map(str::to_string)))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &MappingProps) -> Result<Created<MappingAttrs>, ResourceError> {
        let out = cx
            .aws
            .lambda()
            .create_event_source_mapping()
            .function_name(&p.function_name)
            .event_source_arn(&p.event_source_arn)
            .batch_size(p.batch_size as i32)
            .enabled(p.active)
            .set_maximum_batching_window_in_seconds(p.maximum_batching_window_seconds.map(|s| s as i32))
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateEventSourceMapping")?;
        let uuid = out.uuid().unwrap_or_default();
        Ok(Created::new(uuid, MappingAttrs { uuid: uuid.to_string(), function_arn: out.function_arn().unwrap_or_default().to_string() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &MappingProps) -> Result<Option<Observed<MappingProps, MappingAttrs>>, ResourceError> {
        let out = cx
            .aws
            .lambda()
            .get_event_source_mapping()
            .uuid(id)
            .send()
            .await
            .found("GetEventSourceMapping", |e| e.is_resource_not_found_exception())?;
        let Some(m) = out else { return Ok(None) };
        let live_fn = m.function_arn().unwrap_or_default();
        let props = MappingProps {
            function_name: if same_function(&p.function_name, live_fn) {
                p.function_name.clone()
            } else {
                function_name_of(live_fn).to_string()
            },
            event_source_arn: m.event_source_arn().unwrap_or(&p.event_source_arn).to_string(),
            batch_size: m.batch_size().map(i64::from).unwrap_or(p.batch_size),
            active: m.state().map(|s| s != "Disabled" && s != "Disabling").unwrap_or(p.active),
            maximum_batching_window_seconds: m
                .maximum_batching_window_in_seconds()
                .map(i64::from)
                .filter(|s| *s != 0 || p.maximum_batching_window_seconds.is_some()),
            // moto keeps no tags on event source mappings (docs/architecture.md, "The
            // emulator"): the applied ones stand; tag changes are still sent.
            tags: p.tags.clone(),
        };
        Ok(Some(Observed { props, attrs: MappingAttrs { uuid: id.to_string(), function_arn: live_fn.to_string() } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &MappingProps, new: &MappingProps) -> Result<Option<MappingAttrs>, ResourceError> {
        let lambda = cx.aws.lambda();
        let (set, remove) = crate::tags::changes(&old.tags, &new.tags);
        if !set.is_empty() || !remove.is_empty() {
            let arn = cx.arn("lambda", true, &format!("event-source-mapping:{id}")).await?;
            if !set.is_empty() {
                lambda.tag_resource().resource(&arn).set_tags(Some(set.into_iter().collect())).send().await.api("TagResource")?;
            }
            if !remove.is_empty() {
                lambda.untag_resource().resource(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
            }
        }
        if (&old.function_name, old.batch_size, old.active, old.maximum_batching_window_seconds)
            == (&new.function_name, new.batch_size, new.active, new.maximum_batching_window_seconds)
        {
            return Ok(None);
        }
        let out = lambda
            .update_event_source_mapping()
            .uuid(id)
            .function_name(&new.function_name)
            .batch_size(new.batch_size as i32)
            .enabled(new.active)
            .set_maximum_batching_window_in_seconds(new.maximum_batching_window_seconds.map(|s| s as i32))
            .send()
            .await
            .api("UpdateEventSourceMapping")?;
        Ok(Some(MappingAttrs { uuid: id.to_string(), function_arn: out.function_arn().unwrap_or_default().to_string() }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &MappingProps) -> Result<(), ResourceError> {
        cx.aws
            .lambda()
            .delete_event_source_mapping()
            .uuid(id)
            .send()
            .await
            .found("DeleteEventSourceMapping", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.lambda().list_event_source_mappings().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListEventSourceMappings")?.event_source_mappings().iter().filter_map(|m| m.uuid().map(str::to_string)));
        }
        Ok(out)
    }
}
