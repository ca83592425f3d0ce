//! `sqs.queue`: a queue with its attributes and an optional dead-letter redrive.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName as A;
use serde_json::json;

use std::time::Duration;

use super::{attr, Attempt, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    /// Move messages to a dead-letter queue after `max_receive_count` receives.
    pub struct Redrive {
        dead_letter_target_arn: String => required;
        max_receive_count: i64 => required;
    }
}

props! {
    pub struct QueueProps {
        name: String => required, replace;
        fifo: bool => default(false), replace;
        visibility_timeout_seconds: i64 => default(30);
        message_retention_seconds: i64 => default(345600);
        max_message_size: i64 => default(262144);
        delay_seconds: i64 => default(0);
        receive_wait_time_seconds: i64 => default(0);
        sqs_managed_sse: bool => default(true);
        redrive: Option<Redrive> => optional;
    }
}

pub struct Queue;

fn attributes(p: &QueueProps) -> HashMap<A, String> {
    let mut a = HashMap::from([
        (A::VisibilityTimeout, p.visibility_timeout_seconds.to_string()),
        (A::MessageRetentionPeriod, p.message_retention_seconds.to_string()),
        (A::MaximumMessageSize, p.max_message_size.to_string()),
        (A::DelaySeconds, p.delay_seconds.to_string()),
        (A::ReceiveMessageWaitTimeSeconds, p.receive_wait_time_seconds.to_string()),
        (A::SqsManagedSseEnabled, p.sqs_managed_sse.to_string()),
    ]);
    a.insert(
        A::RedrivePolicy,
        p.redrive
            .as_ref()
            .map(|r| json!({"deadLetterTargetArn": r.dead_letter_target_arn, "maxReceiveCount": r.max_receive_count}).to_string())
            .unwrap_or_default(),
    );
    a
}

fn outcome(url: &str, arn: &str, name: &str) -> Outcome {
    Outcome::new(url).with("url", url).with("arn", arn).with("name", name)
}

#[async_trait]
impl Resource for Queue {
    type Props = QueueProps;
    const TYPE: &'static str = "sqs.queue";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("url"), attr("arn"), attr("name")];

    async fn find(&self, cx: &Ctx<'_>, p: &QueueProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.sqs().get_queue_url().queue_name(&p.name).send().await.found("GetQueueUrl", |e| e.is_queue_does_not_exist())?;
        Ok(out.and_then(|o| o.queue_url))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &QueueProps) -> Result<Outcome, ResourceError> {
        let mut attrs = attributes(p);
        if p.redrive.is_none() {
            attrs.remove(&A::RedrivePolicy);
        }
        if p.fifo {
            attrs.insert(A::FifoQueue, "true".into());
        }
        // A queue name is blocked for 60 s after the queue is deleted (a replace).
        let out = cx
            .retry_eventual("the deleted queue's name to be released (60 s)", Duration::from_secs(90), || async {
                match cx
                    .aws
                    .sqs()
                    .create_queue()
                    .queue_name(&p.name)
                    .set_attributes(Some(attrs.clone()))
                    .set_tags(Some(super::tag_map(cx)))
                    .send()
                    .await
                {
                    Ok(out) => Ok(out),
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_queue_deleted_recently()) => Err(Attempt::retry("CreateQueue", e)),
                    Err(e) => Err(Attempt::fail("CreateQueue", e)),
                }
            })
            .await?;
        let url = out.queue_url().unwrap_or_default().to_string();
        let arn = cx
            .aws
            .sqs()
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(A::QueueArn)
            .send()
            .await
            .api("GetQueueAttributes")?
            .attributes
            .and_then(|mut a| a.remove(&A::QueueArn))
            .unwrap_or_default();
        Ok(outcome(&url, &arn, &p.name))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &QueueProps) -> Result<Option<Observed<QueueProps>>, ResourceError> {
        let out = cx
            .aws
            .sqs()
            .get_queue_attributes()
            .queue_url(id)
            .attribute_names(A::All)
            .send()
            .await
            .found("GetQueueAttributes", |e| e.is_queue_does_not_exist())?;
        let Some(a) = out.and_then(|o| o.attributes) else { return Ok(None) };
        let int = |k: A, d: i64| a.get(&k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let redrive = a.get(&A::RedrivePolicy).and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok()).and_then(|v| {
            Some(Redrive {
                dead_letter_target_arn: v.get("deadLetterTargetArn")?.as_str()?.to_string(),
                max_receive_count: v.get("maxReceiveCount").and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok()))?,
            })
        });
        let props = QueueProps {
            name: p.name.clone(),
            fifo: a.get(&A::FifoQueue).is_some_and(|v| v == "true"),
            visibility_timeout_seconds: int(A::VisibilityTimeout, p.visibility_timeout_seconds),
            message_retention_seconds: int(A::MessageRetentionPeriod, p.message_retention_seconds),
            max_message_size: int(A::MaximumMessageSize, p.max_message_size),
            delay_seconds: int(A::DelaySeconds, p.delay_seconds),
            receive_wait_time_seconds: int(A::ReceiveMessageWaitTimeSeconds, p.receive_wait_time_seconds),
            sqs_managed_sse: a.get(&A::SqsManagedSseEnabled).map(|v| v == "true").unwrap_or(p.sqs_managed_sse),
            redrive,
        };
        let arn = a.get(&A::QueueArn).cloned().unwrap_or_default();
        Ok(Some(Observed { props, attrs: outcome(id, &arn, &p.name).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &QueueProps, new: &QueueProps) -> Result<Outcome, ResourceError> {
        let before = attributes(old);
        let changed: HashMap<A, String> = attributes(new).into_iter().filter(|(k, v)| before.get(k) != Some(v)).collect();
        if !changed.is_empty() {
            cx.aws.sqs().set_queue_attributes().queue_url(id).set_attributes(Some(changed)).send().await.api("SetQueueAttributes")?;
        }
        Ok(Outcome::new(id))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &QueueProps) -> Result<(), ResourceError> {
        cx.aws.sqs().delete_queue().queue_url(id).send().await.found("DeleteQueue", |e| e.is_queue_does_not_exist())?;
        Ok(())
    }
}
