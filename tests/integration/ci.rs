//! The CI workflow of docs/ci.md, end to end against the emulator: the state in S3, a
//! role per account, a Markdown plan for the pull request, the plan saved and applied on
//! merge exactly as reviewed, and refused when another merge moved the state first.

use crate::harness::Env;

const PROD: &str = "111111111111";

fn manifest(env: &Env, visibility: u32) {
    env.write(
        "modules/app.toml",
        &format!("[resources.jobs]\ntype = \"sqs.queue\"\nname = \"jobs-${{env}}\"\nvisibility_timeout_seconds = {visibility}\n"),
    );
}

/// The queue's visibility timeout as the prod account has it.
fn visibility(env: &Env) -> String {
    let sqs = aws_sdk_sqs::Client::new(&crate::accounts::sdk_in(env, PROD, "us-east-1"));
    env.block_on(async {
        let url = sqs.get_queue_url().queue_name("jobs-prod").send().await.unwrap().queue_url.unwrap();
        let name = aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout;
        let attrs = sqs.get_queue_attributes().queue_url(url).attribute_names(name.clone()).send().await.unwrap();
        attrs.attributes.unwrap()[&name].clone()
    })
}

#[test]
fn pull_request_plan_then_the_reviewed_plan_applied_on_merge() {
    let env = Env::empty();
    env.write(
        "infra.toml",
        "[state]\nbackend = \"s3\"\nbucket = \"acme-infra-state\"\n\n[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\n",
    );
    let plan_file = env.path("plan.json").to_string_lossy().into_owned();
    let prod = |args: &[&str]| env.infra(&[&["-e", "prod"][..], args].concat());

    // Once: the state bucket, then main as deployed.
    prod(&["state", "init-backend"]).ok();
    manifest(&env, 30);
    prod(&["up", "--all"]).ok();

    // The pull request: a Markdown plan for the reviewers, and the plan saved.
    manifest(&env, 60);
    let md = prod(&["plan", "--all", "--markdown"]);
    md.ok();
    assert!(
        md.stdout.contains("! update app.jobs (sqs.queue)") && md.stdout.contains("visibility_timeout_seconds: 30 -> 60"),
        "{}",
        md.stdout
    );
    prod(&["plan", "--all", "--out", &plan_file, "--detailed-exitcode"]).code(2);

    // Another pull request merged first and moved the state: the reviewed plan is stale.
    manifest(&env, 45);
    prod(&["up", "--all"]).ok();
    manifest(&env, 60);
    let stale = prod(&["up", &plan_file]);
    stale.code(1);
    assert!(stale.stderr.contains("the state changed since"), "{}", stale.stderr);
    assert_eq!(visibility(&env), "45", "nothing applied from the stale plan");

    // Planned again and reviewed: applied exactly, in the role's account.
    prod(&["plan", "--all", "--out", &plan_file]).ok();
    prod(&["up", &plan_file, "--detailed-exitcode"]).code(2);
    assert_eq!(visibility(&env), "60");
    prod(&["plan", "--all", "--detailed-exitcode"]).code(0);
    let mine = env.block_on(env.sqs().list_queues().send()).unwrap();
    assert!(mine.queue_urls().is_empty(), "nothing in the default account: {mine:?}");
}
