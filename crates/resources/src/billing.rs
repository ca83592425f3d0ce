//! What this environment's resources cost last month, as AWS billed it: Cost Explorer's
//! unblended cost grouped by the `infra:module` tag infra writes on everything. Beside
//! the estimate in `infra status --summary --actual`.

use std::collections::BTreeMap;

use crate::aws::Aws;

/// Last month's costs from Cost Explorer, per `infra:module` tag, or why there are none.
pub struct Actual {
    /// `YYYY-MM-01` to `YYYY-MM-01` (end exclusive).
    pub period: (String, String),
    pub by_module: BTreeMap<String, f64>,
    /// Why nothing is shown (no access, no data); `None` when there are figures.
    pub missing: Option<String>,
}

/// The previous calendar month, as Cost Explorer takes it.
fn last_month() -> (String, String) {
    let today = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let (year, month) = (today[0..4].parse::<i32>().unwrap_or(1970), today[5..7].parse::<u32>().unwrap_or(1));
    let (py, pm) = if month == 1 { (year - 1, 12) } else { (year, month - 1) };
    (format!("{py:04}-{pm:02}-01"), format!("{year:04}-{month:02}-01"))
}

/// Ask Cost Explorer for last month's unblended cost of this environment's resources,
/// grouped by the `infra:module` tag infra writes on everything. Cost Explorer only
/// knows tags activated as cost allocation tags; without access or data, say so.
pub async fn actual_costs(aws: &Aws, environment: &str) -> Actual {
    use aws_sdk_costexplorer::types::{DateInterval, Expression, Granularity, GroupDefinition, GroupDefinitionType, TagValues};
    let period = last_month();
    let mut actual = Actual { period: period.clone(), by_module: BTreeMap::new(), missing: None };
    let Ok(interval) = DateInterval::builder().start(&period.0).end(&period.1).build() else {
        actual.missing = Some("cannot build the Cost Explorer request".into());
        return actual;
    };
    let group = GroupDefinition::builder().r#type(GroupDefinitionType::Tag).key(crate::tags::MODULE).build();
    let only_this_env = Expression::builder().tags(TagValues::builder().key(crate::tags::ENV).values(environment).build()).build();
    let asked = aws
        .costexplorer()
        .get_cost_and_usage()
        .time_period(interval)
        .granularity(Granularity::Monthly)
        .metrics("UnblendedCost")
        .group_by(group)
        .filter(only_this_env)
        .send()
        .await;
    let out = match asked {
        Ok(out) => out,
        Err(e) => {
            use aws_sdk_costexplorer::error::ProvideErrorMetadata;
            let code = e.as_service_error().and_then(|s| s.code()).unwrap_or("no answer").to_string();
            let why = if crate::aws::DENIED.contains(&code.as_str()) {
                "these credentials may not read Cost Explorer (ce:GetCostAndUsage)".to_string()
            } else {
                format!("Cost Explorer did not answer ({code})")
            };
            actual.missing = Some(why);
            return actual;
        }
    };
    for result in out.results_by_time() {
        for group in result.groups() {
            let module = group.keys().first().map(|k| k.split_once('$').map(|(_, v)| v).unwrap_or(k)).unwrap_or_default();
            let amount = group.metrics().and_then(|m| m.get("UnblendedCost")).and_then(|m| m.amount()).and_then(|a| a.parse::<f64>().ok());
            if let (false, Some(amount)) = (module.is_empty(), amount) {
                *actual.by_module.entry(module.to_string()).or_default() += amount;
            }
        }
    }
    if actual.by_module.is_empty() {
        actual.missing = Some(format!(
            "Cost Explorer has no costs from {} to {} tagged infra:env={environment} (tags count once activated as cost allocation tags, and from then on)",
            period.0, period.1
        ));
    }
    actual
}
