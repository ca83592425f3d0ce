//! Data sources: read-only lookups of things `infra` does not manage (the default VPC,
//! its subnets, the caller's account).

use async_trait::async_trait;
use aws_sdk_ec2::types::Filter;
use serde_json::Value;

use super::{attr, attr_list, Attr, Attrs, Ctx, DataSource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct NoProps {}
}

/// `ec2.default_vpc`: the region's default VPC.
pub struct DefaultVpc;

#[async_trait]
impl DataSource for DefaultVpc {
    type Props = NoProps;
    const TYPE: &'static str = "ec2.default_vpc";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("cidr_block")];

    async fn read(&self, cx: &Ctx<'_>, _p: &NoProps) -> Result<Attrs, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_vpcs()
            .filters(Filter::builder().name("is-default").values("true").build())
            .send()
            .await
            .api("DescribeVpcs")?;
        let vpc = out.vpcs().first().ok_or_else(|| ResourceError::Invalid(format!("region {} has no default VPC", cx.aws.region())))?;
        let mut attrs = Attrs::new();
        attrs.insert("id".into(), vpc.vpc_id().unwrap_or_default().into());
        attrs.insert("cidr_block".into(), vpc.cidr_block().unwrap_or_default().into());
        Ok(attrs)
    }
}

props! {
    pub struct SubnetsProps {
        vpc_id: String => required;
        /// Only the default subnet of each availability zone.
        default_for_az: Option<bool> => optional;
    }
}

/// `ec2.subnets`: the subnets of a VPC, sorted by id.
pub struct Subnets;

#[async_trait]
impl DataSource for Subnets {
    type Props = SubnetsProps;
    const TYPE: &'static str = "ec2.subnets";
    const ATTRIBUTES: &'static [Attr] = &[attr_list("ids")];

    async fn read(&self, cx: &Ctx<'_>, p: &SubnetsProps) -> Result<Attrs, ResourceError> {
        let mut req = cx.aws.ec2().describe_subnets().filters(Filter::builder().name("vpc-id").values(&p.vpc_id).build());
        if let Some(d) = p.default_for_az {
            req = req.filters(Filter::builder().name("default-for-az").values(d.to_string()).build());
        }
        let mut ids = Vec::new();
        let mut pages = req.into_paginator().send();
        while let Some(page) = pages.next().await {
            ids.extend(page.api("DescribeSubnets")?.subnets().iter().filter_map(|s| s.subnet_id().map(str::to_string)));
        }
        ids.sort();
        let mut attrs = Attrs::new();
        attrs.insert("ids".into(), Value::from(ids));
        Ok(attrs)
    }
}

/// `aws.caller_identity`: the account and identity the run uses.
pub struct CallerIdentity;

#[async_trait]
impl DataSource for CallerIdentity {
    type Props = NoProps;
    const TYPE: &'static str = "aws.caller_identity";
    const ATTRIBUTES: &'static [Attr] = &[attr("account_id"), attr("arn"), attr("region")];

    async fn read(&self, cx: &Ctx<'_>, _p: &NoProps) -> Result<Attrs, ResourceError> {
        let id = cx.aws.identity().await?;
        let mut attrs = Attrs::new();
        attrs.insert("account_id".into(), id.account_id.clone().into());
        attrs.insert("arn".into(), id.arn.clone().into());
        attrs.insert("region".into(), id.region.clone().into());
        Ok(attrs)
    }
}
