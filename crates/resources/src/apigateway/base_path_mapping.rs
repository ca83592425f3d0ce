//! `apigateway.base_path_mapping`: serves a REST API's stage on a custom domain
//! (`apigateway.domain_name`), at the domain's root or under a base path
//! (`base_path = "orders"`: `https://api.example.com/orders/...`). The API and stage change
//! in place; the domain and the base path replace it.

use async_trait::async_trait;
use aws_sdk_apigateway::types::{Op, PatchOperation};

use crate::aws::SdkResultExt;
use crate::{props, IdOnly};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct BasePathMappingProps {
        /// The custom domain (an `apigateway.domain_name`'s `domain_name`).
        domain_name: String => required, replace;
        /// The path under the domain the API answers at (`orders`); empty for the domain's root.
        base_path: String => default(""), replace;
        /// The REST API served there.
        rest_api_id: String => required;
        /// The API's stage served there; without one, callers name the stage in the path.
        stage: Option<String> => optional;
    }
}

pub struct BasePathMapping;

/// How API Gateway names the empty base path in its answers and URLs.
const ROOT: &str = "(none)";

fn id(domain: &str, base_path: &str) -> String {
    format!("{domain}/{}", if base_path.is_empty() { ROOT } else { base_path })
}

/// The domain and base path (as API Gateway names it) an id (`DOMAIN/BASE_PATH`) names;
/// domain names hold no `/`.
fn parts(id: &str) -> (&str, &str) {
    id.split_once('/').unwrap_or((id, ROOT))
}

fn replace(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder().op(Op::Replace).path(path).value(value).build()
}

#[async_trait]
impl Resource for BasePathMapping {
    type Props = BasePathMappingProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "apigateway.base_path_mapping";
    const IDENTITY: Identity = Identity::Unique(&["domain_name", "base_path"]);
    const CHECK_READS: &'static [&'static str] = &["base_path"];
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-paths-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-paths-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.api]
type = "apigateway.rest_api"
name = "conformance-paths-api"
routes = [{ path = "/orders", method = "GET", integration_uri = "${resources.function.invoke_arn}" }]

[resources.next_api]
type = "apigateway.rest_api"
name = "conformance-paths-api-2"
stage_name = "live"
routes = [{ path = "/orders", method = "GET", integration_uri = "${resources.function.invoke_arn}" }]

[resources.certificate]
type = "acm.certificate"
domain_name = "api.paths.example.com"
wait_for_validation = false

[resources.domain]
type = "apigateway.domain_name"
domain_name = "api.paths.example.com"
regional_certificate_arn = "${resources.certificate.arn}"

[resources.example]
type = "apigateway.base_path_mapping"
domain_name = "${resources.domain.domain_name}"
base_path = "orders"
rest_api_id = "${resources.api.id}"
stage = "${resources.api.stage_name}"
"#,
        updates: &["rest_api_id = \"${resources.next_api.id}\"\nstage = \"${resources.next_api.stage_name}\""],
        replace: Some("base_path = \"billing\""),
        skip: &[],
    };

    fn check(&self, p: &BasePathMappingProps) -> Vec<Problem> {
        let path = &p.base_path;
        if path.starts_with('/') || path.ends_with('/') || path.contains("//") || path == ROOT {
            return vec![(
                "base_path".into(),
                format!("`{path}` must not begin or end with `/` or contain `//`; empty maps the domain's root"),
            )];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &BasePathMappingProps) -> Result<Option<String>, ResourceError> {
        let id = id(&p.domain_name, &p.base_path);
        Ok(self.read(cx, &id, p).await?.map(|_| id))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &BasePathMappingProps) -> Result<Created<IdOnly>, ResourceError> {
        cx.aws
            .apigateway()
            .create_base_path_mapping()
            .domain_name(&p.domain_name)
            .base_path(&p.base_path)
            .rest_api_id(&p.rest_api_id)
            .set_stage(p.stage.clone())
            .send()
            .await
            .api("CreateBasePathMapping")?;
        Ok(Created::new(id(&p.domain_name, &p.base_path), IdOnly {}))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &BasePathMappingProps,
    ) -> Result<Option<Observed<BasePathMappingProps, IdOnly>>, ResourceError> {
        let (domain, base_path) = parts(id);
        let out = cx.aws.apigateway().get_base_path_mapping().domain_name(domain).base_path(base_path).send().await;
        let Some(m) = out.found("GetBasePathMapping", |e| e.is_not_found_exception())? else { return Ok(None) };
        let props = BasePathMappingProps {
            domain_name: domain.to_string(),
            base_path: m.base_path().filter(|b| *b != ROOT).unwrap_or_default().to_string(),
            rest_api_id: m.rest_api_id().unwrap_or_default().to_string(),
            stage: m.stage().filter(|s| !s.is_empty()).map(str::to_string),
        };
        Ok(Some(Observed { props, attrs: IdOnly {} }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &BasePathMappingProps,
        new: &BasePathMappingProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        let (domain, base_path) = parts(id);
        let mut patch = Vec::new();
        if old.rest_api_id != new.rest_api_id {
            patch.push(replace("/restapiId", &new.rest_api_id));
        }
        if old.stage != new.stage {
            patch.push(replace("/stage", new.stage.as_deref().unwrap_or_default()));
        }
        if !patch.is_empty() {
            let req = cx.aws.apigateway().update_base_path_mapping().domain_name(domain).base_path(base_path);
            req.set_patch_operations(Some(patch)).send().await.api("UpdateBasePathMapping")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &BasePathMappingProps) -> Result<(), ResourceError> {
        let (domain, base_path) = parts(id);
        let req = cx.aws.apigateway().delete_base_path_mapping().domain_name(domain).base_path(base_path);
        req.send().await.found("DeleteBasePathMapping", |e| e.is_not_found_exception())?;
        Ok(())
    }

    /// Every domain's mappings, as `DOMAIN/BASE_PATH`.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        for domain in super::domain_name::DomainName.list(cx).await? {
            let mut pages = cx.aws.apigateway().get_base_path_mappings().domain_name(&domain).into_paginator().send();
            while let Some(page) = pages.next().await {
                // A domain deleted since the listing has no mappings to adopt.
                let Some(page) = page.found("GetBasePathMappings", |e| e.is_not_found_exception())? else { break };
                out.extend(page.items().iter().map(|m| format!("{domain}/{}", m.base_path().unwrap_or(ROOT))));
            }
        }
        Ok(out)
    }
}
