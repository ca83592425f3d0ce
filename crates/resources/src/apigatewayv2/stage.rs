//! `apigatewayv2.stage`: where an API is served, normally `$default` with auto-deploy
//! (every change to routes goes live without a deployment), and its access logs.

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::AccessLogSettings;

use super::{live_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError, Skip};

props! {
    /// Access logs to a CloudWatch Logs group.
    pub struct AccessLog {
        /// The log group's ARN.
        destination_arn: String => required, check(Check::Arn);
        /// `$context` variables as JSON (or CLF).
        format: String => default("{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\",\"httpMethod\":\"$context.httpMethod\",\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\",\"responseLength\":\"$context.responseLength\"}");
    }
}

props! {
    pub struct StageProps {
        api_id: String => required, replace;
        name: String => default("$default"), replace, check(Check::MaxLen(128));
        // On by default also because the emulator has no CreateDeployment
        // (docs/architecture.md, "The emulator").
        /// Deploy every change at once; infra makes no deployments, so with `false` changes
        /// go live only when a deployment is made outside infra.
        auto_deploy: bool => default(true);
        access_log: Option<AccessLog> => optional;
        description: Option<String> => optional, check(Check::MaxLen(1024));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct StageAttrs {
        name: String,
        /// The URL clients call.
        invoke_url: String,
    }
}

pub struct Stage;

fn attrs(cx: &Ctx<'_>, p: &StageProps) -> StageAttrs {
    let region = cx.aws.region();
    let path = if p.name == "$default" { String::new() } else { format!("/{}", p.name) };
    StageAttrs { name: p.name.clone(), invoke_url: format!("https://{}.execute-api.{region}.amazonaws.com{path}", p.api_id) }
}

fn log_settings(a: &AccessLog) -> AccessLogSettings {
    AccessLogSettings::builder().destination_arn(&a.destination_arn).format(&a.format).build()
}

#[async_trait]
impl Resource for Stage {
    type Props = StageProps;
    type Attrs = StageAttrs;
    const TYPE: &'static str = "apigatewayv2.stage";
    const IDENTITY: Identity = Identity::Unique(&["api_id", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.api]
type = "apigatewayv2.api"
name = "conformance-stage-api"

[resources.logs]
type = "logs.log_group"
name = "/aws/apigateway/conformance-stage-api"
retention_days = 30

[resources.example]
type = "apigatewayv2.stage"
api_id = "${resources.api.id}"
access_log = { destination_arn = "${resources.logs.arn}" }
"#,
        updates: &["auto_deploy = false"],
        replace: Some("name = \"v1\""),
        skip: &[
            (
                Skip::Update,
                "moto has no UpdateStage: every setting is sent at creation and read back, but changing one in place cannot be run here",
            ),
            (Skip::Tags, "moto tags APIs, not stages"),
            (Skip::Discover, "a stage's id is its name, which does not say which API it belongs to: `$default` is in every API"),
        ],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &StageProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigatewayv2().get_stage().api_id(&p.api_id).stage_name(&p.name).send().await;
        Ok(out.found("GetStage", |e| e.is_not_found_exception())?.map(|_| p.name.clone()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &StageProps) -> Result<Created<StageAttrs>, ResourceError> {
        cx.aws
            .apigatewayv2()
            .create_stage()
            .api_id(&p.api_id)
            .stage_name(&p.name)
            .auto_deploy(p.auto_deploy)
            .set_access_log_settings(p.access_log.as_ref().map(log_settings))
            .set_description(p.description.clone())
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateStage")?;
        Ok(Created::new(&p.name, attrs(cx, p)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &StageProps) -> Result<Option<Observed<StageProps, StageAttrs>>, ResourceError> {
        let out = cx.aws.apigatewayv2().get_stage().api_id(&p.api_id).stage_name(id).send().await;
        let Some(s) = out.found("GetStage", |e| e.is_not_found_exception())? else { return Ok(None) };
        let props = StageProps {
            api_id: p.api_id.clone(),
            name: s.stage_name().unwrap_or(id).to_string(),
            auto_deploy: s.auto_deploy().unwrap_or(false),
            access_log: s.access_log_settings().and_then(|a| {
                Some(AccessLog { destination_arn: a.destination_arn()?.to_string(), format: a.format().unwrap_or_default().to_string() })
            }),
            description: s.description().filter(|d| !d.is_empty()).map(str::to_string),
            tags: live_tags(s.tags()),
        };
        Ok(Some(Observed { attrs: attrs(cx, &props), props }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &StageProps, new: &StageProps) -> Result<Option<StageAttrs>, ResourceError> {
        if (old.auto_deploy, &old.access_log, &old.description) != (new.auto_deploy, &new.access_log, &new.description) {
            cx.aws
                .apigatewayv2()
                .update_stage()
                .api_id(&new.api_id)
                .stage_name(id)
                .auto_deploy(new.auto_deploy)
                .set_access_log_settings(new.access_log.as_ref().map(log_settings))
                .description(new.description.clone().unwrap_or_default())
                .send()
                .await
                .api("UpdateStage")?;
        }
        sync_tags(cx, &format!("/apis/{}/stages/{id}", new.api_id), &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &StageProps) -> Result<(), ResourceError> {
        cx.aws
            .apigatewayv2()
            .delete_stage()
            .api_id(&p.api_id)
            .stage_name(id)
            .send()
            .await
            .found("DeleteStage", |e| e.is_not_found_exception())?;
        Ok(())
    }
}
