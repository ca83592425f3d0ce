//! `lambda.event_source_mapping`: a queue (or stream) feeding a function.

use async_trait::async_trait;

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct MappingProps {
        /// Function name or ARN.
        function_name: String => required;
        event_source_arn: String => required, replace;
        batch_size: i64 => default(10);
        enabled: bool => default(true);
        maximum_batching_window_seconds: Option<i64> => optional;
    }
}

pub struct EventSourceMapping;

/// `name` and the ARN Lambda reports for it are the same function.
fn same_function(wanted: &str, live_arn: &str) -> bool {
    wanted == live_arn || live_arn.rsplit(':').next() == Some(wanted)
}

#[async_trait]
impl Resource for EventSourceMapping {
    type Props = MappingProps;
    const TYPE: &'static str = "lambda.event_source_mapping";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("uuid"), attr("function_arn")];

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

    async fn create(&self, cx: &Ctx<'_>, p: &MappingProps) -> Result<Outcome, ResourceError> {
        let out = cx
            .aws
            .lambda()
            .create_event_source_mapping()
            .function_name(&p.function_name)
            .event_source_arn(&p.event_source_arn)
            .batch_size(p.batch_size as i32)
            .enabled(p.enabled)
            .set_maximum_batching_window_in_seconds(p.maximum_batching_window_seconds.map(|s| s as i32))
            .set_tags(Some(super::tag_map(cx)))
            .send()
            .await
            .api("CreateEventSourceMapping")?;
        let uuid = out.uuid().unwrap_or_default();
        Ok(Outcome::new(uuid).with("uuid", uuid).with("function_arn", out.function_arn().unwrap_or_default()))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &MappingProps) -> Result<Option<Observed<MappingProps>>, ResourceError> {
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
            function_name: if same_function(&p.function_name, live_fn) { p.function_name.clone() } else { live_fn.to_string() },
            event_source_arn: m.event_source_arn().unwrap_or(&p.event_source_arn).to_string(),
            batch_size: m.batch_size().map(i64::from).unwrap_or(p.batch_size),
            enabled: m.state().map(|s| s != "Disabled" && s != "Disabling").unwrap_or(p.enabled),
            maximum_batching_window_seconds: m
                .maximum_batching_window_in_seconds()
                .map(i64::from)
                .filter(|s| *s != 0 || p.maximum_batching_window_seconds.is_some()),
        };
        Ok(Some(Observed { props, attrs: Outcome::new(id).with("uuid", id).with("function_arn", live_fn).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &MappingProps, new: &MappingProps) -> Result<Outcome, ResourceError> {
        let out = cx
            .aws
            .lambda()
            .update_event_source_mapping()
            .uuid(id)
            .function_name(&new.function_name)
            .batch_size(new.batch_size as i32)
            .enabled(new.enabled)
            .set_maximum_batching_window_in_seconds(new.maximum_batching_window_seconds.map(|s| s as i32))
            .send()
            .await
            .api("UpdateEventSourceMapping")?;
        Ok(Outcome::new(id).with("uuid", id).with("function_arn", out.function_arn().unwrap_or_default()))
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
}
