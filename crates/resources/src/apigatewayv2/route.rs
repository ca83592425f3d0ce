//! `apigatewayv2.route`: a route key (`POST /workflows`, `$connect`, `$default`) and the
//! integration it sends to, optionally behind an authorizer.

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::AuthorizationType;

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct RouteProps {
        api_id: String => required, replace;
        /// `METHOD /path` for HTTP APIs; `$connect`, `$disconnect`, `$default` or an action
        /// for WebSocket APIs. Changed in place: the route keeps its id.
        route_key: String => required;
        /// `integrations/ID`: an integration's `target` attribute.
        target: Option<String> => optional;
        authorization_type: String => default("NONE"), check(Check::OneOf(&["NONE", "JWT", "AWS_IAM", "CUSTOM"]));
        authorizer_id: Option<String> => optional;
    }
}

attrs! {
    pub struct RouteAttrs {
        route_id: String,
    }
}

pub struct Route;

/// Every route of every API, as (API id, route id).
async fn all(cx: &Ctx<'_>) -> Result<Vec<(String, String)>, ResourceError> {
    let mut out = Vec::new();
    for api in super::api::Api.list(cx).await? {
        let mut token = None;
        loop {
            let sent = cx.aws.apigatewayv2().get_routes().api_id(&api).set_next_token(token).send().await;
            // An API deleted since the listing has no routes left.
            let Some(page) = sent.found("GetRoutes", |e| e.is_not_found_exception())? else { break };
            out.extend(page.items().iter().filter_map(|r| Some((api.clone(), r.route_id()?.to_string()))));
            match page.next_token() {
                Some(t) if !page.items().is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
    }
    Ok(out)
}

#[async_trait]
impl Resource for Route {
    type Props = RouteProps;
    type Attrs = RouteAttrs;
    const TYPE: &'static str = "apigatewayv2.route";
    const IDENTITY: Identity = Identity::Unique(&["api_id", "route_key"]);
    // `other_api` and its integration are for the replace step: only moving to another
    // API makes a new route.
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.api]
type = "apigatewayv2.api"
name = "conformance-route-api"

[resources.other_api]
type = "apigatewayv2.api"
name = "conformance-route-api-2"

[resources.backend]
type = "apigatewayv2.integration"
api_id = "${resources.api.id}"
integration_type = "HTTP_PROXY"
integration_uri = "https://example.com/workflows"
integration_method = "ANY"
payload_format_version = "1.0"

[resources.other]
type = "apigatewayv2.integration"
api_id = "${resources.api.id}"
integration_type = "HTTP_PROXY"
integration_uri = "https://example.com/v2/workflows"
integration_method = "ANY"
payload_format_version = "1.0"

[resources.other_api_backend]
type = "apigatewayv2.integration"
api_id = "${resources.other_api.id}"
integration_type = "HTTP_PROXY"
integration_uri = "https://example.com/workflows"
integration_method = "ANY"
payload_format_version = "1.0"

[resources.example]
type = "apigatewayv2.route"
api_id = "${resources.api.id}"
route_key = "POST /workflows"
target = "${resources.backend.target}"
"#,
        updates: &["target = \"${resources.other.target}\"", "authorization_type = \"AWS_IAM\"", "route_key = \"GET /workflows/{id}\""],
        replace: Some("api_id = \"${resources.other_api.id}\"\ntarget = \"${resources.other_api_backend.target}\""),
        skip: &[],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &RouteProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigatewayv2().get_routes().api_id(&p.api_id).send().await.found("GetRoutes", |e| e.is_not_found_exception())?;
        Ok(out.and_then(|o| {
            o.items().iter().find(|r| r.route_key() == Some(p.route_key.as_str())).and_then(|r| r.route_id()).map(str::to_string)
        }))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RouteProps) -> Result<Created<RouteAttrs>, ResourceError> {
        let out = cx
            .aws
            .apigatewayv2()
            .create_route()
            .api_id(&p.api_id)
            .route_key(&p.route_key)
            .set_target(p.target.clone())
            .authorization_type(AuthorizationType::from(p.authorization_type.as_str()))
            .set_authorizer_id(p.authorizer_id.clone())
            .send()
            .await
            .api("CreateRoute")?;
        let id = out.route_id().unwrap_or_default().to_string();
        Ok(Created::new(&id, RouteAttrs { route_id: id.clone() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RouteProps) -> Result<Option<Observed<RouteProps, RouteAttrs>>, ResourceError> {
        // Read from its id alone (`import --discover`, whose blank properties carry the
        // id as the API's), a route's id does not say its API: the API holding it is.
        let api_id = if p.api_id.is_empty() || p.api_id == id {
            let Some((api, _)) = all(cx).await?.into_iter().find(|(_, r)| r == id) else { return Ok(None) };
            api
        } else {
            p.api_id.clone()
        };
        let out = cx.aws.apigatewayv2().get_route().api_id(&api_id).route_id(id).send().await;
        let Some(r) = out.found("GetRoute", |e| e.is_not_found_exception())? else { return Ok(None) };
        let props = RouteProps {
            api_id,
            route_key: r.route_key().unwrap_or_default().to_string(),
            target: r.target().filter(|t| !t.is_empty()).map(str::to_string),
            authorization_type: r.authorization_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| "NONE".into()),
            authorizer_id: r.authorizer_id().filter(|a| !a.is_empty()).map(str::to_string),
        };
        Ok(Some(Observed { props, attrs: RouteAttrs { route_id: id.to_string() } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &RouteProps, new: &RouteProps) -> Result<Option<RouteAttrs>, ResourceError> {
        cx.aws
            .apigatewayv2()
            .update_route()
            .api_id(&new.api_id)
            .route_id(id)
            .route_key(&new.route_key)
            .target(new.target.clone().unwrap_or_default())
            .authorization_type(AuthorizationType::from(new.authorization_type.as_str()))
            .authorizer_id(new.authorizer_id.clone().unwrap_or_default())
            .send()
            .await
            .api("UpdateRoute")?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &RouteProps) -> Result<(), ResourceError> {
        cx.aws
            .apigatewayv2()
            .delete_route()
            .api_id(&p.api_id)
            .route_id(id)
            .send()
            .await
            .found("DeleteRoute", |e| e.is_not_found_exception())?;
        Ok(())
    }

    /// Every API's routes, by route id.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        Ok(all(cx).await?.into_iter().map(|(_, route)| route).collect())
    }
}
