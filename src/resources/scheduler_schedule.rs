//! `scheduler.schedule`: an EventBridge Scheduler schedule invoking a target (a Lambda).

use async_trait::async_trait;
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target};

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct ScheduleProps {
        name: String => required, replace;
        group: String => default("default"), replace;
        /// e.g. `rate(2 hours)` or `cron(0 9 * * ? *)`.
        schedule_expression: String => required;
        enabled: bool => default(true);
        target_arn: String => required;
        /// Role the scheduler assumes to invoke the target.
        target_role_arn: String => required;
        /// Flexible window in minutes; absent means exactly on time.
        flexible_window_minutes: Option<i64> => optional;
    }
}

pub struct Schedule;

fn parts(p: &ScheduleProps) -> Result<(Target, FlexibleTimeWindow, ScheduleState), ResourceError> {
    let target = Target::builder().arn(&p.target_arn).role_arn(&p.target_role_arn).build()?;
    let window = match p.flexible_window_minutes {
        Some(m) => FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Flexible).maximum_window_in_minutes(m as i32).build()?,
        None => FlexibleTimeWindow::builder().mode(FlexibleTimeWindowMode::Off).build()?,
    };
    let state = if p.enabled { ScheduleState::Enabled } else { ScheduleState::Disabled };
    Ok((target, window, state))
}

#[async_trait]
impl Resource for Schedule {
    type Props = ScheduleProps;
    const TYPE: &'static str = "scheduler.schedule";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("arn"), attr("name")];

    fn natural_id(&self, p: &ScheduleProps) -> Option<String> {
        Some(p.name.clone())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ScheduleProps) -> Result<Outcome, ResourceError> {
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
        Ok(Outcome::new(&p.name).with("name", p.name.as_str()).with("arn", out.schedule_arn()))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &ScheduleProps) -> Result<Option<Observed<ScheduleProps>>, ResourceError> {
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
            enabled: s.state() != Some(&ScheduleState::Disabled),
            target_arn: s.target().map(|t| t.arn().to_string()).unwrap_or_default(),
            target_role_arn: s.target().map(|t| t.role_arn().to_string()).unwrap_or_default(),
            flexible_window_minutes: window
                .filter(|w| w.mode() == &FlexibleTimeWindowMode::Flexible)
                .and_then(|w| w.maximum_window_in_minutes())
                .map(i64::from),
        };
        Ok(Some(Observed { props, attrs: Outcome::new(id).with("name", id).with("arn", s.arn().unwrap_or_default()).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &ScheduleProps, new: &ScheduleProps) -> Result<Outcome, ResourceError> {
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
        Ok(Outcome::new(id).with("arn", out.schedule_arn()))
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
