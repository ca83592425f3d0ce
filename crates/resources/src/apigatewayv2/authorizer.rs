//! `apigatewayv2.authorizer`: a JWT authorizer (Cognito or any OIDC issuer) that routes
//! name with `authorization_type = "JWT"`, or a Lambda authorizer (`REQUEST`) that routes
//! name with `authorization_type = "CUSTOM"`. Every property but the API changes in place.

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, PrepareCx, Problem, Resource, ResourceError, Skip};

props! {
    pub struct AuthorizerProps {
        api_id: String => required, replace;
        name: String => required, check(Check::MaxLen(128));
        /// `JWT`, or `REQUEST` for a Lambda authorizer.
        authorizer_type: String => default("JWT"), check(Check::OneOf(&["JWT", "REQUEST"]));
        identity_sources: Vec<String> => default(["$request.header.Authorization"]);
        /// `JWT`: the token issuer's URL (`https://cognito-idp.REGION.amazonaws.com/POOL`).
        jwt_issuer: Option<String> => optional;
        /// `JWT`: accepted `aud` values (app client ids).
        jwt_audience: Vec<String> => default([]);
        /// `REQUEST`: the Lambda function's `invoke_arn`.
        authorizer_uri: Option<String> => optional;
        /// `REQUEST` on an HTTP API: the event format the function receives, `1.0` or `2.0`.
        payload_format_version: Option<String> => optional, check(Check::OneOf(&["1.0", "2.0"]));
    }
}

attrs! {
    pub struct AuthorizerAttrs {
        authorizer_id: String,
    }
}

pub struct Authorizer;

fn jwt(p: &AuthorizerProps) -> Option<JwtConfiguration> {
    (p.authorizer_type == "JWT")
        .then(|| JwtConfiguration::builder().set_issuer(p.jwt_issuer.clone()).set_audience(Some(p.jwt_audience.clone())).build())
}

/// The Lambda settings, sent for a `REQUEST` authorizer only.
fn lambda(p: &AuthorizerProps) -> (Option<String>, Option<String>) {
    match p.authorizer_type.as_str() {
        "REQUEST" => (p.authorizer_uri.clone(), p.payload_format_version.clone()),
        _ => (None, None),
    }
}

#[async_trait]
impl Resource for Authorizer {
    type Props = AuthorizerProps;
    type Attrs = AuthorizerAttrs;
    const TYPE: &'static str = "apigatewayv2.authorizer";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.api]
type = "apigatewayv2.api"
name = "conformance-authorizer-api"

[resources.role]
type = "iam.role"
name = "conformance-authorizer-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-authorizer-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.example]
type = "apigatewayv2.authorizer"
api_id = "${resources.api.id}"
name = "cognito"
jwt_issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example"
jwt_audience = ["app-client"]
"#,
        updates: &[
            "jwt_audience = [\"app-client\", \"admin-client\"]",
            "name = \"cognito-2\"",
            "authorizer_type = \"REQUEST\"\nauthorizer_uri = \"${resources.function.invoke_arn}\"\npayload_format_version = \"2.0\"",
        ],
        replace: None,
        skip: &[
            (Skip::Adopt, "moto has no GetAuthorizers, so an interrupted create cannot be looked up here"),
            (Skip::Replace, "only the API forces a new authorizer, and its conformance example has one API"),
            // moto has no GetAuthorizers: a listing would fail discovery of every type here.
            (Skip::Discover, "authorizers are not listed yet"),
        ],
    };

    fn check(&self, p: &AuthorizerProps) -> Vec<Problem> {
        if p.authorizer_type == "REQUEST" && p.authorizer_uri.is_none() {
            return vec![("authorizer_uri".into(), "a REQUEST authorizer needs authorizer_uri, the Lambda function's invoke_arn".into())];
        }
        Vec::new()
    }

    fn prepare(&self, p: &mut AuthorizerProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.jwt_audience.sort();
        Ok(())
    }

    /// Authorizers carry no tags: the one of this name on the API is it.
    async fn find(&self, cx: &Ctx<'_>, p: &AuthorizerProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .apigatewayv2()
            .get_authorizers()
            .api_id(&p.api_id)
            .send()
            .await
            .found("GetAuthorizers", |e| e.is_not_found_exception())?;
        Ok(out
            .and_then(|o| o.items().iter().find(|a| a.name() == Some(p.name.as_str())).and_then(|a| a.authorizer_id()).map(str::to_string)))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &AuthorizerProps) -> Result<Created<AuthorizerAttrs>, ResourceError> {
        let (uri, payload) = lambda(p);
        let out = cx
            .aws
            .apigatewayv2()
            .create_authorizer()
            .api_id(&p.api_id)
            .name(&p.name)
            .authorizer_type(AuthorizerType::from(p.authorizer_type.as_str()))
            .set_identity_source(Some(p.identity_sources.clone()))
            .set_jwt_configuration(jwt(p))
            .set_authorizer_uri(uri)
            .set_authorizer_payload_format_version(payload)
            .send()
            .await
            .api("CreateAuthorizer")?;
        let id = out.authorizer_id().unwrap_or_default().to_string();
        Ok(Created::new(&id, AuthorizerAttrs { authorizer_id: id.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &AuthorizerProps,
    ) -> Result<Option<Observed<AuthorizerProps, AuthorizerAttrs>>, ResourceError> {
        let out = cx.aws.apigatewayv2().get_authorizer().api_id(&p.api_id).authorizer_id(id).send().await;
        let Some(a) = out.found("GetAuthorizer", |e| e.is_not_found_exception())? else { return Ok(None) };
        let authorizer_type = a.authorizer_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.authorizer_type.clone());
        // The other type's settings do not apply (AWS need not clear them when the type
        // changes): they stay as last applied.
        let (jwt, request) = (authorizer_type == "JWT", authorizer_type == "REQUEST");
        let mut jwt_audience = a.jwt_configuration().map(|j| j.audience().to_vec()).unwrap_or_default();
        jwt_audience.sort();
        let props = AuthorizerProps {
            api_id: p.api_id.clone(),
            name: a.name().unwrap_or_default().to_string(),
            identity_sources: a.identity_source().to_vec(),
            jwt_issuer: if jwt { a.jwt_configuration().and_then(|j| j.issuer()).map(str::to_string) } else { p.jwt_issuer.clone() },
            jwt_audience: if jwt { jwt_audience } else { p.jwt_audience.clone() },
            authorizer_uri: if request { a.authorizer_uri().map(str::to_string) } else { p.authorizer_uri.clone() },
            payload_format_version: if request {
                a.authorizer_payload_format_version().map(str::to_string)
            } else {
                p.payload_format_version.clone()
            },
            authorizer_type,
        };
        Ok(Some(Observed { props, attrs: AuthorizerAttrs { authorizer_id: id.to_string() } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &AuthorizerProps,
        new: &AuthorizerProps,
    ) -> Result<Option<AuthorizerAttrs>, ResourceError> {
        let (uri, payload) = lambda(new);
        cx.aws
            .apigatewayv2()
            .update_authorizer()
            .api_id(&new.api_id)
            .authorizer_id(id)
            .name(&new.name)
            .authorizer_type(AuthorizerType::from(new.authorizer_type.as_str()))
            .set_identity_source(Some(new.identity_sources.clone()))
            .set_jwt_configuration(jwt(new))
            .set_authorizer_uri(uri)
            .set_authorizer_payload_format_version(payload)
            .send()
            .await
            .api("UpdateAuthorizer")?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &AuthorizerProps) -> Result<(), ResourceError> {
        let req = cx.aws.apigatewayv2().delete_authorizer().api_id(&p.api_id).authorizer_id(id);
        req.send().await.found("DeleteAuthorizer", |e| e.is_not_found_exception())?;
        Ok(())
    }
}
