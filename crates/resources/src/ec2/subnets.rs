//! `ec2.subnets` (lookup): the subnets of a VPC, sorted by id.

use async_trait::async_trait;
use aws_sdk_ec2::types::Filter;

use crate::aws::SdkResultExt;
use crate::{attrs, props};
use crate::{Ctx, DataSource, ResourceError};

props! {
    pub struct SubnetsProps {
        vpc_id: String => required;
        /// Only the default subnet of each availability zone.
        default_for_az: Option<bool> => optional;
    }
}

attrs! {
    pub struct SubnetsAttrs {
        /// Subnet ids, sorted.
        ids: Vec<String>,
    }
}

pub struct Subnets;

#[async_trait]
impl DataSource for Subnets {
    type Props = SubnetsProps;
    type Attrs = SubnetsAttrs;
    const TYPE: &'static str = "ec2.subnets";
    const EXAMPLE: &'static str = "[data.subnets]\ntype = \"ec2.subnets\"\nvpc_id = \"${data.vpc.id}\"\n";

    async fn read(&self, cx: &Ctx<'_>, p: &SubnetsProps) -> Result<SubnetsAttrs, ResourceError> {
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
        Ok(SubnetsAttrs { ids })
    }
}
