//! Tags on everything (environment file, module, resource, infra's own; shown in plans,
//! drift-checked) and protection from deletion (`prevent_destroy`, `on_delete`).

use std::collections::HashMap;

use crate::harness::Env;

fn queue_tags(env: &Env, name: &str) -> HashMap<String, String> {
    env.block_on(async {
        let url = env.sqs().get_queue_url().queue_name(name).send().await.unwrap().queue_url().unwrap().to_string();
        env.sqs().list_queue_tags().queue_url(url).send().await.unwrap().tags().cloned().unwrap_or_default()
    })
}

#[test]
fn environment_module_and_resource_tags_merge_resource_wins_and_infra_last() {
    let env = Env::empty();
    env.write("modules/env/dev.toml", "[tags]\nEnvironment = \"${env}\"\nOwner = \"platform\"\nProject = \"alex\"\n");
    env.write(
        "modules/jobs.toml",
        "[module]\ntags = { Owner = \"data-team\", CostCenter = \"${var.cost_center}\" }\n\n[variables]\ncost_center = \"cc-42\"\n\n\
         [resources.q]\ntype = \"sqs.queue\"\nname = \"jobs\"\ntags = { Owner = \"jobs-owner\" }\n\n[resources.logs]\ntype = \"logs.log_group\"\nname = \"/jobs\"\n",
    );
    let up = env.infra(&["-v", "up", "jobs"]);
    up.ok();
    let tags = queue_tags(&env, "jobs");
    assert_eq!(tags["Environment"], "dev");
    assert_eq!(tags["Project"], "alex");
    assert_eq!(tags["CostCenter"], "cc-42");
    assert_eq!(tags["Owner"], "jobs-owner", "the resource's own tag wins");
    assert_eq!(tags["ManagedBy"], "infra");
    assert_eq!(tags["infra:module"], "jobs");
    assert_eq!(tags["infra:resource"], "q");
    let logs = env.block_on(async {
        let arn = format!("arn:aws:logs:us-east-1:{}:log-group:/jobs", crate::harness::ACCOUNT);
        env.logs().list_tags_for_resource().resource_arn(arn).send().await.unwrap().tags().cloned().unwrap_or_default()
    });
    assert_eq!(logs["Owner"], "data-team", "the module's tag where the resource sets none");

    // A tag changed outside infra is drift, and put back; a new module tag is an update.
    env.block_on(async {
        let url = env.sqs().get_queue_url().queue_name("jobs").send().await.unwrap().queue_url().unwrap().to_string();
        env.sqs().tag_queue().queue_url(url).tags("Project", "other").send().await.unwrap();
    });
    env.write("modules/env/dev.toml", "[tags]\nEnvironment = \"${env}\"\nOwner = \"platform\"\nProject = \"alex\"\nTeam = \"core\"\n");
    let plan = env.infra(&["plan", "jobs", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains("tags.Project: \"other\" -> \"alex\"  (changed outside infra)"), "{}", plan.stdout);
    assert!(plan.stdout.contains("tags.Team: (none) -> \"core\""), "{}", plan.stdout);
    assert!(plan.stdout.contains("~ jobs.logs"), "{}", plan.stdout);
    env.infra(&["up", "jobs"]).ok();
    assert_eq!(queue_tags(&env, "jobs")["Project"], "alex");
    assert_eq!(queue_tags(&env, "jobs")["Team"], "core");
    env.infra(&["plan", "jobs", "--detailed-exitcode"]).code(0);
}

const PROTECTED: &str = r#"
[variables]
protect = false

[resources.data]
type = "s3.bucket"
name = "protected-data-${aws.account_id}"
force_destroy = true
prevent_destroy = "${var.protect}"

[resources.archive]
type = "sqs.queue"
name = "kept-archive"
on_delete = "retain"
"#;

#[test]
fn prevent_destroy_refuses_even_with_yes_and_can_depend_on_the_environment() {
    let env = Env::empty();
    env.write("modules/data.toml", PROTECTED);
    env.write("modules/env/prod.toml", "[variables]\nprotect = true\n");
    env.infra(&["-e", "prod", "up", "data"]).ok();
    let bucket = format!("protected-data-{}", crate::harness::ACCOUNT);
    for args in [&["-e", "prod", "down", "data", "--yes"][..], &["-e", "prod", "down", "--all", "--yes"]] {
        let r = env.infra(args);
        r.code(1);
        assert!(r.stderr.contains("data.data: `prevent_destroy` is set, and the plan would delete it"), "{}", r.stderr);
        assert!(r.stderr.contains("Nothing was changed"), "{}", r.stderr);
    }
    // A replace is refused too.
    env.write("modules/data.toml", &PROTECTED.replace("protected-data-", "protected-data-2-"));
    let r = env.infra(&["-e", "prod", "up", "data", "--yes"]);
    r.code(1);
    assert!(r.stderr.contains("data.data: `prevent_destroy` is set, and the plan would replace it"), "{}", r.stderr);
    // Removed from the manifest, it is still protected by what was recorded.
    env.write(
        "modules/data.toml",
        "[variables]\nprotect = false\n[resources.archive]\ntype = \"sqs.queue\"\nname = \"kept-archive\"\non_delete = \"retain\"\n",
    );
    let r = env.infra(&["-e", "prod", "up", "data", "--yes"]);
    r.code(1);
    assert!(r.stderr.contains("data.data: `prevent_destroy` is set"), "{}", r.stderr);
    env.block_on(async { env.s3().head_bucket().bucket(&bucket).send().await.expect("still there") });

    // Development is not protected: the same manifest tears down there.
    env.write("modules/data.toml", PROTECTED);
    let dev_env = Env::empty();
    dev_env.write("modules/data.toml", PROTECTED);
    dev_env.infra(&["up", "data"]).ok();
    dev_env.infra(&["down", "data", "--yes"]).ok();
}

#[test]
fn on_delete_retain_forgets_and_leaves_it_in_aws() {
    let env = Env::empty();
    env.write("modules/data.toml", PROTECTED);
    env.infra(&["up", "data"]).ok();
    let down = env.infra(&["down", "data", "--yes"]);
    down.ok();
    assert!(down.stdout.contains("-x data.archive"), "{}", down.stdout);
    assert!(down.stdout.contains("left in AWS, no longer managed"), "{}", down.stdout);
    assert!(down.stdout.contains("1 to forget (left in AWS)"), "{}", down.stdout);
    env.block_on(async {
        env.sqs().get_queue_url().queue_name("kept-archive").send().await.expect("the queue outlives the stack");
    });
    assert!(env.state()["modules"].get("data").is_none(), "forgotten: {}", env.state());
    // Its name is now someone else's as far as infra knows: a new `up` refuses it.
    let again = env.infra(&["up", "data"]);
    again.code(1);
    assert!(again.stderr.contains("queue kept-archive already exists and is not managed by this environment"), "{}", again.stderr);
}
