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
