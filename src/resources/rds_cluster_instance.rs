//! `rds.cluster_instance`: one instance of an Aurora cluster (`db.serverless` for
//! Serverless v2).

use async_trait::async_trait;
use aws_sdk_rds::types::{DbInstance, Tag};

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct ClusterInstanceProps {
        identifier: String => required, replace;
        cluster_identifier: String => required, replace;
        instance_class: String => default("db.serverless");
        engine: String => default("aurora-postgresql"), replace;
        performance_insights: bool => default(false);
        publicly_accessible: bool => default(false);
    }
}

pub struct ClusterInstance;

fn outcome(i: &DbInstance) -> Outcome {
    let id = i.db_instance_identifier().unwrap_or_default();
    Outcome::new(id)
        .with("identifier", id)
        .with("arn", i.db_instance_arn().unwrap_or_default())
        .with("endpoint", i.endpoint().and_then(|e| e.address()).unwrap_or_default())
}

impl ClusterInstance {
    async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<DbInstance>, ResourceError> {
        let out = cx
            .aws
            .rds()
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
            .found("DescribeDBInstances", |e| e.is_db_instance_not_found_fault())?;
        Ok(out.and_then(|o| o.db_instances.and_then(|mut v| v.pop())))
    }

    async fn wait_available(cx: &Ctx<'_>, id: &str) -> Result<DbInstance, ResourceError> {
        cx.wait_for("instance to become available", || async {
            match Self::describe(cx, id).await? {
                None => Err(ResourceError::Invalid(format!("instance {id} disappeared while waiting"))),
                Some(i) => Ok((i.db_instance_status() == Some("available")).then_some(i)),
            }
        })
        .await
    }
}

#[async_trait]
impl Resource for ClusterInstance {
    type Props = ClusterInstanceProps;
    const TYPE: &'static str = "rds.cluster_instance";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("identifier"), attr("arn"), attr("endpoint")];

    fn natural_id(&self, p: &ClusterInstanceProps) -> Option<String> {
        Some(p.identifier.clone())
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &ClusterInstanceProps) -> Result<(), ResourceError> {
        Self::wait_available(cx, id).await.map(|_| ())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ClusterInstanceProps) -> Result<Outcome, ResourceError> {
        let tags = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        cx.aws
            .rds()
            .create_db_instance()
            .db_instance_identifier(&p.identifier)
            .db_cluster_identifier(&p.cluster_identifier)
            .db_instance_class(&p.instance_class)
            .engine(&p.engine)
            .enable_performance_insights(p.performance_insights)
            .publicly_accessible(p.publicly_accessible)
            .set_tags(Some(tags))
            .send()
            .await
            .api("CreateDBInstance")?;
        Ok(outcome(&Self::wait_available(cx, &p.identifier).await?))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &ClusterInstanceProps,
    ) -> Result<Option<Observed<ClusterInstanceProps>>, ResourceError> {
        let Some(i) = Self::describe(cx, id).await? else { return Ok(None) };
        if matches!(i.db_instance_status(), Some("deleting")) {
            return Ok(None);
        }
        let props = ClusterInstanceProps {
            identifier: id.to_string(),
            cluster_identifier: i.db_cluster_identifier().unwrap_or(&p.cluster_identifier).to_string(),
            instance_class: i.db_instance_class().unwrap_or(&p.instance_class).to_string(),
            engine: i.engine().unwrap_or(&p.engine).to_string(),
            performance_insights: i.performance_insights_enabled().unwrap_or(false),
            publicly_accessible: i.publicly_accessible().unwrap_or(false),
        };
        Ok(Some(Observed { props, attrs: outcome(&i).attrs }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &ClusterInstanceProps,
        new: &ClusterInstanceProps,
    ) -> Result<Outcome, ResourceError> {
        let mut req = cx.aws.rds().modify_db_instance().db_instance_identifier(id).apply_immediately(true);
        if old.instance_class != new.instance_class {
            req = req.db_instance_class(&new.instance_class);
        }
        if old.performance_insights != new.performance_insights {
            req = req.enable_performance_insights(new.performance_insights);
        }
        if old.publicly_accessible != new.publicly_accessible {
            req = req.publicly_accessible(new.publicly_accessible);
        }
        req.send().await.api("ModifyDBInstance")?;
        Ok(outcome(&Self::wait_available(cx, id).await?))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ClusterInstanceProps) -> Result<(), ResourceError> {
        let deleted = cx
            .aws
            .rds()
            .delete_db_instance()
            .db_instance_identifier(id)
            .skip_final_snapshot(true)
            .send()
            .await
            .found("DeleteDBInstance", |e| e.is_db_instance_not_found_fault())?;
        if deleted.is_some() {
            cx.wait_for("instance to be deleted", || async { Ok(Self::describe(cx, id).await?.is_none().then_some(())) }).await?;
        }
        Ok(())
    }
}
