//! Reconciling against live AWS: resources deleted or changed behind the tool's back.

use crate::alex_core::deploy_database_and_agents;
use crate::harness::Env;

#[test]
fn deleted_resources_are_recreated_and_changed_properties_put_back() {
    let env = Env::new();
    deploy_database_and_agents(&env);
    env.block_on(async {
        env.lambda().delete_function().function_name("alex-tagger").send().await.unwrap();
        env.lambda().update_function_configuration().function_name("alex-charter").memory_size(512).send().await.unwrap();
        env.logs().put_retention_policy().log_group_name("/aws/lambda/alex-planner").retention_in_days(30).send().await.unwrap();
    });

    let plan = env.infra(&["plan", "6_agents", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains("+ 6_agents.tagger"), "{}", plan.stdout);
    assert!(plan.stdout.contains("deleted outside infra"), "{}", plan.stdout);
    assert!(plan.stdout.contains("memory_size: 512 -> 1024"), "{}", plan.stdout);
    assert!(plan.stdout.contains("retention_days: 30 -> 7"), "{}", plan.stdout);

    env.infra(&["up", "6_agents"]).ok();
    env.block_on(async {
        let tagger = env.lambda().get_function_configuration().function_name("alex-tagger").send().await.unwrap();
        assert_eq!(tagger.memory_size(), Some(1024));
        let charter = env.lambda().get_function_configuration().function_name("alex-charter").send().await.unwrap();
        assert_eq!(charter.memory_size(), Some(1024));
        let groups = env.logs().describe_log_groups().log_group_name_prefix("/aws/lambda/alex-planner").send().await.unwrap();
        assert_eq!(groups.log_groups()[0].retention_in_days(), Some(7));
    });
    env.infra(&["plan", "6_agents", "--detailed-exitcode"]).code(0);
}

#[test]
fn a_resource_removed_from_the_manifest_is_deleted_and_an_immutable_change_replaces() {
    let env = Env::empty();
    env.write(
        "modules/jobs.toml",
        "[resources.a]\ntype = \"sqs.queue\"\nname = \"jobs-a\"\n\n[resources.b]\ntype = \"sqs.queue\"\nname = \"jobs-b\"\n",
    );
    env.infra(&["up", "jobs"]).ok();
    env.write("modules/jobs.toml", "[resources.a]\ntype = \"sqs.queue\"\nname = \"jobs-a2\"\n");

    let refused = env.infra(&["up", "jobs"]);
    refused.code(1);
    assert!(refused.stdout.contains("-/+ jobs.a"), "{}", refused.stdout);
    assert!(refused.stdout.contains("forces replacement"), "{}", refused.stdout);
    assert!(refused.stdout.contains("- jobs.b"), "{}", refused.stdout);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);

    env.infra(&["up", "jobs", "--yes"]).ok();
    let names = env.block_on(async {
        let out = env.sqs().list_queues().send().await.unwrap();
        let mut names: Vec<String> = out.queue_urls().iter().map(|u| u.rsplit('/').next().unwrap().to_string()).collect();
        names.sort();
        names
    });
    assert_eq!(names, vec!["jobs-a2"]);
}

#[test]
fn edited_code_is_uploaded_through_the_bucket_and_deployed() {
    let env = Env::empty();
    env.write(
        "modules/fn.toml",
        r#"[resources.packages]
type = "s3.bucket"
name = "fn-packages"
force_destroy = true

[resources.role]
type = "iam.role"
name = "fn-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.handler]
type = "lambda.function"
name = "fn-handler"
role = "${resources.role.arn}"
handler = "app.handler"
code_dir = "code/fn"
code_bucket = "${resources.packages.name}"
"#,
    );
    env.write("modules/code/fn/app.py", "def handler(event, context):\n    return 1\n");
    env.infra(&["up", "fn"]).ok();
    let first = live_code_sha(&env);
    let again = env.infra(&["up", "fn"]);
    assert!(again.ok().stdout.contains("No changes"), "an unchanged package is not re-uploaded: {}", again.stdout);

    env.write("modules/code/fn/app.py", "def handler(event, context):\n    return 2\n");
    let plan = env.infra(&["plan", "fn", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains("~ fn.handler"), "{}", plan.stdout);
    env.infra(&["up", "fn"]).ok();
    let second = live_code_sha(&env);
    assert_ne!(first, second, "the function runs the new code");
    let keys = env.block_on(async {
        let out = env.s3().list_objects_v2().bucket("fn-packages").prefix("fn-handler/").send().await.unwrap();
        out.contents().iter().map(|o| o.key().unwrap().to_string()).collect::<Vec<_>>()
    });
    assert_eq!(keys.len(), 2, "one object per package version: {keys:?}");
    env.infra(&["plan", "fn", "--detailed-exitcode"]).code(0);
}

fn live_code_sha(env: &Env) -> String {
    env.block_on(async {
        let f = env.lambda().get_function_configuration().function_name("fn-handler").send().await.unwrap();
        f.code_sha256().unwrap().to_string()
    })
}
