//! `sqs.queue`: a queue with its attributes and an optional dead-letter redrive.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName as A;
use serde_json::json;

use crate::aws::SdkResultExt;
use crate::contents::{self, Contents};
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Peers, Problem, Resource, ResourceError};

props! {
    /// Move messages to a dead-letter queue after `max_receive_count` receives.
    pub struct Redrive {
        /// ARN of the dead-letter queue.
        dead_letter_target_arn: String => required, check(Check::Arn);
        /// Receives before a message moves to the dead-letter queue.
        max_receive_count: i64 => required, check(Check::Range { min: 1, max: 1000 });
    }
}

props! {
    pub struct QueueProps {
        /// Queue name; a FIFO queue's ends in `.fifo`.
        name: String => required, replace, check(rules::SQS_QUEUE);
        /// First in, first out, exactly once.
        fifo: bool => default(false), replace;
        /// Seconds a received message stays hidden from other consumers.
        visibility_timeout_seconds: i64 => default(30), check(Check::Range { min: 0, max: 43200 });
        /// Seconds a message is kept.
        message_retention_seconds: i64 => default(345600), check(Check::Range { min: 60, max: 1209600 });
        /// Largest message in bytes.
        max_message_size: i64 => default(262144), check(Check::Range { min: 1024, max: 1048576 });
        /// Seconds new messages stay invisible.
        delay_seconds: i64 => default(0), check(Check::Range { min: 0, max: 900 });
        /// Long polling: seconds a receive waits for a message.
        receive_wait_time_seconds: i64 => default(0), check(Check::Range { min: 0, max: 20 });
        /// Encryption at rest with SQS-owned keys (off when `kms_key_id` is given).
        sqs_managed_sse: bool => default(true);
        /// Encrypt with this KMS key (id, ARN or `alias/...`) instead.
        kms_key_id: Option<String> => optional;
        /// FIFO only: a message's deduplication id is the SHA-256 of its body.
        content_based_deduplication: bool => default(false);
        /// FIFO only: `queue` or `messageGroup`.
        deduplication_scope: Option<String> => optional, check(Check::OneOf(&["queue", "messageGroup"]));
        redrive: Option<Redrive> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct QueueAttrs {
        /// The queue URL (also its id).
        url: String,
        arn: String,
        name: String,
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
        (A::SqsManagedSseEnabled, (p.sqs_managed_sse && p.kms_key_id.is_none()).to_string()),
    ]);
    if let Some(key) = &p.kms_key_id {
        a.insert(A::KmsMasterKeyId, key.clone());
    }
    if p.fifo {
        a.insert(A::ContentBasedDeduplication, p.content_based_deduplication.to_string());
        if let Some(scope) = &p.deduplication_scope {
            a.insert(A::DeduplicationScope, scope.clone());
        }
    }
    a.insert(
        A::RedrivePolicy,
        p.redrive
            .as_ref()
            .map(|r| json!({"deadLetterTargetArn": r.dead_letter_target_arn, "maxReceiveCount": r.max_receive_count}).to_string())
            .unwrap_or_default(),
    );
    a
}

impl Queue {
    async fn attrs(cx: &Ctx<'_>, url: &str, name: &str) -> Result<QueueAttrs, crate::ResourceError> {
        Ok(QueueAttrs { url: url.to_string(), arn: cx.arn("sqs", true, name).await?, name: name.to_string() })
    }
}

#[async_trait]
impl Resource for Queue {
    type Props = QueueProps;
    type Attrs = QueueAttrs;
    const TYPE: &'static str = "sqs.queue";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.dlq]
type = "sqs.queue"
name = "conformance-dlq"

[resources.example]
type = "sqs.queue"
name = "conformance-jobs"
visibility_timeout_seconds = 60
redrive = { dead_letter_target_arn = "${resources.dlq.arn}", max_receive_count = 3 }
"#,
        updates: &["visibility_timeout_seconds = 120", "message_retention_seconds = 86400"],
        replace: Some("name = \"conformance-jobs-2\""),
        skip: &[],
    };

    fn prepare(&self, p: &mut QueueProps, _cx: &crate::PrepareCx<'_>) -> Result<(), ResourceError> {
        // SQS-managed and KMS encryption exclude each other; naming a key chooses KMS.
        if p.kms_key_id.is_some() {
            p.sqs_managed_sse = false;
        }
        Ok(())
    }

    fn early(&self, p: &QueueProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone()), ("arn", format!("arn:{}:sqs:{}:{}:{}", at.partition, at.region, at.account_id, p.name))]
    }

    const CHECK_READS: &'static [&'static str] = &["name", "fifo", "content_based_deduplication", "deduplication_scope"];

    fn check(&self, p: &QueueProps) -> Vec<Problem> {
        let base = p.name.strip_suffix(".fifo").unwrap_or(&p.name);
        if base.contains('.') {
            return vec![("name".into(), format!("queue name `{}` may contain `.` only in its `.fifo` suffix", p.name))];
        }
        if !p.fifo && (p.content_based_deduplication || p.deduplication_scope.is_some()) {
            return vec![("content_based_deduplication".into(), "deduplication settings apply only to FIFO queues (`fifo = true`)".into())];
        }
        match (p.fifo, p.name.ends_with(".fifo")) {
            (true, false) => vec![("name".into(), format!("FIFO queue name `{}` must end in `.fifo`: write `{}.fifo`", p.name, p.name))],
            (false, true) => vec![("fifo".into(), format!("queue `{}` ends in `.fifo`: set `fifo = true`", p.name))],
            _ => Vec::new(),
        }
    }

    /// SQS refuses a redrive policy whose dead-letter queue is of the other kind (FIFO
    /// or standard), and only when the queue is created, after its dead-letter queue was.
    fn check_peers(&self, p: &QueueProps, peers: &dyn Peers) -> Vec<Problem> {
        const TARGET: &str = "redrive.dead_letter_target_arn";
        let Some(dlq) = peers.at(TARGET).filter(|d| d.is::<Queue>("arn")) else { return Vec::new() };
        let Some(dlq_fifo) = dlq.known::<bool>("fifo") else { return Vec::new() };
        if dlq_fifo == p.fifo {
            return Vec::new();
        }
        let kind = |fifo: bool| if fifo { "FIFO" } else { "standard" };
        let (own, other) = (kind(p.fifo), kind(dlq_fifo));
        vec![(
            TARGET.into(),
            format!("{own} queue `{}` needs a {own} dead-letter queue, but {dlq} is a {other} queue (`fifo = {dlq_fifo}`)", p.name),
        )]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &QueueProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.sqs().get_queue_url().queue_name(&p.name).send().await.found("GetQueueUrl", |e| e.is_queue_does_not_exist())?;
        Ok(out.and_then(|o| o.queue_url))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &QueueProps) -> Result<Created<QueueAttrs>, ResourceError> {
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
                    .set_tags(Some(p.tags.clone().into_iter().collect()))
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
        Ok(Created::new(&url, Self::attrs(cx, &url, &p.name).await?))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &QueueProps) -> Result<Option<Observed<QueueProps, QueueAttrs>>, ResourceError> {
        let sqs = cx.aws.sqs();
        let (out, tag_list) = tokio::join!(
            sqs.get_queue_attributes().queue_url(id).attribute_names(A::All).send(),
            sqs.list_queue_tags().queue_url(id).send()
        );
        let Some(a) = out.found("GetQueueAttributes", |e| e.is_queue_does_not_exist())?.and_then(|o| o.attributes) else {
            return Ok(None);
        };
        let live_tags = tag_list.found("ListQueueTags", |e| e.is_queue_does_not_exist())?.and_then(|o| o.tags).unwrap_or_default();
        let int = |k: A, d: i64| a.get(&k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let redrive = a.get(&A::RedrivePolicy).and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok()).and_then(|v| {
            Some(Redrive {
                dead_letter_target_arn: v.get("deadLetterTargetArn")?.as_str()?.to_string(),
                max_receive_count: v.get("maxReceiveCount").and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok()))?,
            })
        });
        let name = id.rsplit('/').next().unwrap_or(&p.name).to_string();
        let props = QueueProps {
            name: name.clone(),
            fifo: a.get(&A::FifoQueue).is_some_and(|v| v == "true"),
            visibility_timeout_seconds: int(A::VisibilityTimeout, p.visibility_timeout_seconds),
            message_retention_seconds: int(A::MessageRetentionPeriod, p.message_retention_seconds),
            max_message_size: int(A::MaximumMessageSize, p.max_message_size),
            delay_seconds: int(A::DelaySeconds, p.delay_seconds),
            receive_wait_time_seconds: int(A::ReceiveMessageWaitTimeSeconds, p.receive_wait_time_seconds),
            sqs_managed_sse: a.get(&A::SqsManagedSseEnabled).map(|v| v == "true").unwrap_or(p.sqs_managed_sse),
            kms_key_id: a.get(&A::KmsMasterKeyId).filter(|k| !k.is_empty()).cloned(),
            content_based_deduplication: a.get(&A::ContentBasedDeduplication).is_some_and(|v| v == "true"),
            deduplication_scope: a.get(&A::DeduplicationScope).filter(|_| p.deduplication_scope.is_some()).cloned(),
            redrive,
            tags: tags::live(live_tags),
        };
        let arn = a.get(&A::QueueArn).cloned().unwrap_or_default();
        Ok(Some(Observed { props, attrs: QueueAttrs { url: id.to_string(), arn, name } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &QueueProps, new: &QueueProps) -> Result<Option<QueueAttrs>, ResourceError> {
        let sqs = cx.aws.sqs();
        let before = attributes(old);
        let changed: HashMap<A, String> = attributes(new).into_iter().filter(|(k, v)| before.get(k) != Some(v)).collect();
        if !changed.is_empty() {
            sqs.set_queue_attributes().queue_url(id).set_attributes(Some(changed)).send().await.api("SetQueueAttributes")?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            sqs.tag_queue().queue_url(id).set_tags(Some(set.into_iter().collect())).send().await.api("TagQueue")?;
        }
        if !remove.is_empty() {
            sqs.untag_queue().queue_url(id).set_tag_keys(Some(remove)).send().await.api("UntagQueue")?;
        }
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.sqs().list_queues().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListQueues")?.queue_urls().iter().cloned());
        }
        Ok(out)
    }

    /// SQS's approximate counts: waiting, being processed (in flight) and delayed.
    async fn contents(&self, cx: &Ctx<'_>, id: &str, _p: &QueueProps) -> Result<Option<Contents>, ResourceError> {
        let out = cx
            .aws
            .sqs()
            .get_queue_attributes()
            .queue_url(id)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .attribute_names(A::ApproximateNumberOfMessagesDelayed)
            .send()
            .await
            .found("GetQueueAttributes", |e| e.is_queue_does_not_exist())?;
        let Some(a) = out.map(|o| o.attributes.unwrap_or_default()) else { return Ok(None) };
        let n = |k: A| a.get(&k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let mut held = format!("about {}", contents::count(n(A::ApproximateNumberOfMessages), "message"));
        let (in_flight, delayed) = (n(A::ApproximateNumberOfMessagesNotVisible), n(A::ApproximateNumberOfMessagesDelayed));
        if in_flight > 0 {
            held.push_str(&format!(", {in_flight} in flight"));
        }
        if delayed > 0 {
            held.push_str(&format!(", {delayed} delayed"));
        }
        Ok(Some(Contents { held, kept: None }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &QueueProps) -> Result<(), ResourceError> {
        cx.aws.sqs().delete_queue().queue_url(id).send().await.found("DeleteQueue", |e| e.is_queue_does_not_exist())?;
        Ok(())
    }
}
