//! `ec2.vpc` (lookup): one existing VPC, by id or by tags; finding none or several is an
//! error that says which.

use async_trait::async_trait;
use std::collections::BTreeMap;

use super::filter;
use crate::aws::SdkResultExt;
use crate::{attrs, props};
use crate::{Ctx, DataSource, ResourceError};

props! {
    pub struct VpcLookupProps {
        id: Option<String> => optional;
        /// Tags the VPC has (all of them).
        tags: BTreeMap<String, String> => default({});
    }
}

attrs! {
    pub struct VpcLookupAttrs {
        /// The VPC's id.
        id: String,
        cidr_block: String,
        arn: String,
    }
}

pub struct VpcLookup;

#[async_trait]
impl DataSource for VpcLookup {
    type Props = VpcLookupProps;
    type Attrs = VpcLookupAttrs;
    const TYPE: &'static str = "ec2.vpc";
    const EXAMPLE: &'static str = "[data.network]\ntype = \"ec2.vpc\"\ntags = { Name = \"partner-dev-vpc\" }\n";

    async fn read(&self, cx: &Ctx<'_>, p: &VpcLookupProps) -> Result<VpcLookupAttrs, ResourceError> {
        let mut req = cx.aws.ec2().describe_vpcs().set_vpc_ids(p.id.clone().map(|i| vec![i]));
        for (k, v) in &p.tags {
            req = req.filters(filter(&format!("tag:{k}"), v));
        }
        let out = req.send().await.api("DescribeVpcs")?;
        let wanted = || match &p.id {
            Some(id) => format!("id {id}"),
            None => format!("tags {}", p.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")),
        };
        match out.vpcs() {
            [vpc] => {
                let id = vpc.vpc_id().unwrap_or_default();
                Ok(VpcLookupAttrs {
                    id: id.to_string(),
                    cidr_block: vpc.cidr_block().unwrap_or_default().to_string(),
                    arn: cx.arn("ec2", true, &format!("vpc/{id}")).await?,
                })
            }
            [] => Err(ResourceError::Invalid(format!("no VPC with {}", wanted()))),
            many => Err(ResourceError::Invalid(format!("{} VPCs have {}: narrow the lookup", many.len(), wanted()))),
        }
    }
}
