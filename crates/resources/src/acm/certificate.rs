//! `acm.certificate`: a public certificate validated through DNS. The create waits until
//! AWS names the validation records (outputs, to create at the DNS host) and, unless
//! `wait_for_validation = false` (dev, no DNS yet), until the certificate is issued.
//! Only tags change in place.

use async_trait::async_trait;
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus, CertificateType, Filters, KeyAlgorithm, Tag, ValidationMethod};

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Resource, ResourceError};

props! {
    pub struct CertificateProps {
        domain_name: String => required, replace, check(Check::MaxLen(253));
        /// Further names the certificate covers (`www.example.com`, `*.example.com`).
        subject_alternative_names: Vec<String> => default([]), replace;
        /// `DNS` (a CNAME per name, renewed automatically) or `EMAIL`.
        validation_method: String => default("DNS"), replace, check(Check::OneOf(&["DNS", "EMAIL"]));
        /// Wait until AWS has issued the certificate (its validation records exist).
        wait_for_validation: bool => default(true);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct CertificateAttrs {
        arn: String,
        domain_name: String,
        /// One `NAME CNAME VALUE` line per name to validate: the records to create.
        validation_records: Vec<String>,
        /// The name of `domain_name`'s DNS validation record (a `route53.record`'s `name`).
        validation_record_name: Option<String>,
        /// The type of that record (`CNAME`).
        validation_record_type: Option<String>,
        /// The value of that record. A record made in the same run as the certificate
        /// needs `wait_for_validation = false`: AWS issues it once the record resolves.
        validation_record_value: Option<String>,
    }
}

pub struct Certificate;

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Ok(Tag::builder().key(k).value(v).build()?)).collect()
}

fn records(c: &CertificateDetail) -> Option<Vec<String>> {
    let options = c.domain_validation_options();
    let records: Vec<String> =
        options.iter().filter_map(|o| o.resource_record()).map(|r| format!("{} {} {}", r.name(), r.r#type().as_str(), r.value())).collect();
    (!options.is_empty() && records.len() == options.len()).then_some(records)
}

fn attrs(c: &CertificateDetail, p: &CertificateProps) -> CertificateAttrs {
    let mut validation_records = records(c).unwrap_or_default();
    validation_records.sort();
    validation_records.dedup();
    let domain = c.domain_name().unwrap_or(&p.domain_name);
    let own = c.domain_validation_options().iter().find(|o| o.domain_name() == domain).and_then(|o| o.resource_record());
    CertificateAttrs {
        arn: c.certificate_arn().unwrap_or_default().to_string(),
        domain_name: domain.to_string(),
        validation_records,
        validation_record_name: own.map(|r| r.name().to_string()),
        validation_record_type: own.map(|r| r.r#type().as_str().to_string()),
        validation_record_value: own.map(|r| r.value().to_string()),
    }
}

async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<CertificateDetail>, ResourceError> {
    let out = cx
        .aws
        .acm()
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .found("DescribeCertificate", |e| e.is_resource_not_found_exception())?;
    Ok(out.and_then(|o| o.certificate))
}

async fn live_tags(cx: &Ctx<'_>, arn: &str) -> Result<Tags, ResourceError> {
    let out = cx.aws.acm().list_tags_for_certificate().certificate_arn(arn).send().await.api("ListTagsForCertificate")?;
    Ok(tags::live(out.tags().iter().map(|t| (t.key(), t.value().unwrap_or_default()))))
}

#[async_trait]
impl Resource for Certificate {
    type Props = CertificateProps;
    type Attrs = CertificateAttrs;
    const TYPE: &'static str = "acm.certificate";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "acm.certificate"
domain_name = "insights.example.com"
subject_alternative_names = ["www.insights.example.com"]
wait_for_validation = false
"#,
        updates: &[],
        replace: Some("domain_name = \"insights-2.example.com\""),
        skip: &[],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &CertificateProps) -> Result<Option<String>, ResourceError> {
        let mut pages = cx.aws.acm().list_certificates().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListCertificates")?;
            for summary in page.certificate_summary_list().iter().filter(|s| s.domain_name() == Some(p.domain_name.as_str())) {
                let Some(arn) = summary.certificate_arn() else { continue };
                if tags::same_owner(&live_tags(cx, arn).await?, &p.tags) {
                    return Ok(Some(arn.to_string()));
                }
            }
        }
        Ok(None)
    }

    async fn create(&self, cx: &Ctx<'_>, p: &CertificateProps) -> Result<Created<CertificateAttrs>, ResourceError> {
        // ACM's idempotency token is at most 32 word characters.
        let token: Option<String> = cx.token.map(|t| t.chars().filter(char::is_ascii_alphanumeric).take(32).collect());
        let out = cx
            .aws
            .acm()
            .request_certificate()
            .domain_name(&p.domain_name)
            .set_subject_alternative_names((!p.subject_alternative_names.is_empty()).then(|| p.subject_alternative_names.clone()))
            .validation_method(ValidationMethod::from(p.validation_method.as_str()))
            .set_idempotency_token(token)
            .set_tags((!p.tags.is_empty()).then(|| sdk_tags(&p.tags)).transpose()?)
            .send()
            .await
            .api("RequestCertificate")?;
        let arn = out.certificate_arn().unwrap_or_default().to_string();
        let what = format!("certificate {}", p.domain_name);
        let dns = p.validation_method == "DNS";
        let cert = cx
            .wait_ready(&what, || async {
                Ok(match describe(cx, &arn).await? {
                    None => Poll::Gone,
                    Some(c) if matches!(c.status(), Some(CertificateStatus::Failed | CertificateStatus::ValidationTimedOut)) => {
                        Poll::Failed(c.failure_reason().map_or("no reason given", |r| r.as_str()).to_string())
                    }
                    Some(c) if p.wait_for_validation && c.status() != Some(&CertificateStatus::Issued) => Poll::Pending,
                    Some(c) if dns && records(&c).is_none() => Poll::Pending,
                    Some(c) => Poll::Ready(c),
                })
            })
            .await?;
        Ok(Created::new(&arn, attrs(&cert, p)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &CertificateProps,
    ) -> Result<Option<Observed<CertificateProps, CertificateAttrs>>, ResourceError> {
        let Some(c) = describe(cx, id).await? else { return Ok(None) };
        // AWS lists the domain name among the alternative names; the manifest need not.
        let with_domain = p.subject_alternative_names.contains(&p.domain_name);
        let mut sans: Vec<String> =
            c.subject_alternative_names().iter().filter(|n| with_domain || Some(n.as_str()) != c.domain_name()).cloned().collect();
        sans.sort();
        let mut wanted = p.subject_alternative_names.clone();
        wanted.sort();
        let props = CertificateProps {
            domain_name: c.domain_name().unwrap_or(&p.domain_name).to_string(),
            subject_alternative_names: if sans == wanted { p.subject_alternative_names.clone() } else { sans },
            validation_method: c
                .domain_validation_options()
                .first()
                .and_then(|o| o.validation_method())
                .map(|m| m.as_str().to_string())
                .unwrap_or_else(|| p.validation_method.clone()),
            // Read from the id alone (discover; a manifest always names the domain), one
            // still pending validation was made without waiting for it.
            wait_for_validation: if p.domain_name.is_empty() {
                c.status() != Some(&CertificateStatus::PendingValidation)
            } else {
                p.wait_for_validation
            },
            tags: live_tags(cx, id).await?,
        };
        Ok(Some(Observed { attrs: attrs(&c, p), props }))
    }

    /// Certificates AWS issued on request, of every key type (ListCertificates shows
    /// RSA 2048 alone unless asked); imported and private ones are not this type's.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let key_types = KeyAlgorithm::values().iter().map(|k| KeyAlgorithm::from(*k)).collect();
        let includes = Filters::builder().set_key_types(Some(key_types)).build();
        let mut out = Vec::new();
        let mut pages = cx.aws.acm().list_certificates().includes(includes).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListCertificates")?;
            let requested =
                page.certificate_summary_list().iter().filter(|s| s.r#type().is_none_or(|t| t == &CertificateType::AmazonIssued));
            out.extend(requested.filter_map(|s| s.certificate_arn()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &CertificateProps,
        new: &CertificateProps,
    ) -> Result<Option<CertificateAttrs>, ResourceError> {
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        let acm = cx.aws.acm();
        if !set.is_empty() {
            acm.add_tags_to_certificate().certificate_arn(id).set_tags(Some(sdk_tags(&set)?)).send().await.api("AddTagsToCertificate")?;
        }
        if !remove.is_empty() {
            let keys = remove.iter().map(|k| Tag::builder().key(k).build()).collect::<Result<Vec<_>, _>>()?;
            acm.remove_tags_from_certificate().certificate_arn(id).set_tags(Some(keys)).send().await.api("RemoveTagsFromCertificate")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &CertificateProps) -> Result<(), ResourceError> {
        let req = cx.aws.acm().delete_certificate().certificate_arn(id);
        req.send().await.found("DeleteCertificate", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
