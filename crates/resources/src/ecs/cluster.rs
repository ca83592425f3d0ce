//! `ecs.cluster`: a cluster for Fargate services, with Container Insights. A deleted
//! cluster lingers as `INACTIVE` for a while; infra treats it as gone.

use async_trait::async_trait;
use aws_sdk_ecs::types::{Cluster as SdkCluster, ClusterField, ClusterSetting, ClusterSettingName};

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::{Chars, Check};
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct ClusterProps {
        name: String => required, replace, check(Check::Name { what: "cluster name", min: 1, max: 255, chars: Chars::AlnumDashUnderscore });
        /// CloudWatch Container Insights: `enabled`, `enhanced` or `disabled`.
        container_insights: String => default("disabled"), check(Check::OneOf(&["enabled", "enhanced", "disabled"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ClusterAttrs {
        name: String,
        arn: String,
    }
}

pub struct Cluster;

async fn describe(cx: &Ctx<'_>, name: &str) -> Result<Option<SdkCluster>, ResourceError> {
    let out = cx
        .aws
        .ecs()
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Settings)
        .include(ClusterField::Tags)
        .send()
        .await
        .api("DescribeClusters")?;
    Ok(out.clusters.and_then(|mut c| c.pop()).filter(|c| c.status() != Some("INACTIVE")))
}

fn insights(value: &str) -> ClusterSetting {
    ClusterSetting::builder().name(ClusterSettingName::ContainerInsights).value(value).build()
}

#[async_trait]
impl Resource for Cluster {
    type Props = ClusterProps;
    type Attrs = ClusterAttrs;
    const TYPE: &'static str = "ecs.cluster";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: "\n[resources.example]\ntype = \"ecs.cluster\"\nname = \"conformance\"\n",
        updates: &["container_insights = \"enabled\""],
        replace: Some("name = \"conformance-2\""),
        skip: &[],
    };

    fn early(&self, p: &ClusterProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:ecs:{}:{}:cluster/{}", at.partition, at.region, at.account_id, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ClusterProps) -> Result<Created<ClusterAttrs>, ResourceError> {
        let out = cx
            .aws
            .ecs()
            .create_cluster()
            .cluster_name(&p.name)
            .settings(insights(&p.container_insights))
            .set_tags(Some(sdk_tags(&p.tags)))
            .send()
            .await
            .api("CreateCluster")?;
        let arn = out.cluster().and_then(|c| c.cluster_arn()).unwrap_or_default().to_string();
        Ok(Created::new(&p.name, ClusterAttrs { name: p.name.clone(), arn }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &ClusterProps) -> Result<Option<Observed<ClusterProps, ClusterAttrs>>, ResourceError> {
        let Some(c) = describe(cx, id).await? else { return Ok(None) };
        let insights = c
            .settings()
            .iter()
            .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
            .and_then(|s| s.value())
            .unwrap_or(&p.container_insights)
            .to_string();
        let props = ClusterProps { name: id.to_string(), container_insights: insights, tags: live_tags(c.tags()) };
        Ok(Some(Observed { props, attrs: ClusterAttrs { name: id.to_string(), arn: c.cluster_arn().unwrap_or_default().to_string() } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ClusterProps, new: &ClusterProps) -> Result<Option<ClusterAttrs>, ResourceError> {
        if old.container_insights != new.container_insights {
            // UpdateCluster, not UpdateClusterSettings: the same effect, and the emulator
            // serves only the former.
            let req = cx.aws.ecs().update_cluster().cluster(id).settings(insights(&new.container_insights));
            req.send().await.api("UpdateCluster")?;
        }
        if old.tags != new.tags {
            let arn = cx.arn("ecs", true, &format!("cluster/{id}")).await?;
            sync_tags(cx, &arn, &old.tags, &new.tags).await?;
        }
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ecs().list_clusters().into_paginator().send();
        while let Some(page) = pages.next().await {
            // ARNs (`...:cluster/NAME`); the id is the name.
            let page = page.api("ListClusters")?;
            out.extend(page.cluster_arns().iter().map(|a| a.rsplit('/').next().unwrap_or(a).to_string()));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ClusterProps) -> Result<(), ResourceError> {
        cx.aws.ecs().delete_cluster().cluster(id).send().await.found("DeleteCluster", |e| e.is_cluster_not_found_exception())?;
        Ok(())
    }
}
