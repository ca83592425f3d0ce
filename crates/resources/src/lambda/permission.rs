//! `lambda.permission`: one statement of a function's resource policy (who may invoke
//! it). Lambda has no update for statements, so every property replaces it.

use async_trait::async_trait;
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::check::rules;
use crate::{Attempt, Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError, Skip, PROPAGATION_RETRY};

props! {
    pub struct PermissionProps {
        /// Function name or ARN.
        function_name: String => required, replace;
        /// The statement's id in the function's policy.
        statement_id: String => required, replace, check(rules::STATEMENT_ID);
        action: String => default("lambda:InvokeFunction"), replace;
        /// Service principal, e.g. `apigateway.amazonaws.com`.
        principal: String => required, replace;
        /// Only requests from this ARN (an API's `execution_arn/*/*`).
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
    type Attrs = IdOnly;
    const TYPE: &'static str = "lambda.permission";
    const IDENTITY: Identity = Identity::Unique(&["function_name", "statement_id"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-permission-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-permission-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.example]
type = "lambda.permission"
function_name = "${resources.function.name}"
statement_id = "AllowApiGateway"
principal = "apigateway.amazonaws.com"
source_arn = "arn:aws:execute-api:us-east-1:${aws.account_id}:abc123/*/*"
"#,
        updates: &[],
        replace: Some("statement_id = \"AllowApiGatewayToo\""),
        skip: &[
            (Skip::Update, "Lambda has no update for a policy statement: every property replaces it"),
            (Skip::Drift, "no property can change in place"),
        ],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &PermissionProps) -> Result<Option<String>, ResourceError> {
        Ok(statement(cx, p).await?.map(|_| id(p)))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &PermissionProps) -> Result<Created<IdOnly>, ResourceError> {
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
        Ok(Created::new(id(p), IdOnly {}))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &PermissionProps) -> Result<Option<Observed<PermissionProps, IdOnly>>, ResourceError> {
        // Read from its id alone (`import --discover`), the function and statement come
        // from the id, `FUNCTION/STATEMENT_ID` (a statement id has no `/`).
        let from_id;
        let p = match id.rsplit_once('/') {
            Some((function_name, statement_id)) if self::id(p) != id => {
                from_id = PermissionProps { function_name: function_name.into(), statement_id: statement_id.into(), ..p.clone() };
                &from_id
            }
            _ => p,
        };
        let Some(st) = statement(cx, p).await? else { return Ok(None) };
        let source_arn = st.pointer("/Condition/ArnLike/AWS:SourceArn").and_then(Value::as_str).map(str::to_string);
        let principal = st.pointer("/Principal/Service").and_then(Value::as_str).unwrap_or(&p.principal).to_string();
        let action = st.get("Action").and_then(Value::as_str).unwrap_or(&p.action).to_string();
        let props = PermissionProps { principal, source_arn, action, ..p.clone() };
        Ok(Some(Observed { props, attrs: IdOnly {} }))
    }

    /// Every property forces replacement, so nothing reaches here.
    async fn update(
        &self,
        _cx: &Ctx<'_>,
        _id: &str,
        _old: &PermissionProps,
        _new: &PermissionProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        Ok(None)
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

    /// Every statement of every function's policy, as `FUNCTION/STATEMENT_ID`.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let lambda = cx.aws.lambda();
        let functions: Vec<String> = super::functions(cx).await?.iter().filter_map(|f| f.function_name().map(str::to_string)).collect();
        let mut out = Vec::new();
        for function in functions {
            // A function without a policy (or deleted since the listing) has no statements.
            let sent = lambda.get_policy().function_name(&function).send().await;
            let Some(policy) = sent.found("GetPolicy", |e| e.is_resource_not_found_exception())?.and_then(|o| o.policy) else {
                continue;
            };
            let doc: Value = serde_json::from_str(&policy).unwrap_or(Value::Null);
            let sids = doc.get("Statement").and_then(Value::as_array).into_iter().flatten().filter_map(|st| st.get("Sid")?.as_str());
            out.extend(sids.map(|sid| format!("{function}/{sid}")));
        }
        Ok(out)
    }
}
