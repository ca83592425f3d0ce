//! `route53.zone`: a hosted zone, public (answering on the internet for a domain you
//! delegate to its `name_servers`) or private (`private = true`: answering only inside
//! its `vpc_ids`). The comment, the VPCs of a private zone and the tags change in place;
//! a new name, or public to private and back, is a new zone. Its records are
//! `route53.record` resources: a zone that still holds records besides its own SOA and NS
//! is not deleted, and the error names them.

use async_trait::async_trait;
use aws_sdk_route53::types::{HostedZone, HostedZoneConfig, Tag, TagResourceType, Vpc, VpcRegion};

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct ZoneProps {
        /// The domain (`example.com`, `internal.example.com`); a trailing dot is optional.
        name: String => required, replace, check(Check::MaxLen(1024));
        /// A note for people (the console shows it).
        comment: Option<String> => optional, check(Check::MaxLen(256));
        /// Private: resolvable only from `vpc_ids`. Public and private zones are different
        /// kinds: changing it creates a new zone.
        private: bool => default(false), replace;
        /// A private zone's VPCs, in the run's region (at least one); associated and
        /// dissociated in place. A public zone has none.
        vpc_ids: Vec<String> => default([]);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ZoneAttrs {
        /// The hosted zone id (`Z0123456789ABCDEFGHIJ`, also the id), what records name.
        zone_id: String,
        arn: String,
        /// The domain, without the trailing dot.
        name: String,
        /// The name servers to delegate the domain to (a public zone's; empty for a private one).
        name_servers: Vec<String>,
    }
}

pub struct Zone;

/// `example.com.`: the form Route 53 answers with.
pub(crate) fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// Whether two DNS names are the same name (case and the trailing dot aside).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.').eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// `Z123` from `/hostedzone/Z123`, the form the API returns ids in.
pub(crate) fn bare_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

fn vpc(cx: &Ctx<'_>, id: &str) -> Vpc {
    Vpc::builder().vpc_id(id).vpc_region(VpcRegion::from(cx.aws.region())).build()
}

async fn live_tags(cx: &Ctx<'_>, id: &str) -> Result<Tags, ResourceError> {
    let out = cx
        .aws
        .route53()
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .send()
        .await
        .api("ListTagsForResource")?;
    let list = out.resource_tag_set().map(|s| s.tags()).unwrap_or_default();
    Ok(tags::live(list.iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default()))))
}

async fn change_tags(cx: &Ctx<'_>, id: &str, set: &Tags, remove: Vec<String>) -> Result<(), ResourceError> {
    if set.is_empty() && remove.is_empty() {
        return Ok(());
    }
    let add: Vec<Tag> = set.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
    cx.aws
        .route53()
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .set_add_tags((!add.is_empty()).then_some(add))
        .set_remove_tag_keys((!remove.is_empty()).then_some(remove))
        .send()
        .await
        .api("ChangeTagsForResource")?;
    Ok(())
}

/// The record sets of a zone other than its own SOA and NS at the apex, as `NAME TYPE`.
async fn other_records(cx: &Ctx<'_>, id: &str, zone_name: &str) -> Result<Vec<String>, ResourceError> {
    Ok(super::record::all(cx, id)
        .await?
        .iter()
        .filter(|r| !(same_name(r.name(), zone_name) && matches!(r.r#type().as_str(), "SOA" | "NS")))
        .map(|r| format!("{} {}", super::record::unescape(r.name()).trim_end_matches('.'), r.r#type().as_str()))
        .collect())
}

#[async_trait]
impl Resource for Zone {
    type Props = ZoneProps;
    type Attrs = ZoneAttrs;
    const TYPE: &'static str = "route53.zone";
    // Route 53 allows several zones of one name (a private and a public one, or a
    // delegation being moved): the id is assigned, and an interrupted create is found by
    // its caller reference (the create's token) or infra's tags.
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.40.0.0/16"

[resources.vpc_2]
type = "ec2.vpc"
cidr_block = "10.41.0.0/16"

[resources.example]
type = "route53.zone"
name = "conformance.internal"
comment = "Service discovery inside the VPC"
private = true
vpc_ids = ["${resources.vpc.id}"]
"#,
        updates: &["comment = \"Service discovery inside both VPCs\"", "vpc_ids = [\"${resources.vpc.id}\", \"${resources.vpc_2.id}\"]"],
        replace: Some("name = \"conformance-2.internal\""),
        skip: &[],
    };

    fn check(&self, p: &ZoneProps) -> Vec<Problem> {
        match (p.private, p.vpc_ids.is_empty()) {
            (true, true) => vec![("vpc_ids".into(), "a private zone answers inside VPCs: name at least one in `vpc_ids`".into())],
            (false, false) => {
                vec![(
                    "vpc_ids".into(),
                    "a public zone answers on the internet, not in VPCs: set `private = true` or drop `vpc_ids`".into(),
                )]
            }
            _ => Vec::new(),
        }
    }

    async fn find(&self, cx: &Ctx<'_>, p: &ZoneProps) -> Result<Option<String>, ResourceError> {
        let name = fqdn(&p.name);
        let (mut start_name, mut start_id) = (Some(name.clone()), None::<String>);
        loop {
            let req = cx.aws.route53().list_hosted_zones_by_name().set_dns_name(start_name).set_hosted_zone_id(start_id);
            let page = req.send().await.api("ListHostedZonesByName")?;
            for z in page.hosted_zones().iter().filter(|z| same_name(z.name(), &name)) {
                let id = bare_id(z.id());
                if cx.token.is_some_and(|t| t == z.caller_reference()) || tags::same_owner(&live_tags(cx, id).await?, &p.tags) {
                    return Ok(Some(id.to_string()));
                }
            }
            // Zones come in name order: past this name there is none of it.
            match (page.is_truncated(), page.next_dns_name()) {
                (true, Some(next)) if same_name(next, &name) => {
                    start_name = Some(next.to_string());
                    start_id = page.next_hosted_zone_id().map(str::to_string);
                }
                _ => return Ok(None),
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ZoneProps) -> Result<Created<ZoneAttrs>, ResourceError> {
        // The caller reference makes the create idempotent, and finds it after a crash.
        let reference = match cx.token {
            Some(t) => t.to_string(),
            None => format!("infra-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos()),
        };
        let config = HostedZoneConfig::builder().set_comment(p.comment.clone()).private_zone(p.private).build();
        let first = p.vpc_ids.first().filter(|_| p.private);
        let out = cx
            .aws
            .route53()
            .create_hosted_zone()
            .name(fqdn(&p.name))
            .caller_reference(reference)
            .hosted_zone_config(config)
            .set_vpc(first.map(|v| vpc(cx, v)))
            .send()
            .await
            .api("CreateHostedZone")?;
        let id = out.hosted_zone().map(|z| bare_id(z.id()).to_string()).unwrap_or_default();
        for v in p.vpc_ids.iter().skip(1).filter(|_| p.private) {
            let req = cx.aws.route53().associate_vpc_with_hosted_zone().hosted_zone_id(&id).vpc(vpc(cx, v));
            req.send().await.api("AssociateVPCWithHostedZone")?;
        }
        change_tags(cx, &id, &p.tags, Vec::new()).await?;
        let name_servers = out.delegation_set().map(|d| d.name_servers().to_vec()).unwrap_or_default();
        let partition = cx.aws.identity().await?.partition.clone();
        Ok(Created::new(&id, attrs(&partition, &id, out.hosted_zone(), p, name_servers)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &ZoneProps) -> Result<Option<Observed<ZoneProps, ZoneAttrs>>, ResourceError> {
        let id = bare_id(id);
        let got = cx.aws.route53().get_hosted_zone().id(id).send().await.found("GetHostedZone", |e| e.is_no_such_hosted_zone())?;
        let Some(out) = got else { return Ok(None) };
        let Some(zone) = out.hosted_zone() else { return Ok(None) };
        let mut vpc_ids: Vec<String> = out.vpcs().iter().filter_map(|v| v.vpc_id().map(str::to_string)).collect();
        vpc_ids.sort();
        let mut wanted = p.vpc_ids.clone();
        wanted.sort();
        let config = zone.config();
        let props = ZoneProps {
            name: if same_name(&p.name, zone.name()) { p.name.clone() } else { zone.name().trim_end_matches('.').to_string() },
            comment: config.and_then(|c| c.comment()).filter(|c| !c.is_empty()).map(str::to_string),
            private: config.is_some_and(|c| c.private_zone()),
            vpc_ids: if vpc_ids == wanted { p.vpc_ids.clone() } else { vpc_ids },
            tags: live_tags(cx, id).await?,
        };
        let name_servers = out.delegation_set().map(|d| d.name_servers().to_vec()).unwrap_or_default();
        let partition = cx.aws.identity().await?.partition.clone();
        Ok(Some(Observed { attrs: attrs(&partition, id, Some(zone), &props, name_servers), props }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ZoneProps, new: &ZoneProps) -> Result<Option<ZoneAttrs>, ResourceError> {
        let id = bare_id(id);
        let r53 = cx.aws.route53();
        if old.comment != new.comment {
            let req = r53.update_hosted_zone_comment().id(id).comment(new.comment.clone().unwrap_or_default());
            req.send().await.api("UpdateHostedZoneComment")?;
        }
        // New VPCs first: Route 53 refuses to dissociate a private zone's last VPC.
        for v in new.vpc_ids.iter().filter(|v| !old.vpc_ids.contains(v)) {
            r53.associate_vpc_with_hosted_zone().hosted_zone_id(id).vpc(vpc(cx, v)).send().await.api("AssociateVPCWithHostedZone")?;
        }
        for v in old.vpc_ids.iter().filter(|v| !new.vpc_ids.contains(v)) {
            let req = r53.disassociate_vpc_from_hosted_zone().hosted_zone_id(id).vpc(vpc(cx, v));
            req.send().await.api("DisassociateVPCFromHostedZone")?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        change_tags(cx, id, &set, remove).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &ZoneProps) -> Result<(), ResourceError> {
        let id = bare_id(id);
        let got = cx.aws.route53().get_hosted_zone().id(id).send().await.found("GetHostedZone", |e| e.is_no_such_hosted_zone())?;
        let Some(name) = got.as_ref().and_then(|o| o.hosted_zone()).map(|z| z.name().to_string()) else { return Ok(()) };
        // Deleting the records with the zone would take DNS names others may depend on
        // without their being named in the plan: they are refused instead.
        let others = other_records(cx, id, &name).await?;
        if !others.is_empty() {
            return Err(ResourceError::Invalid(format!(
                "hosted zone {} ({id}) still holds {} record set(s) besides its SOA and NS: {}; delete them first (declare them as `route53.record` resources, or remove them outside infra)",
                p.name.trim_end_matches('.'),
                others.len(),
                others.join(", ")
            )));
        }
        cx.aws.route53().delete_hosted_zone().id(id).send().await.found("DeleteHostedZone", |e| e.is_no_such_hosted_zone())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.route53().list_hosted_zones().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListHostedZones")?.hosted_zones().iter().map(|z| bare_id(z.id()).to_string()));
        }
        Ok(out)
    }
}

fn attrs(partition: &str, id: &str, zone: Option<&HostedZone>, p: &ZoneProps, name_servers: Vec<String>) -> ZoneAttrs {
    let name = zone.map_or(p.name.as_str(), |z| z.name()).trim_end_matches('.').to_string();
    ZoneAttrs { zone_id: id.to_string(), arn: format!("arn:{partition}:route53:::hostedzone/{id}"), name, name_servers }
}
