//! `sqs.queue_policy`: a queue's access policy (who may send to it: an SNS topic, an
//! EventBridge rule, another account). A queue has one; the document changes in place.

use async_trait::async_trait;
use aws_sdk_sqs::types::QueueAttributeName as A;
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::props;
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError, Skip};

props! {
    pub struct QueuePolicyProps {
        /// The queue's URL (`${resources.queue.url}`).
        queue_url: String => required, replace;
        /// The policy document, as a TOML table.
        policy: Value => required;
    }
}

pub struct QueuePolicy;

async fn set(cx: &Ctx<'_>, url: &str, policy: String) -> Result<(), ResourceError> {
    cx.aws.sqs().set_queue_attributes().queue_url(url).attributes(A::Policy, policy).send().await.api("SetQueueAttributes")?;
    Ok(())
}

/// The queue's policy, `None` when the queue is gone or has none.
async fn policy(cx: &Ctx<'_>, url: &str) -> Result<Option<Value>, ResourceError> {
    let out = cx
        .aws
        .sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::Policy)
        .send()
        .await
        .found("GetQueueAttributes", |e| e.is_queue_does_not_exist())?;
    let raw = out.and_then(|o| o.attributes).and_then(|mut a| a.remove(&A::Policy)).filter(|p| !p.is_empty());
    Ok(raw.map(|p| serde_json::from_str(&p).unwrap_or(Value::String(p))))
}

#[async_trait]
impl Resource for QueuePolicy {
    type Props = QueuePolicyProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "sqs.queue_policy";
    const IDENTITY: Identity = Identity::Named("queue_url");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.queue]
type = "sqs.queue"
name = "conformance-policy-queue"

[resources.example]
type = "sqs.queue_policy"
queue_url = "${resources.queue.url}"

[resources.example.policy]
Version = "2012-10-17"
Statement = [{ Sid = "FromTopic", Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "sqs:SendMessage", Resource = "${resources.queue.arn}" }]
"#,
        updates: &[
            "policy = { Version = \"2012-10-17\", Statement = [{ Sid = \"FromRule\", Effect = \"Allow\", Principal = { Service = \"events.amazonaws.com\" }, Action = \"sqs:SendMessage\", Resource = \"${resources.queue.arn}\" }] }",
        ],
        replace: None,
        skip: &[(Skip::Replace, "its only identifying property is the queue, which the example's queue resource owns")],
    };

    async fn create(&self, cx: &Ctx<'_>, p: &QueuePolicyProps) -> Result<Created<IdOnly>, ResourceError> {
        set(cx, &p.queue_url, p.policy.to_string()).await?;
        Ok(Created::new(&p.queue_url, IdOnly {}))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &QueuePolicyProps,
    ) -> Result<Option<Observed<QueuePolicyProps, IdOnly>>, ResourceError> {
        let Some(policy) = policy(cx, id).await? else { return Ok(None) };
        Ok(Some(Observed { props: QueuePolicyProps { queue_url: id.to_string(), policy }, attrs: IdOnly {} }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &QueuePolicyProps,
        new: &QueuePolicyProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        set(cx, id, new.policy.to_string()).await?;
        Ok(None)
    }

    /// An empty policy is none; a queue already gone took its policy with it.
    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &QueuePolicyProps) -> Result<(), ResourceError> {
        let req = cx.aws.sqs().set_queue_attributes().queue_url(id).attributes(A::Policy, "");
        req.send().await.found("SetQueueAttributes", |e| e.is_queue_does_not_exist())?;
        Ok(())
    }

    /// Every queue that has a policy.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut urls = Vec::new();
        let mut pages = cx.aws.sqs().list_queues().into_paginator().send();
        while let Some(page) = pages.next().await {
            urls.extend(page.api("ListQueues")?.queue_urls().iter().cloned());
        }
        let mut out = Vec::new();
        for url in urls {
            if policy(cx, &url).await?.is_some() {
                out.push(url);
            }
        }
        Ok(out)
    }
}
