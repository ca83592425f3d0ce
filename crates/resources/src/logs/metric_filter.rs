//! `logs.metric_filter`: turns matching log events into a CloudWatch metric (count the
//! `ERROR` lines, sum a latency field), which an alarm can then watch. Pattern and metric
//! change in place; the log group and the filter's name replace it.

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::types::{MetricFilter as SdkFilter, MetricTransformation, StandardUnit};

use crate::aws::SdkResultExt;
use crate::props;
use crate::schema::check::{rules, Chars};
use crate::schema::Check;
use crate::{Created, Ctx, Example, IdOnly, Identity, Observed, Problem, Resource, ResourceError};

props! {
    /// The metric each matching event adds to.
    pub struct Metric {
        /// ASCII, without `:`, `*` or `$`.
        name: String => required;
        namespace: String => required, check(Check::Name { what: "metric namespace", min: 1, max: 256, chars: Chars::LogGroup });
        /// What each match adds: a number (`"1"`) or a field of the event (`"$.latency"`).
        value: String => default("1");
        /// What is published when no event matches in a period (none when absent).
        default_value: Option<f64> => optional;
        /// `Count`, `Milliseconds`, `Bytes`, ... (CloudWatch's units).
        unit: Option<String> => optional, check(Check::OneOf(UNITS));
    }
}

props! {
    pub struct MetricFilterProps {
        log_group_name: String => required, replace, check(rules::LOG_GROUP);
        /// The filter's name, unique within the log group.
        name: String => required, replace, check(Check::Name { what: "filter name", min: 1, max: 512, chars: Chars::NoColonStar });
        /// CloudWatch Logs' filter pattern (`"ERROR"`, `{ $.status = 500 }`); empty matches every event.
        pattern: String => required, check(Check::MaxLen(1024));
        metric: Metric => required;
    }
}

pub struct MetricFilter;

const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

fn id(p: &MetricFilterProps) -> String {
    format!("{}:{}", p.log_group_name, p.name)
}

/// The log group and filter an id names; log group names hold no `:`.
fn parts<'a>(id: &'a str, p: &'a MetricFilterProps) -> (&'a str, &'a str) {
    super::filter_parts(id, &p.log_group_name, &p.name)
}

async fn put(cx: &Ctx<'_>, p: &MetricFilterProps) -> Result<(), ResourceError> {
    let m = &p.metric;
    let transformation = MetricTransformation::builder()
        .metric_name(&m.name)
        .metric_namespace(&m.namespace)
        .metric_value(&m.value)
        .set_default_value(m.default_value)
        .set_unit(m.unit.as_deref().map(StandardUnit::from))
        .build()?;
    let req = cx.aws.logs().put_metric_filter().log_group_name(&p.log_group_name).filter_name(&p.name).filter_pattern(&p.pattern);
    req.metric_transformations(transformation).send().await.api("PutMetricFilter")?;
    Ok(())
}

fn props_of(f: &SdkFilter, group: &str, name: &str) -> Option<MetricFilterProps> {
    let t = f.metric_transformations().first()?;
    Some(MetricFilterProps {
        log_group_name: group.to_string(),
        name: name.to_string(),
        pattern: f.filter_pattern().unwrap_or_default().to_string(),
        metric: Metric {
            name: t.metric_name().to_string(),
            namespace: t.metric_namespace().to_string(),
            value: t.metric_value().to_string(),
            default_value: t.default_value(),
            unit: t.unit().map(|u| u.as_str().to_string()).filter(|u| u != "None"),
        },
    })
}

#[async_trait]
impl Resource for MetricFilter {
    type Props = MetricFilterProps;
    type Attrs = IdOnly;
    const TYPE: &'static str = "logs.metric_filter";
    const IDENTITY: Identity = Identity::Unique(&["log_group_name", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.logs]
type = "logs.log_group"
name = "/conformance/metric-filter"

[resources.example]
type = "logs.metric_filter"
log_group_name = "${resources.logs.name}"
name = "errors"
pattern = "ERROR"
metric = { name = "Errors", namespace = "Conformance", value = "1", unit = "Count" }
"#,
        updates: &[
            "pattern = \"?ERROR ?FATAL\"",
            "metric = { name = \"Errors\", namespace = \"Conformance\", value = \"1\", default_value = 0.0, unit = \"Count\" }",
        ],
        replace: Some("name = \"failures\""),
        skip: &[],
    };

    fn check(&self, p: &MetricFilterProps) -> Vec<Problem> {
        let name = &p.metric.name;
        let len = name.chars().count();
        if !(1..=255).contains(&len) || name.chars().any(|c| !c.is_ascii() || ":*$".contains(c)) {
            return vec![("metric.name".into(), format!("metric name `{name}` must be 1 to 255 ASCII characters without `:`, `*` or `$`"))];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &MetricFilterProps) -> Result<Option<String>, ResourceError> {
        Ok(self.read(cx, &id(p), p).await?.map(|_| id(p)))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &MetricFilterProps) -> Result<Created<IdOnly>, ResourceError> {
        put(cx, p).await?;
        Ok(Created::new(id(p), IdOnly {}))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &MetricFilterProps,
    ) -> Result<Option<Observed<MetricFilterProps, IdOnly>>, ResourceError> {
        let (group, name) = parts(id, p);
        let req = cx.aws.logs().describe_metric_filters().log_group_name(group).filter_name_prefix(name);
        let Some(out) = req.send().await.found("DescribeMetricFilters", |e| e.is_resource_not_found_exception())? else { return Ok(None) };
        let found = out.metric_filters().iter().find(|f| f.filter_name() == Some(name));
        Ok(found.and_then(|f| props_of(f, group, name)).map(|props| Observed { props, attrs: IdOnly {} }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        _id: &str,
        _old: &MetricFilterProps,
        new: &MetricFilterProps,
    ) -> Result<Option<IdOnly>, ResourceError> {
        put(cx, new).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &MetricFilterProps) -> Result<(), ResourceError> {
        let (group, name) = parts(id, p);
        let req = cx.aws.logs().delete_metric_filter().log_group_name(group).filter_name(name);
        req.send().await.found("DeleteMetricFilter", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.logs().describe_metric_filters().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("DescribeMetricFilters")?;
            out.extend(page.metric_filters().iter().filter_map(|f| Some(format!("{}:{}", f.log_group_name()?, f.filter_name()?))));
        }
        Ok(out)
    }
}
