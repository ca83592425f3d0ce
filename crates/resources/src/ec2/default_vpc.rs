//! `ec2.default_vpc` (lookup): the region's default VPC.

use async_trait::async_trait;
use aws_sdk_ec2::types::Filter;

use crate::attrs;
use crate::aws::SdkResultExt;
use crate::{Ctx, DataSource, NoProps, ResourceError};

attrs! {
    pub struct DefaultVpcAttrs {
        /// The VPC's id.
        id: String,
        cidr_block: String,
    }
}

pub struct DefaultVpc;

#[async_trait]
impl DataSource for DefaultVpc {
    type Props = NoProps;
    type Attrs = DefaultVpcAttrs;
    const TYPE: &'static str = "ec2.default_vpc";
    const EXAMPLE: &'static str = "[data.vpc]\ntype = \"ec2.default_vpc\"\n";

    async fn read(&self, cx: &Ctx<'_>, _p: &NoProps) -> Result<DefaultVpcAttrs, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_vpcs()
            .filters(Filter::builder().name("is-default").values("true").build())
            .send()
            .await
            .api("DescribeVpcs")?;
        let vpc = out.vpcs().first().ok_or_else(|| ResourceError::Invalid(format!("region {} has no default VPC", cx.aws.region())))?;
        Ok(DefaultVpcAttrs {
            id: vpc.vpc_id().unwrap_or_default().to_string(),
            cidr_block: vpc.cidr_block().unwrap_or_default().to_string(),
        })
    }
}
