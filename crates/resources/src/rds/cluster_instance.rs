//! `rds.cluster_instance`: one instance of an Aurora cluster (`db.serverless` for
//! Serverless v2).

use async_trait::async_trait;
use aws_sdk_rds::types::DbInstance;

use super::{create_instance, delete_instance, describe_instance, live_tags, sdk_tags, sync_tags, wait_instance, wait_instance_gone};
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct ClusterInstanceProps {
        identifier: String => required, replace, check(rules::RDS_IDENTIFIER);
        /// The cluster it joins.
        cluster_identifier: String => required, replace, check(rules::RDS_IDENTIFIER);
        /// `db.serverless` for Serverless v2, else e.g. `db.r6g.large`.
        instance_class: String => default("db.serverless"), check(Check::MaxLen(64));
        engine: String => default("aurora-postgresql"), replace, check(Check::OneOf(&["aurora-postgresql", "aurora-mysql"]));
        performance_insights: bool => default(false);
        publicly_accessible: bool => default(false);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ClusterInstanceAttrs {
        identifier: String,
        arn: String,
        /// The instance's host name.
        endpoint: String,
    }
}

pub struct ClusterInstance;

fn attrs(i: &DbInstance) -> ClusterInstanceAttrs {
    ClusterInstanceAttrs {
        identifier: i.db_instance_identifier().unwrap_or_default().to_string(),
        arn: i.db_instance_arn().unwrap_or_default().to_string(),
        endpoint: i.endpoint().and_then(|e| e.address()).unwrap_or_default().to_string(),
    }
}

#[async_trait]
impl Resource for ClusterInstance {
    type Props = ClusterInstanceProps;
    type Attrs = ClusterInstanceAttrs;
    const TYPE: &'static str = "rds.cluster_instance";
    const IDENTITY: Identity = Identity::Named("identifier");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.credentials]
type = "secretsmanager.secret"
name = "conformance-instance-credentials"
recovery_window_days = 0
generate = { username = "dbadmin" }

[resources.cluster]
type = "rds.cluster"
identifier = "conformance-instance-cluster"
master_username = "dbadmin"
master_password_secret = "${resources.credentials.arn}"
master_password_version = "${resources.credentials.version_id}"
serverless_v2 = { min_capacity = 0.5, max_capacity = 1.0 }
skip_final_snapshot = true

[resources.example]
type = "rds.cluster_instance"
identifier = "conformance-instance-1"
cluster_identifier = "${resources.cluster.identifier}"
instance_class = "db.serverless"
"#,
        updates: &["publicly_accessible = true", "instance_class = \"db.r6g.large\""],
        replace: Some("identifier = \"conformance-instance-2\""),
        skip: &[],
    };

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &ClusterInstanceProps) -> Result<(), ResourceError> {
        wait_instance(cx, id).await.map(|_| ())
    }

    fn early(&self, p: &ClusterInstanceProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:rds:{}:{}:db:{}", at.partition, at.region, at.account_id, p.identifier);
        vec![("id", p.identifier.clone()), ("identifier", p.identifier.clone()), ("arn", arn)]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ClusterInstanceProps) -> Result<Created<ClusterInstanceAttrs>, ResourceError> {
        let req = cx
            .aws
            .rds()
            .create_db_instance()
            .db_instance_identifier(&p.identifier)
            .db_cluster_identifier(&p.cluster_identifier)
            .db_instance_class(&p.instance_class)
            .engine(&p.engine)
            .enable_performance_insights(p.performance_insights)
            .publicly_accessible(p.publicly_accessible)
            .set_tags(Some(sdk_tags(&p.tags)));
        create_instance(cx, &p.identifier, req).await?;
        Ok(Created::new(&p.identifier, attrs(&wait_instance(cx, &p.identifier).await?)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &ClusterInstanceProps,
    ) -> Result<Option<Observed<ClusterInstanceProps, ClusterInstanceAttrs>>, ResourceError> {
        let Some(i) = describe_instance(cx, id).await? else { return Ok(None) };
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
            tags: live_tags(i.tag_list()),
        };
        Ok(Some(Observed { props, attrs: attrs(&i) }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &ClusterInstanceProps,
        new: &ClusterInstanceProps,
    ) -> Result<Option<ClusterInstanceAttrs>, ResourceError> {
        if old.tags != new.tags {
            let arn = describe_instance(cx, id).await?.and_then(|i| i.db_instance_arn).unwrap_or_default();
            sync_tags(cx, &arn, &old.tags, &new.tags).await?;
        }
        if (ClusterInstanceProps { tags: new.tags.clone(), ..old.clone() }) == *new {
            return Ok(None);
        }
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
        Ok(Some(attrs(&wait_instance(cx, id).await?)))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.rds().describe_db_instances().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("DescribeDBInstances")?;
            // Instances outside a cluster are `rds.instance`.
            let members =
                page.db_instances().iter().filter(|i| i.db_cluster_identifier().is_some() && i.db_instance_status() != Some("deleting"));
            out.extend(members.filter_map(|i| i.db_instance_identifier()).map(str::to_string));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ClusterInstanceProps) -> Result<(), ResourceError> {
        let req = cx.aws.rds().delete_db_instance().db_instance_identifier(id).skip_final_snapshot(true);
        if delete_instance(cx, id, req).await? {
            wait_instance_gone(cx, id).await?;
        }
        Ok(())
    }
}
