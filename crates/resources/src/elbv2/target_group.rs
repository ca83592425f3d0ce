//! `elbv2.target_group`: where a load balancer sends requests: Fargate tasks by IP
//! address on one port, with a health check. The health check changes in place; the
//! name, port, protocol, VPC and target type are fixed at create.

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{Matcher, ProtocolEnum, TargetGroup as SdkTargetGroup, TargetTypeEnum};

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::{Chars, Check};
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct TargetGroupProps {
        name: String => required, replace, check(Check::Name { what: "target group name", min: 1, max: 32, chars: Chars::AlnumDash });
        port: i64 => required, replace, check(Check::Range { min: 1, max: 65535 });
        protocol: String => default("HTTP"), replace, check(Check::OneOf(&["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC", "GENEVE"]));
        vpc_id: String => required, replace;
        /// `ip` for Fargate tasks, `instance` for EC2, `lambda`.
        target_type: String => default("ip"), replace, check(Check::OneOf(&["ip", "instance", "lambda", "alb"]));
        health_check_path: String => default("/");
        /// HTTP codes that count as healthy (`200`, `200-299`).
        health_check_matcher: String => default("200");
        health_check_interval_seconds: i64 => default(30), check(Check::Range { min: 5, max: 300 });
        health_check_timeout_seconds: i64 => default(5), check(Check::Range { min: 2, max: 120 });
        healthy_threshold: i64 => default(5), check(Check::Range { min: 2, max: 10 });
        unhealthy_threshold: i64 => default(2), check(Check::Range { min: 2, max: 10 });
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct TargetGroupAttrs {
        arn: String,
        name: String,
        /// `targetgroup/NAME/ID`, the dimension CloudWatch metrics use.
        arn_suffix: String,
    }
}

pub struct TargetGroup;

fn attrs(t: &SdkTargetGroup) -> TargetGroupAttrs {
    let arn = t.target_group_arn().unwrap_or_default().to_string();
    TargetGroupAttrs {
        arn_suffix: arn.rsplit_once(":targetgroup/").map(|(_, s)| format!("targetgroup/{s}")).unwrap_or_default(),
        name: t.target_group_name().unwrap_or_default().to_string(),
        arn,
    }
}

async fn describe(cx: &Ctx<'_>, arn: Option<&str>, name: Option<&str>) -> Result<Option<SdkTargetGroup>, ResourceError> {
    let out = cx
        .aws
        .elbv2()
        .describe_target_groups()
        .set_target_group_arns(arn.map(|a| vec![a.to_string()]))
        .set_names(name.map(|n| vec![n.to_string()]))
        .send()
        .await
        .found("DescribeTargetGroups", |e| e.is_target_group_not_found_exception())?;
    Ok(out.and_then(|o| o.target_groups.and_then(|mut t| t.pop())))
}

#[async_trait]
impl Resource for TargetGroup {
    type Props = TargetGroupProps;
    type Attrs = TargetGroupAttrs;
    const TYPE: &'static str = "elbv2.target_group";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.83.0.0/16"

[resources.example]
type = "elbv2.target_group"
name = "conformance-api"
port = 8000
vpc_id = "${resources.vpc.id}"
health_check_path = "/health"
"#,
        updates: &["health_check_path = \"/ready\"", "health_check_matcher = \"200-299\"", "healthy_threshold = 3"],
        replace: Some("port = 8001"),
        skip: &[],
    };

    fn early(&self, p: &TargetGroupProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone())]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &TargetGroupProps) -> Result<Option<String>, ResourceError> {
        Ok(describe(cx, None, Some(&p.name)).await?.and_then(|t| t.target_group_arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &TargetGroupProps) -> Result<Created<TargetGroupAttrs>, ResourceError> {
        let out = cx
            .aws
            .elbv2()
            .create_target_group()
            .name(&p.name)
            .port(p.port as i32)
            .protocol(ProtocolEnum::from(p.protocol.as_str()))
            .vpc_id(&p.vpc_id)
            .target_type(TargetTypeEnum::from(p.target_type.as_str()))
            .health_check_path(&p.health_check_path)
            .matcher(Matcher::builder().http_code(&p.health_check_matcher).build())
            .health_check_interval_seconds(p.health_check_interval_seconds as i32)
            .health_check_timeout_seconds(p.health_check_timeout_seconds as i32)
            .healthy_threshold_count(p.healthy_threshold as i32)
            .unhealthy_threshold_count(p.unhealthy_threshold as i32)
            .set_tags((!p.tags.is_empty()).then(|| sdk_tags(&p.tags)))
            .send()
            .await
            .api("CreateTargetGroup")?;
        let t = out.target_groups().first().ok_or_else(|| ResourceError::Invalid("CreateTargetGroup returned no target group".into()))?;
        let a = attrs(t);
        Ok(Created::new(a.arn.clone(), a))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &TargetGroupProps,
    ) -> Result<Option<Observed<TargetGroupProps, TargetGroupAttrs>>, ResourceError> {
        let Some(t) = describe(cx, Some(id), None).await? else { return Ok(None) };
        let props = TargetGroupProps {
            name: t.target_group_name().unwrap_or(&p.name).to_string(),
            port: t.port().map(i64::from).unwrap_or(p.port),
            protocol: t.protocol().map(|x| x.as_str().to_string()).unwrap_or_else(|| p.protocol.clone()),
            vpc_id: t.vpc_id().unwrap_or(&p.vpc_id).to_string(),
            target_type: t.target_type().map(|x| x.as_str().to_string()).unwrap_or_else(|| p.target_type.clone()),
            health_check_path: t.health_check_path().unwrap_or(&p.health_check_path).to_string(),
            health_check_matcher: t.matcher().and_then(|m| m.http_code()).unwrap_or(&p.health_check_matcher).to_string(),
            health_check_interval_seconds: t.health_check_interval_seconds().map(i64::from).unwrap_or(p.health_check_interval_seconds),
            health_check_timeout_seconds: t.health_check_timeout_seconds().map(i64::from).unwrap_or(p.health_check_timeout_seconds),
            healthy_threshold: t.healthy_threshold_count().map(i64::from).unwrap_or(p.healthy_threshold),
            unhealthy_threshold: t.unhealthy_threshold_count().map(i64::from).unwrap_or(p.unhealthy_threshold),
            tags: live_tags(cx, id).await?,
        };
        Ok(Some(Observed { props, attrs: attrs(&t) }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.elbv2().describe_target_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("DescribeTargetGroups")?;
            out.extend(page.target_groups().iter().filter_map(|t| t.target_group_arn()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &TargetGroupProps,
        new: &TargetGroupProps,
    ) -> Result<Option<TargetGroupAttrs>, ResourceError> {
        if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            cx.aws
                .elbv2()
                .modify_target_group()
                .target_group_arn(id)
                .health_check_path(&new.health_check_path)
                .matcher(Matcher::builder().http_code(&new.health_check_matcher).build())
                .health_check_interval_seconds(new.health_check_interval_seconds as i32)
                .health_check_timeout_seconds(new.health_check_timeout_seconds as i32)
                .healthy_threshold_count(new.healthy_threshold as i32)
                .unhealthy_threshold_count(new.unhealthy_threshold as i32)
                .send()
                .await
                .api("ModifyTargetGroup")?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &TargetGroupProps) -> Result<(), ResourceError> {
        let req = cx.aws.elbv2().delete_target_group().target_group_arn(id);
        req.send().await.found_code("DeleteTargetGroup", &["TargetGroupNotFound"])?;
        Ok(())
    }
}
