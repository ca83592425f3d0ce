//! `elbv2.load_balancer`: an application load balancer, internet-facing in public
//! subnets (or internal). Subnets and security groups change in place; the name, scheme
//! and type are fixed at create.

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer as SdkLoadBalancer, LoadBalancerSchemeEnum, LoadBalancerTypeEnum};

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::{Chars, Check};
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct LoadBalancerProps {
        name: String => required, replace, check(Check::Name { what: "load balancer name", min: 1, max: 32, chars: Chars::AlnumDash });
        /// `internet-facing` or `internal` (not sent for a Gateway Load Balancer, which has none).
        scheme: String => default("internet-facing"), replace, check(Check::OneOf(&["internet-facing", "internal"]));
        /// `application` (HTTP/HTTPS, path rules), `network` or `gateway` (GENEVE to
        /// appliances; no security groups).
        load_balancer_type: String => default("application"), replace, check(Check::OneOf(&["application", "network", "gateway"]));
        /// At least two, in different zones (public subnets for `internet-facing`).
        subnets: Vec<String> => required;
        security_groups: Vec<String> => default([]);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct LoadBalancerAttrs {
        arn: String,
        name: String,
        /// The address clients use (point a DNS alias at it).
        dns_name: String,
        /// The Route 53 zone of `dns_name`, for alias records.
        zone_id: String,
        /// `app/NAME/ID`, the dimension CloudWatch metrics use.
        arn_suffix: String,
    }
}

pub struct LoadBalancer;

/// A Gateway Load Balancer: CreateLoadBalancer refuses a scheme and security groups for it.
fn gateway(p: &LoadBalancerProps) -> bool {
    p.load_balancer_type == "gateway"
}

fn attrs(lb: &SdkLoadBalancer) -> LoadBalancerAttrs {
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    LoadBalancerAttrs {
        arn_suffix: arn.split_once(":loadbalancer/").map(|(_, s)| s.to_string()).unwrap_or_default(),
        arn,
        name: lb.load_balancer_name().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        zone_id: lb.canonical_hosted_zone_id().unwrap_or_default().to_string(),
    }
}

async fn describe(cx: &Ctx<'_>, arn: Option<&str>, name: Option<&str>) -> Result<Option<SdkLoadBalancer>, ResourceError> {
    let out = cx
        .aws
        .elbv2()
        .describe_load_balancers()
        .set_load_balancer_arns(arn.map(|a| vec![a.to_string()]))
        .set_names(name.map(|n| vec![n.to_string()]))
        .send()
        .await
        .found("DescribeLoadBalancers", |e| e.is_load_balancer_not_found_exception())?;
    Ok(out.and_then(|o| o.load_balancers.and_then(|mut l| l.pop())))
}

#[async_trait]
impl Resource for LoadBalancer {
    type Props = LoadBalancerProps;
    type Attrs = LoadBalancerAttrs;
    const TYPE: &'static str = "elbv2.load_balancer";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.82.0.0/16"

[resources.a]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.82.1.0/24"
availability_zone = "us-east-1a"

[resources.b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.82.2.0/24"
availability_zone = "us-east-1b"

[resources.c]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.82.3.0/24"
availability_zone = "us-east-1c"

[resources.sg]
type = "ec2.security_group"
name = "conformance-alb"
description = "ALB"
vpc_id = "${resources.vpc.id}"

[resources.example]
type = "elbv2.load_balancer"
name = "conformance-alb"
subnets = ["${resources.a.id}", "${resources.b.id}"]
"#,
        updates: &[
            "subnets = [\"${resources.a.id}\", \"${resources.b.id}\", \"${resources.c.id}\"]",
            "security_groups = [\"${resources.sg.id}\"]",
        ],
        replace: Some("scheme = \"internal\""),
        skip: &[],
    };

    fn early(&self, p: &LoadBalancerProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone())]
    }

    fn check(&self, p: &LoadBalancerProps) -> Vec<Problem> {
        if gateway(p) && !p.security_groups.is_empty() {
            return vec![("security_groups".into(), "a Gateway Load Balancer takes no security groups".into())];
        }
        Vec::new()
    }

    fn prepare(&self, p: &mut LoadBalancerProps, _cx: &crate::PrepareCx<'_>) -> Result<(), ResourceError> {
        p.subnets.sort();
        p.security_groups.sort();
        Ok(())
    }

    async fn find(&self, cx: &Ctx<'_>, p: &LoadBalancerProps) -> Result<Option<String>, ResourceError> {
        Ok(describe(cx, None, Some(&p.name)).await?.and_then(|lb| lb.load_balancer_arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &LoadBalancerProps) -> Result<Created<LoadBalancerAttrs>, ResourceError> {
        let out = cx
            .aws
            .elbv2()
            .create_load_balancer()
            .name(&p.name)
            .set_scheme((!gateway(p)).then(|| LoadBalancerSchemeEnum::from(p.scheme.as_str())))
            .r#type(LoadBalancerTypeEnum::from(p.load_balancer_type.as_str()))
            .set_subnets(Some(p.subnets.clone()))
            .set_security_groups((!p.security_groups.is_empty()).then(|| p.security_groups.clone()))
            .set_tags((!p.tags.is_empty()).then(|| sdk_tags(&p.tags)))
            .send()
            .await
            .api("CreateLoadBalancer")?;
        let lb =
            out.load_balancers().first().ok_or_else(|| ResourceError::Invalid("CreateLoadBalancer returned no load balancer".into()))?;
        let a = attrs(lb);
        Ok(Created::new(a.arn.clone(), a))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &LoadBalancerProps,
    ) -> Result<Option<Observed<LoadBalancerProps, LoadBalancerAttrs>>, ResourceError> {
        let Some(lb) = describe(cx, Some(id), None).await? else { return Ok(None) };
        let mut subnets: Vec<String> = lb.availability_zones().iter().filter_map(|z| z.subnet_id()).map(str::to_string).collect();
        let mut security_groups = lb.security_groups().to_vec();
        subnets.sort();
        security_groups.sort();
        let load_balancer_type = lb.r#type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.load_balancer_type.clone());
        let gateway_lb = load_balancer_type == "gateway";
        let props = LoadBalancerProps {
            name: lb.load_balancer_name().unwrap_or(&p.name).to_string(),
            scheme: lb.scheme().filter(|_| !gateway_lb).map(|s| s.as_str().to_string()).unwrap_or_else(|| p.scheme.clone()),
            load_balancer_type,
            subnets,
            security_groups,
            tags: live_tags(cx, id).await?,
        };
        Ok(Some(Observed { props, attrs: attrs(&lb) }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.elbv2().describe_load_balancers().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("DescribeLoadBalancers")?;
            out.extend(page.load_balancers().iter().filter_map(|l| l.load_balancer_arn()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &LoadBalancerProps,
        new: &LoadBalancerProps,
    ) -> Result<Option<LoadBalancerAttrs>, ResourceError> {
        let elb = cx.aws.elbv2();
        if old.subnets != new.subnets {
            elb.set_subnets().load_balancer_arn(id).set_subnets(Some(new.subnets.clone())).send().await.api("SetSubnets")?;
        }
        if old.security_groups != new.security_groups {
            let req = elb.set_security_groups().load_balancer_arn(id).set_security_groups(Some(new.security_groups.clone()));
            req.send().await.api("SetSecurityGroups")?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &LoadBalancerProps) -> Result<(), ResourceError> {
        let req = cx.aws.elbv2().delete_load_balancer().load_balancer_arn(id);
        req.send().await.found("DeleteLoadBalancer", |e| e.is_load_balancer_not_found_exception())?;
        Ok(())
    }
}
