//! `logs.log_group`: a CloudWatch Logs group with its retention.

use async_trait::async_trait;

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct LogGroupProps {
        name: String => required, replace;
        /// Days to keep events; absent keeps them forever.
        retention_days: Option<i64> => optional;
        kms_key_id: Option<String> => optional, replace;
    }
}

pub struct LogGroup;

fn outcome(name: &str, arn: &str) -> Outcome {
    Outcome::new(name).with("name", name).with("arn", arn)
}

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
}

#[async_trait]
impl Resource for LogGroup {
    type Props = LogGroupProps;
    const TYPE: &'static str = "logs.log_group";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr("arn")];

    fn natural_id(&self, p: &LogGroupProps) -> Option<String> {
        Some(p.name.clone())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &LogGroupProps) -> Result<Outcome, ResourceError> {
        cx.aws
            .logs()
            .create_log_group()
            .log_group_name(&p.name)
            .set_kms_key_id(p.kms_key_id.clone())
            .set_tags(Some(super::tag_map(cx)))
            .send()
            .await
            .api("CreateLogGroup")?;
        if p.retention_days.is_some() {
            Self::put_retention(cx, &p.name, p.retention_days).await?;
        }
        let id = cx.aws.identity().await?;
        let arn = format!("arn:{}:logs:{}:{}:log-group:{}", id.partition, id.region, id.account_id, p.name);
        Ok(outcome(&p.name, &arn))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &LogGroupProps) -> Result<Option<Observed<LogGroupProps>>, ResourceError> {
        let out = cx.aws.logs().describe_log_groups().log_group_name_prefix(id).send().await.api("DescribeLogGroups")?;
        let Some(group) = out.log_groups().iter().find(|g| g.log_group_name() == Some(id)) else { return Ok(None) };
        let props = LogGroupProps {
            name: id.to_string(),
            retention_days: group.retention_in_days().map(i64::from),
            kms_key_id: group.kms_key_id().map(str::to_string),
        };
        let arn =
            group.log_group_arn().map(str::to_string).unwrap_or_else(|| group.arn().unwrap_or_default().trim_end_matches(":*").to_string());
        Ok(Some(Observed { props, attrs: outcome(id, &arn).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &LogGroupProps, new: &LogGroupProps) -> Result<Outcome, ResourceError> {
        if old.retention_days != new.retention_days {
            Self::put_retention(cx, id, new.retention_days).await?;
        }
        Ok(Outcome::new(id))
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
