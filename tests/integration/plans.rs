//! Plans a team reviews: `plan --json` (the documented format), `plan --markdown` for a
//! pull request, text grouped by module with the properties a create sets and each
//! change's monthly cost, and `plan --out FILE` then `up FILE`, which applies exactly
//! the saved plan or refuses, naming what moved.

use serde_json::Value;

use crate::harness::Env;

fn queue(visibility: u32) -> String {
    format!("[resources.q]\ntype = \"sqs.queue\"\nname = \"orders\"\nvisibility_timeout_seconds = {visibility}\n")
}

fn visibility(env: &Env) -> String {
    let sqs = env.sqs();
    let url = env.block_on(sqs.get_queue_url().queue_name("orders").send()).unwrap().queue_url().unwrap().to_string();
    let attrs = env
        .block_on(
            sqs.get_queue_attributes().queue_url(url).attribute_names(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout).send(),
        )
        .unwrap();
    attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout].clone()
}

fn set_visibility(env: &Env, seconds: &str) {
    let sqs = env.sqs();
    let url = env.block_on(sqs.get_queue_url().queue_name("orders").send()).unwrap().queue_url().unwrap().to_string();
    env.block_on(
        sqs.set_queue_attributes().queue_url(url).attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, seconds).send(),
    )
    .unwrap();
}

#[test]
fn a_saved_plan_is_applied_exactly_or_refused_naming_what_moved() {
    let env = Env::empty();
    let file = |n: &str| env.path(&format!("{n}.plan.json")).to_string_lossy().into_owned();
    env.write("modules/m.toml", &queue(30));

    // Plan, save, apply: exactly that.
    let plan = env.infra(&["plan", "m", "--out", &file("p1"), "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stderr.contains("infra up ") && plan.stderr.contains("applies exactly this plan"), "{}", plan.stderr);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(file("p1")).unwrap()).unwrap();
    assert_eq!(saved["format"], "infra-plan");
    assert_eq!(saved["saved"]["serial"], 0);
    env.infra(&["up", &file("p1")]).ok();
    assert_eq!(visibility(&env), "30");
    // Applied once: the state moved on, so the file is stale.
    let again = env.infra(&["up", &file("p1")]);
    again.code(1);
    assert!(again.stderr.contains("the state changed since") && again.stderr.contains("Plan again"), "{}", again.stderr);

    // A manifest edit after the review is not applied under the reviewed plan's name.
    env.write("modules/m.toml", &queue(60));
    env.infra(&["plan", "m", "--out", &file("p2")]).ok();
    env.write("modules/m.toml", &queue(90));
    let moved = env.infra(&["up", &file("p2")]);
    moved.code(1);
    assert!(moved.stderr.contains("update m.q: visibility_timeout_seconds was planned 30 -> 60, now 30 -> 90"), "{}", moved.stderr);
    assert!(moved.stderr.contains("Nothing was changed"), "{}", moved.stderr);
    assert_eq!(visibility(&env), "30");

    // Nor when AWS changed under it.
    env.write("modules/m.toml", &queue(60));
    env.infra(&["plan", "m", "--out", &file("p3")]).ok();
    set_visibility(&env, "45");
    let drifted = env.infra(&["up", &file("p3")]);
    drifted.code(1);
    assert!(drifted.stderr.contains("was planned 30 -> 60, now 45 -> 60"), "{}", drifted.stderr);
    assert_eq!(visibility(&env), "45");

    // As reviewed: applied, no confirmation needed, 2 with --detailed-exitcode.
    set_visibility(&env, "30");
    env.infra(&["up", &file("p3"), "--detailed-exitcode"]).code(2);
    assert_eq!(visibility(&env), "60");
    env.infra(&["up", "m", "--detailed-exitcode"]).code(0);

    // Not for another environment, not with other options, not any file.
    env.infra(&["plan", "m", "--out", &file("p4")]).ok();
    let other = env.infra(&["--env", "prod", "up", &file("p4")]);
    other.code(1);
    assert!(other.stderr.contains("was planned for environment dev, not prod"), "{}", other.stderr);
    let mixed = env.infra(&["up", &file("p4"), "--replace", "m.q"]);
    mixed.code(1);
    assert!(mixed.stderr.contains("give the file alone"), "{}", mixed.stderr);
    let manifest = env.path("modules/m.toml").to_string_lossy().into_owned();
    let not_a_plan = env.infra(&["up", &manifest]);
    not_a_plan.code(1);
    assert!(not_a_plan.stderr.contains("not a plan file"), "{}", not_a_plan.stderr);
    std::fs::write(file("json"), env.infra(&["plan", "m", "--json"]).stdout).unwrap();
    let printed = env.infra(&["up", &file("json")]);
    printed.code(1);
    assert!(printed.stderr.contains("not saved with `plan --out`"), "{}", printed.stderr);
}

#[test]
fn plans_for_machines_and_reviewers() {
    let env = Env::empty();
    std::fs::copy(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/pricing.toml"), env.path("modules/pricing.toml")).unwrap();
    env.write("modules/app.toml", &queue(30));
    env.write(
        "modules/auth.toml",
        r#"
[resources.role]
type = "iam.role"
name = "app-runner"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.db_password]
type = "secretsmanager.secret"
name = "app/db"
generate = { username = "app" }
recovery_window_days = 0
"#,
    );

    // Text: grouped by module, what a create sets that a reviewer must see, costs.
    let text = env.infra(&["plan", "--all"]).ok().stdout.clone();
    let at = |t: &str| text.find(t).unwrap_or_else(|| panic!("`{t}` in:\n{text}"));
    assert!(at("Module app") < at("+ app.q") && at("+ app.q") < at("Module auth") && at("Module auth") < at("+ auth.role"), "{text}");
    assert!(text.contains("assume_role_policy = {") && text.contains("lambda.amazonaws.com"), "the policy is reviewable: {text}");
    assert!(!text.contains("        name = \"app-runner\""), "not every property without -v: {text}");
    assert!(text.contains("+ auth.db_password") && text.contains("+0.45 USD/month"), "a secret and its API calls, monthly: {text}");
    assert!(text.contains("Monthly cost: +"), "{text}");
    let verbose = env.infra(&["plan", "--all", "-v"]).ok().stdout.clone();
    assert!(verbose.contains("        name = \"app-runner\""), "-v shows all: {verbose}");

    // JSON: the documented document.
    let json: Value = serde_json::from_str(&env.infra(&["plan", "--all", "--json"]).ok().stdout).unwrap();
    assert_eq!(json["format"], "infra-plan");
    assert_eq!(json["format_version"], 1);
    assert!(json.get("saved").is_none());
    assert_eq!(json["summary"]["create"], 3);
    let change = |address: &str| json["changes"].as_array().unwrap().iter().find(|c| c["address"] == address).unwrap().clone();
    let secret = change("auth.db_password");
    assert_eq!(secret["action"], "create");
    assert_eq!(secret["type"], "secretsmanager.secret");
    assert!(secret["monthly_cost_delta"].as_f64().unwrap() > 0.39, "{secret}");
    assert_eq!(change("app.q")["after"]["visibility_timeout_seconds"], 30);

    // An update and a replacement, in JSON and Markdown.
    env.infra(&["up", "--all"]).ok();
    env.write("modules/app.toml", &queue(60).replace("orders", "orders-v2"));
    let json: Value = serde_json::from_str(&env.infra(&["plan", "--all", "--json"]).ok().stdout).unwrap();
    let q = json["changes"].as_array().unwrap().iter().find(|c| c["address"] == "app.q").unwrap().clone();
    assert_eq!(q["action"], "replace");
    assert_eq!(q["replacement"]["cause"], serde_json::json!(["name"]));
    assert_eq!(q["replacement"]["order"], "delete_first");
    let vis = q["properties"].as_array().unwrap().iter().find(|p| p["path"] == "visibility_timeout_seconds").unwrap();
    assert_eq!((vis["before"].clone(), vis["after"].clone()), (serde_json::json!(30), serde_json::json!(60)));
    let md = env.infra(&["plan", "--all", "--markdown"]).ok().stdout.clone();
    assert!(md.starts_with("### infra plan: environment `dev`"), "{md}");
    assert!(md.contains("**Plan:** 0 to create, 0 to update, 1 to replace, 0 to delete."), "{md}");
    assert!(md.contains("#### Module `app`\n\n```diff\n! replace app.q (sqs.queue)"), "{md}");
    assert!(md.contains("    name: \"orders\" -> \"orders-v2\"  (forces replacement)"), "{md}");
}
