//! `route53.record`: one record set of a hosted zone: a name and type with either a TTL
//! and values (`records`) or an `alias` to an AWS resource (a load balancer, a CloudFront
//! distribution, another record of the zone). A record is its zone, name, type and, for
//! weighted routing, `set_identifier`: changing any of them creates a new record and
//! deletes the old one; the TTL, values, alias and weight change in place (UPSERT). An
//! `acm.certificate`'s `validation_record_name`, `validation_record_type` and
//! `validation_record_value` make its DNS validation record. The id is
//! `ZONEID_NAME_TYPE` (`_SETIDENTIFIER` appended for a weighted record), as `infra import`
//! takes it.

use async_trait::async_trait;
use aws_sdk_route53::types::{
    AliasTarget as SdkAlias, Change, ChangeAction, ChangeBatch, ChangeStatus, ResourceRecord, ResourceRecordSet, RrType,
};

use super::zone::{bare_id, fqdn, same_name};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Problem, Resource, ResourceError};

/// The record types Route 53 serves.
const TYPES: &[&str] =
    &["A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"];

props! {
    /// Where an alias record points: an AWS resource's DNS name and the hosted zone that
    /// name is in (not the zone of the record).
    pub struct AliasTarget {
        /// The target's DNS name (a load balancer's `dns_name`, a distribution's `domain_name`).
        dns_name: String => required, check(Check::MaxLen(1024));
        /// The target's hosted zone id (a load balancer's `canonical_hosted_zone_id`;
        /// `Z2FDTNDATAQYW2` for every CloudFront distribution).
        zone_id: String => required, check(Check::MaxLen(44));
        /// Answer only while the target is healthy.
        evaluate_target_health: bool => default(false);
    }
}

props! {
    pub struct RecordProps {
        /// The hosted zone (`${resources.zone.zone_id}`).
        zone_id: String => required, replace, check(Check::MaxLen(44));
        /// The full name (`www.example.com`), in the zone; a trailing dot is optional.
        name: String => required, replace, check(Check::MaxLen(1024));
        /// `A`, `AAAA`, `CNAME`, `TXT`, `MX`, ...
        record_type: String => required, replace, check(Check::OneOf(TYPES));
        /// Seconds resolvers may cache the answer; required with `records`, not allowed with `alias`.
        ttl: Option<i64> => optional, check(Check::Range { min: 0, max: 2147483647 });
        /// The values, in the type's format (a TXT value in double quotes: `"\"v=spf1 -all\""`).
        records: Vec<String> => default([]);
        /// Instead of `ttl` and `records`: answer with the addresses of an AWS resource.
        alias: Option<AliasTarget> => optional;
        /// Weighted routing: tells apart the records of one name and type (empty: not weighted).
        set_identifier: String => default(""), replace, check(Check::MaxLen(128));
        /// Weighted routing: this record's share of answers, relative to the others'.
        weight: Option<i64> => optional, check(Check::Range { min: 0, max: 255 });
    }
}

attrs! {
    pub struct RecordAttrs {
        /// The full name, without the trailing dot.
        fqdn: String,
    }
}

pub struct Record;

/// What an id names: zone, name, type and set identifier.
struct Key {
    zone: String,
    name: String,
    record_type: String,
    set: Option<String>,
}

impl Key {
    fn of(p: &RecordProps) -> Key {
        Key {
            zone: bare_id(&p.zone_id).to_string(),
            name: p.name.trim_end_matches('.').to_string(),
            record_type: p.record_type.clone(),
            set: (!p.set_identifier.is_empty()).then(|| p.set_identifier.clone()),
        }
    }

    /// `ZONE_NAME_TYPE[_SET]`. Names may hold `_` (`_abc.example.com`), types never do:
    /// the first part after the zone that is a type ends the name.
    fn parse(id: &str) -> Option<Key> {
        let parts: Vec<&str> = id.split('_').collect();
        let at = (2..parts.len()).find(|&i| TYPES.contains(&parts[i]))?;
        let set = (at + 1 < parts.len()).then(|| parts[at + 1..].join("_"));
        Some(Key { zone: parts[0].to_string(), name: parts[1..at].join("_"), record_type: parts[at].to_string(), set })
    }

    fn id(&self) -> String {
        let base = format!("{}_{}_{}", self.zone, self.name, self.record_type);
        match &self.set {
            Some(s) => format!("{base}_{s}"),
            None => base,
        }
    }

    fn matches(&self, r: &ResourceRecordSet) -> bool {
        same_name(&unescape(r.name()), &self.name) && r.r#type().as_str() == self.record_type && r.set_identifier() == self.set.as_deref()
    }
}

/// Route 53 answers names with characters outside `a-z0-9-_.` escaped as octal
/// (`*.example.com` as `\052.example.com`).
pub(crate) fn unescape(name: &str) -> String {
    let mut out = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        let digits: String = chars.clone().take(3).collect();
        if c == '\\' && digits.len() == 3 && digits.chars().all(|d| ('0'..='7').contains(&d)) {
            if let Some(ch) = u32::from_str_radix(&digits, 8).ok().and_then(char::from_u32) {
                out.push(ch);
                chars.nth(2);
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Every record set of a zone.
pub(crate) async fn all(cx: &Ctx<'_>, zone: &str) -> Result<Vec<ResourceRecordSet>, ResourceError> {
    let mut out = Vec::new();
    let (mut name, mut rtype, mut ident) = (None, None, None);
    loop {
        let page = cx
            .aws
            .route53()
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .set_start_record_name(name)
            .set_start_record_type(rtype)
            .set_start_record_identifier(ident)
            .send()
            .await
            .api("ListResourceRecordSets")?;
        out.extend(page.resource_record_sets().iter().cloned());
        if !page.is_truncated() {
            return Ok(out);
        }
        name = page.next_record_name().map(str::to_string);
        rtype = page.next_record_type().cloned();
        ident = page.next_record_identifier().map(str::to_string);
    }
}

/// The record set a key names, as it is live; `None` when it (or its zone) is gone.
async fn live(cx: &Ctx<'_>, key: &Key) -> Result<Option<ResourceRecordSet>, ResourceError> {
    let page = cx
        .aws
        .route53()
        .list_resource_record_sets()
        .hosted_zone_id(&key.zone)
        .start_record_name(fqdn(&key.name))
        .start_record_type(RrType::from(key.record_type.as_str()))
        .set_start_record_identifier(key.set.clone())
        .send()
        .await
        .found("ListResourceRecordSets", |e| e.is_no_such_hosted_zone())?;
    let Some(page) = page else { return Ok(None) };
    if let Some(r) = page.resource_record_sets().iter().find(|r| key.matches(r)) {
        return Ok(Some(r.clone()));
    }
    // More records of this name and type than one page holds (weighted sets): read on.
    if page.is_truncated() && page.next_record_name().is_some_and(|n| same_name(&unescape(n), &key.name)) {
        return Ok(all(cx, &key.zone).await?.into_iter().find(|r| key.matches(r)));
    }
    Ok(None)
}

fn record_set(p: &RecordProps) -> Result<ResourceRecordSet, ResourceError> {
    let alias = match &p.alias {
        Some(a) => {
            let target =
                SdkAlias::builder().dns_name(&a.dns_name).hosted_zone_id(&a.zone_id).evaluate_target_health(a.evaluate_target_health);
            Some(target.build()?)
        }
        None => None,
    };
    let records = p.records.iter().map(|v| ResourceRecord::builder().value(v).build()).collect::<Result<Vec<_>, _>>()?;
    Ok(ResourceRecordSet::builder()
        .name(fqdn(&p.name))
        .r#type(RrType::from(p.record_type.as_str()))
        .set_ttl(p.ttl.filter(|_| alias.is_none()))
        .set_resource_records((alias.is_none()).then_some(records))
        .set_alias_target(alias)
        .set_set_identifier((!p.set_identifier.is_empty()).then(|| p.set_identifier.clone()))
        .set_weight(p.weight)
        .build()?)
}

/// Send one change and wait until Route 53 has it on its name servers.
async fn change(cx: &Ctx<'_>, zone: &str, action: ChangeAction, set: ResourceRecordSet) -> Result<(), ResourceError> {
    let what = format!("{} {} {}", action.as_str(), set.name(), set.r#type().as_str());
    let batch = ChangeBatch::builder().changes(Change::builder().action(action).resource_record_set(set).build()?).build()?;
    let r53 = cx.aws.route53();
    let out = r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await.api("ChangeResourceRecordSets")?;
    let Some(id) = out.change_info().map(|c| c.id().to_string()) else { return Ok(()) };
    cx.wait_ready(&what, || async {
        let got = r53.get_change().id(&id).send().await.api("GetChange")?;
        Ok(match got.change_info().map(|c| c.status()) {
            Some(ChangeStatus::Pending) => Poll::Pending,
            _ => Poll::Ready(()),
        })
    })
    .await
}

fn props_of(r: &ResourceRecordSet, key: &Key, p: &RecordProps) -> RecordProps {
    let records: Vec<String> = r.resource_records().iter().map(|v| v.value().to_string()).collect();
    let (mut live_sorted, mut wanted) = (records.clone(), p.records.clone());
    live_sorted.sort();
    wanted.sort();
    let alias = r.alias_target().map(|a| AliasTarget {
        // Route 53 answers with the name lowercased and a trailing dot.
        dns_name: match &p.alias {
            Some(w) if same_name(&w.dns_name, a.dns_name()) => w.dns_name.clone(),
            _ => a.dns_name().trim_end_matches('.').to_string(),
        },
        zone_id: a.hosted_zone_id().to_string(),
        evaluate_target_health: a.evaluate_target_health(),
    });
    let name = unescape(r.name());
    RecordProps {
        zone_id: if bare_id(&p.zone_id) == key.zone { p.zone_id.clone() } else { key.zone.clone() },
        name: if same_name(&p.name, &name) { p.name.clone() } else { name.trim_end_matches('.').to_string() },
        record_type: r.r#type().as_str().to_string(),
        ttl: r.ttl(),
        records: if live_sorted == wanted { p.records.clone() } else { records },
        alias,
        set_identifier: r.set_identifier().unwrap_or_default().to_string(),
        weight: r.weight(),
    }
}

#[async_trait]
impl Resource for Record {
    type Props = RecordProps;
    type Attrs = RecordAttrs;
    const TYPE: &'static str = "route53.record";
    const IDENTITY: Identity = Identity::Unique(&["zone_id", "record_type", "set_identifier", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.zone]
type = "route53.zone"
name = "conformance.example.com"

[resources.certificate]
type = "acm.certificate"
domain_name = "app.conformance.example.com"
# Issued once the record below resolves, after this run.
wait_for_validation = false

# The certificate's DNS validation record.
[resources.example]
type = "route53.record"
zone_id = "${resources.zone.zone_id}"
name = "${resources.certificate.validation_record_name}"
record_type = "${resources.certificate.validation_record_type}"
ttl = 300
records = ["${resources.certificate.validation_record_value}"]
"#,
        updates: &["ttl = 60", "records = [\"${resources.certificate.validation_record_value}\", \"validation.example.net.\"]"],
        replace: Some("name = \"app.conformance.example.com\""),
        skip: &[],
    };

    fn check(&self, p: &RecordProps) -> Vec<Problem> {
        let mut out = Vec::new();
        match (&p.alias, p.ttl, p.records.is_empty()) {
            (Some(_), Some(_), _) => out.push(("ttl".into(), "an alias record has no TTL of its own: drop `ttl`".into())),
            (Some(_), None, false) => out.push(("records".into(), "an alias record has no values of its own: drop `records`".into())),
            (None, None, _) => out.push(("ttl".into(), "a record with `records` needs a `ttl` (or use `alias`)".into())),
            (None, Some(_), true) => out.push(("records".into(), "a record needs at least one value in `records` (or use `alias`)".into())),
            _ => {}
        }
        if p.weight.is_some() == p.set_identifier.is_empty() {
            out.push(("weight".into(), "weighted routing takes both `weight` and `set_identifier`".into()));
        }
        out
    }

    async fn find(&self, cx: &Ctx<'_>, p: &RecordProps) -> Result<Option<String>, ResourceError> {
        let key = Key::of(p);
        Ok(live(cx, &key).await?.map(|_| key.id()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RecordProps) -> Result<Created<RecordAttrs>, ResourceError> {
        let key = Key::of(p);
        // CREATE, not UPSERT: a record made outside infra is refused, not overwritten.
        change(cx, &key.zone, ChangeAction::Create, record_set(p)?).await?;
        Ok(Created::new(key.id(), RecordAttrs { fqdn: key.name.clone() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RecordProps) -> Result<Option<Observed<RecordProps, RecordAttrs>>, ResourceError> {
        let key = Key::parse(id).ok_or_else(|| {
            ResourceError::Invalid(format!("`{id}` is not a record id: ZONEID_NAME_TYPE, or ZONEID_NAME_TYPE_SETIDENTIFIER"))
        })?;
        let Some(r) = live(cx, &key).await? else { return Ok(None) };
        Ok(Some(Observed {
            props: props_of(&r, &key, p),
            attrs: RecordAttrs { fqdn: unescape(r.name()).trim_end_matches('.').to_string() },
        }))
    }

    async fn update(&self, cx: &Ctx<'_>, _id: &str, _old: &RecordProps, new: &RecordProps) -> Result<Option<RecordAttrs>, ResourceError> {
        change(cx, &Key::of(new).zone, ChangeAction::Upsert, record_set(new)?).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &RecordProps) -> Result<(), ResourceError> {
        let key = Key::parse(id).unwrap_or_else(|| Key::of(p));
        // A DELETE must repeat the record exactly as it is: what is live, not what was applied.
        let Some(r) = live(cx, &key).await? else { return Ok(()) };
        change(cx, &key.zone, ChangeAction::Delete, r).await
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let zones = super::zone::Zone.list(cx).await?;
        let mut out = Vec::new();
        for zone in zones {
            let Some(got) =
                cx.aws.route53().get_hosted_zone().id(&zone).send().await.found("GetHostedZone", |e| e.is_no_such_hosted_zone())?
            else {
                continue;
            };
            let apex = got.hosted_zone().map(|z| z.name().to_string()).unwrap_or_default();
            // The zone's own SOA and NS come and go with it.
            for r in all(cx, &zone).await?.iter().filter(|r| !(same_name(r.name(), &apex) && matches!(r.r#type().as_str(), "SOA" | "NS"))) {
                let key = Key {
                    zone: zone.clone(),
                    name: unescape(r.name()).trim_end_matches('.').to_string(),
                    record_type: r.r#type().as_str().to_string(),
                    set: r.set_identifier().map(str::to_string),
                };
                out.push(key.id());
            }
        }
        Ok(out)
    }
}
