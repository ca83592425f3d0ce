//! `apigateway.domain_name`: a custom domain (`api.example.com`) for REST APIs, served by
//! a regional endpoint (an ACM certificate of this region, `regional_certificate_arn`) or
//! an edge-optimized one through CloudFront (a certificate of us-east-1,
//! `certificate_arn`). Point the domain's DNS at `regional_domain_name` (or
//! `distribution_domain_name` for `EDGE`), a Route 53 alias with the matching hosted zone
//! id, and put APIs on it with `apigateway.base_path_mapping`. Certificates and the TLS
//! policy change in place; the name and the endpoint type replace it.

use async_trait::async_trait;
use aws_sdk_apigateway::operation::get_domain_name::GetDomainNameOutput;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, Op, PatchOperation, SecurityPolicy};

use super::{live_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Caller, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError, Skip};

props! {
    pub struct DomainNameProps {
        /// The custom domain, lower case (`api.example.com`, `*.example.com`).
        domain_name: String => required, replace, check(Check::MaxLen(253));
        /// `REGIONAL` (served from this region) or `EDGE` (through CloudFront).
        endpoint_type: String => default("REGIONAL"), replace, check(Check::OneOf(&["REGIONAL", "EDGE"]));
        /// For `REGIONAL`: an ACM certificate of this region that covers the domain.
        regional_certificate_arn: Option<String> => optional, check(Check::Arn);
        /// For `EDGE`: an ACM certificate of us-east-1 that covers the domain.
        certificate_arn: Option<String> => optional, check(Check::Arn);
        /// The oldest TLS version clients may use: `TLS_1_2` or `TLS_1_0`.
        security_policy: String => default("TLS_1_2"), check(Check::OneOf(&["TLS_1_2", "TLS_1_0"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct DomainNameAttrs {
        /// The custom domain, what a mapping names.
        domain_name: String,
        arn: String,
        /// Where the domain's DNS points for `REGIONAL` (`d-abc123.execute-api.REGION.amazonaws.com`).
        regional_domain_name: String,
        /// The hosted zone of `regional_domain_name`, for a Route 53 alias record.
        regional_hosted_zone_id: String,
        /// Where the domain's DNS points for `EDGE` (`d123.cloudfront.net`).
        distribution_domain_name: String,
        /// The hosted zone of `distribution_domain_name`, for a Route 53 alias record.
        distribution_hosted_zone_id: String,
    }
}

pub struct DomainName;

fn arn(at: &Caller, name: &str) -> String {
    format!("arn:{}:apigateway:{}::/domainnames/{name}", at.partition, at.region)
}

fn attrs(name: &str, d: &GetDomainNameOutput, at: &Caller) -> DomainNameAttrs {
    let text = |v: Option<&str>| v.unwrap_or_default().to_string();
    DomainNameAttrs {
        domain_name: name.to_string(),
        arn: d.domain_name_arn().map_or_else(|| arn(at, name), str::to_string),
        regional_domain_name: text(d.regional_domain_name()),
        regional_hosted_zone_id: text(d.regional_hosted_zone_id()),
        distribution_domain_name: text(d.distribution_domain_name()),
        distribution_hosted_zone_id: text(d.distribution_hosted_zone_id()),
    }
}

fn replace(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder().op(Op::Replace).path(path).value(value).build()
}

async fn get(cx: &Ctx<'_>, name: &str) -> Result<Option<GetDomainNameOutput>, ResourceError> {
    let out = cx.aws.apigateway().get_domain_name().domain_name(name).send().await;
    Ok(out.found("GetDomainName", |e| e.is_not_found_exception())?)
}

#[async_trait]
impl Resource for DomainName {
    type Props = DomainNameProps;
    type Attrs = DomainNameAttrs;
    const TYPE: &'static str = "apigateway.domain_name";
    const IDENTITY: Identity = Identity::Named("domain_name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.certificate]
type = "acm.certificate"
domain_name = "*.rest.example.com"
wait_for_validation = false

[resources.renewed]
type = "acm.certificate"
domain_name = "*.rest.example.com"
wait_for_validation = false

[resources.example]
type = "apigateway.domain_name"
domain_name = "api.rest.example.com"
regional_certificate_arn = "${resources.certificate.arn}"
"#,
        updates: &["regional_certificate_arn = \"${resources.renewed.arn}\"", "security_policy = \"TLS_1_0\""],
        replace: Some("domain_name = \"api2.rest.example.com\""),
        skip: &[(
            Skip::Tags,
            "moto has no API Gateway TagResource (it answers 404): tags are set at creation and read back, but changing them in place cannot be run here",
        )],
    };

    fn check(&self, p: &DomainNameProps) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Some(e) = super::domain_problem(&p.domain_name) {
            out.push(("domain_name".into(), e));
        }
        let (wanted, other) = match p.endpoint_type.as_str() {
            "EDGE" => ("certificate_arn", "regional_certificate_arn"),
            _ => ("regional_certificate_arn", "certificate_arn"),
        };
        let given = |f: &str| if f == "certificate_arn" { p.certificate_arn.is_some() } else { p.regional_certificate_arn.is_some() };
        if !given(wanted) {
            out.push((wanted.into(), format!("a `{}` domain name needs `{wanted}`", p.endpoint_type)));
        }
        if given(other) {
            out.push((other.into(), format!("a `{}` domain name takes `{wanted}`, not `{other}`", p.endpoint_type)));
        }
        out
    }

    fn early(&self, p: &DomainNameProps, at: &Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.domain_name.clone()), ("domain_name", p.domain_name.clone()), ("arn", arn(at, &p.domain_name))]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &DomainNameProps) -> Result<Created<DomainNameAttrs>, ResourceError> {
        cx.aws
            .apigateway()
            .create_domain_name()
            .domain_name(&p.domain_name)
            .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::from(p.endpoint_type.as_str())).build())
            .set_regional_certificate_arn(p.regional_certificate_arn.clone())
            .set_certificate_arn(p.certificate_arn.clone())
            .security_policy(SecurityPolicy::from(p.security_policy.as_str()))
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateDomainName")?;
        // One read gives the attributes in the form `read` reports them.
        let d = get(cx, &p.domain_name).await?.ok_or_else(|| ResourceError::Invalid(format!("domain name {} vanished", p.domain_name)))?;
        let at = cx.aws.identity().await?;
        Ok(Created::new(&p.domain_name, attrs(&p.domain_name, &d, at)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &DomainNameProps,
    ) -> Result<Option<Observed<DomainNameProps, DomainNameAttrs>>, ResourceError> {
        let Some(d) = get(cx, id).await? else { return Ok(None) };
        let types = d.endpoint_configuration().map(|e| e.types()).unwrap_or_default();
        let props = DomainNameProps {
            domain_name: d.domain_name().unwrap_or(id).to_string(),
            endpoint_type: types.first().map_or("EDGE", |t| t.as_str()).to_string(),
            regional_certificate_arn: d.regional_certificate_arn().map(str::to_string),
            certificate_arn: d.certificate_arn().map(str::to_string),
            security_policy: d.security_policy().map_or("TLS_1_2", |s| s.as_str()).to_string(),
            tags: live_tags(d.tags()),
        };
        let at = cx.aws.identity().await?;
        Ok(Some(Observed { attrs: attrs(id, &d, at), props }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &DomainNameProps,
        new: &DomainNameProps,
    ) -> Result<Option<DomainNameAttrs>, ResourceError> {
        let mut patch = Vec::new();
        if let Some(arn) = new.regional_certificate_arn.as_ref().filter(|a| old.regional_certificate_arn.as_ref() != Some(*a)) {
            patch.push(replace("/regionalCertificateArn", arn));
        }
        if let Some(arn) = new.certificate_arn.as_ref().filter(|a| old.certificate_arn.as_ref() != Some(*a)) {
            patch.push(replace("/certificateArn", arn));
        }
        if old.security_policy != new.security_policy {
            patch.push(replace("/securityPolicy", &new.security_policy));
        }
        if !patch.is_empty() {
            let req = cx.aws.apigateway().update_domain_name().domain_name(id).set_patch_operations(Some(patch));
            req.send().await.api("UpdateDomainName")?;
        }
        sync_tags(cx, &format!("/domainnames/{id}"), &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &DomainNameProps) -> Result<(), ResourceError> {
        let req = cx.aws.apigateway().delete_domain_name().domain_name(id);
        req.send().await.found("DeleteDomainName", |e| e.is_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.apigateway().get_domain_names().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("GetDomainNames")?.items().iter().filter_map(|d| d.domain_name().map(str::to_string)));
        }
        Ok(out)
    }
}
