//! `infra import`: resources made outside infra (with the SDK, as a person with the
//! AWS CLI would) are adopted into the state without any change in AWS; what is
//! already recorded, or belongs to another environment, is refused.

use crate::harness::Env;

const MODULE: &str = r#"[module]
name = "m"

[resources.jobs]
type = "sqs.queue"
name = "jobs"
visibility_timeout_seconds = 60

[resources.other]
type = "sqs.queue"
name = "other-jobs"

[resources.shared]
type = "sqs.queue"
name = "shared"
"#;

/// The URL as infra sees it (through the tests' proxy).
fn queue_url(env: &Env, name: &str) -> String {
    let aws = env.aws();
    env.block_on(async { aws.sqs().get_queue_url().queue_name(name).send().await.unwrap().queue_url.unwrap() })
}

fn visibility(env: &Env, url: &str) -> String {
    env.block_on(async {
        let a = env
            .sqs()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout)
            .send()
            .await
            .unwrap();
        a.attributes.unwrap()[&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout].clone()
    })
}

#[test]
fn one_resource_by_id_and_the_refusals() {
    let env = Env::empty();
    env.write("modules/m.toml", MODULE);
    env.block_on(async { env.sqs().create_queue().queue_name("jobs").send().await.unwrap() });
    let url = queue_url(&env, "jobs");

    // The create that would take the name is refused and points at import.
    let up = env.infra(&["plan", "m"]);
    assert_eq!(up.code, 1, "{}", up.all());
    assert!(up.stderr.contains(&format!("infra import m.jobs {url}")), "{}", up.stderr);

    let import = env.infra(&["import", "m.jobs", &url]);
    import.ok();
    assert!(import.stdout.contains("The next `up` would:"), "{}", import.stdout);
    assert!(import.stdout.contains("~ m.jobs"), "the drift to the manifest is shown:\n{}", import.stdout);
    assert!(import.stdout.contains("visibility_timeout_seconds: 30 -> 60"), "{}", import.stdout);
    assert_eq!(env.state()["modules"]["m"]["resources"]["jobs"]["id"], url.as_str());
    assert_eq!(visibility(&env, &url), "30", "import changes nothing in AWS");

    // Already recorded, under this address or another.
    let again = env.infra(&["import", "m.jobs", &url]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("m.jobs is already recorded"), "{}", again.stderr);
    let twice = env.infra(&["import", "m.other", &url]);
    assert_eq!(twice.code, 1);
    assert!(twice.stderr.contains("already recorded as m.jobs"), "{}", twice.stderr);
    // Nothing there, or not an address of the manifests.
    let missing = env.infra(&["import", "m.other", &format!("{}/nope", url.rsplit_once('/').unwrap().0)]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no sqs.queue with id"), "{}", missing.stderr);
    let undeclared = env.infra(&["import", "m.nope", &url]);
    assert_eq!(undeclared.code, 1);
    assert!(undeclared.stderr.contains("m.nope is not a resource of the manifests"), "{}", undeclared.stderr);

    // Another environment's queue is not adopted.
    env.write("modules/m.toml", "[module]\nname = \"m\"\n\n[resources.shared]\ntype = \"sqs.queue\"\nname = \"shared\"\n");
    env.infra(&["--env", "prod", "up", "m"]).ok();
    env.write("modules/m.toml", MODULE);
    let theirs = env.infra(&["import", "m.shared", &queue_url(&env, "shared")]);
    assert_eq!(theirs.code, 1);
    assert!(theirs.stderr.contains("belongs to infra environment `prod`"), "{}", theirs.stderr);
}

#[test]
fn modules_by_name_dry_run_then_yes() {
    let env = Env::empty();
    env.write("modules/m.toml", &MODULE.replace("[resources.shared]\ntype = \"sqs.queue\"\nname = \"shared\"\n", ""));
    env.block_on(async {
        env.sqs().create_queue().queue_name("jobs").send().await.unwrap();
    });
    let dry = env.infra(&["import", "m"]);
    dry.ok();
    assert!(dry.stdout.contains("+ m.jobs") && dry.stdout.contains("found sqs.queue"), "{}", dry.stdout);
    assert!(dry.stdout.contains("- m.other") && dry.stdout.contains("not found"), "{}", dry.stdout);
    assert!(!env.path("state/dev.json").exists() || env.state()["modules"].get("m").is_none(), "a dry run records nothing");

    env.infra(&["import", "m", "--yes"]).ok();
    assert!(env.state()["modules"]["m"]["resources"].get("jobs").is_some());
    // The rest is created, the adopted queue updated in place: no replace.
    let up = env.infra(&["up", "m"]);
    up.ok();
    assert!(up.stdout.contains("Plan: 1 to create, 1 to update, 0 to replace, 0 to delete."), "{}", up.stdout);
    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_eq!(visibility(&env, &queue_url(&env, "jobs")), "60");
}
