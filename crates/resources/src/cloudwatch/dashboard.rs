//! `cloudwatch.dashboard`: a CloudWatch dashboard whose body (widgets) is written as a
//! TOML table and compared as JSON.

use async_trait::async_trait;
use aws_sdk_cloudwatch::operation::get_dashboard::GetDashboardOutput;
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct DashboardProps {
        name: String => required, replace, check(rules::DASHBOARD);
        /// The dashboard body: `{ widgets = [...] }`.
        body: Value => required;
    }
}

attrs! {
    pub struct DashboardAttrs {
        name: String,
        arn: String,
        /// The console page showing it.
        url: String,
    }
}

pub struct Dashboard;

impl Dashboard {
    async fn put(cx: &Ctx<'_>, p: &DashboardProps) -> Result<DashboardAttrs, ResourceError> {
        let out = cx
            .aws
            .cloudwatch()
            .put_dashboard()
            .dashboard_name(&p.name)
            .dashboard_body(p.body.to_string())
            .send()
            .await
            .api("PutDashboard")?;
        let problems: Vec<String> = out.dashboard_validation_messages().iter().filter_map(|m| m.message().map(str::to_string)).collect();
        if !problems.is_empty() {
            return Err(ResourceError::Invalid(format!("dashboard {} rejected: {}", p.name, problems.join("; "))));
        }
        Self::attrs(cx, &p.name).await
    }

    async fn get(cx: &Ctx<'_>, name: &str) -> Result<Option<GetDashboardOutput>, ResourceError> {
        cx.aws
            .cloudwatch()
            .get_dashboard()
            .dashboard_name(name)
            .send()
            .await
            .found("GetDashboard", |e| e.is_dashboard_not_found_error())
            .map_err(ResourceError::from)
    }

    async fn attrs(cx: &Ctx<'_>, name: &str) -> Result<DashboardAttrs, ResourceError> {
        let id = cx.aws.identity().await?;
        let arn = format!("arn:{}:cloudwatch::{}:dashboard/{name}", id.partition, id.account_id);
        let url = format!("https://{0}.console.aws.amazon.com/cloudwatch/home?region={0}#dashboards:name={name}", id.region);
        Ok(DashboardAttrs { name: name.to_string(), arn, url })
    }
}

#[async_trait]
impl Resource for Dashboard {
    type Props = DashboardProps;
    type Attrs = DashboardAttrs;
    const TYPE: &'static str = "cloudwatch.dashboard";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r##"
[resources.example]
type = "cloudwatch.dashboard"
name = "conformance-dashboard"

[resources.example.body]
widgets = [{ type = "text", x = 0, y = 0, width = 12, height = 2, properties = { markdown = "# Conformance" } }]
"##,
        updates: &[
            "body = { widgets = [{ type = \"text\", x = 0, y = 0, width = 24, height = 3, properties = { markdown = \"# Changed\" } }] }",
        ],
        replace: Some("name = \"conformance-dashboard-2\""),
        skip: &[],
    };

    fn early(&self, p: &DashboardProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:cloudwatch::{}:dashboard/{}", at.partition, at.account_id, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &DashboardProps) -> Result<Created<DashboardAttrs>, ResourceError> {
        Ok(Created::new(&p.name, Self::put(cx, p).await?))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &DashboardProps,
    ) -> Result<Option<Observed<DashboardProps, DashboardAttrs>>, ResourceError> {
        let Some(d) = Self::get(cx, id).await? else { return Ok(None) };
        let body = d.dashboard_body().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
        Ok(Some(Observed { props: DashboardProps { name: id.to_string(), body }, attrs: Self::attrs(cx, id).await? }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.cloudwatch().list_dashboards().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListDashboards")?.dashboard_entries().iter().filter_map(|d| d.dashboard_name()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        _id: &str,
        _old: &DashboardProps,
        new: &DashboardProps,
    ) -> Result<Option<DashboardAttrs>, ResourceError> {
        Ok(Some(Self::put(cx, new).await?))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &DashboardProps) -> Result<(), ResourceError> {
        // DeleteDashboards fails as a whole for a missing name; check first so a
        // dashboard removed behind our back counts as deleted.
        if Self::get(cx, id).await?.is_some() {
            cx.aws.cloudwatch().delete_dashboards().dashboard_names(id).send().await.api("DeleteDashboards")?;
        }
        Ok(())
    }
}
