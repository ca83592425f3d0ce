//! Command-line behaviour: exit codes, outputs, status, graph, locking.

use crate::alex_core::deploy_database_and_agents;
use crate::harness::Env;

#[test]
fn plan_detailed_exitcode_and_output_command() {
    let env = Env::new();
    let plan = env.infra(&["plan", "5_database", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains("+ 5_database.aurora"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 7 to create, 0 to update, 0 to replace, 0 to delete."), "{}", plan.stdout);
    assert!(!env.path("state/dev.json").exists(), "plan writes no state");
    assert!(env.proxy.writes().is_empty(), "plan makes no write call");

    env.infra(&["up", "5_database"]).ok();
    env.infra(&["plan", "5_database", "--detailed-exitcode"]).code(0);

    let arn = env.infra(&["output", "5_database", "aurora_cluster_arn"]);
    assert_eq!(arn.ok().stdout.trim(), "arn:aws:rds:us-east-1:123456789012:cluster:alex-aurora-cluster");
    let all = env.infra(&["output", "5_database", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&all.ok().stdout).unwrap();
    assert_eq!(doc["database_name"], "alex");
    env.infra(&["output", "5_database", "nope"]).code(1);
}

#[test]
fn status_lists_modules_with_counts() {
    let env = Env::new();
    deploy_database_and_agents(&env);
    let status = env.infra(&["status", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&status.ok().stdout).unwrap();
    let modules = doc["modules"].as_array().unwrap();
    let db = modules.iter().find(|m| m["module"] == "5_database").unwrap();
    assert_eq!((db["state"].as_str(), db["resources"].as_u64()), (Some("deployed"), Some(7)));
    let agents = modules.iter().find(|m| m["module"] == "6_agents").unwrap();
    assert_eq!((agents["state"].as_str(), agents["resources"].as_u64()), (Some("deployed"), Some(15)));
}

#[test]
fn graph_prints_dot_and_mermaid() {
    let env = Env::new();
    let dot = env.infra(&["graph"]);
    assert!(dot.ok().stdout.starts_with("digraph infra {"));
    assert!(dot.stdout.contains("\"5_database.output.aurora_secret_arn\" -> \"6_agents.planner\""), "{}", dot.stdout);
    let mermaid = env.infra(&["graph", "--format", "mermaid", "6_agents"]);
    assert!(mermaid.ok().stdout.starts_with("flowchart LR"));
    assert!(env.proxy.calls().is_empty(), "graph needs no AWS");
}

#[test]
fn bad_arguments_are_clear_errors() {
    let env = Env::new();
    let run = env.infra(&["up"]);
    run.code(1);
    assert!(run.stderr.contains("name the modules to work on, or pass --all or --preset NAME"), "{}", run.stderr);
    let run = env.infra(&["up", "5_databse"]);
    run.code(1);
    assert!(run.stderr.contains("unknown module `5_databse` (did you mean `5_database`?)"), "{}", run.stderr);
    let run = env.infra(&["up", "5_database", "--parallelism", "0"]);
    run.code(1);
    assert!(run.stderr.contains("not a number from 1 to 64"), "{}", run.stderr);
    let run = env.infra(&["--var", "min_capacity", "plan", "5_database"]);
    run.code(1);
    assert!(run.stderr.contains("--var min_capacity: expected NAME=VALUE"), "{}", run.stderr);
    assert!(env.proxy.calls().is_empty());
}

#[test]
fn variables_can_be_overridden_per_environment_and_on_the_command_line() {
    let env = Env::new();
    env.write("modules/env/prod.toml", "[modules.5_database]\nmax_capacity = 4.0\n");
    env.infra(&["-e", "prod", "--var", "5_database.min_capacity=2", "up", "5_database"]).ok();
    assert!(env.path("state/prod.json").exists());
    env.block_on(async {
        let c = env.rds().describe_db_clusters().db_cluster_identifier("alex-aurora-cluster").send().await.unwrap();
        let s = c.db_clusters()[0].serverless_v2_scaling_configuration().unwrap().clone();
        assert_eq!((s.min_capacity(), s.max_capacity()), (Some(2.0), Some(4.0)));
    });
    let bad = env.infra(&["-e", "prod", "--var", "5_database.min_capacity=lots", "plan", "5_database"]);
    bad.code(1);
    assert!(bad.stderr.contains("modules/5_database.toml:"), "{}", bad.stderr);
    assert!(bad.stderr.contains("--var 5_database.min_capacity=lots"), "{}", bad.stderr);
}

/// The line of `infra status`'s table for `module`, split into columns.
fn status_row<'a>(stdout: &'a str, module: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cols| cols.first() == Some(&module))
        .unwrap_or_else(|| panic!("no row for {module}:\n{stdout}"))
}

#[test]
fn status_counts_what_is_really_deployed() {
    let env = Env::empty();
    let queue = |name: &str| format!("[resources.{name}]\ntype = \"sqs.queue\"\nname = \"status-{name}\"\n\n");
    env.write("modules/ready.toml", &(queue("a") + &queue("b")));
    env.write("modules/half.toml", &(queue("x") + &queue("y")));
    env.infra(&["up", "ready", "half"]).ok();
    // Half of `half`: one queue deleted outside infra, one declared and never deployed.
    env.block_on(async {
        let url = env.sqs().get_queue_url().queue_name("status-y").send().await.unwrap().queue_url.unwrap();
        env.sqs().delete_queue().queue_url(url).send().await.unwrap();
    });
    env.write("modules/half.toml", &(queue("x") + &queue("y") + &queue("z")));

    let status = env.infra(&["status"]);
    status.ok();
    assert_eq!(status_row(&status.stdout, "ready")[1..3], ["deployed", "2/2"], "{}", status.stdout);
    let half = status_row(&status.stdout, "half");
    assert_eq!(half[1..3], ["partial", "1/3"], "only x is there of x, y, z:\n{}", status.stdout);
    assert!(half.join(" ").contains("missing in AWS: half.y"), "{}", status.stdout);

    let json = env.infra(&["status", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.ok().stdout).unwrap();
    let half = doc["modules"].as_array().unwrap().iter().find(|m| m["module"] == "half").unwrap();
    assert_eq!((half["state"].as_str(), half["resources"].as_u64(), half["declared"].as_u64()), (Some("partial"), Some(1), Some(3)));
}

#[test]
fn plan_estimate_names_no_source_file() {
    let env = Env::empty();
    env.write("modules/jobs.toml", "[resources.queue]\ntype = \"sqs.queue\"\nname = \"estimate-jobs\"\n");
    let plan = env.infra(&["plan", "jobs", "--estimate"]);
    plan.ok();
    assert!(plan.stdout.contains("Estimated time on AWS: 2s along the critical path:"), "{}", plan.stdout);
    assert!(plan.stdout.contains("AWS's typical durations per resource type"), "{}", plan.stdout);
    assert!(!plan.all().contains(".toml") && !plan.all().contains("src/"), "no internal file path:\n{}", plan.all());
}

/// `--timings` sets the run's own longest chain beside the one AWS's typical durations
/// predict for the same plan, for a teardown too (no command estimates a `down`).
#[test]
fn timings_carry_the_chain_expected_on_aws() {
    let env = Env::empty();
    env.write(
        "modules/jobs.toml",
        r#"[resources.queue]
type = "sqs.queue"
name = "timed-jobs"

[resources.role]
type = "iam.role"
name = "timed-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }
"#,
    );
    let read = |path: &std::path::Path| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap() };
    let up_file = env.path("up.json");
    env.infra(&["up", "jobs", "--timings", up_file.to_str().unwrap()]).ok();
    let up = read(&up_file);
    // The role's 12 s (IAM propagation) outweigh the queue's 2 s on the way up...
    assert_eq!(up["estimate_ms"].as_f64(), Some(12_000.0), "{up:#}");
    assert_eq!(up["estimate_path"], serde_json::json!(["jobs.role (create 12 s)"]), "{up:#}");
    assert_eq!(up["steps"].as_array().map(Vec::len), Some(2), "{up:#}");
    let down_file = env.path("down.json");
    env.infra(&["down", "jobs", "--yes", "--timings", down_file.to_str().unwrap()]).ok();
    let down = read(&down_file);
    // ... and the queue's 2 s are less than the role's 3 s on the way down.
    assert_eq!(down["estimate_ms"].as_f64(), Some(3_000.0), "{down:#}");
    assert_eq!(down["estimate_path"], serde_json::json!(["jobs.role (delete 3 s)"]), "{down:#}");
}

#[test]
fn output_without_a_module_prints_every_modules_outputs() {
    let env = Env::empty();
    env.write(
        "modules/1_keys.toml",
        "[resources.key]\ntype = \"apigateway.api_key\"\nname = \"output-key\"\n\n[outputs]\nkey_id = \"${resources.key.id}\"\nkey = { value = \"${resources.key.value}\", sensitive = true }\n",
    );
    env.write(
        "modules/2_jobs.toml",
        "[resources.queue]\ntype = \"sqs.queue\"\nname = \"output-jobs\"\n\n[outputs]\nqueue_url = \"${resources.queue.url}\"\n",
    );
    env.write(
        "modules/3_later.toml",
        "[resources.queue]\ntype = \"sqs.queue\"\nname = \"output-later\"\n\n[outputs]\nlater_url = \"${resources.queue.url}\"\n",
    );
    env.infra(&["up", "1_keys", "2_jobs"]).ok();
    // The URL as infra saw it (through the test's proxy), ending in the queue's name.
    let url = env.state()["modules"]["2_jobs"]["outputs"]["queue_url"].as_str().unwrap().to_string();
    assert!(url.ends_with("/123456789012/output-jobs"), "{url}");

    let all = env.infra(&["output"]);
    all.ok();
    let keys = all.stdout.find("1_keys:\n").unwrap_or_else(|| panic!("grouped by module:\n{}", all.stdout));
    let jobs = all.stdout.find("2_jobs:\n").unwrap_or_else(|| panic!("grouped by module:\n{}", all.stdout));
    assert!(keys < jobs, "in module order:\n{}", all.stdout);
    assert!(all.stdout.contains("\n  key    = (sensitive)\n"), "sensitive outputs masked:\n{}", all.stdout);
    assert!(all.stdout.contains("\n  key_id = "), "{}", all.stdout);
    assert!(all.stdout.contains(&format!("\n  queue_url = {url}\n")), "{}", all.stdout);
    assert!(!all.stdout.contains("3_later"), "a module not deployed has no outputs:\n{}", all.stdout);
    assert!(all.stderr.contains("3_later"), "and is named as not deployed:\n{}", all.stderr);

    let json = env.infra(&["output", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.ok().stdout).unwrap();
    assert_eq!(doc["2_jobs"]["queue_url"], url.as_str());
    assert!(doc["1_keys"]["key_id"].is_string() && doc["1_keys"].get("key").is_none(), "{doc}");

    let one = env.infra(&["output", "2_jobs"]);
    assert_eq!(one.ok().stdout, format!("queue_url = {url}\n"));
    let raw = env.infra(&["output", "2_jobs", "queue_url"]);
    assert_eq!(raw.ok().stdout.trim_end(), url, "one value stays raw for shell use");
}

#[test]
fn schema_and_docs_show_users_no_emulator_notes() {
    let env = Env::empty();
    // The types whose examples or descriptions carried notes about the emulator.
    for ty in [
        "dynamodb.table",
        "ec2.nat_gateway",
        "lambda.function",
        "s3.bucket",
        "apigateway.rest_api",
        "apigatewayv2.stage",
        "apprunner.service",
    ] {
        let schema = env.infra(&["schema", ty]);
        schema.ok();
        assert!(schema.stdout.contains(&format!("type = \"{ty}\"")), "{ty}: the example is shown:\n{}", schema.stdout);
        let text = schema.stdout.to_lowercase();
        assert!(!text.contains("moto") && !text.contains("emulator"), "{ty}: notes for the tests, not the user:\n{}", schema.stdout);
    }
    let docs = env.infra(&["docs"]);
    let text = docs.ok().stdout.to_lowercase();
    assert!(
        !text.contains("moto") && !text.contains("emulator") && !text.contains("conformance steps"),
        "the reference has emulator notes"
    );
    assert!(env.proxy.calls().is_empty(), "schema and docs need no AWS");
}
