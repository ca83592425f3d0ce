//! `ec2.internet_gateway`: an internet gateway and its attachment to a VPC; moving it
//! to another VPC detaches and attaches in place.

use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;

use super::{live_tags, owner_filters, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct InternetGatewayProps {
        /// The VPC it is attached to; detached when unset.
        vpc_id: Option<String> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct InternetGatewayAttrs {
        arn: String,
    }
}

pub struct InternetGateway;

const NOT_FOUND: &[&str] = &["InvalidInternetGatewayID.NotFound", "InvalidInternetGatewayId.Malformed"];

impl InternetGateway {
    async fn attach(cx: &Ctx<'_>, id: &str, vpc: &str) -> Result<(), ResourceError> {
        cx.aws.ec2().attach_internet_gateway().internet_gateway_id(id).vpc_id(vpc).send().await.api("AttachInternetGateway")?;
        Ok(())
    }

    async fn detach(cx: &Ctx<'_>, id: &str, vpc: &str) -> Result<(), ResourceError> {
        let req = cx.aws.ec2().detach_internet_gateway().internet_gateway_id(id).vpc_id(vpc);
        req.send().await.found_code("DetachInternetGateway", &["Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"])?;
        Ok(())
    }
}

#[async_trait]
impl Resource for InternetGateway {
    type Props = InternetGatewayProps;
    type Attrs = InternetGatewayAttrs;
    const TYPE: &'static str = "ec2.internet_gateway";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.40.0.0/16"

[resources.other]
type = "ec2.vpc"
cidr_block = "10.41.0.0/16"

[resources.example]
type = "ec2.internet_gateway"
vpc_id = "${resources.vpc.id}"
"#,
        updates: &["vpc_id = \"${resources.other.id}\""],
        replace: None,
        skip: &[(crate::Skip::Replace, "no property forces a new gateway")],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &InternetGatewayProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_internet_gateways()
            .set_filters(Some(owner_filters(&p.tags)))
            .send()
            .await
            .api("DescribeInternetGateways")?;
        Ok(out.internet_gateways().first().and_then(|g| g.internet_gateway_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &InternetGatewayProps) -> Result<Created<InternetGatewayAttrs>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .create_internet_gateway()
            .tag_specifications(tag_spec(ResourceType::InternetGateway, &p.tags))
            .send()
            .await
            .api("CreateInternetGateway")?;
        let id = out.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap_or_default().to_string();
        if let Some(vpc) = &p.vpc_id {
            Self::attach(cx, &id, vpc).await?;
        }
        Ok(Created::new(&id, InternetGatewayAttrs { arn: cx.arn("ec2", true, &format!("internet-gateway/{id}")).await? }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &InternetGatewayProps,
    ) -> Result<Option<Observed<InternetGatewayProps, InternetGatewayAttrs>>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_internet_gateways()
            .internet_gateway_ids(id)
            .send()
            .await
            .found_code("DescribeInternetGateways", NOT_FOUND)?;
        let Some(g) = out.and_then(|o| o.internet_gateways.and_then(|mut v| v.pop())) else { return Ok(None) };
        let vpc_id = g
            .attachments()
            .iter()
            .find(|a| a.state().is_some_and(|s| s.as_str() != "detached"))
            .and_then(|a| a.vpc_id())
            .map(str::to_string);
        let props = InternetGatewayProps { vpc_id, tags: live_tags(g.tags()) };
        Ok(Some(Observed { props, attrs: InternetGatewayAttrs { arn: cx.arn("ec2", true, &format!("internet-gateway/{id}")).await? } }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_internet_gateways().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(
                page.api("DescribeInternetGateways")?
                    .internet_gateways()
                    .iter()
                    .filter_map(|x| x.internet_gateway_id())
                    .map(str::to_string),
            );
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &InternetGatewayProps,
        new: &InternetGatewayProps,
    ) -> Result<Option<InternetGatewayAttrs>, ResourceError> {
        if old.vpc_id != new.vpc_id {
            if let Some(vpc) = &old.vpc_id {
                Self::detach(cx, id, vpc).await?;
            }
            if let Some(vpc) = &new.vpc_id {
                Self::attach(cx, id, vpc).await?;
            }
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &InternetGatewayProps) -> Result<(), ResourceError> {
        // Detach from whatever VPC it is on now, not only the recorded one.
        let live = self.read(cx, id, p).await?;
        if let Some(vpc) = live.as_ref().and_then(|l| l.props.vpc_id.as_deref()) {
            Self::detach(cx, id, vpc).await?;
        }
        cx.aws.ec2().delete_internet_gateway().internet_gateway_id(id).send().await.found_code("DeleteInternetGateway", NOT_FOUND)?;
        Ok(())
    }
}
