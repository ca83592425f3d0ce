//! `sns.topic`: a topic (standard or FIFO) that alarms and applications publish to,
//! optionally encrypted with a KMS key.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_sns::types::Tag;

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct TopicProps {
        /// A FIFO topic's name ends in `.fifo`.
        name: String => required, replace, check(Check::MaxLen(256));
        fifo: bool => default(false), replace;
        display_name: Option<String> => optional, check(Check::MaxLen(100));
        /// Encrypt messages at rest with this KMS key (id, ARN or alias).
        kms_key_id: Option<String> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct TopicAttrs {
        /// The topic ARN, also the physical id.
        arn: String,
        name: String,
    }
}

pub struct Topic;

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Ok(Tag::builder().key(k).value(v).build()?)).collect()
}

#[async_trait]
impl Resource for Topic {
    type Props = TopicProps;
    type Attrs = TopicAttrs;
    const TYPE: &'static str = "sns.topic";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "sns.topic"
name = "conformance-alerts"
"#,
        updates: &["display_name = \"Alerts\"", "kms_key_id = \"alias/aws/sns\""],
        replace: Some("name = \"conformance-alerts-2\""),
        skip: &[],
    };

    fn early(&self, p: &TopicProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone()), ("arn", format!("arn:{}:sns:{}:{}:{}", at.partition, at.region, at.account_id, p.name))]
    }

    fn check(&self, p: &TopicProps) -> Vec<Problem> {
        if p.fifo != p.name.ends_with(".fifo") {
            return vec![("name".into(), format!("a topic's name ends in `.fifo` exactly when `fifo = true` (`{}`)", p.name))];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &TopicProps) -> Result<Option<String>, ResourceError> {
        let arn = cx.arn("sns", true, &p.name).await?;
        Ok(self.read(cx, &arn, p).await?.map(|_| arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &TopicProps) -> Result<Created<TopicAttrs>, ResourceError> {
        let mut attributes = HashMap::new();
        if p.fifo {
            attributes.insert("FifoTopic".to_string(), "true".to_string());
        }
        if let Some(d) = &p.display_name {
            attributes.insert("DisplayName".into(), d.clone());
        }
        if let Some(k) = &p.kms_key_id {
            attributes.insert("KmsMasterKeyId".into(), k.clone());
        }
        let out = cx
            .aws
            .sns()
            .create_topic()
            .name(&p.name)
            .set_attributes(Some(attributes))
            .set_tags(Some(sdk_tags(&p.tags)?))
            .send()
            .await
            .api("CreateTopic")?;
        let arn = out.topic_arn().unwrap_or_default().to_string();
        Ok(Created::new(&arn, TopicAttrs { arn: arn.clone(), name: p.name.clone() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &TopicProps) -> Result<Option<Observed<TopicProps, TopicAttrs>>, ResourceError> {
        let sns = cx.aws.sns();
        let out = sns.get_topic_attributes().topic_arn(id).send().await.found("GetTopicAttributes", |e| e.is_not_found_exception())?;
        let Some(a) = out.and_then(|o| o.attributes) else { return Ok(None) };
        let tag_list = sns.list_tags_for_resource().resource_arn(id).send().await.api("ListTagsForResource")?;
        let name = id.rsplit(':').next().unwrap_or(&p.name).to_string();
        let props = TopicProps {
            name: name.clone(),
            fifo: a.get("FifoTopic").is_some_and(|v| v == "true"),
            display_name: a.get("DisplayName").filter(|d| !d.is_empty()).cloned(),
            kms_key_id: a.get("KmsMasterKeyId").filter(|d| !d.is_empty()).cloned(),
            tags: tags::live(tag_list.tags().iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { props, attrs: TopicAttrs { arn: id.to_string(), name } }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.sns().list_topics().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListTopics")?.topics().iter().filter_map(|t| t.topic_arn()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &TopicProps, new: &TopicProps) -> Result<Option<TopicAttrs>, ResourceError> {
        let sns = cx.aws.sns();
        for (key, (before, after)) in
            [("DisplayName", (&old.display_name, &new.display_name)), ("KmsMasterKeyId", (&old.kms_key_id, &new.kms_key_id))]
        {
            if before != after {
                let req = sns.set_topic_attributes().topic_arn(id).attribute_name(key).attribute_value(after.clone().unwrap_or_default());
                req.send().await.api("SetTopicAttributes")?;
            }
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            sns.tag_resource().resource_arn(id).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            sns.untag_resource().resource_arn(id).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &TopicProps) -> Result<(), ResourceError> {
        cx.aws.sns().delete_topic().topic_arn(id).send().await.found("DeleteTopic", |e| e.is_not_found_exception())?;
        Ok(())
    }
}
