//! `apigateway.usage_plan`: throttling and quota for API stages, with the API keys
//! attached to it.

use async_trait::async_trait;
use aws_sdk_apigateway::types::{ApiStage, Op, PatchOperation, QuotaSettings, ThrottleSettings};

use super::{live_tags, ours, sync_tags};
use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, PrepareCx, Resource, ResourceError};

props! {
    pub struct Stage {
        api_id: String => required;
        stage: String => required;
    }
}

props! {
    pub struct Throttle {
        /// Requests per second, steady state.
        rate_limit: f64 => required, check(Check::FloatRange { min: 0.0, max: 1.0e7 });
        /// Requests in a burst.
        burst_limit: i64 => required, check(Check::Range { min: 0, max: 10000000 });
    }
}

props! {
    pub struct Quota {
        limit: i64 => required, check(Check::Range { min: 0, max: 2147483647 });
        /// `DAY`, `WEEK` or `MONTH`.
        period: String => required, check(Check::OneOf(&["DAY", "WEEK", "MONTH"]));
    }
}

props! {
    pub struct UsagePlanProps {
        name: String => required;
        description: Option<String> => optional;
        /// The API stages the plan applies to, added and removed in place.
        api_stages: Vec<Stage> => default([]);
        throttle: Option<Throttle> => optional;
        quota: Option<Quota> => optional;
        /// Ids of the API keys this plan applies to.
        api_key_ids: Vec<String> => default([]);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

pub struct UsagePlan;

fn replace(path: &str, value: impl ToString) -> PatchOperation {
    PatchOperation::builder().op(Op::Replace).path(path).value(value.to_string()).build()
}

fn sort_stages(stages: &mut [Stage]) {
    stages.sort_by(|a, b| (&a.api_id, &a.stage).cmp(&(&b.api_id, &b.stage)));
}

fn stages_of(live: &[ApiStage]) -> Vec<Stage> {
    let mut stages: Vec<Stage> =
        live.iter().map(|s| Stage { api_id: s.api_id().unwrap_or_default().into(), stage: s.stage().unwrap_or_default().into() }).collect();
    sort_stages(&mut stages);
    stages
}

/// The stages in `a` that `b` lacks.
fn minus<'a>(a: &'a [Stage], b: &[Stage]) -> Vec<&'a Stage> {
    a.iter().filter(|s| !b.contains(s)).collect()
}

impl UsagePlan {
    async fn keys(cx: &Ctx<'_>, id: &str) -> Result<Vec<String>, ResourceError> {
        let out = cx.aws.apigateway().get_usage_plan_keys().usage_plan_id(id).limit(500).send().await.api("GetUsagePlanKeys")?;
        let mut ids: Vec<String> = out.items().iter().filter_map(|k| k.id().map(str::to_string)).collect();
        ids.sort();
        Ok(ids)
    }

    async fn sync_keys(cx: &Ctx<'_>, id: &str, old: &[String], new: &[String]) -> Result<(), ResourceError> {
        let api = cx.aws.apigateway();
        for key in new.iter().filter(|k| !old.contains(k)) {
            api.create_usage_plan_key().usage_plan_id(id).key_id(key).key_type("API_KEY").send().await.api("CreateUsagePlanKey")?;
        }
        for key in old.iter().filter(|k| !new.contains(k)) {
            api.delete_usage_plan_key()
                .usage_plan_id(id)
                .key_id(key)
                .send()
                .await
                .found("DeleteUsagePlanKey", |e| e.is_not_found_exception())?;
        }
        Ok(())
    }
}

#[async_trait]
impl Resource for UsagePlan {
    type Props = UsagePlanProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "apigateway.usage_plan";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-plan-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-plan-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.api]
type = "apigateway.rest_api"
name = "conformance-plan-api"
routes = [{ path = "/ingest", method = "POST", api_key_required = true, integration_uri = "${resources.function.invoke_arn}" }]

[resources.key]
type = "apigateway.api_key"
name = "conformance-plan-key"

[resources.example]
type = "apigateway.usage_plan"
name = "conformance-plan"
throttle = { rate_limit = 100.0, burst_limit = 200 }
quota = { limit = 10000, period = "MONTH" }
api_key_ids = ["${resources.key.id}"]
"#,
        updates: &[
            "throttle = { rate_limit = 50.0, burst_limit = 100 }",
            "api_key_ids = []",
            "api_stages = [{ api_id = \"${resources.api.id}\", stage = \"${resources.api.stage_name}\" }]",
        ],
        replace: None,
        skip: &[
            (crate::Skip::Tags, "moto has no API Gateway TagResource (it answers 404): tags are set at creation and read back, but changing them in place cannot be run here"),
            (crate::Skip::Replace, "every property of a usage plan changes in place"),
        ],
    };

    /// Plan names need not be unique: the one this state created carries its tags.
    async fn find(&self, cx: &Ctx<'_>, p: &UsagePlanProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.apigateway().get_usage_plans().limit(500).send().await.api("GetUsagePlans")?;
        Ok(out
            .items()
            .iter()
            .filter(|u| u.name() == Some(p.name.as_str()))
            .find(|u| ours(u.tags(), &p.tags))
            .and_then(|u| u.id())
            .map(str::to_string))
    }

    fn prepare(&self, p: &mut UsagePlanProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        p.api_key_ids.sort();
        sort_stages(&mut p.api_stages);
        Ok(())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &UsagePlanProps) -> Result<Created<IdOnly>, ResourceError> {
        let stages = p.api_stages.iter().map(|s| ApiStage::builder().api_id(&s.api_id).stage(&s.stage).build()).collect();
        let out = cx
            .aws
            .apigateway()
            .create_usage_plan()
            .name(&p.name)
            .set_description(p.description.clone())
            .set_api_stages(Some(stages))
            .set_throttle(
                p.throttle.as_ref().map(|t| ThrottleSettings::builder().rate_limit(t.rate_limit).burst_limit(t.burst_limit as i32).build()),
            )
            .set_quota(p.quota.as_ref().map(|q| QuotaSettings::builder().limit(q.limit as i32).period(q.period.as_str().into()).build()))
            .set_tags(Some(p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateUsagePlan")?;
        let id = out.id().unwrap_or_default().to_string();
        Self::sync_keys(cx, &id, &[], &p.api_key_ids).await?;
        Ok(Created::new(id, IdOnly {}))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &UsagePlanProps) -> Result<Option<Observed<UsagePlanProps, IdOnly>>, ResourceError> {
        let out =
            cx.aws.apigateway().get_usage_plan().usage_plan_id(id).send().await.found("GetUsagePlan", |e| e.is_not_found_exception())?;
        let Some(plan) = out else { return Ok(None) };
        let props = UsagePlanProps {
            name: plan.name().unwrap_or_default().to_string(),
            description: plan.description().map(str::to_string).filter(|d| !d.is_empty()),
            api_stages: stages_of(plan.api_stages()),
            throttle: plan.throttle().map(|t| Throttle { rate_limit: t.rate_limit(), burst_limit: t.burst_limit().into() }),
            quota: plan
                .quota()
                .map(|q| Quota { limit: q.limit().into(), period: q.period().map(|p| p.as_str().to_string()).unwrap_or_default() }),
            api_key_ids: Self::keys(cx, id).await?,
            tags: live_tags(plan.tags()),
        };
        Ok(Some(Observed { props, attrs: IdOnly {} }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &UsagePlanProps, new: &UsagePlanProps) -> Result<Option<IdOnly>, ResourceError> {
        sync_tags(cx, &format!("/usageplans/{id}"), &old.tags, &new.tags).await?;
        let mut patch = Vec::new();
        if old.name != new.name {
            patch.push(replace("/name", &new.name));
        }
        if old.description != new.description {
            patch.push(replace("/description", new.description.clone().unwrap_or_default()));
        }
        if let (Some(t), true) = (&new.throttle, old.throttle != new.throttle) {
            patch.push(replace("/throttle/rateLimit", t.rate_limit));
            patch.push(replace("/throttle/burstLimit", t.burst_limit));
        }
        if let (Some(q), true) = (&new.quota, old.quota != new.quota) {
            patch.push(replace("/quota/limit", q.limit));
            patch.push(replace("/quota/period", &q.period));
        }
        for (op, stages) in [(Op::Remove, minus(&old.api_stages, &new.api_stages)), (Op::Add, minus(&new.api_stages, &old.api_stages))] {
            for s in stages {
                let value = format!("{}:{}", s.api_id, s.stage);
                patch.push(PatchOperation::builder().op(op.clone()).path("/apiStages").value(value).build());
            }
        }
        if !patch.is_empty() {
            cx.aws
                .apigateway()
                .update_usage_plan()
                .usage_plan_id(id)
                .set_patch_operations(Some(patch))
                .send()
                .await
                .api("UpdateUsagePlan")?;
        }
        Self::sync_keys(cx, id, &old.api_key_ids, &new.api_key_ids).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &UsagePlanProps) -> Result<(), ResourceError> {
        cx.aws.apigateway().delete_usage_plan().usage_plan_id(id).send().await.found("DeleteUsagePlan", |e| e.is_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.apigateway().get_usage_plans().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("GetUsagePlans")?.items().iter().filter_map(|u| u.id().map(str::to_string)));
        }
        Ok(out)
    }
}
