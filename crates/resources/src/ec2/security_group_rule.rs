//! `ec2.security_group_rule`: one ingress or egress rule of a security group whose
//! source (or destination) is another security group or a CIDR block. Separate from
//! the group, as AWS models rules, so two groups that admit each other are not a cycle.
//! A rule keeps its id through a change of anything but its group and direction.

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, SecurityGroupRule as Live, SecurityGroupRuleDescription, SecurityGroupRuleRequest, SecurityGroupRuleUpdate,
    UserIdGroupPair,
};

use super::filter;
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct SecurityGroupRuleProps {
        /// The group the rule belongs to.
        security_group_id: String => required, replace;
        /// `ingress` or `egress`.
        direction: String => default("ingress"), replace, check(Check::OneOf(&["ingress", "egress"]));
        /// `tcp`, `udp`, `icmp`, or `-1` for all traffic.
        protocol: String => default("tcp"), check(Check::OneOf(&["tcp", "udp", "icmp", "-1"]));
        from_port: i64 => default(0), check(rules::PORT);
        to_port: i64 => default(0), check(rules::PORT);
        /// The other group: traffic from (ingress) or to (egress) its members.
        source_security_group_id: Option<String> => optional;
        /// Or a CIDR block.
        cidr_block: Option<String> => optional, check(Check::Cidr);
        description: Option<String> => optional, check(Check::MaxLen(255));
    }
}

attrs! {
    pub struct SecurityGroupRuleAttrs {
        /// `sgr-...`, also the physical id.
        rule_id: String,
    }
}

pub struct SecurityGroupRule;

fn permission(p: &SecurityGroupRuleProps) -> IpPermission {
    let mut b = IpPermission::builder().ip_protocol(&p.protocol);
    if p.protocol != "-1" {
        b = b.from_port(p.from_port as i32).to_port(p.to_port as i32);
    }
    if let Some(g) = &p.source_security_group_id {
        b = b.user_id_group_pairs(UserIdGroupPair::builder().group_id(g).set_description(p.description.clone()).build());
    }
    if let Some(c) = &p.cidr_block {
        b = b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(p.description.clone()).build());
    }
    b.build()
}

fn props_of(r: &Live, p: &SecurityGroupRuleProps) -> SecurityGroupRuleProps {
    let protocol = r.ip_protocol().unwrap_or("-1").to_string();
    let all = protocol == "-1";
    SecurityGroupRuleProps {
        security_group_id: r.group_id().unwrap_or_default().to_string(),
        direction: if r.is_egress() == Some(true) { "egress" } else { "ingress" }.to_string(),
        from_port: if all { p.from_port } else { r.from_port().map(i64::from).unwrap_or(0) },
        to_port: if all { p.to_port } else { r.to_port().map(i64::from).unwrap_or(0) },
        protocol,
        source_security_group_id: r.referenced_group_info().and_then(|g| g.group_id()).map(str::to_string),
        cidr_block: r.cidr_ipv4().map(str::to_string),
        description: r.description().filter(|d| !d.is_empty()).map(str::to_string),
    }
}

impl SecurityGroupRule {
    async fn rules_of(cx: &Ctx<'_>, group: &str) -> Result<Vec<Live>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_security_group_rules()
            .filters(filter("group-id", group))
            .send()
            .await
            .api("DescribeSecurityGroupRules")?;
        Ok(out.security_group_rules().to_vec())
    }
}

#[async_trait]
impl Resource for SecurityGroupRule {
    type Props = SecurityGroupRuleProps;
    type Attrs = SecurityGroupRuleAttrs;
    const TYPE: &'static str = "ec2.security_group_rule";
    const IDENTITY: Identity =
        Identity::Unique(&["security_group_id", "direction", "protocol", "from_port", "to_port", "source_security_group_id", "cidr_block"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[data.vpc]
type = "ec2.default_vpc"

[resources.lambda_sg]
type = "ec2.security_group"
name = "conformance-lambda-sg"
vpc_id = "${data.vpc.id}"

[resources.rds_sg]
type = "ec2.security_group"
name = "conformance-rds-sg"
vpc_id = "${data.vpc.id}"
egress = []

[resources.example]
type = "ec2.security_group_rule"
security_group_id = "${resources.rds_sg.id}"
from_port = 5432
to_port = 5432
source_security_group_id = "${resources.lambda_sg.id}"
"#,
        updates: &[
            "description = \"PostgreSQL from the Lambda functions\"",
            "from_port = 5433\nto_port = 5433",
            "protocol = \"udp\"",
            "source_security_group_id = \"${resources.rds_sg.id}\"",
        ],
        replace: Some("direction = \"egress\""),
        skip: &[],
    };

    fn check(&self, p: &SecurityGroupRuleProps) -> Vec<Problem> {
        if p.source_security_group_id.is_some() == p.cidr_block.is_some() {
            return vec![("source_security_group_id".into(), "give exactly one of source_security_group_id and cidr_block".into())];
        }
        if p.protocol != "-1" && p.from_port > p.to_port {
            return vec![("from_port".into(), format!("from_port {} is above to_port {}", p.from_port, p.to_port))];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &SecurityGroupRuleProps) -> Result<Option<String>, ResourceError> {
        let found = Self::rules_of(cx, &p.security_group_id).await?.into_iter().find(|r| {
            let live = props_of(r, p);
            SecurityGroupRuleProps { description: p.description.clone(), ..live } == *p
        });
        Ok(found.and_then(|r| r.security_group_rule_id().map(str::to_string)))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SecurityGroupRuleProps) -> Result<Created<SecurityGroupRuleAttrs>, ResourceError> {
        let ec2 = cx.aws.ec2();
        let rules = if p.direction == "egress" {
            let out = ec2.authorize_security_group_egress().group_id(&p.security_group_id).ip_permissions(permission(p)).send().await;
            out.api("AuthorizeSecurityGroupEgress")?.security_group_rules().to_vec()
        } else {
            let out = ec2.authorize_security_group_ingress().group_id(&p.security_group_id).ip_permissions(permission(p)).send().await;
            out.api("AuthorizeSecurityGroupIngress")?.security_group_rules().to_vec()
        };
        let id = match rules.first().and_then(|r| r.security_group_rule_id()) {
            Some(id) => id.to_string(),
            // Older answers carry no rule ids: look the rule up.
            None => self.find(cx, p).await?.ok_or_else(|| ResourceError::Invalid("the rule was authorized but cannot be found".into()))?,
        };
        Ok(Created::new(&id, SecurityGroupRuleAttrs { rule_id: id.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &SecurityGroupRuleProps,
    ) -> Result<Option<Observed<SecurityGroupRuleProps, SecurityGroupRuleAttrs>>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_security_group_rules()
            .security_group_rule_ids(id)
            .send()
            .await
            .found_code("DescribeSecurityGroupRules", &["InvalidSecurityGroupRuleId.NotFound", "InvalidGroup.NotFound"])?;
        let Some(r) = out.and_then(|o| o.security_group_rules.and_then(|mut v| v.pop())) else { return Ok(None) };
        Ok(Some(Observed { props: props_of(&r, p), attrs: SecurityGroupRuleAttrs { rule_id: id.to_string() } }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_security_group_rules().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(
                page.api("DescribeSecurityGroupRules")?
                    .security_group_rules()
                    .iter()
                    .filter_map(|x| x.security_group_rule_id())
                    .map(str::to_string),
            );
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &SecurityGroupRuleProps,
        new: &SecurityGroupRuleProps,
    ) -> Result<Option<SecurityGroupRuleAttrs>, ResourceError> {
        let ec2 = cx.aws.ec2();
        let group = &new.security_group_id;
        let only_description = SecurityGroupRuleProps { description: new.description.clone(), ..old.clone() } == *new;
        if !only_description {
            // The whole rule is sent: a description left out is removed.
            let all = new.protocol == "-1";
            let rule = SecurityGroupRuleRequest::builder()
                .ip_protocol(&new.protocol)
                .from_port(if all { -1 } else { new.from_port as i32 })
                .to_port(if all { -1 } else { new.to_port as i32 })
                .set_referenced_group_id(new.source_security_group_id.clone())
                .set_cidr_ipv4(new.cidr_block.clone())
                .set_description(new.description.clone())
                .build();
            let update = SecurityGroupRuleUpdate::builder().security_group_rule_id(id).security_group_rule(rule).build();
            ec2.modify_security_group_rules().group_id(group).security_group_rules(update).send().await.api("ModifySecurityGroupRules")?;
        } else if old.description != new.description {
            // Without a description AWS removes the rule's.
            let described =
                SecurityGroupRuleDescription::builder().security_group_rule_id(id).set_description(new.description.clone()).build();
            if new.direction == "egress" {
                let req = ec2.update_security_group_rule_descriptions_egress().group_id(group).security_group_rule_descriptions(described);
                req.send().await.api("UpdateSecurityGroupRuleDescriptionsEgress")?;
            } else {
                let req = ec2.update_security_group_rule_descriptions_ingress().group_id(group).security_group_rule_descriptions(described);
                req.send().await.api("UpdateSecurityGroupRuleDescriptionsIngress")?;
            }
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &SecurityGroupRuleProps) -> Result<(), ResourceError> {
        let ec2 = cx.aws.ec2();
        const GONE: &[&str] = &["InvalidPermission.NotFound", "InvalidGroup.NotFound", "InvalidSecurityGroupRuleId.NotFound"];
        if p.direction == "egress" {
            let req = ec2.revoke_security_group_egress().group_id(&p.security_group_id).security_group_rule_ids(id);
            req.send().await.found_code("RevokeSecurityGroupEgress", GONE)?;
        } else {
            let req = ec2.revoke_security_group_ingress().group_id(&p.security_group_id).security_group_rule_ids(id);
            req.send().await.found_code("RevokeSecurityGroupIngress", GONE)?;
        }
        Ok(())
    }
}
