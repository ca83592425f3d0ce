//! `ec2.subnet`: a subnet of a VPC in one availability zone, with whether instances
//! launched in it get a public IP.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType};

use super::vpc::Vpc;
use super::{live_tags, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::schema::check::cidr_within;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Peers, Problem, Resource, ResourceError};

props! {
    pub struct SubnetProps {
        vpc_id: String => required, replace;
        cidr_block: String => required, replace, check(Check::Cidr);
        /// AWS picks one when unset.
        availability_zone: Option<String> => optional, replace;
        /// Public subnets: instances get a public IP at launch.
        map_public_ip_on_launch: bool => default(false);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct SubnetAttrs {
        arn: String,
        availability_zone: String,
        cidr_block: String,
    }
}

pub struct Subnet;

const NOT_FOUND: &[&str] = &["InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed"];

#[async_trait]
impl Resource for Subnet {
    type Props = SubnetProps;
    type Attrs = SubnetAttrs;
    const TYPE: &'static str = "ec2.subnet";
    const IDENTITY: Identity = Identity::Unique(&["vpc_id", "cidr_block"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.30.0.0/16"

[resources.example]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.30.1.0/24"
availability_zone = "${aws.region}a"
"#,
        updates: &["map_public_ip_on_launch = true"],
        replace: Some("cidr_block = \"10.30.2.0/24\""),
        skip: &[],
    };

    const CHECK_READS: &'static [&'static str] = &["cidr_block"];

    /// AWS refuses a subnet outside its VPC's range, and only at create time, when the
    /// VPC already exists; the VPC's block is known before anything runs when it is one
    /// of the project's.
    fn check_peers(&self, p: &SubnetProps, peers: &dyn Peers) -> Vec<Problem> {
        let Some(vpc) = peers.at("vpc_id").filter(|v| v.is::<Vpc>("id")) else { return Vec::new() };
        let Some(range) = vpc.known::<String>("cidr_block") else { return Vec::new() };
        match cidr_within(&p.cidr_block, &range) {
            Some(false) => vec![(
                "cidr_block".into(),
                format!("subnet CIDR block `{}` is outside `{range}`, the CIDR block of its VPC {vpc}", p.cidr_block),
            )],
            _ => Vec::new(),
        }
    }

    /// A CIDR block is used once per VPC: that subnet is the one.
    async fn find(&self, cx: &Ctx<'_>, p: &SubnetProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_subnets()
            .filters(super::filter("vpc-id", &p.vpc_id))
            .filters(super::filter("cidr-block", &p.cidr_block))
            .send()
            .await
            .api("DescribeSubnets")?;
        Ok(out.subnets().first().and_then(|s| s.subnet_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SubnetProps) -> Result<Created<SubnetAttrs>, ResourceError> {
        let ec2 = cx.aws.ec2();
        let out = ec2
            .create_subnet()
            .vpc_id(&p.vpc_id)
            .cidr_block(&p.cidr_block)
            .set_availability_zone(p.availability_zone.clone())
            .tag_specifications(tag_spec(ResourceType::Subnet, &p.tags))
            .send()
            .await
            .api("CreateSubnet")?;
        let s = out.subnet().ok_or_else(|| ResourceError::Invalid("CreateSubnet returned no subnet".into()))?;
        let id = s.subnet_id().unwrap_or_default().to_string();
        if p.map_public_ip_on_launch {
            let on = AttributeBooleanValue::builder().value(true).build();
            ec2.modify_subnet_attribute().subnet_id(&id).map_public_ip_on_launch(on).send().await.api("ModifySubnetAttribute")?;
        }
        let attrs = SubnetAttrs {
            arn: s.subnet_arn().unwrap_or_default().to_string(),
            availability_zone: s.availability_zone().unwrap_or_default().to_string(),
            cidr_block: p.cidr_block.clone(),
        };
        Ok(Created::new(&id, attrs))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &SubnetProps) -> Result<Option<Observed<SubnetProps, SubnetAttrs>>, ResourceError> {
        let out = cx.aws.ec2().describe_subnets().subnet_ids(id).send().await.found_code("DescribeSubnets", NOT_FOUND)?;
        let Some(s) = out.and_then(|o| o.subnets.and_then(|mut v| v.pop())) else { return Ok(None) };
        let zone = s.availability_zone().unwrap_or_default().to_string();
        let own_vpc = s.vpc_id().unwrap_or_default().to_string();
        let props = SubnetProps {
            vpc_id: own_vpc.clone(),
            cidr_block: s.cidr_block().unwrap_or_default().to_string(),
            // Left to AWS, the zone it chose is not a difference; read with properties
            // that are not this subnet's (from its id alone), the zone is part of what
            // it is.
            availability_zone: (p.availability_zone.is_some() || p.vpc_id != own_vpc).then(|| zone.clone()),
            map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
            tags: live_tags(s.tags()),
        };
        let attrs = SubnetAttrs {
            arn: s.subnet_arn().unwrap_or_default().to_string(),
            availability_zone: zone,
            cidr_block: props.cidr_block.clone(),
        };
        Ok(Some(Observed { props, attrs }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_subnets().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeSubnets")?.subnets().iter().filter_map(|x| x.subnet_id()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &SubnetProps, new: &SubnetProps) -> Result<Option<SubnetAttrs>, ResourceError> {
        if old.map_public_ip_on_launch != new.map_public_ip_on_launch {
            let v = AttributeBooleanValue::builder().value(new.map_public_ip_on_launch).build();
            cx.aws.ec2().modify_subnet_attribute().subnet_id(id).map_public_ip_on_launch(v).send().await.api("ModifySubnetAttribute")?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &SubnetProps) -> Result<(), ResourceError> {
        cx.retry_eventual("the subnet's network interfaces to be released", Duration::from_secs(600), || async {
            match cx.aws.ec2().delete_subnet().subnet_id(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.code().is_some_and(|c| NOT_FOUND.contains(&c)) => Ok(()),
                Err(e) if e.code() == Some("DependencyViolation") => Err(Attempt::retry("DeleteSubnet", e)),
                Err(e) => Err(Attempt::fail("DeleteSubnet", e)),
            }
        })
        .await
    }
}
