//! `apigateway.rest_api`: a REST API with its routes (resources, methods and their
//! integrations) and one deployed stage, managed as a unit: changed routes are rebuilt
//! and deployed again, the way a user thinks of "the API".

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, IntegrationType, Op, PatchOperation};

use super::{attr, Attr, Ctx, Observed, Outcome, PrepareCx, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    /// One method on one path, and where it goes.
    pub struct Route {
        /// e.g. `/ingest` or `/api/{proxy+}`.
        path: String => required;
        method: String => required;
        api_key_required: bool => default(false);
        authorization: String => default("NONE");
        /// `AWS_PROXY` for a Lambda proxy integration.
        integration_type: String => default("AWS_PROXY");
        /// For Lambda: the function's `invoke_arn`.
        integration_uri: String => required;
    }
}

props! {
    pub struct RestApiProps {
        name: String => required;
        description: Option<String> => optional;
        /// `REGIONAL`, `EDGE` or `PRIVATE`.
        endpoint_type: String => default("REGIONAL"), replace;
        stage_name: String => default("prod");
        routes: Vec<Route> => default([]);
    }
}

pub struct RestApi;

impl RestApi {
    async fn attrs(cx: &Ctx<'_>, id: &str, stage: &str) -> Result<Outcome, ResourceError> {
        let ident = cx.aws.identity().await?;
        let root = Self::resources(cx, id).await?.get("/").cloned().unwrap_or_default();
        Ok(Outcome::new(id)
            .with("root_resource_id", root)
            .with("arn", format!("arn:{}:apigateway:{}::/restapis/{id}", ident.partition, ident.region))
            .with("execution_arn", format!("arn:{}:execute-api:{}:{}:{id}", ident.partition, ident.region, ident.account_id))
            .with("invoke_url", format!("https://{id}.execute-api.{}.amazonaws.com/{stage}", ident.region))
            .with("stage_name", stage))
    }

    /// Path to resource id.
    async fn resources(cx: &Ctx<'_>, id: &str) -> Result<HashMap<String, String>, ResourceError> {
        let mut out = HashMap::new();
        let mut position = None;
        loop {
            let page =
                cx.aws.apigateway().get_resources().rest_api_id(id).limit(500).set_position(position).send().await.api("GetResources")?;
            for r in page.items() {
                if let (Some(path), Some(rid)) = (r.path(), r.id()) {
                    out.insert(path.to_string(), rid.to_string());
                }
            }
            match page.position() {
                Some(p) if !page.items().is_empty() => position = Some(p.to_string()),
                _ => return Ok(out),
            }
        }
    }

    /// Create every route's resources, methods and integrations.
    async fn build_routes(cx: &Ctx<'_>, id: &str, routes: &[Route]) -> Result<(), ResourceError> {
        let api = cx.aws.apigateway();
        let mut known = Self::resources(cx, id).await?;
        for route in routes {
            let mut parent = known.get("/").cloned().unwrap_or_default();
            let mut path = String::new();
            for part in route.path.split('/').filter(|p| !p.is_empty()) {
                path = format!("{path}/{part}");
                parent = match known.get(&path) {
                    Some(rid) => rid.clone(),
                    None => {
                        let r =
                            api.create_resource().rest_api_id(id).parent_id(&parent).path_part(part).send().await.api("CreateResource")?;
                        let rid = r.id().unwrap_or_default().to_string();
                        known.insert(path.clone(), rid.clone());
                        rid
                    }
                };
            }
            api.put_method()
                .rest_api_id(id)
                .resource_id(&parent)
                .http_method(&route.method)
                .authorization_type(&route.authorization)
                .api_key_required(route.api_key_required)
                .send()
                .await
                .api("PutMethod")?;
            api.put_integration()
                .rest_api_id(id)
                .resource_id(&parent)
                .http_method(&route.method)
                .r#type(IntegrationType::from(route.integration_type.as_str()))
                .integration_http_method("POST")
                .uri(&route.integration_uri)
                .send()
                .await
                .api("PutIntegration")?;
        }
        Ok(())
    }

    async fn deploy(cx: &Ctx<'_>, id: &str, stage: &str) -> Result<(), ResourceError> {
        cx.aws
            .apigateway()
            .create_deployment()
            .rest_api_id(id)
            .stage_name(stage)
            .description("deployed by infra")
            .send()
            .await
            .api("CreateDeployment")?;
        Ok(())
    }
}

fn sort_routes(routes: &mut [Route]) {
    routes.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
}

#[async_trait]
impl Resource for RestApi {
    type Props = RestApiProps;
    const TYPE: &'static str = "apigateway.rest_api";
    const ATTRIBUTES: &'static [Attr] =
        &[attr("id"), attr("arn"), attr("root_resource_id"), attr("execution_arn"), attr("invoke_url"), attr("stage_name")];

    /// API names are not unique: the tags say which one this run created.
    async fn find(&self, cx: &Ctx<'_>, p: &RestApiProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigateway().get_rest_apis().limit(500).send().await.api("GetRestApis")?;
        Ok(out
            .items()
            .iter()
            .filter(|a| a.name() == Some(p.name.as_str()))
            .find(|a| {
                a.tags().is_some_and(|t| {
                    t.get("infra:module").map(String::as_str) == Some(cx.module)
                        && t.get("infra:resource").map(String::as_str) == Some(cx.name)
                })
            })
            .and_then(|a| a.id())
            .map(str::to_string))
    }

    fn prepare(&self, p: &mut RestApiProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        for r in &mut p.routes {
            r.method = r.method.to_uppercase();
        }
        sort_routes(&mut p.routes);
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RestApiProps) -> Result<Outcome, ResourceError> {
        let out = cx
            .aws
            .apigateway()
            .create_rest_api()
            .name(&p.name)
            .set_description(p.description.clone())
            .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::from(p.endpoint_type.as_str())).build())
            .set_tags(Some(super::tag_map(cx)))
            .send()
            .await
            .api("CreateRestApi")?;
        let id = out.id().unwrap_or_default().to_string();
        Self::build_routes(cx, &id, &p.routes).await?;
        Self::deploy(cx, &id, &p.stage_name).await?;
        Self::attrs(cx, &id, &p.stage_name).await
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RestApiProps) -> Result<Option<Observed<RestApiProps>>, ResourceError> {
        let api = cx.aws.apigateway();
        let out = api.get_rest_api().rest_api_id(id).send().await.found("GetRestApi", |e| e.is_not_found_exception())?;
        let Some(rest) = out else { return Ok(None) };
        let mut routes = Vec::new();
        let mut resources: Vec<(String, String)> = Self::resources(cx, id).await?.into_iter().collect();
        resources.sort();
        for (path, rid) in resources {
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"] {
                let Some(m) = api
                    .get_method()
                    .rest_api_id(id)
                    .resource_id(&rid)
                    .http_method(method)
                    .send()
                    .await
                    .found("GetMethod", |e| e.is_not_found_exception())?
                else {
                    continue;
                };
                let integration = m.method_integration();
                routes.push(Route {
                    path: path.clone(),
                    method: method.to_string(),
                    api_key_required: m.api_key_required().unwrap_or(false),
                    authorization: m.authorization_type().unwrap_or("NONE").to_string(),
                    integration_type: integration.and_then(|i| i.r#type()).map(|t| t.as_str().to_string()).unwrap_or_default(),
                    integration_uri: integration.and_then(|i| i.uri()).unwrap_or_default().to_string(),
                });
            }
        }
        sort_routes(&mut routes);
        let stage =
            api.get_stage().rest_api_id(id).stage_name(&p.stage_name).send().await.found("GetStage", |e| e.is_not_found_exception())?;
        let props = RestApiProps {
            name: rest.name().unwrap_or_default().to_string(),
            description: rest.description().map(str::to_string).filter(|d| !d.is_empty()),
            endpoint_type: rest
                .endpoint_configuration()
                .and_then(|e| e.types().first())
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| p.endpoint_type.clone()),
            stage_name: if stage.is_some() { p.stage_name.clone() } else { String::new() },
            routes,
        };
        let attrs = Self::attrs(cx, id, &p.stage_name).await?.attrs;
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &RestApiProps, new: &RestApiProps) -> Result<Outcome, ResourceError> {
        let api = cx.aws.apigateway();
        let mut patch = Vec::new();
        if old.name != new.name {
            patch.push(PatchOperation::builder().op(Op::Replace).path("/name").value(&new.name).build());
        }
        if old.description != new.description {
            patch.push(
                PatchOperation::builder().op(Op::Replace).path("/description").value(new.description.clone().unwrap_or_default()).build(),
            );
        }
        if !patch.is_empty() {
            api.update_rest_api().rest_api_id(id).set_patch_operations(Some(patch)).send().await.api("UpdateRestApi")?;
        }
        if old.routes != new.routes {
            // Deepest first: AWS deletes children with their parent, but moto leaves them
            // behind with a dangling parent, after which it cannot list the API at all.
            let resources = Self::resources(cx, id).await?;
            let root = resources.get("/").cloned().unwrap_or_default();
            let mut paths: Vec<(&String, &String)> = resources.iter().filter(|(p, _)| p.as_str() != "/").collect();
            paths.sort_by_key(|(p, _)| std::cmp::Reverse(p.matches('/').count()));
            for (_, rid) in paths {
                {
                    api.delete_resource()
                        .rest_api_id(id)
                        .resource_id(rid)
                        .send()
                        .await
                        .found("DeleteResource", |e| e.is_not_found_exception())?;
                }
            }
            for method in old.routes.iter().filter(|r| r.path == "/").map(|r| &r.method) {
                api.delete_method()
                    .rest_api_id(id)
                    .resource_id(&root)
                    .http_method(method)
                    .send()
                    .await
                    .found("DeleteMethod", |e| e.is_not_found_exception())?;
            }
            Self::build_routes(cx, id, &new.routes).await?;
        }
        if old.routes != new.routes || old.stage_name != new.stage_name {
            Self::deploy(cx, id, &new.stage_name).await?;
        }
        Self::attrs(cx, id, &new.stage_name).await
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &RestApiProps) -> Result<(), ResourceError> {
        cx.aws.apigateway().delete_rest_api().rest_api_id(id).send().await.found("DeleteRestApi", |e| e.is_not_found_exception())?;
        Ok(())
    }
}
