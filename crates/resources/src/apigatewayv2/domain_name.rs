//! `apigatewayv2.domain_name`: a custom domain (`api.example.com`) for HTTP and WebSocket
//! APIs, served by a regional endpoint with an ACM certificate of the same region that
//! covers the name. Point the domain's DNS at `regional_domain_name` (a Route 53 alias
//! with `regional_hosted_zone_id`) and put APIs on it with `apigatewayv2.api_mapping`.
//! The certificate and the TLS policy change in place; the name replaces it.

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{DomainNameConfiguration, EndpointType, SecurityPolicy};

use super::{live_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Caller, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct DomainNameProps {
        /// The custom domain, lower case (`api.example.com`, `*.example.com`).
        domain_name: String => required, replace, check(Check::MaxLen(253));
        /// An ACM certificate of this region that covers the domain.
        certificate_arn: String => required, check(Check::Arn);
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
        /// Where the domain's DNS points (`d-abc123.execute-api.REGION.amazonaws.com`).
        regional_domain_name: String,
        /// The hosted zone of `regional_domain_name`, for a Route 53 alias record.
        regional_hosted_zone_id: String,
    }
}

pub struct DomainName;

fn arn(at: &Caller, name: &str) -> String {
    format!("arn:{}:apigateway:{}::/domainnames/{name}", at.partition, at.region)
}

fn configuration(p: &DomainNameProps) -> DomainNameConfiguration {
    DomainNameConfiguration::builder()
        .certificate_arn(&p.certificate_arn)
        .endpoint_type(EndpointType::Regional)
        .security_policy(SecurityPolicy::from(p.security_policy.as_str()))
        .build()
}

fn attrs(name: &str, arn: Option<&str>, c: Option<&DomainNameConfiguration>, at: &Caller) -> DomainNameAttrs {
    DomainNameAttrs {
        domain_name: name.to_string(),
        arn: arn.map_or_else(|| self::arn(at, name), str::to_string),
        regional_domain_name: c.and_then(|c| c.api_gateway_domain_name()).unwrap_or_default().to_string(),
        regional_hosted_zone_id: c.and_then(|c| c.hosted_zone_id()).unwrap_or_default().to_string(),
    }
}

#[async_trait]
impl Resource for DomainName {
    type Props = DomainNameProps;
    type Attrs = DomainNameAttrs;
    const TYPE: &'static str = "apigatewayv2.domain_name";
    const IDENTITY: Identity = Identity::Named("domain_name");
    const CHECK_READS: &'static [&'static str] = &["domain_name"];
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.certificate]
type = "acm.certificate"
domain_name = "api.conformance.example.com"
wait_for_validation = false

[resources.renewed]
type = "acm.certificate"
domain_name = "api.conformance.example.com"
wait_for_validation = false

[resources.example]
type = "apigatewayv2.domain_name"
domain_name = "api.conformance.example.com"
certificate_arn = "${resources.certificate.arn}"
"#,
        updates: &["certificate_arn = \"${resources.renewed.arn}\"", "security_policy = \"TLS_1_0\""],
        replace: Some("domain_name = \"api2.conformance.example.com\""),
        skip: &[],
    };

    fn check(&self, p: &DomainNameProps) -> Vec<Problem> {
        crate::apigateway::domain_problem(&p.domain_name).map(|e| vec![("domain_name".into(), e)]).unwrap_or_default()
    }

    fn early(&self, p: &DomainNameProps, at: &Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.domain_name.clone()), ("domain_name", p.domain_name.clone()), ("arn", arn(at, &p.domain_name))]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &DomainNameProps) -> Result<Created<DomainNameAttrs>, ResourceError> {
        let out = cx
            .aws
            .apigatewayv2()
            .create_domain_name()
            .domain_name(&p.domain_name)
            .domain_name_configurations(configuration(p))
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateDomainName")?;
        let at = cx.aws.identity().await?;
        let attrs = attrs(&p.domain_name, out.domain_name_arn(), out.domain_name_configurations().first(), at);
        Ok(Created::new(&p.domain_name, attrs))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &DomainNameProps,
    ) -> Result<Option<Observed<DomainNameProps, DomainNameAttrs>>, ResourceError> {
        let out = cx.aws.apigatewayv2().get_domain_name().domain_name(id).send().await;
        let Some(d) = out.found("GetDomainName", |e| e.is_not_found_exception())? else { return Ok(None) };
        let c = d.domain_name_configurations().first();
        let props = DomainNameProps {
            domain_name: d.domain_name().unwrap_or(id).to_string(),
            certificate_arn: c.and_then(|c| c.certificate_arn()).unwrap_or_default().to_string(),
            security_policy: c.and_then(|c| c.security_policy()).map_or("TLS_1_2", |s| s.as_str()).to_string(),
            tags: live_tags(d.tags()),
        };
        let at = cx.aws.identity().await?;
        Ok(Some(Observed { attrs: attrs(id, d.domain_name_arn(), c, at), props }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &DomainNameProps,
        new: &DomainNameProps,
    ) -> Result<Option<DomainNameAttrs>, ResourceError> {
        if (&old.certificate_arn, &old.security_policy) != (&new.certificate_arn, &new.security_policy) {
            let req = cx.aws.apigatewayv2().update_domain_name().domain_name(id).domain_name_configurations(configuration(new));
            req.send().await.api("UpdateDomainName")?;
        }
        sync_tags(cx, &format!("/domainnames/{id}"), &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &DomainNameProps) -> Result<(), ResourceError> {
        let req = cx.aws.apigatewayv2().delete_domain_name().domain_name(id);
        req.send().await.found("DeleteDomainName", |e| e.is_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = cx.aws.apigatewayv2().get_domain_names().set_next_token(token).send().await.api("GetDomainNames")?;
            out.extend(page.items().iter().filter_map(|d| d.domain_name().map(str::to_string)));
            match page.next_token() {
                Some(t) if !page.items().is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
    }
}
