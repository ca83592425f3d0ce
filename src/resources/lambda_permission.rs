//! `lambda.permission`: one statement of a function's resource policy (who may invoke
//! it). Lambda has no update for statements, so every property replaces it.

use async_trait::async_trait;
use serde_json::Value;

use super::{attr, Attempt, Attr, Ctx, Observed, Outcome, Resource, ResourceError, PROPAGATION_RETRY};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct PermissionProps {
        function_name: String => required, replace;
        statement_id: String => required, replace;
        action: String => default("lambda:InvokeFunction"), replace;
        /// Service principal, e.g. `apigateway.amazonaws.com`.
        principal: String => required, replace;
        source_arn: Option<String> => optional, replace;
    }
}

pub struct Permission;

fn id(p: &PermissionProps) -> String {
    format!("{}/{}", p.function_name, p.statement_id)
}

/// The statement with this id in the function's policy, if both exist.
async fn statement(cx: &Ctx<'_>, p: &PermissionProps) -> Result<Option<Value>, ResourceError> {
    let out = cx
        .aws
        .lambda()
        .get_policy()
        .function_name(&p.function_name)
        .send()
        .await
        .found("GetPolicy", |e| e.is_resource_not_found_exception())?;
    let Some(policy) = out.and_then(|o| o.policy) else { return Ok(None) };
    let doc: Value = serde_json::from_str(&policy).unwrap_or(Value::Null);
    Ok(doc
        .get("Statement")
        .and_then(Value::as_array)
        .and_then(|s| s.iter().find(|st| st.get("Sid").and_then(Value::as_str) == Some(p.statement_id.as_str())))
        .cloned())
}

#[async_trait]
impl Resource for Permission {
    type Props = PermissionProps;
    const TYPE: &'static str = "lambda.permission";
    const ATTRIBUTES: &'static [Attr] = &[attr("id")];

    fn natural_id(&self, p: &PermissionProps) -> Option<String> {
        Some(id(p))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &PermissionProps) -> Result<Outcome, ResourceError> {
        // A function still applying a change answers ResourceConflict; a principal that is
        // a freshly created role is not yet known to Lambda (InvalidParameterValue).
        cx.retry_eventual("the function (or the principal) to be ready", PROPAGATION_RETRY, || async {
            let sent = cx
                .aws
                .lambda()
                .add_permission()
                .function_name(&p.function_name)
                .statement_id(&p.statement_id)
                .action(&p.action)
                .principal(&p.principal)
                .set_source_arn(p.source_arn.clone())
                .send()
                .await;
            match sent {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                    Err(Attempt::retry("AddPermission", e))
                }
                Err(e)
                    if e.as_service_error().is_some_and(|e| e.is_invalid_parameter_value_exception())
                        && p.principal.starts_with("arn:")
                        && cx.role_is_fresh(&p.principal).await =>
                {
                    Err(Attempt::retry("AddPermission", e))
                }
                Err(e) => Err(Attempt::fail("AddPermission", e)),
            }
        })
        .await?;
        Ok(Outcome::new(id(p)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &PermissionProps) -> Result<Option<Observed<PermissionProps>>, ResourceError> {
        let Some(st) = statement(cx, p).await? else { return Ok(None) };
        let source_arn = st.pointer("/Condition/ArnLike/AWS:SourceArn").and_then(Value::as_str).map(str::to_string);
        let principal = st.pointer("/Principal/Service").and_then(Value::as_str).unwrap_or(&p.principal).to_string();
        let props = PermissionProps { principal, source_arn, ..p.clone() };
        Ok(Some(Observed { props, attrs: Outcome::new(id).attrs }))
    }

    async fn update(&self, _cx: &Ctx<'_>, id: &str, _old: &PermissionProps, _new: &PermissionProps) -> Result<Outcome, ResourceError> {
        Ok(Outcome::new(id))
    }

    async fn delete(&self, cx: &Ctx<'_>, _id: &str, p: &PermissionProps) -> Result<(), ResourceError> {
        cx.aws
            .lambda()
            .remove_permission()
            .function_name(&p.function_name)
            .statement_id(&p.statement_id)
            .send()
            .await
            .found("RemovePermission", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
