//! Which modules `up MODULE` touches: downstream only the re-wiring of outputs that change
//! in this run (a dependent's own edits wait, and the plan says so), the dependents whole
//! with `--with-dependents`, one resource and what it needs with `--target`.

use crate::harness::Env;

/// `base` has a queue whose ARN it exports; `app` uses that ARN in its queue's redrive
/// and has a log group that reads nothing from `base`.
const BASE: &str = r#"
[variables]
queue = "orders"
timeout = 30

[resources.q]
type = "sqs.queue"
name = "${var.queue}"
visibility_timeout_seconds = "${var.timeout}"

[outputs]
queue_arn = "${resources.q.arn}"
"#;

const APP: &str = r#"
[variables]
timeout = 30
retention = 7

[resources.jobs]
type = "sqs.queue"
name = "jobs"
visibility_timeout_seconds = "${var.timeout}"
redrive = { dead_letter_target_arn = "${module.base.queue_arn}", max_receive_count = 5 }

[resources.logs]
type = "logs.log_group"
name = "/app/jobs"
retention_days = "${var.retention}"
"#;

fn write_base(env: &Env, queue: &str, timeout: u32) {
    env.write(
        "modules/base.toml",
        &BASE.replace("\"orders\"", &format!("\"{queue}\"")).replace("timeout = 30", &format!("timeout = {timeout}")),
    );
}

fn write_app(env: &Env, timeout: u32, retention: u32) {
    env.write(
        "modules/app.toml",
        &APP.replace("timeout = 30", &format!("timeout = {timeout}")).replace("retention = 7", &format!("retention = {retention}")),
    );
}

/// The queue's visibility timeout and the ARN its redrive sends to, as SQS has them.
fn queue(env: &Env, name: &str) -> (String, String) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    env.block_on(async {
        let url = env.sqs().get_queue_url().queue_name(name).send().await.unwrap().queue_url().unwrap().to_string();
        let attrs = env.sqs().get_queue_attributes().queue_url(url).attribute_names(A::All).send().await.unwrap();
        let attrs = attrs.attributes().unwrap();
        (attrs[&A::VisibilityTimeout].clone(), attrs.get(&A::RedrivePolicy).cloned().unwrap_or_default())
    })
}

fn queue_arn(env: &Env, name: &str) -> String {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    env.block_on(async {
        let url = env.sqs().get_queue_url().queue_name(name).send().await.unwrap().queue_url().unwrap().to_string();
        let attrs = env.sqs().get_queue_attributes().queue_url(url).attribute_names(A::QueueArn).send().await.unwrap();
        attrs.attributes().unwrap()[&A::QueueArn].clone()
    })
}

fn retention(env: &Env) -> Option<i32> {
    env.block_on(async {
        let groups = env.logs().describe_log_groups().log_group_name_prefix("/app/jobs").send().await.unwrap();
        groups.log_groups()[0].retention_in_days()
    })
}

fn deployed() -> Env {
    let env = Env::empty();
    write_base(&env, "orders", 30);
    write_app(&env, 30, 7);
    env.infra(&["up", "--all"]).ok();
    env
}

#[test]
fn up_upstream_leaves_dependents_edits_alone_unless_an_output_changes() {
    let env = deployed();
    let orders = queue_arn(&env, "orders");
    // Edits in both modules; base's does not change its output.
    write_base(&env, "orders", 45);
    write_app(&env, 60, 14);

    let plan = env.infra(&["plan", "base", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains("~ base.q"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("re-wire"), "no output of base changes, so nothing is re-wired:\n{}", plan.stdout);
    let left = plan.stdout.split("Not in this plan").nth(1).unwrap_or_else(|| panic!("the plan says what it leaves out:\n{}", plan.stdout));
    assert!(left.contains("app.jobs") && left.contains("visibility_timeout_seconds"), "{left}");
    assert!(left.contains("app.logs") && left.contains("retention_days"), "{left}");

    env.infra(&["up", "base"]).ok();
    assert_eq!(queue(&env, "orders").0, "45", "base's own edit is applied");
    let (timeout, redrive) = queue(&env, "jobs");
    assert_eq!(timeout, "30", "app.jobs keeps its applied timeout");
    assert!(redrive.contains(&orders), "{redrive}");
    assert_eq!(retention(&env), Some(7), "app.logs is untouched");
    assert_eq!(env.state()["modules"]["app"]["resources"]["jobs"]["properties"]["visibility_timeout_seconds"], 30);

    // A new queue name replaces base.q: its ARN (an output) changes, and app.jobs is
    // re-wired to it in the same run, its own edit still waiting.
    write_base(&env, "orders-v2", 45);
    let plan = env.infra(&["plan", "base"]);
    plan.ok();
    let (shown, left) = plan.stdout.split_once("Not in this plan").unwrap_or_else(|| panic!("{}", plan.stdout));
    assert!(shown.contains("~ app.jobs") && shown.contains("re-wire; base.output.queue_arn changes"), "{shown}");
    assert!(shown.contains("redrive.dead_letter_target_arn") && !shown.contains("visibility_timeout_seconds"), "{shown}");
    assert!(!shown.contains("app.logs"), "{shown}");
    assert!(left.contains("app.jobs  (only re-wired in this run; waiting: visibility_timeout_seconds)"), "{left}");

    let up = env.infra(&["up", "base", "--yes"]);
    up.ok();
    let v2 = queue_arn(&env, "orders-v2");
    let (timeout, redrive) = queue(&env, "jobs");
    assert!(redrive.contains(&v2), "re-wired to the new queue: {redrive}");
    assert_eq!(timeout, "30", "the unrelated edit is not applied with the re-wiring");
    assert_eq!(retention(&env), Some(7));
    let status = env.infra(&["status"]);
    assert!(!status.ok().stdout.contains("stale"), "nothing is stale: {}", status.stdout);

    // --with-dependents takes app whole.
    let plan = env.infra(&["plan", "base", "--with-dependents"]);
    plan.ok();
    assert!(plan.stdout.contains("~ app.jobs") && plan.stdout.contains("~ app.logs"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("Not in this plan"), "{}", plan.stdout);
    env.infra(&["up", "base", "--with-dependents"]).ok();
    assert_eq!(queue(&env, "jobs").0, "60");
    assert_eq!(retention(&env), Some(14));
    env.infra(&["plan", "--all", "--detailed-exitcode"]).code(0);
}

#[test]
fn target_applies_one_resource_and_what_it_needs() {
    let env = deployed();
    write_base(&env, "orders", 45);
    write_app(&env, 60, 14);

    // The log group needs nothing: only it changes.
    let plan = env.infra(&["plan", "--target", "app.logs"]);
    plan.ok();
    assert!(plan.stdout.contains("~ app.logs"), "{}", plan.stdout);
    let (shown, left) = plan.stdout.split_once("Not in this plan").unwrap_or_else(|| panic!("{}", plan.stdout));
    assert!(!shown.contains("base.q") && !shown.contains("app.jobs"), "{shown}");
    assert!(left.contains("base.q") && left.contains("app.jobs"), "{left}");
    env.infra(&["up", "--target", "app.logs"]).ok();
    assert_eq!(retention(&env), Some(14));
    assert_eq!(queue(&env, "jobs").0, "30");
    assert_eq!(queue(&env, "orders").0, "30");

    // The jobs queue needs base's queue (through its output): both change, nothing else.
    write_app(&env, 60, 30);
    let up = env.infra(&["up", "--target", "app.jobs"]);
    up.ok();
    assert!(up.stdout.contains("~ base.q") && up.stdout.contains("~ app.jobs"), "{}", up.stdout);
    assert_eq!(queue(&env, "jobs").0, "60");
    assert_eq!(queue(&env, "orders").0, "45");
    assert_eq!(retention(&env), Some(14), "app.logs is not a need of app.jobs");

    // An address that names nothing is refused, with the closest name.
    let bad = env.infra(&["plan", "--target", "app.jbos"]);
    bad.code(1);
    assert!(bad.stderr.contains("app.jbos") && bad.stderr.contains("did you mean `app.jobs`?"), "{}", bad.stderr);
    let bad = env.infra(&["plan", "--target", "jobs"]);
    bad.code(1);
    assert!(bad.stderr.contains("expected MODULE.RESOURCE"), "{}", bad.stderr);
}
