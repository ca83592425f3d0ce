//! `sns.topic_policy`: a topic's access policy (who may publish or subscribe: S3,
//! EventBridge, CloudWatch alarms, another account). A topic always has one; AWS's
//! default is what is left when infra's is deleted. The document changes in place.

use async_trait::async_trait;
use serde_json::{json, Value};

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::Check;
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError, Skip};

props! {
    pub struct TopicPolicyProps {
        /// The topic's ARN (`${resources.topic.arn}`).
        topic_arn: String => required, replace, check(Check::Arn);
        /// The policy document, as a TOML table.
        policy: Value => required;
    }
}

pub struct TopicPolicy;

/// The `Id` AWS gives the policy every topic starts with.
const DEFAULT_ID: &str = "__default_policy_ID";

/// The policy SNS gives a new topic: its owner may do everything.
fn default_policy(topic_arn: &str) -> Value {
    let account = topic_arn.split(':').nth(4).unwrap_or_default();
    json!({
        "Version": "2008-10-17",
        "Id": DEFAULT_ID,
        "Statement": [{
            "Sid": "__default_statement_ID",
            "Effect": "Allow",
            "Principal": { "AWS": "*" },
            "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
                       "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
            "Resource": topic_arn,
            "Condition": { "StringEquals": { "AWS:SourceOwner": account } }
        }]
    })
}

async fn set(cx: &Ctx<'_>, arn: &str, policy: &Value) -> Result<(), ResourceError> {
    let req = cx.aws.sns().set_topic_attributes().topic_arn(arn).attribute_name("Policy").attribute_value(policy.to_string());
    req.send().await.api("SetTopicAttributes")?;
    Ok(())
}

/// The topic's own policy: `None` when the topic is gone or has AWS's default.
async fn policy(cx: &Ctx<'_>, arn: &str) -> Result<Option<Value>, ResourceError> {
    let out =
        cx.aws.sns().get_topic_attributes().topic_arn(arn).send().await.found("GetTopicAttributes", |e| e.is_not_found_exception())?;
    let raw = out.and_then(|o| o.attributes).and_then(|mut a| a.remove("Policy")).filter(|p| !p.is_empty());
    let doc = raw.map(|p| serde_json::from_str(&p).unwrap_or(Value::String(p)));
    Ok(doc.filter(|d| d.get("Id").and_then(Value::as_str) != Some(DEFAULT_ID)))
}

#[async_trait]
impl Resource for TopicPolicy {
    type Props = TopicPolicyProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "sns.topic_policy";
    const IDENTITY: Identity = Identity::Named("topic_arn");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.topic]
type = "sns.topic"
name = "conformance-policy-topic"

[resources.example]
type = "sns.topic_policy"
topic_arn = "${resources.topic.arn}"

[resources.example.policy]
Version = "2012-10-17"
Statement = [{ Sid = "FromEvents", Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = "sns:Publish", Resource = "${resources.topic.arn}" }]
"#,
        updates: &[
            "policy = { Version = \"2012-10-17\", Statement = [{ Sid = \"FromAlarms\", Effect = \"Allow\", Principal = { Service = \"cloudwatch.amazonaws.com\" }, Action = \"sns:Publish\", Resource = \"${resources.topic.arn}\" }] }",
        ],
        replace: None,
        skip: &[(Skip::Replace, "its only identifying property is the topic, which the example's topic resource owns")],
    };

    async fn create(&self, cx: &Ctx<'_>, p: &TopicPolicyProps) -> Result<Created<IdOnly>, ResourceError> {
        set(cx, &p.topic_arn, &p.policy).await?;
        Ok(Created::new(&p.topic_arn, IdOnly {}))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &TopicPolicyProps,
    ) -> Result<Option<Observed<TopicPolicyProps, IdOnly>>, ResourceError> {
        let Some(policy) = policy(cx, id).await? else { return Ok(None) };
        Ok(Some(Observed { props: TopicPolicyProps { topic_arn: id.to_string(), policy }, attrs: IdOnly {} }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &TopicPolicyProps,
        new: &TopicPolicyProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        set(cx, id, &new.policy).await?;
        Ok(None)
    }

    /// Back to AWS's default; a topic already gone took its policy with it.
    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &TopicPolicyProps) -> Result<(), ResourceError> {
        let req =
            cx.aws.sns().set_topic_attributes().topic_arn(id).attribute_name("Policy").attribute_value(default_policy(id).to_string());
        req.send().await.found("SetTopicAttributes", |e| e.is_not_found_exception())?;
        Ok(())
    }

    /// Every topic whose policy is not AWS's default.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut arns = Vec::new();
        let mut pages = cx.aws.sns().list_topics().into_paginator().send();
        while let Some(page) = pages.next().await {
            arns.extend(page.api("ListTopics")?.topics().iter().filter_map(|t| t.topic_arn().map(str::to_string)));
        }
        let mut out = Vec::new();
        for arn in arns {
            if policy(cx, &arn).await?.is_some() {
                out.push(arn);
            }
        }
        Ok(out)
    }
}
