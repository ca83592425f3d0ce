//! `ec2.eip`: an Elastic IP address in the VPC domain (for a NAT gateway); released
//! on delete.

use async_trait::async_trait;
use aws_sdk_ec2::types::{DomainType, ResourceType};

use super::{live_tags, owner_filters, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct EipProps {
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct EipAttrs {
        /// The allocation id, also the physical id.
        allocation_id: String,
        public_ip: String,
        arn: String,
    }
}

pub struct Eip;

const NOT_FOUND: &[&str] = &["InvalidAllocationID.NotFound", "InvalidAllocationID.Malformed"];

#[async_trait]
impl Resource for Eip {
    type Props = EipProps;
    type Attrs = EipAttrs;
    const TYPE: &'static str = "ec2.eip";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "ec2.eip"
"#,
        updates: &[],
        replace: None,
        skip: &[(crate::Skip::Replace, "an address has no settings; a new one is a new resource")],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &EipProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.ec2().describe_addresses().set_filters(Some(owner_filters(&p.tags))).send().await.api("DescribeAddresses")?;
        Ok(out.addresses().first().and_then(|a| a.allocation_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &EipProps) -> Result<Created<EipAttrs>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .allocate_address()
            .domain(DomainType::Vpc)
            .tag_specifications(tag_spec(ResourceType::ElasticIp, &p.tags))
            .send()
            .await
            .api("AllocateAddress")?;
        let id = out.allocation_id().unwrap_or_default().to_string();
        let attrs = EipAttrs {
            allocation_id: id.clone(),
            public_ip: out.public_ip().unwrap_or_default().to_string(),
            arn: cx.arn("ec2", true, &format!("elastic-ip/{id}")).await?,
        };
        Ok(Created::new(&id, attrs))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &EipProps) -> Result<Option<Observed<EipProps, EipAttrs>>, ResourceError> {
        let out = cx.aws.ec2().describe_addresses().allocation_ids(id).send().await.found_code("DescribeAddresses", NOT_FOUND)?;
        let Some(a) = out.and_then(|o| o.addresses.and_then(|mut v| v.pop())) else { return Ok(None) };
        let attrs = EipAttrs {
            allocation_id: id.to_string(),
            public_ip: a.public_ip().unwrap_or_default().to_string(),
            arn: cx.arn("ec2", true, &format!("elastic-ip/{id}")).await?,
        };
        Ok(Some(Observed { props: EipProps { tags: live_tags(a.tags()) }, attrs }))
    }

    /// Addresses are not paginated.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let out = cx.aws.ec2().describe_addresses().send().await.api("DescribeAddresses")?;
        Ok(out.addresses().iter().filter_map(|a| a.allocation_id()).map(str::to_string).collect())
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &EipProps, new: &EipProps) -> Result<Option<EipAttrs>, ResourceError> {
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &EipProps) -> Result<(), ResourceError> {
        cx.aws.ec2().release_address().allocation_id(id).send().await.found_code("ReleaseAddress", NOT_FOUND)?;
        Ok(())
    }
}
