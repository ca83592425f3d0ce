//! `apigatewayv2.api`: an HTTP or WebSocket API with its CORS settings (HTTP) or route
//! selection expression (WebSocket). Routes, integrations and stages are their own
//! resources.

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{Cors as SdkCors, ProtocolType};

use super::{live_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, PrepareCx, Problem, Resource, ResourceError};

props! {
    /// Which browsers' origins may call the API, and how.
    pub struct Cors {
        allow_origins: Vec<String> => default([]);
        allow_methods: Vec<String> => default([]);
        allow_headers: Vec<String> => default([]);
        expose_headers: Vec<String> => default([]);
        allow_credentials: bool => default(false);
        max_age: Option<i64> => optional, check(Check::Range { min: 0, max: 86400 });
    }
}

props! {
    pub struct ApiProps {
        name: String => required, check(Check::MaxLen(128));
        /// `HTTP` or `WEBSOCKET`.
        protocol_type: String => default("HTTP"), replace, check(Check::OneOf(&["HTTP", "WEBSOCKET"]));
        description: Option<String> => optional, check(Check::MaxLen(1024));
        /// WebSocket: where in a message the route key is, e.g. `$request.body.action`.
        route_selection_expression: Option<String> => optional;
        /// HTTP only.
        cors: Option<Cors> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ApiAttrs {
        /// The API id, also the physical id.
        api_id: String,
        /// `https://ID.execute-api.REGION.amazonaws.com` (`wss://` for WebSocket).
        api_endpoint: String,
        arn: String,
        /// What Lambda permissions name as the source (`arn:...:execute-api:REGION:ACCOUNT:ID`).
        execution_arn: String,
    }
}

pub struct Api;

impl Cors {
    /// `cors = {}` says nothing: the same as no CORS settings.
    fn is_empty(&self) -> bool {
        let lists = [&self.allow_origins, &self.allow_methods, &self.allow_headers, &self.expose_headers];
        lists.iter().all(|l| l.is_empty()) && !self.allow_credentials && self.max_age.is_none()
    }
}

fn sdk_cors(c: &Cors) -> SdkCors {
    let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    SdkCors::builder()
        .set_allow_origins(list(&c.allow_origins))
        .set_allow_methods(list(&c.allow_methods))
        .set_allow_headers(list(&c.allow_headers))
        .set_expose_headers(list(&c.expose_headers))
        .allow_credentials(c.allow_credentials)
        .set_max_age(c.max_age.map(|m| m as i32))
        .build()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn attrs(cx: &Ctx<'_>, id: &str, endpoint: Option<&str>) -> Result<ApiAttrs, ResourceError> {
    let who = cx.aws.identity().await?;
    Ok(ApiAttrs {
        api_id: id.to_string(),
        api_endpoint: endpoint.unwrap_or_default().to_string(),
        arn: format!("arn:{}:apigateway:{}::/apis/{id}", who.partition, who.region),
        execution_arn: format!("arn:{}:execute-api:{}:{}:{id}", who.partition, who.region, who.account_id),
    })
}

#[async_trait]
impl Resource for Api {
    type Props = ApiProps;
    type Attrs = ApiAttrs;
    const TYPE: &'static str = "apigatewayv2.api";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "apigatewayv2.api"
name = "conformance-http-api"
cors = { allow_origins = ["https://app.example.com"], allow_methods = ["GET", "POST"], allow_headers = ["content-type"], max_age = 300 }
"#,
        updates: &[
            "description = \"Workflows\"",
            "cors = { allow_origins = [\"*\"], allow_methods = [\"GET\"] }",
            "name = \"conformance-http-api-2\"",
        ],
        replace: Some("protocol_type = \"WEBSOCKET\"\ncors = {}\nroute_selection_expression = \"$request.body.action\""),
        skip: &[],
    };

    fn check(&self, p: &ApiProps) -> Vec<Problem> {
        let websocket = p.protocol_type == "WEBSOCKET";
        if websocket && p.cors.as_ref().is_some_and(|c| !c.is_empty()) {
            return vec![("cors".into(), "CORS applies to HTTP APIs only".into())];
        }
        if websocket && p.route_selection_expression.is_none() {
            return vec![("route_selection_expression".into(), "a WebSocket API needs one, e.g. `$request.body.action`".into())];
        }
        Vec::new()
    }

    fn prepare(&self, p: &mut ApiProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        if p.cors.as_ref().is_some_and(|c| c.is_empty()) {
            p.cors = None;
        }
        if let Some(c) = &mut p.cors {
            for list in [&mut c.allow_origins, &mut c.allow_methods, &mut c.allow_headers, &mut c.expose_headers] {
                list.sort();
            }
        }
        Ok(())
    }

    /// API names are not unique: the tags say which one this state created.
    async fn find(&self, cx: &Ctx<'_>, p: &ApiProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigatewayv2().get_apis().max_results("500").send().await.api("GetApis")?;
        Ok(out
            .items()
            .iter()
            .filter(|a| a.name() == Some(p.name.as_str()))
            .find(|a| tags::same_owner(&live_tags(a.tags()), &p.tags))
            .and_then(|a| a.api_id())
            .map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ApiProps) -> Result<Created<ApiAttrs>, ResourceError> {
        let out = cx
            .aws
            .apigatewayv2()
            .create_api()
            .name(&p.name)
            .protocol_type(ProtocolType::from(p.protocol_type.as_str()))
            .set_description(p.description.clone())
            .set_route_selection_expression(p.route_selection_expression.clone())
            .set_cors_configuration(p.cors.as_ref().map(sdk_cors))
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateApi")?;
        let id = out.api_id().unwrap_or_default().to_string();
        Ok(Created::new(&id, attrs(cx, &id, out.api_endpoint()).await?))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &ApiProps) -> Result<Option<Observed<ApiProps, ApiAttrs>>, ResourceError> {
        let out = cx.aws.apigatewayv2().get_api().api_id(id).send().await.found("GetApi", |e| e.is_not_found_exception())?;
        let Some(a) = out else { return Ok(None) };
        let cors = a.cors_configuration().map(|c| Cors {
            allow_origins: sorted(c.allow_origins().to_vec()),
            allow_methods: sorted(c.allow_methods().to_vec()),
            allow_headers: sorted(c.allow_headers().to_vec()),
            expose_headers: sorted(c.expose_headers().to_vec()),
            allow_credentials: c.allow_credentials().unwrap_or(false),
            max_age: c.max_age().map(i64::from),
        });
        let websocket = a.protocol_type().is_some_and(|t| *t == ProtocolType::Websocket);
        let props = ApiProps {
            name: a.name().unwrap_or_default().to_string(),
            protocol_type: a.protocol_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.protocol_type.clone()),
            description: a.description().filter(|d| !d.is_empty()).map(str::to_string),
            // HTTP APIs report AWS's fixed expression; only WebSocket ones choose it.
            route_selection_expression: a.route_selection_expression().filter(|_| websocket).map(str::to_string),
            cors: cors.filter(|c| !c.is_empty()),
            tags: live_tags(a.tags()),
        };
        Ok(Some(Observed { props, attrs: attrs(cx, id, a.api_endpoint()).await? }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ApiProps, new: &ApiProps) -> Result<Option<ApiAttrs>, ResourceError> {
        let api = cx.aws.apigatewayv2();
        if (&old.name, &old.description, &old.route_selection_expression) != (&new.name, &new.description, &new.route_selection_expression)
            || (old.cors != new.cors && new.cors.is_some())
        {
            api.update_api()
                .api_id(id)
                .name(&new.name)
                .description(new.description.clone().unwrap_or_default())
                .set_route_selection_expression(new.route_selection_expression.clone())
                .set_cors_configuration(new.cors.as_ref().map(sdk_cors))
                .send()
                .await
                .api("UpdateApi")?;
        }
        if old.cors.is_some() && new.cors.is_none() {
            api.delete_cors_configuration().api_id(id).send().await.api("DeleteCorsConfiguration")?;
        }
        sync_tags(cx, &format!("/apis/{id}"), &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ApiProps) -> Result<(), ResourceError> {
        cx.aws.apigatewayv2().delete_api().api_id(id).send().await.found("DeleteApi", |e| e.is_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = cx.aws.apigatewayv2().get_apis().set_next_token(token).send().await.api("GetApis")?;
            out.extend(page.items().iter().filter_map(|a| a.api_id().map(str::to_string)));
            match page.next_token() {
                Some(t) if !page.items().is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    }
}
