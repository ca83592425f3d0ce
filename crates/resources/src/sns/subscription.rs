//! `sns.subscription`: delivery of a topic's messages to an endpoint (a queue, a
//! function, an e-mail address). Which endpoint is fixed: changing it is a replace.

use async_trait::async_trait;

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct SubscriptionProps {
        topic_arn: String => required, replace, check(Check::Arn);
        protocol: String => required, replace, check(Check::OneOf(&["sqs", "lambda", "email", "email-json", "http", "https", "sms", "firehose"]));
        /// The queue's or function's ARN, the address or the URL.
        endpoint: String => required, replace;
        /// Deliver the message body alone, without SNS's JSON envelope (SQS, HTTP).
        raw_message_delivery: bool => default(false);
    }
}

attrs! {
    pub struct SubscriptionAttrs {
        arn: String,
    }
}

pub struct Subscription;

#[async_trait]
impl Resource for Subscription {
    type Props = SubscriptionProps;
    type Attrs = SubscriptionAttrs;
    const TYPE: &'static str = "sns.subscription";
    const IDENTITY: Identity = Identity::Unique(&["topic_arn", "protocol", "endpoint"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.topic]
type = "sns.topic"
name = "conformance-subscribed"

[resources.queue]
type = "sqs.queue"
name = "conformance-subscriber"

[resources.other]
type = "sqs.queue"
name = "conformance-subscriber-2"

[resources.example]
type = "sns.subscription"
topic_arn = "${resources.topic.arn}"
protocol = "sqs"
endpoint = "${resources.queue.arn}"
"#,
        updates: &["raw_message_delivery = true"],
        replace: Some("endpoint = \"${resources.other.arn}\""),
        skip: &[],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &SubscriptionProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.sns().list_subscriptions_by_topic().topic_arn(&p.topic_arn).send().await;
        let Some(out) = out.found("ListSubscriptionsByTopic", |e| e.is_not_found_exception())? else { return Ok(None) };
        Ok(out
            .subscriptions()
            .iter()
            .find(|s| s.protocol() == Some(p.protocol.as_str()) && s.endpoint() == Some(p.endpoint.as_str()))
            .and_then(|s| s.subscription_arn())
            .map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SubscriptionProps) -> Result<Created<SubscriptionAttrs>, ResourceError> {
        let mut req =
            cx.aws.sns().subscribe().topic_arn(&p.topic_arn).protocol(&p.protocol).endpoint(&p.endpoint).return_subscription_arn(true);
        if p.raw_message_delivery {
            req = req.attributes("RawMessageDelivery", "true");
        }
        let out = req.send().await.api("Subscribe")?;
        let arn = out.subscription_arn().unwrap_or_default().to_string();
        Ok(Created::new(&arn, SubscriptionAttrs { arn: arn.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &SubscriptionProps,
    ) -> Result<Option<Observed<SubscriptionProps, SubscriptionAttrs>>, ResourceError> {
        let out = cx.aws.sns().get_subscription_attributes().subscription_arn(id).send().await;
        let Some(a) = out.found("GetSubscriptionAttributes", |e| e.is_not_found_exception())?.and_then(|o| o.attributes) else {
            return Ok(None);
        };
        let get = |k: &str, d: &str| a.get(k).cloned().unwrap_or_else(|| d.to_string());
        let props = SubscriptionProps {
            topic_arn: get("TopicArn", &p.topic_arn),
            protocol: get("Protocol", &p.protocol),
            endpoint: get("Endpoint", &p.endpoint),
            raw_message_delivery: a.get("RawMessageDelivery").is_some_and(|v| v == "true"),
        };
        Ok(Some(Observed { props, attrs: SubscriptionAttrs { arn: id.to_string() } }))
    }

    /// Subscriptions waiting for confirmation have no ARN yet (`PendingConfirmation`):
    /// there is nothing to read or manage until the endpoint confirms.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.sns().list_subscriptions().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListSubscriptions")?;
            out.extend(
                page.subscriptions().iter().filter_map(|s| s.subscription_arn()).filter(|a| a.starts_with("arn:")).map(str::to_string),
            );
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &SubscriptionProps,
        new: &SubscriptionProps,
    ) -> Result<Option<SubscriptionAttrs>, ResourceError> {
        let req = cx
            .aws
            .sns()
            .set_subscription_attributes()
            .subscription_arn(id)
            .attribute_name("RawMessageDelivery")
            .attribute_value(new.raw_message_delivery.to_string());
        req.send().await.api("SetSubscriptionAttributes")?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &SubscriptionProps) -> Result<(), ResourceError> {
        cx.aws.sns().unsubscribe().subscription_arn(id).send().await.found("Unsubscribe", |e| e.is_not_found_exception())?;
        Ok(())
    }
}
