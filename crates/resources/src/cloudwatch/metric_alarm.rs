//! `cloudwatch.metric_alarm`: an alarm on one metric (a Lambda's errors, a queue's
//! depth, the account's estimated charges for a billing alarm) that notifies SNS topics.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_cloudwatch::types::{AlarmType, ComparisonOperator, Dimension, MetricAlarm as Live, Statistic, Tag};

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct MetricAlarmProps {
        name: String => required, replace, check(Check::MaxLen(255));
        description: Option<String> => optional, check(Check::MaxLen(1024));
        /// `AWS/Lambda`, `AWS/SQS`, `AWS/Billing`, ...
        namespace: String => required;
        metric_name: String => required;
        dimensions: BTreeMap<String, String> => default({});
        statistic: String => default("Average"), check(Check::OneOf(&["Average", "Sum", "Minimum", "Maximum", "SampleCount"]));
        /// Seconds per datapoint.
        period: i64 => default(300), check(Check::Range { min: 10, max: 86400 });
        evaluation_periods: i64 => default(1), check(Check::Range { min: 1, max: 1440 });
        threshold: f64 => required;
        comparison_operator: String => default("GreaterThanThreshold"), check(Check::OneOf(&["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]));
        /// `missing`, `notBreaching`, `breaching` or `ignore`.
        treat_missing_data: String => default("missing"), check(Check::OneOf(&["missing", "notBreaching", "breaching", "ignore"]));
        /// ARNs notified when the alarm fires (SNS topics).
        alarm_actions: Vec<String> => default([]), check(Check::Arn);
        ok_actions: Vec<String> => default([]), check(Check::Arn);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct MetricAlarmAttrs {
        name: String,
        arn: String,
    }
}

pub struct MetricAlarm;

impl MetricAlarm {
    async fn describe(cx: &Ctx<'_>, name: &str) -> Result<Option<Live>, ResourceError> {
        let out = cx.aws.cloudwatch().describe_alarms().alarm_names(name).send().await.api("DescribeAlarms")?;
        Ok(out.metric_alarms().iter().find(|a| a.alarm_name() == Some(name)).cloned())
    }

    /// PutMetricAlarm creates and replaces alike.
    async fn put(cx: &Ctx<'_>, p: &MetricAlarmProps, with_tags: bool) -> Result<(), ResourceError> {
        let dimensions = p.dimensions.iter().map(|(k, v)| Dimension::builder().name(k).value(v).build()).collect();
        let tag_list: Vec<Tag> = p.tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        cx.aws
            .cloudwatch()
            .put_metric_alarm()
            .alarm_name(&p.name)
            .set_alarm_description(p.description.clone())
            .namespace(&p.namespace)
            .metric_name(&p.metric_name)
            .set_dimensions(Some(dimensions))
            .statistic(Statistic::from(p.statistic.as_str()))
            .period(p.period as i32)
            .evaluation_periods(p.evaluation_periods as i32)
            .threshold(p.threshold)
            .comparison_operator(ComparisonOperator::from(p.comparison_operator.as_str()))
            .treat_missing_data(&p.treat_missing_data)
            .set_alarm_actions(Some(p.alarm_actions.clone()))
            .set_ok_actions(Some(p.ok_actions.clone()))
            .set_tags(with_tags.then_some(tag_list))
            .send()
            .await
            .api("PutMetricAlarm")?;
        Ok(())
    }
}

#[async_trait]
impl Resource for MetricAlarm {
    type Props = MetricAlarmProps;
    type Attrs = MetricAlarmAttrs;
    const TYPE: &'static str = "cloudwatch.metric_alarm";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.alerts]
type = "sns.topic"
name = "conformance-alarm-topic"

[resources.example]
type = "cloudwatch.metric_alarm"
name = "conformance-billing"
description = "Estimated charges above 50 USD"
namespace = "AWS/Billing"
metric_name = "EstimatedCharges"
dimensions = { Currency = "USD" }
statistic = "Maximum"
period = 21600
threshold = 50.0
alarm_actions = ["${resources.alerts.arn}"]
"#,
        updates: &["threshold = 100.0", "evaluation_periods = 2", "treat_missing_data = \"notBreaching\""],
        replace: Some("name = \"conformance-billing-2\""),
        skip: &[],
    };

    async fn create(&self, cx: &Ctx<'_>, p: &MetricAlarmProps) -> Result<Created<MetricAlarmAttrs>, ResourceError> {
        Self::put(cx, p, true).await?;
        let arn = Self::describe(cx, &p.name).await?.and_then(|a| a.alarm_arn).unwrap_or_default();
        Ok(Created::new(&p.name, MetricAlarmAttrs { name: p.name.clone(), arn }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &MetricAlarmProps,
    ) -> Result<Option<Observed<MetricAlarmProps, MetricAlarmAttrs>>, ResourceError> {
        let Some(a) = Self::describe(cx, id).await? else { return Ok(None) };
        let arn = a.alarm_arn().unwrap_or_default().to_string();
        let tag_list = cx.aws.cloudwatch().list_tags_for_resource().resource_arn(&arn).send().await.api("ListTagsForResource")?;
        let props = MetricAlarmProps {
            name: id.to_string(),
            description: a.alarm_description().filter(|d| !d.is_empty()).map(str::to_string),
            namespace: a.namespace().unwrap_or_default().to_string(),
            metric_name: a.metric_name().unwrap_or_default().to_string(),
            dimensions: a
                .dimensions()
                .iter()
                .map(|d| (d.name().unwrap_or_default().to_string(), d.value().unwrap_or_default().to_string()))
                .collect(),
            statistic: a.statistic().map(|s| s.as_str().to_string()).unwrap_or_else(|| p.statistic.clone()),
            period: a.period().map(i64::from).unwrap_or(p.period),
            evaluation_periods: a.evaluation_periods().map(i64::from).unwrap_or(p.evaluation_periods),
            threshold: a.threshold().unwrap_or(p.threshold),
            comparison_operator: a.comparison_operator().map(|c| c.as_str().to_string()).unwrap_or_else(|| p.comparison_operator.clone()),
            treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_string(),
            alarm_actions: a.alarm_actions().to_vec(),
            ok_actions: a.ok_actions().to_vec(),
            tags: tags::live(tag_list.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))),
        };
        Ok(Some(Observed { props, attrs: MetricAlarmAttrs { name: id.to_string(), arn } }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.cloudwatch().describe_alarms().alarm_types(AlarmType::MetricAlarm).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeAlarms")?.metric_alarms().iter().filter_map(|a| a.alarm_name()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        _id: &str,
        old: &MetricAlarmProps,
        new: &MetricAlarmProps,
    ) -> Result<Option<MetricAlarmAttrs>, ResourceError> {
        let settings = |p: &MetricAlarmProps| MetricAlarmProps { tags: Tags::new(), ..p.clone() };
        if settings(old) != settings(new) {
            Self::put(cx, new, false).await?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if set.is_empty() && remove.is_empty() {
            return Ok(None);
        }
        let arn = Self::describe(cx, &new.name).await?.and_then(|a| a.alarm_arn).unwrap_or_default();
        let cw = cx.aws.cloudwatch();
        if !set.is_empty() {
            let list: Vec<Tag> = set.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
            cw.tag_resource().resource_arn(&arn).set_tags(Some(list)).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            cw.untag_resource().resource_arn(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &MetricAlarmProps) -> Result<(), ResourceError> {
        cx.aws.cloudwatch().delete_alarms().alarm_names(id).send().await.api("DeleteAlarms")?;
        Ok(())
    }
}
