//! `ec2.security_group`: a VPC security group whose ingress and egress rules are kept
//! in a canonical form (one rule per protocol/ports/description, sorted CIDRs), so the
//! manifest and AWS compare as sets.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType};

use super::{live_tags, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, PrepareCx, Problem, Resource, ResourceError};

props! {
    /// One rule: traffic on a protocol and port range from (or to) CIDR blocks.
    pub struct Rule {
        /// `tcp`, `udp`, `icmp`, or `-1` for all traffic.
        protocol: String => default("tcp"), check(Check::OneOf(&["tcp", "udp", "icmp", "icmpv6", "-1", "all"]));
        from_port: i64 => default(0), check(rules::PORT);
        to_port: i64 => default(0), check(rules::PORT);
        cidr_blocks: Vec<String> => default([]), check(Check::Cidr);
        description: Option<String> => optional, check(Check::MaxLen(255));
    }
}

props! {
    pub struct SecurityGroupProps {
        name: String => required, replace, check(rules::SECURITY_GROUP);
        description: String => default("Managed by infra"), replace, check(Check::Name { what: "description", min: 0, max: 255, chars: Chars::SecurityGroup });
        vpc_id: String => required, replace;
        ingress: Vec<Rule> => default([]);
        /// Defaults to AWS's own default: all traffic out.
        egress: Vec<Rule> => default([{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}]);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct SecurityGroupAttrs {
        name: String,
        arn: String,
    }
}

pub struct SecurityGroup;

type RuleKey = (String, i64, i64, Option<String>);

/// Merge rules that differ only in CIDRs, sort everything.
fn canonical(rules: &[Rule]) -> Vec<Rule> {
    let mut grouped: BTreeMap<RuleKey, Vec<String>> = BTreeMap::new();
    for r in rules {
        let protocol = if r.protocol == "all" { "-1".to_string() } else { r.protocol.to_lowercase() };
        let (from, to) = if protocol == "-1" { (0, 0) } else { (r.from_port, r.to_port) };
        grouped.entry((protocol, from, to, r.description.clone())).or_default().extend(r.cidr_blocks.iter().cloned());
    }
    grouped
        .into_iter()
        .map(|((protocol, from_port, to_port, description), mut cidrs)| {
            cidrs.sort();
            cidrs.dedup();
            Rule { protocol, from_port, to_port, cidr_blocks: cidrs, description }
        })
        .collect()
}

fn from_permissions(perms: &[IpPermission]) -> Vec<Rule> {
    let rules: Vec<Rule> = perms
        .iter()
        .flat_map(|p| {
            p.ip_ranges().iter().map(move |range| Rule {
                protocol: p.ip_protocol().unwrap_or("-1").to_string(),
                from_port: p.from_port().unwrap_or(0).into(),
                to_port: p.to_port().unwrap_or(0).into(),
                cidr_blocks: range.cidr_ip().map(str::to_string).into_iter().collect(),
                description: range.description().map(str::to_string),
            })
        })
        .collect();
    canonical(&rules)
}

fn to_permissions(rules: &[Rule]) -> Vec<IpPermission> {
    rules
        .iter()
        .map(|r| {
            let ranges =
                r.cidr_blocks.iter().map(|c| IpRange::builder().cidr_ip(c).set_description(r.description.clone()).build()).collect();
            let b = IpPermission::builder().ip_protocol(&r.protocol).set_ip_ranges(Some(ranges));
            if r.protocol == "-1" {
                b.build()
            } else {
                b.from_port(r.from_port as i32).to_port(r.to_port as i32).build()
            }
        })
        .collect()
}

/// Rules in `a` that `b` lacks, CIDR by CIDR.
fn minus(a: &[Rule], b: &[Rule]) -> Vec<Rule> {
    let flat = |rules: &[Rule]| -> Vec<Rule> {
        rules.iter().flat_map(|r| r.cidr_blocks.iter().map(move |c| Rule { cidr_blocks: vec![c.clone()], ..r.clone() })).collect()
    };
    let b = flat(b);
    canonical(&flat(a).into_iter().filter(|r| !b.contains(r)).collect::<Vec<_>>())
}

impl SecurityGroup {
    /// Revoke what goes, then authorize what comes; ingress and egress side by side.
    async fn apply_rules(cx: &Ctx<'_>, id: &str, old: &SecurityGroupProps, new: &SecurityGroupProps) -> Result<(), ResourceError> {
        let ec2 = cx.aws.ec2();
        let (revoke_in, revoke_out) = (minus(&old.ingress, &new.ingress), minus(&old.egress, &new.egress));
        let (a, b) = tokio::join!(
            async {
                if revoke_in.is_empty() {
                    return Ok(());
                }
                let req = ec2.revoke_security_group_ingress().group_id(id).set_ip_permissions(Some(to_permissions(&revoke_in)));
                req.send().await.api("RevokeSecurityGroupIngress").map(|_| ())
            },
            async {
                if revoke_out.is_empty() {
                    return Ok(());
                }
                let req = ec2.revoke_security_group_egress().group_id(id).set_ip_permissions(Some(to_permissions(&revoke_out)));
                req.send().await.api("RevokeSecurityGroupEgress").map(|_| ())
            }
        );
        a?;
        b?;
        let (add_in, add_out) = (minus(&new.ingress, &old.ingress), minus(&new.egress, &old.egress));
        let (a, b) = tokio::join!(
            async {
                if add_in.is_empty() {
                    return Ok(());
                }
                let req = ec2.authorize_security_group_ingress().group_id(id).set_ip_permissions(Some(to_permissions(&add_in)));
                req.send().await.api("AuthorizeSecurityGroupIngress").map(|_| ())
            },
            async {
                if add_out.is_empty() {
                    return Ok(());
                }
                let req = ec2.authorize_security_group_egress().group_id(id).set_ip_permissions(Some(to_permissions(&add_out)));
                req.send().await.api("AuthorizeSecurityGroupEgress").map(|_| ())
            }
        );
        a?;
        b?;
        Ok(())
    }
}

fn attrs(name: &str, arn: &str) -> SecurityGroupAttrs {
    SecurityGroupAttrs { name: name.to_string(), arn: arn.to_string() }
}

const NOT_FOUND: &[&str] = &["InvalidGroup.NotFound", "InvalidGroupId.NotFound", "InvalidGroupId.Malformed"];

#[async_trait]
impl Resource for SecurityGroup {
    type Props = SecurityGroupProps;
    type Attrs = SecurityGroupAttrs;
    const TYPE: &'static str = "ec2.security_group";
    const IDENTITY: Identity = Identity::Unique(&["vpc_id", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[data.vpc]
type = "ec2.default_vpc"

[resources.example]
type = "ec2.security_group"
name = "conformance-sg"
description = "PostgreSQL from the VPC"
vpc_id = "${data.vpc.id}"
ingress = [{ protocol = "tcp", from_port = 5432, to_port = 5432, cidr_blocks = ["10.0.0.0/16"], description = "PostgreSQL" }]
"#,
        updates: &[
            "ingress = [{ protocol = \"tcp\", from_port = 443, to_port = 443, cidr_blocks = [\"10.1.0.0/16\", \"10.2.0.0/16\"] }]",
            "egress = [{ protocol = \"tcp\", from_port = 443, to_port = 443, cidr_blocks = [\"0.0.0.0/0\"] }]",
        ],
        replace: Some("name = \"conformance-sg-2\""),
        skip: &[],
    };

    fn early(&self, p: &SecurityGroupProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone())]
    }

    fn check(&self, p: &SecurityGroupProps) -> Vec<Problem> {
        let mut out = Vec::new();
        if p.name.starts_with("sg-") {
            out.push(("name".into(), format!("security group name `{}` must not start with `sg-`", p.name)));
        }
        for (list, rules) in [("ingress", &p.ingress), ("egress", &p.egress)] {
            for (i, r) in rules.iter().enumerate() {
                if r.protocol != "-1" && r.protocol != "all" && r.from_port > r.to_port {
                    out.push((format!("{list}[{i}]"), format!("from_port {} is above to_port {}", r.from_port, r.to_port)));
                }
            }
        }
        out
    }

    async fn find(&self, cx: &Ctx<'_>, p: &SecurityGroupProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_security_groups()
            .filters(Filter::builder().name("vpc-id").values(&p.vpc_id).build())
            .filters(Filter::builder().name("group-name").values(&p.name).build())
            .send()
            .await
            .api("DescribeSecurityGroups")?;
        Ok(out.security_groups().first().and_then(|g| g.group_id()).map(str::to_string))
    }

    fn prepare(&self, p: &mut SecurityGroupProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.ingress = canonical(&p.ingress);
        p.egress = canonical(&p.egress);
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SecurityGroupProps) -> Result<Created<SecurityGroupAttrs>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .create_security_group()
            .group_name(&p.name)
            .description(&p.description)
            .vpc_id(&p.vpc_id)
            .tag_specifications(tag_spec(ResourceType::SecurityGroup, &p.tags))
            .send()
            .await
            .api("CreateSecurityGroup")?;
        let id = out.group_id().unwrap_or_default().to_string();
        // AWS starts every group with "all traffic out"; reconcile from there.
        let start = SecurityGroupProps { ingress: vec![], egress: canonical(&default_egress()), ..p.clone() };
        Self::apply_rules(cx, &id, &start, p).await?;
        Ok(Created::new(&id, attrs(&p.name, out.security_group_arn().unwrap_or_default())))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &SecurityGroupProps,
    ) -> Result<Option<Observed<SecurityGroupProps, SecurityGroupAttrs>>, ResourceError> {
        let out = cx.aws.ec2().describe_security_groups().group_ids(id).send().await.found_code("DescribeSecurityGroups", NOT_FOUND)?;
        let Some(sg) = out.and_then(|o| o.security_groups.and_then(|mut v| v.pop())) else { return Ok(None) };
        let props = SecurityGroupProps {
            name: sg.group_name().unwrap_or(&p.name).to_string(),
            description: sg.description().unwrap_or(&p.description).to_string(),
            vpc_id: sg.vpc_id().unwrap_or(&p.vpc_id).to_string(),
            ingress: from_permissions(sg.ip_permissions()),
            egress: from_permissions(sg.ip_permissions_egress()),
            tags: live_tags(sg.tags()),
        };
        let attrs = attrs(&props.name, sg.security_group_arn().unwrap_or_default());
        Ok(Some(Observed { props, attrs }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_security_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeSecurityGroups")?.security_groups().iter().filter_map(|x| x.group_id()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &SecurityGroupProps,
        new: &SecurityGroupProps,
    ) -> Result<Option<SecurityGroupAttrs>, ResourceError> {
        Self::apply_rules(cx, id, old, new).await?;
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &SecurityGroupProps) -> Result<(), ResourceError> {
        // Network interfaces of a just-deleted cluster hold the group for minutes.
        cx.retry_eventual("network interfaces to release the security group", Duration::from_secs(900), || async {
            match cx.aws.ec2().delete_security_group().group_id(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.code().is_some_and(|c| NOT_FOUND.contains(&c)) => Ok(()),
                Err(e) if e.code() == Some("DependencyViolation") => Err(Attempt::retry("DeleteSecurityGroup", e)),
                Err(e) => Err(Attempt::fail("DeleteSecurityGroup", e)),
            }
        })
        .await
    }
}

fn default_egress() -> Vec<Rule> {
    vec![Rule { protocol: "-1".into(), from_port: 0, to_port: 0, cidr_blocks: vec!["0.0.0.0/0".into()], description: None }]
}
