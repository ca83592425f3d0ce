//! `status --summary --actual`: last month's cost per module from Cost Explorer beside
//! the estimate. moto tracks no costs: it answers nothing unless answers are queued
//! through its own API (`/moto-api/static/ce/cost-and-usage-results`), which is how the
//! figures below get there; the request infra sends is read from the proxy.

use crate::harness::Env;

fn cost_explorer_requests(env: &Env) -> Vec<String> {
    env.proxy.calls().into_iter().filter(|c| c.operation.ends_with("GetCostAndUsage")).map(|c| c.body).collect()
}

#[test]
fn without_cost_data_the_summary_says_so_and_shows_the_estimate() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    env.proxy.clear();
    let run = env.infra(&["status", "--summary", "--actual"]);
    run.ok();
    assert!(run.stdout.contains("Last month's actual cost: not shown: Cost Explorer has no costs"), "{}", run.stdout);
    assert!(run.stdout.contains("$/MONTH") && !run.stdout.contains("LAST MONTH"), "{}", run.stdout);
    let asked = cost_explorer_requests(&env);
    assert_eq!(asked.len(), 1, "one request");
    let body: serde_json::Value = serde_json::from_str(&asked[0]).unwrap();
    assert_eq!(body["Granularity"], "MONTHLY");
    assert_eq!(body["Metrics"], serde_json::json!(["UnblendedCost"]));
    assert_eq!(body["GroupBy"], serde_json::json!([{"Type": "TAG", "Key": "infra:module"}]));
    assert_eq!(body["Filter"]["Tags"], serde_json::json!({"Key": "infra:env", "Values": ["dev"]}));
    let (start, end) = (body["TimePeriod"]["Start"].as_str().unwrap(), body["TimePeriod"]["End"].as_str().unwrap());
    assert!(start.ends_with("-01") && end.ends_with("-01") && start < end, "last calendar month: {start} to {end}");
}

#[test]
fn last_months_costs_are_shown_per_module_beside_the_estimate() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    let queued = r#"{"results": [{"ResultsByTime": [{"TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"}, "Total": {},
        "Groups": [{"Keys": ["infra:module$5_database"], "Metrics": {"UnblendedCost": {"Amount": "41.5", "Unit": "USD"}}}],
        "Estimated": false}]}]}"#;
    let answer = env.moto_post("/moto-api/static/ce/cost-and-usage-results", queued);
    assert!(answer.starts_with("HTTP/1.0 20") || answer.starts_with("HTTP/1.1 20"), "{answer}");
    let json = env.infra(&["status", "--summary", "--actual", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.ok().stdout).unwrap();
    assert_eq!(doc["actual"]["modules"]["5_database"], 41.5, "{}", doc["actual"]);
    assert!(doc["actual"]["missing"].is_null());
    assert!(doc["total_monthly_cost"].as_f64().unwrap() > 40.0, "the estimate stays beside it");
    let text = env.infra(&["status", "--summary", "--actual"]);
    let line = text.ok().stdout.lines().find(|l| l.starts_with("5_database")).unwrap_or_default().to_string();
    assert!(line.contains("41.50"), "{}", text.stdout);
    assert!(text.stdout.contains("LAST MONTH"), "{}", text.stdout);
}

#[test]
fn actual_needs_the_summary_and_aws() {
    let env = Env::new();
    env.infra(&["status", "--actual"]).code(1);
    env.infra(&["status", "--summary", "--actual", "--offline"]).code(1);
}
