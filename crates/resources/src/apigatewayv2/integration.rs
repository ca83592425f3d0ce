//! `apigatewayv2.integration`: what a route calls, a Lambda function as a proxy
//! (`AWS_PROXY`) or an HTTP endpoint.

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::IntegrationType;

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct IntegrationProps {
        api_id: String => required, replace;
        /// `AWS_PROXY` (Lambda) or `HTTP_PROXY` for HTTP APIs; changed in place, the
        /// integration keeping the id routes name.
        integration_type: String => default("AWS_PROXY"), check(Check::OneOf(&["AWS_PROXY", "HTTP_PROXY", "AWS", "HTTP", "MOCK"]));
        /// The Lambda function's ARN (or invoke ARN), or the HTTP URL.
        integration_uri: String => required;
        integration_method: String => default("POST");
        /// `2.0` for HTTP APIs calling Lambda, `1.0` for WebSocket APIs.
        payload_format_version: String => default("2.0"), check(Check::OneOf(&["1.0", "2.0"]));
        timeout_in_millis: Option<i64> => optional, check(Check::Range { min: 50, max: 30000 });
    }
}

attrs! {
    pub struct IntegrationAttrs {
        integration_id: String,
        /// `integrations/ID`, what a route's `target` names.
        target: String,
    }
}

pub struct Integration;

/// Every integration of every API, as (API id, integration id).
async fn all(cx: &Ctx<'_>) -> Result<Vec<(String, String)>, ResourceError> {
    let mut out = Vec::new();
    for api in super::api::Api.list(cx).await? {
        let mut token = None;
        loop {
            let sent = cx.aws.apigatewayv2().get_integrations().api_id(&api).set_next_token(token).send().await;
            // An API deleted since the listing has no integrations left.
            let Some(page) = sent.found("GetIntegrations", |e| e.is_not_found_exception())? else { break };
            out.extend(page.items().iter().filter_map(|i| Some((api.clone(), i.integration_id()?.to_string()))));
            match page.next_token() {
                Some(t) if !page.items().is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    Ok(out)
}

fn attrs(id: &str) -> IntegrationAttrs {
    IntegrationAttrs { integration_id: id.to_string(), target: format!("integrations/{id}") }
}

#[async_trait]
impl Resource for Integration {
    type Props = IntegrationProps;
    type Attrs = IntegrationAttrs;
    const TYPE: &'static str = "apigatewayv2.integration";
    const IDENTITY: Identity = Identity::Unique(&["api_id", "integration_uri"]);
    // `other_api` is for the replace step: only moving to another API makes a new integration.
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.api]
type = "apigatewayv2.api"
name = "conformance-integration-api"

[resources.other_api]
type = "apigatewayv2.api"
name = "conformance-integration-api-2"

[resources.role]
type = "iam.role"
name = "conformance-integration-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-integration-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.example]
type = "apigatewayv2.integration"
api_id = "${resources.api.id}"
integration_uri = "${resources.function.arn}"
"#,
        updates: &[
            "timeout_in_millis = 10000",
            "payload_format_version = \"1.0\"",
            "integration_type = \"HTTP_PROXY\"\nintegration_uri = \"https://example.com\"\nintegration_method = \"GET\"",
        ],
        replace: Some("api_id = \"${resources.other_api.id}\""),
        skip: &[],
    };

    /// One integration per API and URI: that one is it.
    async fn find(&self, cx: &Ctx<'_>, p: &IntegrationProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .apigatewayv2()
            .get_integrations()
            .api_id(&p.api_id)
            .send()
            .await
            .found("GetIntegrations", |e| e.is_not_found_exception())?;
        Ok(out.and_then(|o| {
            o.items()
                .iter()
                .find(|i| i.integration_uri() == Some(p.integration_uri.as_str()))
                .and_then(|i| i.integration_id())
                .map(str::to_string)
        }))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &IntegrationProps) -> Result<Created<IntegrationAttrs>, ResourceError> {
        let out = cx
            .aws
            .apigatewayv2()
            .create_integration()
            .api_id(&p.api_id)
            .integration_type(IntegrationType::from(p.integration_type.as_str()))
            .integration_uri(&p.integration_uri)
            .integration_method(&p.integration_method)
            .payload_format_version(&p.payload_format_version)
            .set_timeout_in_millis(p.timeout_in_millis.map(|t| t as i32))
            .send()
            .await
            .api("CreateIntegration")?;
        let id = out.integration_id().unwrap_or_default().to_string();
        Ok(Created::new(&id, attrs(&id)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &IntegrationProps,
    ) -> Result<Option<Observed<IntegrationProps, IntegrationAttrs>>, ResourceError> {
        // Read from its id alone (`import --discover`, whose blank properties carry the
        // id as the API's), an integration's id does not say its API: the API holding it is.
        let from_id = p.api_id.is_empty() || p.api_id == id;
        let api_id = if from_id {
            let Some((api, _)) = all(cx).await?.into_iter().find(|(_, i)| i == id) else { return Ok(None) };
            api
        } else {
            p.api_id.clone()
        };
        let out = cx.aws.apigatewayv2().get_integration().api_id(&api_id).integration_id(id).send().await;
        let Some(i) = out.found("GetIntegration", |e| e.is_not_found_exception())? else { return Ok(None) };
        let props = IntegrationProps {
            api_id,
            integration_type: i.integration_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.integration_type.clone()),
            integration_uri: i.integration_uri().unwrap_or_default().to_string(),
            integration_method: i.integration_method().unwrap_or(&p.integration_method).to_string(),
            payload_format_version: i.payload_format_version().unwrap_or(&p.payload_format_version).to_string(),
            // AWS reports its default (30 seconds) when none was chosen: a chosen one is
            // known from what was applied, or, read from the id alone, by differing from it.
            timeout_in_millis: if from_id {
                i.timeout_in_millis().map(i64::from).filter(|t| *t != 30000)
            } else {
                p.timeout_in_millis.and(i.timeout_in_millis().map(i64::from))
            },
        };
        Ok(Some(Observed { props, attrs: attrs(id) }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &IntegrationProps,
        new: &IntegrationProps,
    ) -> Result<Option<IntegrationAttrs>, ResourceError> {
        cx.aws
            .apigatewayv2()
            .update_integration()
            .api_id(&new.api_id)
            .integration_id(id)
            .integration_type(IntegrationType::from(new.integration_type.as_str()))
            .integration_uri(&new.integration_uri)
            .integration_method(&new.integration_method)
            .payload_format_version(&new.payload_format_version)
            .set_timeout_in_millis(new.timeout_in_millis.map(|t| t as i32))
            .send()
            .await
            .api("UpdateIntegration")?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &IntegrationProps) -> Result<(), ResourceError> {
        let req = cx.aws.apigatewayv2().delete_integration().api_id(&p.api_id).integration_id(id);
        req.send().await.found("DeleteIntegration", |e| e.is_not_found_exception())?;
        Ok(())
    }

    /// Every API's integrations, by integration id.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        Ok(all(cx).await?.into_iter().map(|(_, integration)| integration).collect())
    }
}
