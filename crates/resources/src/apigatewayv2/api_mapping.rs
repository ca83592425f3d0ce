//! `apigatewayv2.api_mapping`: serves an API's stage on a custom domain
//! (`apigatewayv2.domain_name`), at the domain's root or under a path
//! (`api_mapping_key = "orders"`: `https://api.example.com/orders/...`). The API, stage and
//! path change in place; the domain replaces it.

use async_trait::async_trait;

use crate::aws::SdkResultExt;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct ApiMappingProps {
        /// The custom domain (an `apigatewayv2.domain_name`'s `domain_name`).
        domain_name: String => required, replace;
        /// The API served there.
        api_id: String => required;
        /// The API's stage served there (`$default`).
        stage: String => required;
        /// The path under the domain the API answers at (`orders`, `orders/v2`); empty for
        /// the domain's root.
        api_mapping_key: String => default("");
    }
}

attrs! {
    pub struct ApiMappingAttrs {
        /// AWS's id of the mapping (the resource's id is `DOMAIN/MAPPING_ID`).
        api_mapping_id: String,
    }
}

pub struct ApiMapping;

/// The domain and mapping an id (`DOMAIN/MAPPING_ID`) names; domain names hold no `/`.
fn parts(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or(("", id))
}

#[async_trait]
impl Resource for ApiMapping {
    type Props = ApiMappingProps;
    type Attrs = ApiMappingAttrs;
    const TYPE: &'static str = "apigatewayv2.api_mapping";
    const IDENTITY: Identity = Identity::Unique(&["domain_name", "api_mapping_key"]);
    const CHECK_READS: &'static [&'static str] = &["api_mapping_key"];
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.certificate]
type = "acm.certificate"
domain_name = "*.mapping.example.com"
wait_for_validation = false

[resources.domain]
type = "apigatewayv2.domain_name"
domain_name = "api.mapping.example.com"
certificate_arn = "${resources.certificate.arn}"

[resources.other_domain]
type = "apigatewayv2.domain_name"
domain_name = "api2.mapping.example.com"
certificate_arn = "${resources.certificate.arn}"

[resources.api]
type = "apigatewayv2.api"
name = "conformance-mapping-api"

[resources.stage]
type = "apigatewayv2.stage"
api_id = "${resources.api.id}"

[resources.next_api]
type = "apigatewayv2.api"
name = "conformance-mapping-api-2"

[resources.next_stage]
type = "apigatewayv2.stage"
api_id = "${resources.next_api.id}"
name = "live"

[resources.example]
type = "apigatewayv2.api_mapping"
domain_name = "${resources.domain.domain_name}"
api_id = "${resources.api.id}"
stage = "${resources.stage.name}"
api_mapping_key = "orders"
"#,
        updates: &["api_mapping_key = \"orders/v2\"", "api_id = \"${resources.next_api.id}\"\nstage = \"${resources.next_stage.name}\""],
        replace: Some("domain_name = \"${resources.other_domain.domain_name}\""),
        skip: &[],
    };

    fn check(&self, p: &ApiMappingProps) -> Vec<Problem> {
        let key = &p.api_mapping_key;
        if key.starts_with('/') || key.ends_with('/') || key.contains("//") {
            return vec![("api_mapping_key".into(), format!("`{key}` must not begin or end with `/` or contain `//`"))];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &ApiMappingProps) -> Result<Option<String>, ResourceError> {
        let mut token = None;
        loop {
            let sent = cx.aws.apigatewayv2().get_api_mappings().domain_name(&p.domain_name).set_next_token(token).send().await;
            // No domain yet: nothing mapped on it.
            let Some(page) = sent.found("GetApiMappings", |e| e.is_not_found_exception())? else { return Ok(None) };
            if let Some(m) = page.items().iter().find(|m| m.api_mapping_key().unwrap_or_default() == p.api_mapping_key) {
                return Ok(m.api_mapping_id().map(|m| format!("{}/{m}", p.domain_name)));
            }
            match page.next_token() {
                Some(t) if !page.items().is_empty() => token = Some(t.to_string()),
                _ => return Ok(None),
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ApiMappingProps) -> Result<Created<ApiMappingAttrs>, ResourceError> {
        let out = cx
            .aws
            .apigatewayv2()
            .create_api_mapping()
            .domain_name(&p.domain_name)
            .api_id(&p.api_id)
            .stage(&p.stage)
            .api_mapping_key(&p.api_mapping_key)
            .send()
            .await
            .api("CreateApiMapping")?;
        let mapping = out.api_mapping_id().unwrap_or_default().to_string();
        Ok(Created::new(format!("{}/{mapping}", p.domain_name), ApiMappingAttrs { api_mapping_id: mapping }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &ApiMappingProps,
    ) -> Result<Option<Observed<ApiMappingProps, ApiMappingAttrs>>, ResourceError> {
        let (domain, mapping) = parts(id);
        let out = cx.aws.apigatewayv2().get_api_mapping().domain_name(domain).api_mapping_id(mapping).send().await;
        let Some(m) = out.found("GetApiMapping", |e| e.is_not_found_exception())? else { return Ok(None) };
        let props = ApiMappingProps {
            domain_name: domain.to_string(),
            api_id: m.api_id().unwrap_or_default().to_string(),
            stage: m.stage().unwrap_or_default().to_string(),
            api_mapping_key: m.api_mapping_key().unwrap_or_default().to_string(),
        };
        Ok(Some(Observed { props, attrs: ApiMappingAttrs { api_mapping_id: mapping.to_string() } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &ApiMappingProps,
        new: &ApiMappingProps,
    ) -> Result<Option<ApiMappingAttrs>, ResourceError> {
        let (domain, mapping) = parts(id);
        cx.aws
            .apigatewayv2()
            .update_api_mapping()
            .domain_name(domain)
            .api_mapping_id(mapping)
            .api_id(&new.api_id)
            .stage(&new.stage)
            .api_mapping_key(&new.api_mapping_key)
            .send()
            .await
            .api("UpdateApiMapping")?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ApiMappingProps) -> Result<(), ResourceError> {
        let (domain, mapping) = parts(id);
        let req = cx.aws.apigatewayv2().delete_api_mapping().domain_name(domain).api_mapping_id(mapping);
        req.send().await.found("DeleteApiMapping", |e| e.is_not_found_exception())?;
        Ok(())
    }

    /// Every domain's mappings, as `DOMAIN/MAPPING_ID`.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        for domain in super::domain_name::DomainName.list(cx).await? {
            let mut token = None;
            loop {
                let sent = cx.aws.apigatewayv2().get_api_mappings().domain_name(&domain).set_next_token(token).send().await;
                // A domain deleted since the listing has no mappings to adopt.
                let Some(page) = sent.found("GetApiMappings", |e| e.is_not_found_exception())? else { break };
                out.extend(page.items().iter().filter_map(|m| Some(format!("{domain}/{}", m.api_mapping_id()?))));
                match page.next_token() {
                    Some(t) if !page.items().is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
        }
        Ok(out)
    }
}
