//! `logs.log_group`: a CloudWatch Logs group with its retention.

use async_trait::async_trait;

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct LogGroupProps {
        name: String => required, replace, check(rules::LOG_GROUP);
        /// Days to keep events; absent keeps them forever.
        retention_days: Option<i64> => optional, check(rules::LOG_RETENTION);
        /// KMS key ARN encrypting the events. Changing or removing it keeps the group and
        /// its events: new events use the new key (or AWS's own encryption), earlier
        /// ones stay readable while the old key is usable. The key's policy must let
        /// `logs.REGION.amazonaws.com` use it for this log group.
        kms_key_id: Option<String> => optional, check(Check::Arn);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct LogGroupAttrs {
        name: String,
        /// Without the `:*` suffix.
        arn: String,
    }
}

pub struct LogGroup;

impl LogGroup {
    async fn put_retention(cx: &Ctx<'_>, name: &str, days: Option<i64>) -> Result<(), ResourceError> {
        let logs = cx.aws.logs();
        match days {
            Some(days) => {
                logs.put_retention_policy().log_group_name(name).retention_in_days(days as i32).send().await.api("PutRetentionPolicy")?;
            }
            None => {
                logs.delete_retention_policy().log_group_name(name).send().await.api("DeleteRetentionPolicy")?;
            }
        }
        Ok(())
    }

    async fn attrs(cx: &Ctx<'_>, name: &str) -> Result<LogGroupAttrs, ResourceError> {
        Ok(LogGroupAttrs { name: name.to_string(), arn: cx.arn("logs", true, &format!("log-group:{name}")).await? })
    }

    async fn set_kms_key(cx: &Ctx<'_>, name: &str, key: Option<&str>) -> Result<(), ResourceError> {
        let logs = cx.aws.logs();
        match key {
            Some(key) => {
                logs.associate_kms_key().log_group_name(name).kms_key_id(key).send().await.api("AssociateKmsKey")?;
            }
            None => {
                logs.disassociate_kms_key().log_group_name(name).send().await.api("DisassociateKmsKey")?;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Resource for LogGroup {
    type Props = LogGroupProps;
    type Attrs = LogGroupAttrs;
    const TYPE: &'static str = "logs.log_group";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.key]
type = "kms.key"
description = "Log events of /aws/lambda/conformance"
deletion_window_days = 7
policy = { Version = "2012-10-17", Statement = [
  { Sid = "Account", Effect = "Allow", Principal = { AWS = "arn:${aws.partition}:iam::${aws.account_id}:root" }, Action = "kms:*", Resource = "*" },
  { Sid = "Logs", Effect = "Allow", Principal = { Service = "logs.${aws.region}.amazonaws.com" }, Action = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource = "*", Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${aws.partition}:logs:${aws.region}:${aws.account_id}:log-group:/aws/lambda/conformance*" } } },
] }

[resources.example]
type = "logs.log_group"
name = "/aws/lambda/conformance"
retention_days = 7
"#,
        updates: &["retention_days = 30", "kms_key_id = \"${resources.key.arn}\""],
        replace: Some("name = \"/aws/lambda/conformance-2\""),
        skip: &[],
    };

    fn early(&self, p: &LogGroupProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:logs:{}:{}:log-group:{}", at.partition, at.region, at.account_id, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    /// One call, not a whole read (which also lists tags): is the name taken?
    async fn find(&self, cx: &Ctx<'_>, p: &LogGroupProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.logs().describe_log_groups().log_group_name_prefix(&p.name).send().await.api("DescribeLogGroups")?;
        Ok(out.log_groups().iter().any(|g| g.log_group_name() == Some(p.name.as_str())).then(|| p.name.clone()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &LogGroupProps) -> Result<Created<LogGroupAttrs>, ResourceError> {
        cx.aws
            .logs()
            .create_log_group()
            .log_group_name(&p.name)
            .set_kms_key_id(p.kms_key_id.clone())
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateLogGroup")?;
        if p.retention_days.is_some() {
            Self::put_retention(cx, &p.name, p.retention_days).await?;
        }
        Ok(Created::new(&p.name, Self::attrs(cx, &p.name).await?))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &LogGroupProps,
    ) -> Result<Option<Observed<LogGroupProps, LogGroupAttrs>>, ResourceError> {
        let logs = cx.aws.logs();
        let attrs = Self::attrs(cx, id).await?;
        let (groups, tag_list) = tokio::join!(
            logs.describe_log_groups().log_group_name_prefix(id).send(),
            logs.list_tags_for_resource().resource_arn(&attrs.arn).send()
        );
        let groups = groups.api("DescribeLogGroups")?;
        let Some(group) = groups.log_groups().iter().find(|g| g.log_group_name() == Some(id)) else { return Ok(None) };
        let live_tags =
            tag_list.found("ListTagsForResource", |e| e.is_resource_not_found_exception())?.and_then(|o| o.tags).unwrap_or_default();
        let props = LogGroupProps {
            name: id.to_string(),
            retention_days: group.retention_in_days().map(i64::from),
            kms_key_id: group.kms_key_id().map(str::to_string),
            tags: tags::live(live_tags),
        };
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &LogGroupProps,
        new: &LogGroupProps,
    ) -> Result<Option<LogGroupAttrs>, ResourceError> {
        if old.retention_days != new.retention_days {
            Self::put_retention(cx, id, new.retention_days).await?;
        }
        if old.kms_key_id != new.kms_key_id {
            Self::set_kms_key(cx, id, new.kms_key_id.as_deref()).await?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() || !remove.is_empty() {
            let arn = Self::attrs(cx, id).await?.arn;
            let logs = cx.aws.logs();
            if !set.is_empty() {
                logs.tag_resource().resource_arn(&arn).set_tags(Some(set.into_iter().collect())).send().await.api("TagResource")?;
            }
            if !remove.is_empty() {
                logs.untag_resource().resource_arn(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
            }
        }
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        super::group_names(cx).await
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &LogGroupProps) -> Result<(), ResourceError> {
        cx.aws
            .logs()
            .delete_log_group()
            .log_group_name(id)
            .send()
            .await
            .found("DeleteLogGroup", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
