//! `scheduler.schedule`: an EventBridge Scheduler schedule invoking a target (a Lambda).

use std::collections::BTreeMap;

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

impl Schedule {
    /// Every schedule as `(group, name)`.
    async fn all(cx: &Ctx<'_>, name_prefix: Option<&str>) -> Result<Vec<(String, String)>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.scheduler().list_schedules().set_name_prefix(name_prefix.map(str::to_string)).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListSchedules")?;
            out.extend(page.schedules().iter().filter_map(|s| Some((s.group_name()?.to_string(), s.name()?.to_string()))));
        }
        Ok(out)
    }

    /// The group of the schedule named `name`: `default` when it holds one, else the
    /// only group that does.
    async fn group_of(cx: &Ctx<'_>, name: &str) -> Result<Option<String>, ResourceError> {
        let groups: Vec<String> = Self::all(cx, Some(name)).await?.into_iter().filter(|(_, n)| n == name).map(|(g, _)| g).collect();
        match groups.as_slice() {
            [] => Ok(None),
            [g] => Ok(Some(g.clone())),
            _ if groups.iter().any(|g| g == "default") => Ok(Some("default".into())),
            _ => Err(ResourceError::Invalid(format!(
                "schedule {name} is in several groups ({}): its id does not say which; import it with its group",
                groups.join(", ")
            ))),
        }
    }
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
        // Read from the id alone (discover) the group is not known (a manifest always has
        // a target): the id is the name, so the group is the one holding that name.
        let group = if p.target_arn.is_empty() {
            match Self::group_of(cx, id).await? {
                Some(g) => g,
                None => return Ok(None),
            }
        } else {
            p.group.clone()
        };
        let out = cx
            .aws
            .scheduler()
            .get_schedule()
            .name(id)
            .group_name(&group)
            .send()
            .await
            .found("GetSchedule", |e| e.is_resource_not_found_exception())?;
        let Some(s) = out else { return Ok(None) };
        let window = s.flexible_time_window();
        let props = ScheduleProps {
            name: id.to_string(),
            group: s.group_name().unwrap_or(&group).to_string(),
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

    /// Schedules by name, the id infra gives them. A name in several groups other than
    /// `default` is left out: its id could not say which one it is.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (group, name) in Self::all(cx, None).await? {
            groups.entry(name).or_default().push(group);
        }
        Ok(groups.into_iter().filter(|(_, g)| g.len() == 1 || g.iter().any(|g| g == "default")).map(|(n, _)| n).collect())
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
