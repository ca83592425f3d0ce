//! `ec2.vpc`: a VPC with its CIDR block and DNS settings. Its default security group
//! and main route table are attributes, for rules and routes that need them.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tenancy, VpcAttributeName};

use super::{filter, live_tags, owner_filters, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct VpcProps {
        cidr_block: String => required, replace, check(Check::Cidr);
        /// The Amazon DNS server answers in the VPC.
        enable_dns_support: bool => default(true);
        /// Instances and interface endpoints get DNS names (private DNS needs this).
        enable_dns_hostnames: bool => default(true);
        /// `default` or `dedicated`.
        instance_tenancy: String => default("default"), replace, check(Check::OneOf(&["default", "dedicated"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct VpcAttrs {
        arn: String,
        cidr_block: String,
        default_security_group_id: String,
        main_route_table_id: String,
    }
}

pub struct Vpc;

pub(super) const NOT_FOUND: &[&str] = &["InvalidVpcID.NotFound", "InvalidVpcID.Malformed"];

impl Vpc {
    async fn set_dns(cx: &Ctx<'_>, id: &str, attribute: VpcAttributeName, on: bool) -> Result<(), ResourceError> {
        let value = AttributeBooleanValue::builder().value(on).build();
        let req = cx.aws.ec2().modify_vpc_attribute().vpc_id(id);
        let req =
            if attribute == VpcAttributeName::EnableDnsSupport { req.enable_dns_support(value) } else { req.enable_dns_hostnames(value) };
        req.send().await.api("ModifyVpcAttribute")?;
        Ok(())
    }

    async fn dns(cx: &Ctx<'_>, id: &str, attribute: VpcAttributeName) -> Result<bool, ResourceError> {
        let out = cx.aws.ec2().describe_vpc_attribute().vpc_id(id).attribute(attribute.clone()).send().await.api("DescribeVpcAttribute")?;
        let v = if attribute == VpcAttributeName::EnableDnsSupport { out.enable_dns_support() } else { out.enable_dns_hostnames() };
        Ok(v.and_then(|v| v.value()).unwrap_or(false))
    }

    async fn attrs(cx: &Ctx<'_>, id: &str, cidr: &str) -> Result<VpcAttrs, ResourceError> {
        let ec2 = cx.aws.ec2();
        let (groups, tables) = tokio::join!(
            ec2.describe_security_groups().filters(filter("vpc-id", id)).filters(filter("group-name", "default")).send(),
            ec2.describe_route_tables().filters(filter("vpc-id", id)).filters(filter("association.main", "true")).send()
        );
        let groups = groups.api("DescribeSecurityGroups")?;
        let tables = tables.api("DescribeRouteTables")?;
        Ok(VpcAttrs {
            arn: cx.arn("ec2", true, &format!("vpc/{id}")).await?,
            cidr_block: cidr.to_string(),
            default_security_group_id: groups.security_groups().first().and_then(|g| g.group_id()).unwrap_or_default().to_string(),
            main_route_table_id: tables.route_tables().first().and_then(|t| t.route_table_id()).unwrap_or_default().to_string(),
        })
    }
}

#[async_trait]
impl Resource for Vpc {
    type Props = VpcProps;
    type Attrs = VpcAttrs;
    const TYPE: &'static str = "ec2.vpc";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "ec2.vpc"
cidr_block = "10.20.0.0/16"
"#,
        updates: &["enable_dns_hostnames = false"],
        replace: Some("cidr_block = \"10.21.0.0/16\""),
        skip: &[],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &VpcProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.ec2().describe_vpcs().set_filters(Some(owner_filters(&p.tags))).send().await.api("DescribeVpcs")?;
        Ok(out.vpcs().first().and_then(|v| v.vpc_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &VpcProps) -> Result<Created<VpcAttrs>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .create_vpc()
            .cidr_block(&p.cidr_block)
            .instance_tenancy(Tenancy::from(p.instance_tenancy.as_str()))
            .tag_specifications(tag_spec(ResourceType::Vpc, &p.tags))
            .send()
            .await
            .api("CreateVpc")?;
        let id = out.vpc().and_then(|v| v.vpc_id()).unwrap_or_default().to_string();
        // A new VPC has DNS support on and hostnames off.
        if !p.enable_dns_support {
            Self::set_dns(cx, &id, VpcAttributeName::EnableDnsSupport, false).await?;
        }
        if p.enable_dns_hostnames {
            Self::set_dns(cx, &id, VpcAttributeName::EnableDnsHostnames, true).await?;
        }
        Ok(Created::new(&id, Self::attrs(cx, &id, &p.cidr_block).await?))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &VpcProps) -> Result<Option<Observed<VpcProps, VpcAttrs>>, ResourceError> {
        let out = cx.aws.ec2().describe_vpcs().vpc_ids(id).send().await.found_code("DescribeVpcs", NOT_FOUND)?;
        let Some(vpc) = out.and_then(|o| o.vpcs.and_then(|mut v| v.pop())) else { return Ok(None) };
        let (support, hostnames) =
            tokio::join!(Self::dns(cx, id, VpcAttributeName::EnableDnsSupport), Self::dns(cx, id, VpcAttributeName::EnableDnsHostnames));
        let cidr = vpc.cidr_block().unwrap_or_default().to_string();
        let props = VpcProps {
            cidr_block: cidr.clone(),
            enable_dns_support: support?,
            enable_dns_hostnames: hostnames?,
            instance_tenancy: vpc.instance_tenancy().map(|t| t.as_str().to_string()).unwrap_or_else(|| "default".into()),
            tags: live_tags(vpc.tags()),
        };
        Ok(Some(Observed { props, attrs: Self::attrs(cx, id, &cidr).await? }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_vpcs().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeVpcs")?.vpcs().iter().filter_map(|x| x.vpc_id()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &VpcProps, new: &VpcProps) -> Result<Option<VpcAttrs>, ResourceError> {
        if old.enable_dns_support != new.enable_dns_support {
            Self::set_dns(cx, id, VpcAttributeName::EnableDnsSupport, new.enable_dns_support).await?;
        }
        if old.enable_dns_hostnames != new.enable_dns_hostnames {
            Self::set_dns(cx, id, VpcAttributeName::EnableDnsHostnames, new.enable_dns_hostnames).await?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &VpcProps) -> Result<(), ResourceError> {
        // Interfaces of just-deleted NAT gateways and endpoints hold the VPC a while.
        cx.retry_eventual("the VPC's network interfaces to be released", Duration::from_secs(600), || async {
            match cx.aws.ec2().delete_vpc().vpc_id(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.code().is_some_and(|c| NOT_FOUND.contains(&c)) => Ok(()),
                Err(e) if e.code() == Some("DependencyViolation") => Err(Attempt::retry("DeleteVpc", e)),
                Err(e) => Err(Attempt::fail("DeleteVpc", e)),
            }
        })
        .await
    }
}
