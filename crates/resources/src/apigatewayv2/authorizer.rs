//! `apigatewayv2.authorizer`: a JWT authorizer (Cognito or any OIDC issuer) that routes
//! name with `authorization_type = "JWT"`.

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, PrepareCx, Resource, ResourceError, Skip};

props! {
    pub struct AuthorizerProps {
        api_id: String => required, replace;
        name: String => required, check(Check::MaxLen(128));
        authorizer_type: String => default("JWT"), replace, check(Check::OneOf(&["JWT", "REQUEST"]));
        identity_sources: Vec<String> => default(["$request.header.Authorization"]);
        /// The token issuer's URL (`https://cognito-idp.REGION.amazonaws.com/POOL`).
        jwt_issuer: Option<String> => optional;
        /// Accepted `aud` values (app client ids).
        jwt_audience: Vec<String> => default([]);
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

[resources.example]
type = "apigatewayv2.authorizer"
api_id = "${resources.api.id}"
name = "cognito"
jwt_issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example"
jwt_audience = ["app-client"]
"#,
        updates: &["jwt_audience = [\"app-client\", \"admin-client\"]", "name = \"cognito-2\""],
        replace: None,
        skip: &[
            (Skip::Adopt, "moto has no GetAuthorizers, so an interrupted create cannot be looked up here"),
            (Skip::Replace, "only the API forces a new authorizer, and its conformance example has one API"),
        ],
    };

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
        let out = cx
            .aws
            .apigatewayv2()
            .create_authorizer()
            .api_id(&p.api_id)
            .name(&p.name)
            .authorizer_type(AuthorizerType::from(p.authorizer_type.as_str()))
            .set_identity_source(Some(p.identity_sources.clone()))
            .set_jwt_configuration(jwt(p))
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
        let mut jwt_audience = a.jwt_configuration().map(|j| j.audience().to_vec()).unwrap_or_default();
        jwt_audience.sort();
        let props = AuthorizerProps {
            api_id: p.api_id.clone(),
            name: a.name().unwrap_or_default().to_string(),
            authorizer_type: a.authorizer_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.authorizer_type.clone()),
            identity_sources: a.identity_source().to_vec(),
            jwt_issuer: a.jwt_configuration().and_then(|j| j.issuer()).map(str::to_string),
            jwt_audience,
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
        cx.aws
            .apigatewayv2()
            .update_authorizer()
            .api_id(&new.api_id)
            .authorizer_id(id)
            .name(&new.name)
            .set_identity_source(Some(new.identity_sources.clone()))
            .set_jwt_configuration(jwt(new))
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
