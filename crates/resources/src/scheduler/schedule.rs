//! `scheduler.schedule`: an EventBridge Scheduler schedule invoking a target (a Lambda).

use async_trait::async_trait;
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target};

use crate::aws::SdkResultExt;
use crate::schema::check::{rules, Chars};
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct ScheduleProps {
        name: String => required, replace, check(rules::SCHEDULE);
        group: String => default("default"), replace, check(rules::SCHEDULE);
        /// e.g. `rate(2 hours)` or `cron(0 9 * * ? *)`.
        schedule_expression: String => required, check(Check::Name { what: "schedule expression", min: 1, max: 256, chars: Chars::Any });
        /// Whether the schedule fires (`false` pauses it). (`enabled` is the manifest's own switch for
        /// whether the resource exists at all.)
        active: bool => default(true);
        /// What to invoke (a Lambda's ARN).
        target_arn: String => required, check(Check::Arn);
        /// Role the scheduler assumes to invoke the target.
        target_role_arn: String => required, check(Check::Arn);
        /// Flexible window in minutes; absent means exactly on time.
        flexible_window_minutes: Option<i64> => optional, check(Check::Range { min: 1, max: 1440 });
    }
}

attrs! {
    pub struct ScheduleAttrs {
        arn: String,
        name: String,
    }
}

pub struct Schedule;

fn parts(p: &ScheduleProps) -> Result<(Target, FlexibleTimeWindow, ScheduleState), ResourceError> {
    let target = Target::builder().arn(&p.target_arn).role_arn(&p.target_role_arn).build()?;
    let window = match p.flexible_window_minutes {
        Some(m) => FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Flexible).maximum_window_in_minutes(m as i32).build()?,
        None => FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Off).build()?,
    };
    let state = if p.active { ScheduleState::Enabled } else { ScheduleState::Disabled };
    Ok((target, window, state))
}

#[async_trait]
impl Resource for Schedule {
    type Props = ScheduleProps;
    type Attrs = ScheduleAttrs;
    const TYPE: &'static str = "scheduler.schedule";
    const IDENTITY: Identity = Identity::Unique(&["group", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-schedule-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "scheduler.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.example]
type = "scheduler.schedule"
name = "conformance-schedule"
schedule_expression = "rate(2 hours)"
target_arn = "arn:aws:lambda:us-east-1:${aws.account_id}:function:conformance-target"
target_role_arn = "${resources.role.arn}"
"#,
        updates: &["schedule_expression = \"rate(6 hours)\"", "active = false", "flexible_window_minutes = 15"],
        replace: Some("name = \"conformance-schedule-2\""),
        skip: &[],
    };

    fn early(&self, p: &ScheduleProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:scheduler:{}:{}:schedule/{}/{}", at.partition, at.region, at.account_id, p.group, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    fn check(&self, p: &ScheduleProps) -> Vec<Problem> {
        let e = &p.schedule_expression;
        if ["rate(", "cron(", "at("].iter().any(|s| e.starts_with(s)) && e.ends_with(')') {
            Vec::new()
        } else {
            vec![("schedule_expression".into(), format!("`{e}` is not `rate(...)`, `cron(...)` or `at(...)`"))]
        }
    }

    async fn find(&self, cx: &Ctx<'_>, p: &ScheduleProps) -> Result<Option<String>, ResourceError> {
        Ok(self.read(cx, &p.name, p).await?.map(|_| p.name.clone()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ScheduleProps) -> Result<Created<ScheduleAttrs>, ResourceError> {
        let (target, window, state) = parts(p)?;
        let out = cx
            .aws
            .scheduler()
            .create_schedule()
            .name(&p.name)
            .group_name(&p.group)
            .schedule_expression(&p.schedule_expression)
            .state(state)
            .target(target)
            .flexible_time_window(window)
            .send()
            .await
            .api("CreateSchedule")?;
        Ok(Created::new(&p.name, ScheduleAttrs { name: p.name.clone(), arn: out.schedule_arn().to_string() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &ScheduleProps,
    ) -> Result<Option<Observed<ScheduleProps, ScheduleAttrs>>, ResourceError> {
        let out = cx
            .aws
            .scheduler()
            .get_schedule()
            .name(id)
            .group_name(&p.group)
            .send()
            .await
            .found("GetSchedule", |e| e.is_resource_not_found_exception())?;
        let Some(s) = out else { return Ok(None) };
        let window = s.flexible_time_window();
        let props = ScheduleProps {
            name: id.to_string(),
            group: s.group_name().unwrap_or(&p.group).to_string(),
            schedule_expression: s.schedule_expression().unwrap_or_default().to_string(),
            active: s.state() != Some(&ScheduleState::Disabled),
            target_arn: s.target().map(|t| t.arn().to_string()).unwrap_or_default(),
            target_role_arn: s.target().map(|t| t.role_arn().to_string()).unwrap_or_default(),
            flexible_window_minutes: window
                .filter(|w| w.mode() == &FlexibleTimeWindowMode::Flexible)
                .and_then(|w| w.maximum_window_in_minutes())
                .map(i64::from),
        };
        Ok(Some(Observed { props, attrs: ScheduleAttrs { name: id.to_string(), arn: s.arn().unwrap_or_default().to_string() } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &ScheduleProps,
        new: &ScheduleProps,
    ) -> Result<Option<ScheduleAttrs>, ResourceError> {
        let (target, window, state) = parts(new)?;
        let out = cx
            .aws
            .scheduler()
            .update_schedule()
            .name(id)
            .group_name(&new.group)
            .schedule_expression(&new.schedule_expression)
            .state(state)
            .target(target)
            .flexible_time_window(window)
            .send()
            .await
            .api("UpdateSchedule")?;
        Ok(Some(ScheduleAttrs { name: id.to_string(), arn: out.schedule_arn().to_string() }))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &ScheduleProps) -> Result<(), ResourceError> {
        cx.aws
            .scheduler()
            .delete_schedule()
            .name(id)
            .group_name(&p.group)
            .send()
            .await
            .found("DeleteSchedule", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
