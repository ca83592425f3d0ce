//! Never take what is not ours: a name already held in AWS by something this
//! environment's state does not record is refused before any change, and the holder is
//! named; another environment's resources are recognised by infra's own tags.

use std::collections::HashMap;

use aws_sdk_sqs::types::QueueAttributeName;

use crate::harness::Env;

const MODULE: &str = r#"
[resources.b]
type = "s3.bucket"
name = "someone-elses-bucket"
force_destroy = true

[resources.q]
type = "sqs.queue"
name = "someone-elses-queue"
visibility_timeout_seconds = 120
"#;

#[test]
fn existing_bucket_and_queue_are_refused_not_adopted_and_never_deleted() {
    let env = Env::empty();
    let queue_url = env.block_on(async {
        let s3 = env.s3();
        s3.create_bucket().bucket("someone-elses-bucket").send().await.unwrap();
        s3.put_object().bucket("someone-elses-bucket").key("precious.txt").body(b"data".to_vec().into()).send().await.unwrap();
        let tagging = aws_sdk_s3::types::Tagging::builder()
            .tag_set(aws_sdk_s3::types::Tag::builder().key("Owner").value("finance").build().unwrap())
            .build()
            .unwrap();
        s3.put_bucket_tagging().bucket("someone-elses-bucket").tagging(tagging).send().await.unwrap();
        let q = env.sqs().create_queue().queue_name("someone-elses-queue").send().await.unwrap();
        q.queue_url().unwrap().to_string()
    });
    env.write("modules/9_bad.toml", MODULE);

    for args in [&["plan", "9_bad"][..], &["up", "9_bad"], &["up", "9_bad"]] {
        let run = env.infra(args);
        run.code(1);
        assert!(
            run.stderr.contains(
                "9_bad.b: bucket someone-elses-bucket already exists and is not managed by this environment (tags: Owner=finance); \
                 adopt it with `infra import 9_bad.b someone-elses-bucket` or rename it"
            ),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("9_bad.q: queue someone-elses-queue already exists and is not managed by this environment (it has no tags)"),
            "{}",
            run.stderr
        );
    }
    assert!(env.proxy.writes().is_empty(), "no change was sent: {:?}", env.proxy.writes());
    env.infra(&["down", "--all", "--yes"]).ok();
    env.block_on(async {
        let tags = env.s3().get_bucket_tagging().bucket("someone-elses-bucket").send().await.unwrap();
        assert_eq!(tags.tag_set().len(), 1, "its tags are untouched");
        env.s3().get_object().bucket("someone-elses-bucket").key("precious.txt").send().await.expect("its objects are still there");
        let attrs = env.sqs().get_queue_attributes().queue_url(&queue_url).attribute_names(QueueAttributeName::All).send().await.unwrap();
        assert_eq!(attrs.attributes().unwrap()[&QueueAttributeName::VisibilityTimeout], "30", "its settings are untouched");
    });
}

#[test]
fn another_environment_in_the_same_account_is_named_and_left_alone() {
    let env = Env::new();
    // prod is declared (its refused run writes no state that would make it known).
    env.write("modules/env/prod.toml", "");
    env.infra(&["up", "5_database"]).ok();
    env.proxy.clear();
    let prod = env.infra(&["-e", "prod", "up", "5_database"]);
    prod.code(1);
    for name in ["5_database.aurora: cluster alex-aurora-cluster", "5_database.lambda_aurora_role: role alex-lambda-aurora-role"] {
        assert!(prod.stderr.contains(name), "{name}: {}", prod.stderr);
    }
    assert!(prod.stderr.contains("it belongs to infra environment `dev` (5_database.aurora)"), "{}", prod.stderr);
    assert!(env.proxy.writes().is_empty(), "{:?}", env.proxy.writes());
    // dev's own runs are unaffected, and prod tearing down touches nothing of dev's.
    env.infra(&["-e", "prod", "down", "--all", "--yes"]).ok();
    env.infra(&["plan", "5_database", "--detailed-exitcode"]).code(0);

    // With the environment in the names, both live side by side.
    env.write("modules/jobs.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"jobs-${env}\"\n");
    env.infra(&["up", "jobs"]).ok();
    env.infra(&["-e", "prod", "up", "jobs"]).ok();
    let names = env.block_on(async {
        let mut names: Vec<String> =
            env.sqs().list_queues().send().await.unwrap().queue_urls().iter().map(|u| u.rsplit('/').next().unwrap().to_string()).collect();
        names.sort();
        names
    });
    assert_eq!(names, vec!["jobs-dev", "jobs-prod"]);
    let tags: HashMap<String, String> = env.block_on(async {
        let url = env.sqs().get_queue_url().queue_name("jobs-prod").send().await.unwrap().queue_url().unwrap().to_string();
        env.sqs().list_queue_tags().queue_url(url).send().await.unwrap().tags().cloned().unwrap_or_default()
    });
    assert_eq!(tags.get("infra:env").map(String::as_str), Some("prod"));
    assert_eq!(tags.get("infra:state").map(String::as_str), env.state_of("prod")["lineage"].as_str());
}

#[test]
fn a_name_known_only_when_the_step_runs_is_checked_before_the_create() {
    let env = Env::empty();
    env.block_on(async {
        env.sqs().create_queue().queue_name("jobs-copy").send().await.unwrap();
    });
    // An alarm's name attribute is what AWS reports once it exists (the type declares
    // nothing known early), so the queue's name is known only when its step runs.
    env.write(
        "modules/m.toml",
        "[resources.first]\ntype = \"cloudwatch.metric_alarm\"\nname = \"jobs\"\nnamespace = \"AWS/SQS\"\nmetric_name = \"ApproximateNumberOfMessagesVisible\"\nstatistic = \"Maximum\"\nperiod = 60\nthreshold = 10.0\n\n[resources.copy]\ntype = \"sqs.queue\"\nname = \"${resources.first.name}-copy\"\nvisibility_timeout_seconds = 99\n",
    );
    let run = env.infra(&["up", "m"]);
    run.code(1);
    assert!(run.stdout.contains("+ m.copy"), "the plan could not know the name yet: {}", run.stdout);
    assert!(
        run.stderr.contains("m.copy: create failed: m.copy: queue jobs-copy already exists and is not managed by this environment"),
        "{}",
        run.stderr
    );
    let state = env.state();
    assert!(state["modules"]["m"]["resources"].get("copy").is_none(), "not recorded: {state}");
    assert!(state["modules"]["m"].get("pending").is_none(), "no create was even attempted: {state}");
    let creates: Vec<_> = env.proxy.writes().into_iter().filter(|c| c.operation == "CreateQueue").collect();
    assert!(creates.is_empty(), "no queue was created: {creates:?}");
}

#[test]
fn an_interrupted_create_is_not_adopted_from_another_state() {
    let env = Env::empty();
    env.write("modules/m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"jobs\"\n");
    env.infra(&["up", "m"]).ok();
    // Another state (same environment name, a lost state file) made this queue; this
    // state's interrupted create of the same name must not claim it.
    let mut state = env.state();
    let recorded = state["modules"]["m"]["resources"]["q"].take();
    state["lineage"] = "0000000000000000".into();
    state["modules"]["m"]["resources"].as_object_mut().unwrap().remove("q");
    state["modules"]["m"]["pending"] = serde_json::json!({"q": {"type": "sqs.queue", "properties": recorded["properties"], "token": "infra-x", "started_at": "2026-01-01T00:00:00Z"}});
    std::fs::write(env.path("state/dev.json"), serde_json::to_string_pretty(&state).unwrap()).unwrap();
    let plan = env.infra(&["plan", "m"]);
    plan.code(1);
    assert!(plan.stderr.contains("m.q: queue jobs already exists and is not managed by this environment (it was created by infra for environment `dev` but is recorded in another state"), "{}", plan.stderr);
}

#[test]
fn a_renamed_resource_is_refused_with_the_move_that_works() {
    let env = Env::empty();
    let manifest = |bucket: &str, queue: &str, moved: &str| {
        format!(
            "[resources.{bucket}]\ntype = \"s3.bucket\"\nname = \"renamed-files\"\nforce_destroy = true\n\n\
             [resources.{queue}]\ntype = \"sqs.queue\"\nname = \"renamed-jobs\"\n{moved}"
        )
    };
    env.write("modules/m.toml", &manifest("uploads", "jobs", ""));
    env.infra(&["up", "m"]).ok();
    env.block_on(async {
        env.s3().put_object().bucket("renamed-files").key("kept.txt").body(b"data".to_vec().into()).send().await.unwrap();
    });

    // Renamed in the manifest: the same bucket name under a new address.
    env.write("modules/m.toml", &manifest("files", "jobs", ""));
    env.proxy.clear();
    for args in [&["plan", "m"][..], &["up", "m", "--yes"]] {
        let run = env.infra(args);
        run.code(1);
        assert!(
            run.stderr.contains(
                "m.files: bucket renamed-files is already this environment's, recorded as m.uploads, which this plan would delete"
            ),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("[[moved]]\n      from = \"uploads\"\n      to = \"files\""), "{}", run.stderr);
        assert!(run.stderr.contains("or run `infra state mv m.uploads m.files`"), "{}", run.stderr);
        assert!(!run.stderr.contains("infra import"), "importing cannot work, so it is not suggested: {}", run.stderr);
    }
    assert!(env.proxy.writes().is_empty(), "nothing was sent: {:?}", env.proxy.writes());
    // Importing it under the new name is refused, and points at the move as well.
    let import = env.infra(&["import", "m.files", "renamed-files"]);
    import.code(1);
    assert!(import.stderr.contains("`infra state mv m.uploads m.files`"), "{}", import.stderr);

    // The suggestion works: nothing to do in AWS afterwards.
    env.infra(&["state", "mv", "m.uploads", "m.files"]).ok();
    env.infra(&["plan", "m", "--detailed-exitcode"]).code(0);
    let up = env.infra(&["up", "m"]);
    assert!(up.ok().stdout.contains("No changes"), "{}", up.stdout);
    assert!(env.proxy.writes().is_empty(), "nothing created or deleted: {:?}", env.proxy.writes());
    env.block_on(async {
        env.s3().get_object().bucket("renamed-files").key("kept.txt").send().await.expect("the bucket and its objects are untouched");
    });
    // So does the other form, travelling with the manifest.
    env.write("modules/m.toml", &manifest("files", "work", "\n[[moved]]\nfrom = \"jobs\"\nto = \"work\"\n"));
    env.infra(&["plan", "m", "--detailed-exitcode"]).code(0);
    env.infra(&["up", "m"]).ok();
    assert!(env.proxy.writes().is_empty(), "{:?}", env.proxy.writes());
    assert!(env.state()["modules"]["m"]["resources"].get("work").is_some(), "the move is recorded");
}
