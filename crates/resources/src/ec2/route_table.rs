//! `ec2.route_table`: a route table with its routes (to an internet gateway, a NAT
//! gateway, a peering connection or a transit gateway) and the subnets associated with
//! it. Routes and associations are kept as sets; the `local` route and the routes VPC
//! gateway endpoints add are AWS's, not compared.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, Route as LiveRoute};

use super::{live_tags, owner_filters, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, PrepareCx, Problem, Resource, ResourceError};

props! {
    /// One route: a destination and exactly one target.
    pub struct Route {
        cidr_block: String => required, check(Check::Cidr);
        gateway_id: Option<String> => optional;
        nat_gateway_id: Option<String> => optional;
        vpc_peering_connection_id: Option<String> => optional;
        transit_gateway_id: Option<String> => optional;
    }
}

props! {
    pub struct RouteTableProps {
        vpc_id: String => required, replace;
        routes: Vec<Route> => default([]);
        /// Subnets that use this table.
        subnet_ids: Vec<String> => default([]);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct RouteTableAttrs {
        arn: String,
    }
}

pub struct RouteTable;

const NOT_FOUND: &[&str] = &["InvalidRouteTableID.NotFound", "InvalidRouteTableID.Malformed"];

fn from_live(r: &LiveRoute) -> Option<Route> {
    let gateway = r.gateway_id().filter(|g| *g != "local" && !g.starts_with("vpce-"));
    let route = Route {
        cidr_block: r.destination_cidr_block()?.to_string(),
        gateway_id: gateway.map(str::to_string),
        nat_gateway_id: r.nat_gateway_id().map(str::to_string),
        vpc_peering_connection_id: r.vpc_peering_connection_id().map(str::to_string),
        transit_gateway_id: r.transit_gateway_id().map(str::to_string),
    };
    let has_target = route.gateway_id.is_some()
        || route.nat_gateway_id.is_some()
        || route.vpc_peering_connection_id.is_some()
        || route.transit_gateway_id.is_some();
    has_target.then_some(route)
}

impl RouteTable {
    async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<aws_sdk_ec2::types::RouteTable>, ResourceError> {
        let out = cx.aws.ec2().describe_route_tables().route_table_ids(id).send().await.found_code("DescribeRouteTables", NOT_FOUND)?;
        Ok(out.and_then(|o| o.route_tables.and_then(|mut v| v.pop())))
    }

    async fn apply(cx: &Ctx<'_>, id: &str, old: &RouteTableProps, new: &RouteTableProps) -> Result<(), ResourceError> {
        let ec2 = cx.aws.ec2();
        for r in old.routes.iter().filter(|r| !new.routes.iter().any(|n| n.cidr_block == r.cidr_block)) {
            ec2.delete_route()
                .route_table_id(id)
                .destination_cidr_block(&r.cidr_block)
                .send()
                .await
                .found_code("DeleteRoute", &["InvalidRoute.NotFound"])?;
        }
        for r in new.routes.iter().filter(|r| !old.routes.contains(r)) {
            let replacing = old.routes.iter().any(|o| o.cidr_block == r.cidr_block);
            macro_rules! target {
                ($req:expr) => {
                    $req.route_table_id(id)
                        .destination_cidr_block(&r.cidr_block)
                        .set_gateway_id(r.gateway_id.clone())
                        .set_nat_gateway_id(r.nat_gateway_id.clone())
                        .set_vpc_peering_connection_id(r.vpc_peering_connection_id.clone())
                        .set_transit_gateway_id(r.transit_gateway_id.clone())
                };
            }
            if replacing {
                target!(ec2.replace_route()).send().await.api("ReplaceRoute")?;
            } else {
                target!(ec2.create_route()).send().await.api("CreateRoute")?;
            }
        }
        let (before, after): (BTreeSet<_>, BTreeSet<_>) = (old.subnet_ids.iter().collect(), new.subnet_ids.iter().collect());
        if before != after {
            let live = Self::describe(cx, id).await?;
            for a in live.iter().flat_map(|t| t.associations()) {
                let Some(subnet) = a.subnet_id() else { continue };
                if !after.contains(&subnet.to_string()) {
                    if let Some(assoc) = a.route_table_association_id() {
                        let req = ec2.disassociate_route_table().association_id(assoc);
                        req.send().await.found_code("DisassociateRouteTable", &["InvalidAssociationID.NotFound"])?;
                    }
                }
            }
            for subnet in after.difference(&before) {
                ec2.associate_route_table().route_table_id(id).subnet_id(*subnet).send().await.api("AssociateRouteTable")?;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Resource for RouteTable {
    type Props = RouteTableProps;
    type Attrs = RouteTableAttrs;
    const TYPE: &'static str = "ec2.route_table";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.60.0.0/16"

[resources.other]
type = "ec2.vpc"
cidr_block = "10.61.0.0/16"

[resources.gateway]
type = "ec2.internet_gateway"
vpc_id = "${resources.vpc.id}"

[resources.a]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.60.1.0/24"

[resources.b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.60.2.0/24"

[resources.example]
type = "ec2.route_table"
vpc_id = "${resources.vpc.id}"
routes = [{ cidr_block = "0.0.0.0/0", gateway_id = "${resources.gateway.id}" }]
subnet_ids = ["${resources.a.id}"]
"#,
        updates: &[
            "subnet_ids = [\"${resources.a.id}\", \"${resources.b.id}\"]",
            "routes = [{ cidr_block = \"0.0.0.0/0\", gateway_id = \"${resources.gateway.id}\" }, { cidr_block = \"192.168.0.0/16\", gateway_id = \"${resources.gateway.id}\" }]",
        ],
        replace: Some("vpc_id = \"${resources.other.id}\"\nroutes = []\nsubnet_ids = []"),
        skip: &[],
    };

    fn check(&self, p: &RouteTableProps) -> Vec<Problem> {
        let mut out = Vec::new();
        for (i, r) in p.routes.iter().enumerate() {
            let targets = [&r.gateway_id, &r.nat_gateway_id, &r.vpc_peering_connection_id, &r.transit_gateway_id]
                .iter()
                .filter(|t| t.is_some())
                .count();
            if targets != 1 {
                out.push((
                    format!("routes[{i}]"),
                    format!("route to {} needs exactly one target (gateway_id, nat_gateway_id, ...), has {targets}", r.cidr_block),
                ));
            }
            if p.routes[..i].iter().any(|o| o.cidr_block == r.cidr_block) {
                out.push((format!("routes[{i}]"), format!("two routes to {}", r.cidr_block)));
            }
        }
        out
    }

    fn prepare(&self, p: &mut RouteTableProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.routes.sort_by(|a, b| a.cidr_block.cmp(&b.cidr_block));
        p.subnet_ids.sort();
        p.subnet_ids.dedup();
        Ok(())
    }

    async fn find(&self, cx: &Ctx<'_>, p: &RouteTableProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.ec2().describe_route_tables().set_filters(Some(owner_filters(&p.tags))).send().await.api("DescribeRouteTables")?;
        Ok(out.route_tables().first().and_then(|t| t.route_table_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RouteTableProps) -> Result<Created<RouteTableAttrs>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .create_route_table()
            .vpc_id(&p.vpc_id)
            .tag_specifications(tag_spec(ResourceType::RouteTable, &p.tags))
            .send()
            .await
            .api("CreateRouteTable")?;
        let id = out.route_table().and_then(|t| t.route_table_id()).unwrap_or_default().to_string();
        let empty = RouteTableProps { routes: vec![], subnet_ids: vec![], ..p.clone() };
        Self::apply(cx, &id, &empty, p).await?;
        Ok(Created::new(&id, RouteTableAttrs { arn: cx.arn("ec2", true, &format!("route-table/{id}")).await? }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &RouteTableProps,
    ) -> Result<Option<Observed<RouteTableProps, RouteTableAttrs>>, ResourceError> {
        let Some(t) = Self::describe(cx, id).await? else { return Ok(None) };
        let mut props = RouteTableProps {
            vpc_id: t.vpc_id().unwrap_or_default().to_string(),
            routes: t.routes().iter().filter_map(from_live).collect(),
            subnet_ids: t.associations().iter().filter_map(|a| a.subnet_id().map(str::to_string)).collect(),
            tags: live_tags(t.tags()),
        };
        props.routes.sort_by(|a, b| a.cidr_block.cmp(&b.cidr_block));
        props.subnet_ids.sort();
        Ok(Some(Observed { props, attrs: RouteTableAttrs { arn: cx.arn("ec2", true, &format!("route-table/{id}")).await? } }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_route_tables().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeRouteTables")?.route_tables().iter().filter_map(|x| x.route_table_id()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &RouteTableProps,
        new: &RouteTableProps,
    ) -> Result<Option<RouteTableAttrs>, ResourceError> {
        Self::apply(cx, id, old, new).await?;
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &RouteTableProps) -> Result<(), ResourceError> {
        if let Some(live) = self.read(cx, id, p).await? {
            let none = RouteTableProps { subnet_ids: vec![], ..live.props.clone() };
            Self::apply(cx, id, &live.props, &none).await?;
        }
        cx.aws.ec2().delete_route_table().route_table_id(id).send().await.found_code("DeleteRouteTable", NOT_FOUND)?;
        Ok(())
    }
}
