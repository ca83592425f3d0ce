//! `ec2.nat_gateway`: a NAT gateway in a public subnet (with an Elastic IP) that gives
//! private subnets a way out; private NAT without one. Its settings cannot change: any
//! change is a replace.

use async_trait::async_trait;
use aws_sdk_ec2::types::{ConnectivityType, NatGateway as Nat, NatGatewayState, ResourceType};

use super::{filter, live_tags, owner_filters, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Resource, ResourceError};

props! {
    pub struct NatGatewayProps {
        /// The public subnet it lives in.
        subnet_id: String => required, replace;
        /// The Elastic IP's allocation id (public connectivity).
        allocation_id: Option<String> => optional, replace;
        connectivity_type: String => default("public"), replace, check(Check::OneOf(&["public", "private"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct NatGatewayAttrs {
        arn: String,
        public_ip: Option<String>,
        private_ip: String,
    }
}

pub struct NatGateway;

const NOT_FOUND: &[&str] = &["NatGatewayNotFound", "InvalidNatGatewayID.NotFound"];

async fn attrs(cx: &Ctx<'_>, n: &Nat) -> Result<NatGatewayAttrs, ResourceError> {
    let address = n.nat_gateway_addresses().first();
    Ok(NatGatewayAttrs {
        arn: cx.arn("ec2", true, &format!("natgateway/{}", n.nat_gateway_id().unwrap_or_default())).await?,
        public_ip: address.and_then(|a| a.public_ip()).map(str::to_string),
        private_ip: address.and_then(|a| a.private_ip()).unwrap_or_default().to_string(),
    })
}

impl NatGateway {
    async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<Nat>, ResourceError> {
        let out = cx.aws.ec2().describe_nat_gateways().nat_gateway_ids(id).send().await.found_code("DescribeNatGateways", NOT_FOUND)?;
        Ok(out.and_then(|o| o.nat_gateways.and_then(|mut v| v.pop())).filter(|n| !matches!(n.state(), Some(NatGatewayState::Deleted))))
    }
}

#[async_trait]
impl Resource for NatGateway {
    type Props = NatGatewayProps;
    type Attrs = NatGatewayAttrs;
    const TYPE: &'static str = "ec2.nat_gateway";
    const IDENTITY: Identity = Identity::Assigned;
    // A second address for the replacement: the emulator keeps the first associated after
    // its NAT gateway is deleted (docs/architecture.md, "The emulator"). Notes like this
    // stay out of the manifest, which `infra schema` shows.
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.50.0.0/16"

[resources.public]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.50.1.0/24"

[resources.public_b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.50.2.0/24"

[resources.ip]
type = "ec2.eip"

[resources.ip_b]
type = "ec2.eip"

[resources.example]
type = "ec2.nat_gateway"
subnet_id = "${resources.public.id}"
allocation_id = "${resources.ip.id}"
"#,
        updates: &[],
        replace: Some("subnet_id = \"${resources.public_b.id}\"\nallocation_id = \"${resources.ip_b.id}\""),
        skip: &[(
            crate::Skip::Adopt,
            "moto keeps the address associated after its NAT gateway is deleted, so the crashed run's create cannot be sent again here",
        )],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &NatGatewayProps) -> Result<Option<String>, ResourceError> {
        let mut req = cx.aws.ec2().describe_nat_gateways().filter(filter("state", "pending")).filter(filter("state", "available"));
        for f in owner_filters(&p.tags) {
            req = req.filter(f);
        }
        let out = req.send().await.api("DescribeNatGateways")?;
        Ok(out.nat_gateways().first().and_then(|n| n.nat_gateway_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &NatGatewayProps) -> Result<Created<NatGatewayAttrs>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .create_nat_gateway()
            .subnet_id(&p.subnet_id)
            .set_allocation_id(p.allocation_id.clone())
            .connectivity_type(ConnectivityType::from(p.connectivity_type.as_str()))
            .tag_specifications(tag_spec(ResourceType::Natgateway, &p.tags))
            .send()
            .await
            .api("CreateNatGateway")?;
        let id = out.nat_gateway().and_then(|n| n.nat_gateway_id()).unwrap_or_default().to_string();
        self.settle(cx, &id, p).await?;
        let nat = Self::describe(cx, &id).await?.ok_or_else(|| ResourceError::Invalid(format!("NAT gateway {id} vanished")))?;
        Ok(Created::new(&id, attrs(cx, &nat).await?))
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &NatGatewayProps) -> Result<(), ResourceError> {
        cx.wait_ready(&format!("NAT gateway {id}"), || async {
            Ok(match Self::describe(cx, id).await? {
                None => Poll::Gone,
                Some(n) if n.state() == Some(&NatGatewayState::Available) => Poll::Ready(()),
                Some(n) if n.state() == Some(&NatGatewayState::Failed) => Poll::Failed(n.failure_message().unwrap_or("failed").to_string()),
                Some(_) => Poll::Pending,
            })
        })
        .await
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &NatGatewayProps,
    ) -> Result<Option<Observed<NatGatewayProps, NatGatewayAttrs>>, ResourceError> {
        let Some(n) = Self::describe(cx, id).await? else { return Ok(None) };
        let props = NatGatewayProps {
            subnet_id: n.subnet_id().unwrap_or_default().to_string(),
            allocation_id: n
                .nat_gateway_addresses()
                .first()
                .and_then(|a| a.allocation_id())
                .map(str::to_string)
                .or(p.allocation_id.clone()),
            connectivity_type: n.connectivity_type().map(|c| c.as_str().to_string()).unwrap_or_else(|| p.connectivity_type.clone()),
            tags: live_tags(n.tags()),
        };
        Ok(Some(Observed { props, attrs: attrs(cx, &n).await? }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_nat_gateways().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(
                page.api("DescribeNatGateways")?
                    .nat_gateways()
                    .iter()
                    .filter(|n| !matches!(n.state(), Some(NatGatewayState::Deleted | NatGatewayState::Deleting)))
                    .filter_map(|x| x.nat_gateway_id())
                    .map(str::to_string),
            );
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &NatGatewayProps,
        new: &NatGatewayProps,
    ) -> Result<Option<NatGatewayAttrs>, ResourceError> {
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &NatGatewayProps) -> Result<(), ResourceError> {
        cx.aws.ec2().delete_nat_gateway().nat_gateway_id(id).send().await.found_code("DeleteNatGateway", NOT_FOUND)?;
        // Its Elastic IP and subnet stay busy until it is fully gone.
        cx.wait_gone(&format!("NAT gateway {id}"), || async { Ok(Self::describe(cx, id).await?.is_some()) }).await
    }
}
