//! `logs.resource_policy`: a CloudWatch Logs resource policy, the permission a service
//! such as EventBridge needs to write to log groups (an IAM role cannot give it). The
//! document changes in place.

use async_trait::async_trait;
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError};

props! {
    pub struct ResourcePolicyProps {
        name: String => required, replace, check(Check::Name { what: "policy name", min: 1, max: 255, chars: Chars::LogsPolicy });
        /// The policy document (`Principal = { Service = "events.amazonaws.com" }`).
        policy: Value => required;
    }
}

pub struct ResourcePolicy;

async fn put(cx: &Ctx<'_>, p: &ResourcePolicyProps) -> Result<(), ResourceError> {
    let req = cx.aws.logs().put_resource_policy().policy_name(&p.name).policy_document(p.policy.to_string());
    req.send().await.api("PutResourcePolicy")?;
    Ok(())
}

#[async_trait]
impl Resource for ResourcePolicy {
    type Props = ResourcePolicyProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "logs.resource_policy";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "logs.resource_policy"
name = "conformance-events-to-logs"
policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "events.amazonaws.com" }, Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/*:*" }] }
"#,
        updates: &[
            "policy = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Principal = { Service = [\"events.amazonaws.com\", \"delivery.logs.amazonaws.com\"] }, Action = [\"logs:CreateLogStream\", \"logs:PutLogEvents\"], Resource = \"arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/*:*\" }] }",
        ],
        replace: Some("name = \"conformance-events-to-logs-2\""),
        skip: &[],
    };

    async fn create(&self, cx: &Ctx<'_>, p: &ResourcePolicyProps) -> Result<Created<IdOnly>, ResourceError> {
        put(cx, p).await?;
        Ok(Created::new(&p.name, IdOnly {}))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &ResourcePolicyProps,
    ) -> Result<Option<Observed<ResourcePolicyProps, IdOnly>>, ResourceError> {
        let mut token = None;
        loop {
            let out = cx.aws.logs().describe_resource_policies().set_next_token(token).send().await.api("DescribeResourcePolicies")?;
            if let Some(found) = out.resource_policies().iter().find(|r| r.policy_name() == Some(id)) {
                let doc = found.policy_document().unwrap_or("{}");
                let policy = serde_json::from_str(doc).unwrap_or_else(|_| p.policy.clone());
                return Ok(Some(Observed { props: ResourcePolicyProps { name: id.to_string(), policy }, attrs: IdOnly {} }));
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(None);
            }
        }
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        _id: &str,
        _old: &ResourcePolicyProps,
        new: &ResourcePolicyProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        put(cx, new).await?;
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut names = Vec::new();
        let mut token = None;
        loop {
            let out = cx.aws.logs().describe_resource_policies().set_next_token(token).send().await.api("DescribeResourcePolicies")?;
            names.extend(out.resource_policies().iter().filter_map(|r| r.policy_name()).map(str::to_string));
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(names);
            }
        }
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ResourcePolicyProps) -> Result<(), ResourceError> {
        let req = cx.aws.logs().delete_resource_policy().policy_name(id);
        req.send().await.found("DeleteResourcePolicy", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
