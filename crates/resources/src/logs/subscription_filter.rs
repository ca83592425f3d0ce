//! `logs.subscription_filter`: streams a log group's matching events to a Lambda function
//! (or a Kinesis stream, a Firehose stream, a destination). CloudWatch Logs must be allowed
//! to call the target: for a function, a `lambda.permission` with principal
//! `logs.amazonaws.com` and source ARN `<log group ARN>:*` (the form Logs calls with),
//! which the filter should `depends_on`. Pattern, destination, role and distribution
//! change in place; the log group and the filter's name replace it.

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::types::{Distribution, SubscriptionFilter as SdkFilter};

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::check::{rules, Chars};
use crate::schema::Check;
use crate::{Attempt, Created, Ctx, Example, IdOnly, Identity, Observed, Resource, ResourceError, PROPAGATION_RETRY};

props! {
    pub struct SubscriptionFilterProps {
        log_group_name: String => required, replace, check(rules::LOG_GROUP);
        /// The filter's name, unique within the log group (a group has at most two filters).
        name: String => required, replace, check(Check::Name { what: "filter name", min: 1, max: 512, chars: Chars::NoColonStar });
        /// CloudWatch Logs' filter pattern (`"ERROR"`, `{ $.status = 500 }`); empty sends every event.
        pattern: String => required, check(Check::MaxLen(1024));
        /// Where matching events go: a Lambda function, Kinesis or Firehose stream, or a logs destination.
        destination_arn: String => required, check(Check::Arn);
        /// The role CloudWatch Logs assumes to write to a Kinesis or Firehose stream; not for Lambda.
        role_arn: Option<String> => optional, check(Check::Arn);
        /// How events reach a Kinesis stream's shards: `ByLogStream` or `Random`.
        distribution: String => default("ByLogStream"), check(Check::OneOf(&["ByLogStream", "Random"]));
    }
}

pub struct SubscriptionFilter;

fn id(p: &SubscriptionFilterProps) -> String {
    format!("{}:{}", p.log_group_name, p.name)
}

/// The log group and filter an id names; log group names hold no `:`.
fn parts<'a>(id: &'a str, p: &'a SubscriptionFilterProps) -> (&'a str, &'a str) {
    super::filter_parts(id, &p.log_group_name, &p.name)
}

async fn put(cx: &Ctx<'_>, p: &SubscriptionFilterProps) -> Result<(), ResourceError> {
    // A permission just granted to CloudWatch Logs on the function is not yet seen by the
    // test invocation PutSubscriptionFilter makes (InvalidParameterException).
    cx.retry_eventual("CloudWatch Logs to be allowed to call the destination", PROPAGATION_RETRY, || async {
        let sent = cx
            .aws
            .logs()
            .put_subscription_filter()
            .log_group_name(&p.log_group_name)
            .filter_name(&p.name)
            .filter_pattern(&p.pattern)
            .destination_arn(&p.destination_arn)
            .set_role_arn(p.role_arn.clone())
            .distribution(Distribution::from(p.distribution.as_str()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error().is_some_and(|e| e.is_invalid_parameter_exception()) && p.destination_arn.contains(":lambda:") =>
            {
                Err(Attempt::retry("PutSubscriptionFilter", e))
            }
            Err(e) => Err(Attempt::fail("PutSubscriptionFilter", e)),
        }
    })
    .await?;
    Ok(())
}

fn props_of(f: &SdkFilter, group: &str, name: &str) -> SubscriptionFilterProps {
    SubscriptionFilterProps {
        log_group_name: group.to_string(),
        name: name.to_string(),
        pattern: f.filter_pattern().unwrap_or_default().to_string(),
        destination_arn: f.destination_arn().unwrap_or_default().to_string(),
        role_arn: f.role_arn().filter(|r| !r.is_empty()).map(str::to_string),
        distribution: f.distribution().map_or("ByLogStream", |d| d.as_str()).to_string(),
    }
}

#[async_trait]
impl Resource for SubscriptionFilter {
    type Props = SubscriptionFilterProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "logs.subscription_filter";
    const IDENTITY: Identity = Identity::Unique(&["log_group_name", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.logs]
type = "logs.log_group"
name = "/conformance/subscription-filter"

[resources.role]
type = "iam.role"
name = "conformance-subscription-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-subscription-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.function2]
type = "lambda.function"
name = "conformance-subscription-function2"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.permission]
type = "lambda.permission"
function_name = "${resources.function.name}"
statement_id = "AllowCloudWatchLogs"
principal = "logs.amazonaws.com"
source_arn = "${resources.logs.arn}:*"

[resources.permission2]
type = "lambda.permission"
function_name = "${resources.function2.name}"
statement_id = "AllowCloudWatchLogs"
principal = "logs.amazonaws.com"
source_arn = "${resources.logs.arn}:*"

[resources.example]
type = "logs.subscription_filter"
depends_on = ["resources.permission", "resources.permission2"]
log_group_name = "${resources.logs.name}"
name = "to-function"
pattern = "ERROR"
destination_arn = "${resources.function.arn}"
"#,
        updates: &["pattern = \"?ERROR ?FATAL\"", "destination_arn = \"${resources.function2.arn}\""],
        replace: Some("name = \"to-function-too\""),
        skip: &[],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &SubscriptionFilterProps) -> Result<Option<String>, ResourceError> {
        Ok(self.read(cx, &id(p), p).await?.map(|_| id(p)))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SubscriptionFilterProps) -> Result<Created<IdOnly>, ResourceError> {
        put(cx, p).await?;
        Ok(Created::new(id(p), IdOnly {}))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &SubscriptionFilterProps,
    ) -> Result<Option<Observed<SubscriptionFilterProps, IdOnly>>, ResourceError> {
        let (group, name) = parts(id, p);
        let req = cx.aws.logs().describe_subscription_filters().log_group_name(group).filter_name_prefix(name);
        let found = req.send().await.found("DescribeSubscriptionFilters", |e| e.is_resource_not_found_exception())?;
        let Some(out) = found else { return Ok(None) };
        let filter = out.subscription_filters().iter().find(|f| f.filter_name() == Some(name));
        Ok(filter.map(|f| Observed { props: props_of(f, group, name), attrs: IdOnly {} }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        _id: &str,
        _old: &SubscriptionFilterProps,
        new: &SubscriptionFilterProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        put(cx, new).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &SubscriptionFilterProps) -> Result<(), ResourceError> {
        let (group, name) = parts(id, p);
        let req = cx.aws.logs().delete_subscription_filter().log_group_name(group).filter_name(name);
        req.send().await.found("DeleteSubscriptionFilter", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }

    /// Filters hang off log groups and DescribeSubscriptionFilters wants one: every group's.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let groups = super::group_names(cx).await?;
        let mut out = Vec::new();
        for group in groups {
            let mut pages = cx.aws.logs().describe_subscription_filters().log_group_name(&group).into_paginator().send();
            while let Some(page) = pages.next().await {
                // A group deleted since the listing has no filters to adopt.
                let Some(page) = page.found("DescribeSubscriptionFilters", |e| e.is_resource_not_found_exception())? else { break };
                out.extend(page.subscription_filters().iter().filter_map(|f| Some(format!("{group}:{}", f.filter_name()?))));
            }
        }
        Ok(out)
    }
}
