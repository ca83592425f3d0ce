//! `apigateway.rest_api`: a REST API with its routes (resources, methods and their
//! integrations) and one deployed stage, managed as a unit: changed routes are rebuilt
//! and deployed again, the way a user thinks of "the API".

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::{ApiStatus, EndpointConfiguration, EndpointType, IntegrationType, Method, Op, PatchOperation};
use futures::future::try_join_all;

use super::{live_tags, ours, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, PrepareCx, Resource, ResourceError};

props! {
    /// One method on one path, and where it goes.
    pub struct Route {
        /// e.g. `/ingest` or `/api/{proxy+}`.
        path: String => required;
        /// `GET`, `POST`, ... or `ANY`.
        method: String => required, check(Check::OneOf(&["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "get", "post", "put", "patch", "delete", "head", "options", "any"]));
        api_key_required: bool => default(false);
        /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
        authorization: String => default("NONE"), check(Check::OneOf(&["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"]));
        /// `AWS_PROXY` for a Lambda proxy integration.
        integration_type: String => default("AWS_PROXY"), check(Check::OneOf(&["AWS_PROXY", "AWS", "HTTP", "HTTP_PROXY", "MOCK"]));
        /// For Lambda: the function's `invoke_arn`.
        integration_uri: String => required;
    }
}

props! {
    pub struct RestApiProps {
        /// Need not be unique: infra's tags tell its APIs apart.
        name: String => required, check(Check::MaxLen(1024));
        description: Option<String> => optional;
        /// `REGIONAL`, `EDGE` or `PRIVATE`. Changed in place, the API keeping its id and URL
        /// (`PRIVATE` to `EDGE` by way of `REGIONAL`, the only way AWS allows).
        endpoint_type: String => default("REGIONAL"), check(Check::OneOf(&["REGIONAL", "EDGE", "PRIVATE"]));
        /// The one stage every change is deployed to.
        stage_name: String => default("prod"), check(Check::Name { what: "stage name", min: 1, max: 128, chars: crate::schema::check::Chars::AlnumDashUnderscore });
        routes: Vec<Route> => default([]);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct RestApiAttrs {
        arn: String,
        root_resource_id: String,
        /// `arn:aws:execute-api:REGION:ACCOUNT:ID`, for Lambda permissions.
        execution_arn: String,
        /// `https://ID.execute-api.REGION.amazonaws.com/STAGE`.
        invoke_url: String,
        stage_name: String,
    }
}

pub struct RestApi;

/// The API's resources: path to id, and to the methods AWS listed on it.
type Resources = HashMap<String, (String, HashMap<String, Method>)>;

impl RestApi {
    async fn attrs(cx: &Ctx<'_>, id: &str, stage: &str, root: &str) -> Result<RestApiAttrs, ResourceError> {
        let ident = cx.aws.identity().await?;
        Ok(RestApiAttrs {
            root_resource_id: root.to_string(),
            arn: format!("arn:{}:apigateway:{}::/restapis/{id}", ident.partition, ident.region),
            execution_arn: format!("arn:{}:execute-api:{}:{}:{id}", ident.partition, ident.region, ident.account_id),
            invoke_url: format!("https://{id}.execute-api.{}.amazonaws.com/{stage}", ident.region),
            stage_name: stage.to_string(),
        })
    }

    /// Every resource with its methods, in one listing (methods embedded).
    async fn resources(cx: &Ctx<'_>, id: &str) -> Result<Resources, ResourceError> {
        let mut out = HashMap::new();
        let mut position = None;
        loop {
            let page = cx
                .aws
                .apigateway()
                .get_resources()
                .rest_api_id(id)
                .limit(500)
                .embed("methods")
                .set_position(position)
                .send()
                .await
                .api("GetResources")?;
            for r in page.items() {
                if let (Some(path), Some(rid)) = (r.path(), r.id()) {
                    out.insert(path.to_string(), (rid.to_string(), r.resource_methods().cloned().unwrap_or_default()));
                }
            }
            match page.position() {
                Some(p) if !page.items().is_empty() => position = Some(p.to_string()),
                _ => return Ok(out),
            }
        }
    }

    fn root(resources: &Resources) -> String {
        resources.get("/").map(|(id, _)| id.clone()).unwrap_or_default()
    }

    /// Create every route's resources, methods and integrations; the root's id.
    async fn build_routes(cx: &Ctx<'_>, id: &str, routes: &[Route]) -> Result<String, ResourceError> {
        let api = cx.aws.apigateway();
        let mut known: HashMap<String, String> = Self::resources(cx, id).await?.into_iter().map(|(p, (rid, _))| (p, rid)).collect();
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
        Ok(known.get("/").cloned().unwrap_or_default())
    }

    /// AWS takes a while to move an API to another endpoint type and refuses another
    /// change of it meanwhile.
    async fn endpoint_settled(cx: &Ctx<'_>, id: &str) -> Result<(), ResourceError> {
        cx.wait_ready(&format!("REST API {id}'s endpoint type change"), || async {
            let out = cx.aws.apigateway().get_rest_api().rest_api_id(id).send().await;
            Ok(match out.found("GetRestApi", |e| e.is_not_found_exception())? {
                None => Poll::Gone,
                Some(a) => match a.api_status() {
                    Some(ApiStatus::Failed) => Poll::Failed(a.api_status_message().unwrap_or("failed").to_string()),
                    Some(ApiStatus::Pending | ApiStatus::Updating) => Poll::Pending,
                    _ => Poll::Ready(()),
                },
            })
        })
        .await
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

/// The patch that changes the endpoint type: AWS names the current type in the path.
fn endpoint_type(from: &str, to: &str) -> PatchOperation {
    PatchOperation::builder().op(Op::Replace).path(format!("/endpointConfiguration/types/{from}")).value(to).build()
}

fn sort_routes(routes: &mut [Route]) {
    routes.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
}

#[async_trait]
impl Resource for RestApi {
    type Props = RestApiProps;
    type Attrs = RestApiAttrs;
    const TYPE: &'static str = "apigateway.rest_api";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-api-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-api-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.example]
type = "apigateway.rest_api"
name = "conformance-api"
description = "Ingest"
routes = [{ path = "/ingest", method = "POST", api_key_required = true, integration_uri = "${resources.function.invoke_arn}" }]
"#,
        updates: &[
            "description = \"Ingest, changed\"",
            "routes = [{ path = \"/ingest\", method = \"POST\", integration_uri = \"${resources.function.invoke_arn}\" }, { path = \"/health\", method = \"GET\", integration_uri = \"${resources.function.invoke_arn}\" }]",
            "endpoint_type = \"EDGE\"",
        ],
        replace: None,
        skip: &[
            (crate::Skip::Tags, "moto has no API Gateway TagResource (it answers 404): tags are set at creation and read back, but changing them in place cannot be run here"),
            (crate::Skip::Replace, "every property of a REST API changes in place"),
        ],
    };

    /// API names are not unique: the tags say which one this state created.
    async fn find(&self, cx: &Ctx<'_>, p: &RestApiProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigateway().get_rest_apis().limit(500).send().await.api("GetRestApis")?;
        Ok(out
            .items()
            .iter()
            .filter(|a| a.name() == Some(p.name.as_str()))
            .find(|a| ours(a.tags(), &p.tags))
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

    async fn create(&self, cx: &Ctx<'_>, p: &RestApiProps) -> Result<Created<RestApiAttrs>, ResourceError> {
        let out = cx
            .aws
            .apigateway()
            .create_rest_api()
            .name(&p.name)
            .set_description(p.description.clone())
            .endpoint_configuration(EndpointConfiguration::builder().types(EndpointType::from(p.endpoint_type.as_str())).build())
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateRestApi")?;
        let id = out.id().unwrap_or_default().to_string();
        let root = Self::build_routes(cx, &id, &p.routes).await?;
        Self::deploy(cx, &id, &p.stage_name).await?;
        Ok(Created::new(&id, Self::attrs(cx, &id, &p.stage_name, &root).await?))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RestApiProps) -> Result<Option<Observed<RestApiProps, RestApiAttrs>>, ResourceError> {
        let api = cx.aws.apigateway();
        let out = api.get_rest_api().rest_api_id(id).send().await.found("GetRestApi", |e| e.is_not_found_exception())?;
        let Some(rest) = out else { return Ok(None) };
        let (resources, stage) = tokio::join!(Self::resources(cx, id), api.get_stage().rest_api_id(id).stage_name(&p.stage_name).send());
        let resources = resources?;
        let stage_name = match stage.found("GetStage", |e| e.is_not_found_exception())? {
            Some(_) => p.stage_name.clone(),
            // Read from its id alone (`import --discover`), the stage's name is not known:
            // the API's only stage is the one infra deploys to.
            None => {
                let stages = api.get_stages().rest_api_id(id).send().await.found("GetStages", |e| e.is_not_found_exception())?;
                match stages.as_ref().map(|s| s.item()).unwrap_or_default() {
                    [only] => only.stage_name().unwrap_or_default().to_string(),
                    _ => String::new(),
                }
            }
        };
        // The listing names each method; its integration may need a call of its own.
        let methods = resources.iter().flat_map(|(path, (rid, methods))| methods.iter().map(move |(m, detail)| (path, rid, m, detail)));
        let mut routes = try_join_all(methods.map(|(path, rid, method, detail)| async move {
            let detail = match detail.method_integration() {
                Some(_) => detail.clone(),
                None => {
                    let m = api.get_method().rest_api_id(id).resource_id(rid).http_method(method).send().await.api("GetMethod")?;
                    Method::builder()
                        .set_api_key_required(m.api_key_required())
                        .set_authorization_type(m.authorization_type().map(str::to_string))
                        .set_method_integration(m.method_integration().cloned())
                        .build()
                }
            };
            let integration = detail.method_integration();
            Ok::<_, ResourceError>(Route {
                path: path.clone(),
                method: method.to_uppercase(),
                api_key_required: detail.api_key_required().unwrap_or(false),
                authorization: detail.authorization_type().unwrap_or("NONE").to_string(),
                integration_type: integration.and_then(|i| i.r#type()).map(|t| t.as_str().to_string()).unwrap_or_default(),
                integration_uri: integration.and_then(|i| i.uri()).unwrap_or_default().to_string(),
            })
        }))
        .await?;
        sort_routes(&mut routes);
        let props = RestApiProps {
            name: rest.name().unwrap_or_default().to_string(),
            description: rest.description().map(str::to_string).filter(|d| !d.is_empty()),
            endpoint_type: rest
                .endpoint_configuration()
                .and_then(|e| e.types().first())
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| p.endpoint_type.clone()),
            stage_name: stage_name.clone(),
            routes,
            tags: live_tags(rest.tags()),
        };
        let stage = if stage_name.is_empty() { &p.stage_name } else { &stage_name };
        let attrs = Self::attrs(cx, id, stage, &Self::root(&resources)).await?;
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &RestApiProps, new: &RestApiProps) -> Result<Option<RestApiAttrs>, ResourceError> {
        let api = cx.aws.apigateway();
        sync_tags(cx, &format!("/restapis/{id}"), &old.tags, &new.tags).await?;
        let mut patch = Vec::new();
        if old.name != new.name {
            patch.push(PatchOperation::builder().op(Op::Replace).path("/name").value(&new.name).build());
        }
        if old.description != new.description {
            patch.push(
                PatchOperation::builder().op(Op::Replace).path("/description").value(new.description.clone().unwrap_or_default()).build(),
            );
        }
        if old.endpoint_type != new.endpoint_type {
            let mut from = old.endpoint_type.as_str();
            // AWS turns a private API into a regional one and a regional one into an
            // edge-optimized one, but refuses private to edge-optimized in one step.
            if from == "PRIVATE" && new.endpoint_type == "EDGE" {
                api.update_rest_api()
                    .rest_api_id(id)
                    .patch_operations(endpoint_type(from, "REGIONAL"))
                    .send()
                    .await
                    .api("UpdateRestApi")?;
                Self::endpoint_settled(cx, id).await?;
                from = "REGIONAL";
            }
            patch.push(endpoint_type(from, &new.endpoint_type));
        }
        if !patch.is_empty() {
            api.update_rest_api().rest_api_id(id).set_patch_operations(Some(patch)).send().await.api("UpdateRestApi")?;
        }
        if old.endpoint_type != new.endpoint_type {
            Self::endpoint_settled(cx, id).await?;
        }
        if old.routes != new.routes {
            // Deepest first: AWS deletes children with their parent, but moto leaves them
            // behind with a dangling parent, after which it cannot list the API at all.
            let resources = Self::resources(cx, id).await?;
            let root = Self::root(&resources);
            let mut paths: Vec<(&String, &String)> =
                resources.iter().filter(|(p, _)| p.as_str() != "/").map(|(p, (rid, _))| (p, rid)).collect();
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
        if old.stage_name == new.stage_name {
            return Ok(None);
        }
        let root = Self::root(&Self::resources(cx, id).await?);
        Ok(Some(Self::attrs(cx, id, &new.stage_name, &root).await?))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &RestApiProps) -> Result<(), ResourceError> {
        cx.aws.apigateway().delete_rest_api().rest_api_id(id).send().await.found("DeleteRestApi", |e| e.is_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.apigateway().get_rest_apis().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("GetRestApis")?.items().iter().filter_map(|a| a.id().map(str::to_string)));
        }
        Ok(out)
    }
}
