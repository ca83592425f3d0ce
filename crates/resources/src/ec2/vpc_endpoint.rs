//! `ec2.vpc_endpoint`: private access to an AWS service. `Gateway` endpoints (S3,
//! DynamoDB) add routes to route tables; `Interface` endpoints (`bedrock-runtime`,
//! `secretsmanager`, ...) put network interfaces in subnets behind security groups,
//! with private DNS so the service's usual name resolves to them.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, VpcEndpoint as Live, VpcEndpointType};
use serde_json::Value;

use super::{live_tags, owner_filters, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, PrepareCx, Problem, Resource, ResourceError};

props! {
    pub struct VpcEndpointProps {
        vpc_id: String => required, replace;
        /// `com.amazonaws.REGION.SERVICE`, e.g. `com.amazonaws.${aws.region}.s3`.
        service_name: String => required, replace;
        /// `Gateway`, `Interface` or `GatewayLoadBalancer` (to a Gateway Load Balancer's
        /// endpoint service, in one subnet).
        vpc_endpoint_type: String => default("Gateway"), replace, check(Check::OneOf(&["Gateway", "Interface", "GatewayLoadBalancer"]));
        /// Gateway: the route tables that get a route to the service.
        route_table_ids: Vec<String> => default([]);
        /// Interface (and GatewayLoadBalancer): one network interface per subnet.
        subnet_ids: Vec<String> => default([]);
        /// Interface: who may reach the interfaces.
        security_group_ids: Vec<String> => default([]);
        /// Interface: the service's public name resolves to the endpoint inside the VPC.
        private_dns_enabled: bool => default(false);
        /// Endpoint policy; full access when unset.
        policy: Option<Value> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct VpcEndpointAttrs {
        arn: String,
        /// Interface: the endpoint's own DNS name.
        dns_name: Option<String>,
    }
}

pub struct VpcEndpoint;

const NOT_FOUND: &[&str] = &["InvalidVpcEndpointId.NotFound", "InvalidVpcEndpointId.Malformed"];

/// The endpoint's state in lower case: AWS sends `available` where the SDK's enum
/// spells `Available`, so the enum's variants do not match what arrives.
fn state(e: &Live) -> String {
    e.state().map(|s| s.as_str().to_ascii_lowercase()).unwrap_or_default()
}

fn gone(e: &Live) -> bool {
    matches!(state(e).as_str(), "deleted" | "deleting")
}

fn sorted(v: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> = v.iter().collect();
    set.into_iter().cloned().collect()
}

/// What to add and what to remove to go from `old` to `new`.
fn delta(old: &[String], new: &[String]) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let add: Vec<String> = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let remove: Vec<String> = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    ((!add.is_empty()).then_some(add), (!remove.is_empty()).then_some(remove))
}

impl VpcEndpoint {
    async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<Live>, ResourceError> {
        let out = cx.aws.ec2().describe_vpc_endpoints().vpc_endpoint_ids(id).send().await.found_code("DescribeVpcEndpoints", NOT_FOUND)?;
        Ok(out.and_then(|o| o.vpc_endpoints.and_then(|mut v| v.pop())).filter(|e| !gone(e)))
    }

    async fn attrs(cx: &Ctx<'_>, e: &Live) -> Result<VpcEndpointAttrs, ResourceError> {
        Ok(VpcEndpointAttrs {
            arn: cx.arn("ec2", true, &format!("vpc-endpoint/{}", e.vpc_endpoint_id().unwrap_or_default())).await?,
            dns_name: e.dns_entries().first().and_then(|d| d.dns_name()).map(str::to_string),
        })
    }
}

#[async_trait]
impl Resource for VpcEndpoint {
    type Props = VpcEndpointProps;
    type Attrs = VpcEndpointAttrs;
    const TYPE: &'static str = "ec2.vpc_endpoint";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.70.0.0/16"

[resources.a]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.70.1.0/24"

[resources.b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.70.2.0/24"

[resources.endpoint_sg]
type = "ec2.security_group"
name = "conformance-endpoint-sg"
vpc_id = "${resources.vpc.id}"

[resources.example]
type = "ec2.vpc_endpoint"
vpc_id = "${resources.vpc.id}"
service_name = "com.amazonaws.${aws.region}.bedrock-runtime"
vpc_endpoint_type = "Interface"
subnet_ids = ["${resources.a.id}"]
security_group_ids = ["${resources.endpoint_sg.id}"]
private_dns_enabled = true
"#,
        // moto ignores a change of private DNS; it is set at creation here.
        updates: &["subnet_ids = [\"${resources.a.id}\", \"${resources.b.id}\"]"],
        replace: Some("service_name = \"com.amazonaws.${aws.region}.secretsmanager\""),
        skip: &[],
    };

    fn check(&self, p: &VpcEndpointProps) -> Vec<Problem> {
        let gateway = p.vpc_endpoint_type == "Gateway";
        if gateway && (!p.subnet_ids.is_empty() || !p.security_group_ids.is_empty() || p.private_dns_enabled) {
            return vec![(
                "vpc_endpoint_type".into(),
                "a Gateway endpoint takes route_table_ids, not subnets, security groups or private DNS".into(),
            )];
        }
        if !gateway && !p.route_table_ids.is_empty() {
            return vec![(
                "route_table_ids".into(),
                "an Interface endpoint takes subnet_ids and security_group_ids, not route tables".into(),
            )];
        }
        if p.vpc_endpoint_type == "GatewayLoadBalancer" && (!p.security_group_ids.is_empty() || p.private_dns_enabled) {
            return vec![(
                "vpc_endpoint_type".into(),
                "a GatewayLoadBalancer endpoint takes subnet_ids only, not security groups or private DNS".into(),
            )];
        }
        Vec::new()
    }

    fn prepare(&self, p: &mut VpcEndpointProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.route_table_ids = sorted(&p.route_table_ids);
        p.subnet_ids = sorted(&p.subnet_ids);
        p.security_group_ids = sorted(&p.security_group_ids);
        Ok(())
    }

    async fn find(&self, cx: &Ctx<'_>, p: &VpcEndpointProps) -> Result<Option<String>, ResourceError> {
        let out =
            cx.aws.ec2().describe_vpc_endpoints().set_filters(Some(owner_filters(&p.tags))).send().await.api("DescribeVpcEndpoints")?;
        Ok(out.vpc_endpoints().iter().filter(|e| !gone(e)).find_map(|e| e.vpc_endpoint_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &VpcEndpointProps) -> Result<Created<VpcEndpointAttrs>, ResourceError> {
        let interface = p.vpc_endpoint_type == "Interface";
        let gateway = p.vpc_endpoint_type == "Gateway";
        let out = cx
            .aws
            .ec2()
            .create_vpc_endpoint()
            .vpc_id(&p.vpc_id)
            .service_name(&p.service_name)
            .vpc_endpoint_type(VpcEndpointType::from(p.vpc_endpoint_type.as_str()))
            .set_route_table_ids(gateway.then(|| p.route_table_ids.clone()))
            .set_subnet_ids((!gateway).then(|| p.subnet_ids.clone()))
            .set_security_group_ids(interface.then(|| p.security_group_ids.clone()))
            .set_private_dns_enabled(interface.then_some(p.private_dns_enabled))
            .set_policy_document(p.policy.as_ref().map(Value::to_string))
            .tag_specifications(tag_spec(ResourceType::VpcEndpoint, &p.tags))
            .send()
            .await
            .api("CreateVpcEndpoint")?;
        let id = out.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()).unwrap_or_default().to_string();
        self.settle(cx, &id, p).await?;
        let live = Self::describe(cx, &id).await?.ok_or_else(|| ResourceError::Invalid(format!("endpoint {id} vanished")))?;
        Ok(Created::new(&id, Self::attrs(cx, &live).await?))
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &VpcEndpointProps) -> Result<(), ResourceError> {
        cx.wait_ready(&format!("VPC endpoint {id}"), || async {
            Ok(match Self::describe(cx, id).await? {
                None => Poll::Gone,
                Some(e) if state(&e) == "available" => Poll::Ready(()),
                Some(e) if matches!(state(&e).as_str(), "failed" | "rejected") => Poll::Failed(state(&e)),
                Some(_) => Poll::Pending,
            })
        })
        .await
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &VpcEndpointProps,
    ) -> Result<Option<Observed<VpcEndpointProps, VpcEndpointAttrs>>, ResourceError> {
        let Some(e) = Self::describe(cx, id).await? else { return Ok(None) };
        let interface = e.vpc_endpoint_type().is_some_and(|t| *t == VpcEndpointType::Interface);
        let policy = match &p.policy {
            // The full-access policy AWS writes when none is given is not the manifest's.
            None => None,
            Some(_) => e.policy_document().and_then(|d| serde_json::from_str(d).ok()),
        };
        let props = VpcEndpointProps {
            vpc_id: e.vpc_id().unwrap_or_default().to_string(),
            service_name: e.service_name().unwrap_or_default().to_string(),
            vpc_endpoint_type: e.vpc_endpoint_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.vpc_endpoint_type.clone()),
            route_table_ids: sorted(e.route_table_ids()),
            subnet_ids: sorted(e.subnet_ids()),
            security_group_ids: sorted(&e.groups().iter().filter_map(|g| g.group_id().map(str::to_string)).collect::<Vec<_>>()),
            private_dns_enabled: interface && e.private_dns_enabled().unwrap_or(false),
            policy,
            tags: live_tags(e.tags()),
        };
        Ok(Some(Observed { props, attrs: Self::attrs(cx, &e).await? }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_vpc_endpoints().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(
                page.api("DescribeVpcEndpoints")?
                    .vpc_endpoints()
                    .iter()
                    .filter(|e| !gone(e))
                    .filter_map(|x| x.vpc_endpoint_id())
                    .map(str::to_string),
            );
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &VpcEndpointProps,
        new: &VpcEndpointProps,
    ) -> Result<Option<VpcEndpointAttrs>, ResourceError> {
        let (add_rt, remove_rt) = delta(&old.route_table_ids, &new.route_table_ids);
        let (add_sn, remove_sn) = delta(&old.subnet_ids, &new.subnet_ids);
        let (add_sg, remove_sg) = delta(&old.security_group_ids, &new.security_group_ids);
        let policy_changed = old.policy != new.policy;
        let dns_changed = old.private_dns_enabled != new.private_dns_enabled;
        let any = [&add_rt, &remove_rt, &add_sn, &remove_sn, &add_sg, &remove_sg].iter().any(|x| x.is_some());
        if any || policy_changed || dns_changed {
            let mut req = cx
                .aws
                .ec2()
                .modify_vpc_endpoint()
                .vpc_endpoint_id(id)
                .set_add_route_table_ids(add_rt)
                .set_remove_route_table_ids(remove_rt)
                .set_add_subnet_ids(add_sn)
                .set_remove_subnet_ids(remove_sn)
                .set_add_security_group_ids(add_sg)
                .set_remove_security_group_ids(remove_sg);
            if dns_changed {
                req = req.private_dns_enabled(new.private_dns_enabled);
            }
            if policy_changed {
                req = match &new.policy {
                    Some(p) => req.policy_document(p.to_string()),
                    None => req.reset_policy(true),
                };
            }
            req.send().await.api("ModifyVpcEndpoint")?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &VpcEndpointProps) -> Result<(), ResourceError> {
        cx.aws.ec2().delete_vpc_endpoints().vpc_endpoint_ids(id).send().await.found_code("DeleteVpcEndpoints", NOT_FOUND)?;
        cx.wait_gone(&format!("VPC endpoint {id}"), || async { Ok(Self::describe(cx, id).await?.is_some()) }).await
    }
}
