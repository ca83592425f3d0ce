//! Saving money without losing data: `down` of a database takes a tagged final snapshot,
//! the next create restores the newest one (the restore call, not a create) and sets
//! the password of the secret re-created beside it, old snapshots beyond the number
//! kept are deleted, and `restore_data = false` starts empty. The emulator has no SQL
//! engine, so the data itself cannot be checked here: the AWS calls are.

use crate::alex_stack::summary;
use crate::harness::Env;

const CLUSTER: &str = "alex-aurora-cluster";

/// The final snapshots of the Aurora cluster, oldest first, with their tags.
fn snapshots(env: &Env) -> Vec<(String, Vec<(String, String)>)> {
    env.block_on(async {
        let out = env.rds().describe_db_cluster_snapshots().db_cluster_identifier(CLUSTER).snapshot_type("manual").send().await.unwrap();
        let mut all: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for s in out.db_cluster_snapshots() {
            let arn = s.db_cluster_snapshot_arn().unwrap_or_default();
            let tags = env.rds().list_tags_for_resource().resource_name(arn).send().await.unwrap();
            let tags = tags.tag_list().iter().map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()));
            all.push((s.db_cluster_snapshot_identifier().unwrap_or_default().to_string(), tags.collect()));
        }
        all.sort();
        all
    })
}

/// A form-encoded value (`%XX`, `+`) decoded.
fn form_decode(value: &str) -> String {
    let mut out = Vec::new();
    let mut rest = value.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'%' if tail.len() >= 2 => {
                let hex = std::str::from_utf8(&tail[..2]).unwrap_or("3f");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                rest = &tail[2..];
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn operations(env: &Env) -> Vec<String> {
    env.proxy.calls().into_iter().filter(|c| c.fault.is_none()).map(|c| c.operation).collect()
}

#[test]
fn minimize_costs_keeps_the_database_in_a_snapshot_that_daily_restores_with_the_new_secret() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    let old_secret = env.state()["modules"]["5_database"]["outputs"]["aurora_secret_arn"].as_str().unwrap().to_string();

    let down = env.infra(&["down", "--preset", "minimize-costs", "--yes"]);
    down.ok();
    let taken = snapshots(&env);
    assert_eq!(taken.len(), 1, "one final snapshot: {taken:?}");
    let (name, tags) = &taken[0];
    assert!(name.starts_with("alex-aurora-cluster-final-"), "{name}");
    assert!(
        tags.contains(&("infra:module".into(), "5_database".into())) && tags.contains(&("infra:resource".into(), "aurora".into())),
        "{tags:?}"
    );
    assert!(down.all().contains(&format!("data kept in snapshot {name}")), "{}", down.all());
    // The summary prices what is kept (10 GB assumed at $0.021/GB-month), apart from the total.
    let summary = env.infra(&["status", "--summary"]);
    assert!(
        summary
            .ok()
            .stdout
            .contains(&format!("Kept final snapshots (deleted databases' data, not in the total): 1 at ~$0.21/month ({name})")),
        "{}",
        summary.stdout
    );

    env.proxy.clear();
    let up = env.infra(&["up", "--preset", "daily"]);
    up.ok();
    let ops = operations(&env);
    assert!(ops.iter().any(|o| o == "RestoreDBClusterFromSnapshot"), "restored: {ops:?}");
    assert!(!ops.iter().any(|o| o == "CreateDBCluster"), "not created empty: {ops:?}");
    assert!(up.all().contains(&format!("restored from snapshot {name}")), "{}", up.all());
    // The restored cluster takes the password of the secret re-created in the same run.
    let new_secret = env.state()["modules"]["5_database"]["outputs"]["aurora_secret_arn"].as_str().unwrap().to_string();
    assert_ne!(new_secret, old_secret, "the secret was re-created");
    let password = env.block_on(async {
        let v = env.secrets().get_secret_value().secret_id(&new_secret).send().await.unwrap();
        let v: serde_json::Value = serde_json::from_str(v.secret_string().unwrap()).unwrap();
        v["password"].as_str().unwrap().to_string()
    });
    let modify = env.proxy.calls().into_iter().find(|c| c.operation == "ModifyDBCluster").expect("the password is set after the restore");
    let sent = modify.body.split('&').find_map(|pair| pair.strip_prefix("MasterUserPassword=")).map(form_decode);
    assert!(sent.as_deref() == Some(password.as_str()), "ModifyDBCluster sets the new secret's password");
    assert!(!up.all().contains(&password), "the password is never shown");
    env.block_on(async {
        let c = env.rds().describe_db_clusters().db_cluster_identifier(CLUSTER).send().await.unwrap();
        assert_eq!(c.db_clusters()[0].status(), Some("available"));
    });
    let again = env.infra(&["up", "5_database"]);
    assert!(again.ok().stdout.contains("No changes"), "a restored cluster matches its manifest: {}", again.all());

    // Kept: only the newest `snapshots_kept`. Like `skip_final_snapshot`, it acts at
    // delete time as last applied, so it is applied first (no AWS change: recorded only).
    env.proxy.clear();
    env.infra_with(&[("INFRA_VAR_SNAPSHOTS_KEPT", "1")], &["up", "5_database"]).ok();
    assert!(env.proxy.writes().is_empty(), "{:?}", env.proxy.writes());
    env.infra_with(&[("INFRA_VAR_SNAPSHOTS_KEPT", "1")], &["down", "5_database", "--yes"]).ok();
    let kept = snapshots(&env);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].0 > *name, "the newer one stays: {kept:?}");

    // Starting empty is explicit.
    env.proxy.clear();
    env.infra_with(&[("INFRA_VAR_RESTORE_DATA", "false")], &["up", "5_database"]).ok();
    let ops = operations(&env);
    assert!(ops.iter().any(|o| o == "CreateDBCluster") && !ops.iter().any(|o| o == "RestoreDBClusterFromSnapshot"), "{ops:?}");
}

#[test]
fn another_environments_snapshot_is_never_restored() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    env.infra(&["down", "5_database", "--yes"]).ok();
    assert_eq!(snapshots(&env).len(), 1);
    // `prod` uses the same cluster name here; the snapshot is dev's.
    env.proxy.clear();
    env.infra(&["up", "5_database", "--env", "prod", "--new-env"]).ok();
    let ops = operations(&env);
    assert!(ops.iter().any(|o| o == "CreateDBCluster") && !ops.iter().any(|o| o == "RestoreDBClusterFromSnapshot"), "{ops:?}");
}

/// Aurora's scaling as AWS reports it: (min, max, seconds until auto-pause).
fn scaling(env: &Env) -> (Option<f64>, Option<f64>, Option<i32>) {
    env.block_on(async {
        let out = env.rds().describe_db_clusters().db_cluster_identifier(CLUSTER).send().await.unwrap();
        let s = out.db_clusters()[0].serverless_v2_scaling_configuration().cloned().unwrap();
        (s.min_capacity(), s.max_capacity(), s.seconds_until_auto_pause())
    })
}

fn monthly_cost(env: &Env) -> f64 {
    summary(env)["total_monthly_cost"].as_f64().unwrap()
}

#[test]
fn pause_keeps_aurora_deployed_at_zero_acu_and_daily_restores_its_capacity() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    let running = monthly_cost(&env);
    assert_eq!(scaling(&env), (Some(0.5), Some(1.0), None));
    // The summary says what pause would save, beside what minimize-costs would.
    let promised = summary(&env)["presets"]["pause"]["monthly_saving"].as_f64().unwrap();
    let text = env.infra(&["status", "--summary"]);
    assert!(text.ok().stdout.contains(&format!("`infra up --preset pause` would save ${promised:.2}/month")), "{}", text.stdout);
    assert!(text.stdout.contains("`infra down --preset minimize-costs` would save"), "{}", text.stdout);

    env.proxy.clear();
    env.infra(&["up", "--preset", "pause"]).ok();
    assert!(env.proxy.writes().iter().all(|c| !c.operation.starts_with("Delete")), "nothing is deleted: {:?}", env.proxy.writes());
    assert_eq!(scaling(&env), (Some(0.0), Some(1.0), Some(300)), "0 ACU, pausing after 5 idle minutes");
    let paused = monthly_cost(&env);
    assert!(running - paused > 40.0, "paused Aurora bills storage only: {running} -> {paused}");
    assert!((running - paused - promised).abs() < 0.01, "the summary's promise was kept: {running} - {paused} != {promised}");
    assert!(env.infra(&["up", "--preset", "pause"]).ok().stdout.contains("No changes"));

    env.infra(&["up", "--preset", "daily"]).ok();
    assert_eq!(scaling(&env).0, Some(0.5), "the configured capacity is back");
    assert!(env.infra(&["up", "5_database"]).ok().stdout.contains("No changes"));
    assert!((monthly_cost(&env) - running).abs() < 15.0, "daily also brought back SageMaker's few dollars only");
}

#[test]
fn down_all_keeps_the_snapshots_unless_asked_to_delete_them() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    // Not a terminal and no --delete-snapshots: the data stays, and the way to drop it is named.
    let down = env.infra(&["down", "--all", "--yes"]);
    down.ok();
    assert!(
        down.stdout.contains("5_database.aurora (rds.cluster): ")
            && down.stdout.contains("; kept in a final snapshot alex-aurora-cluster-final-"),
        "the plan says where the database's data goes: {}",
        down.stdout
    );
    let kept = snapshots(&env);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(down.all().contains("`infra down --all --delete-snapshots` deletes them") && down.all().contains(&kept[0].0), "{}", down.all());
    // Asked explicitly: gone, though nothing else was left to delete.
    let again = env.infra(&["down", "--all", "--yes", "--delete-snapshots"]);
    again.ok();
    assert!(again.all().contains(&format!("Deleted snapshot {}", kept[0].0)), "{}", again.all());
    assert!(snapshots(&env).is_empty());
    // The flag means nothing without --all.
    env.infra(&["down", "5_database", "--delete-snapshots"]).code(1);
}

#[test]
fn down_names_every_resource_holding_data_and_how_much_before_deleting_it() {
    let env = Env::empty();
    env.write(
        "modules/m.toml",
        r#"
[resources.files]
type = "s3.bucket"
name = "data-files"
versioning = true
force_destroy = true

[resources.jobs]
type = "sqs.queue"
name = "data-jobs"

[resources.trades]
type = "dynamodb.table"
name = "data-trades"
hash_key = "id"

[resources.logs]
type = "logs.log_group"
name = "/data/logs"
"#,
    );
    env.infra(&["up", "m"]).ok();
    let queue = env.block_on(async {
        let s3 = env.s3();
        // Three objects, one of them written twice: four versions, 15 bytes in all.
        for (key, body) in [("a", "one"), ("b", "two"), ("c", "three"), ("a", "uno!")] {
            s3.put_object().bucket("data-files").key(key).body(body.as_bytes().to_vec().into()).send().await.unwrap();
        }
        let url = env.sqs().get_queue_url().queue_name("data-jobs").send().await.unwrap().queue_url.unwrap();
        for body in ["first", "second"] {
            env.sqs().send_message().queue_url(&url).message_body(body).send().await.unwrap();
        }
        let dynamodb = aws_sdk_dynamodb::Client::new(&env.sdk);
        for id in ["t-1", "t-2"] {
            let item = aws_sdk_dynamodb::types::AttributeValue::S(id.into());
            dynamodb.put_item().table_name("data-trades").item("id", item).send().await.unwrap();
        }
        url
    });
    let lines = [
        "Data in what this plan deletes or replaces:",
        "  m.files (s3.bucket): 3 objects (4 versions in all), 15 bytes; deleted with it",
        "  m.jobs (sqs.queue): about 2 messages; deleted with it",
        "  m.trades (dynamodb.table): about 2 items",
    ];

    // Without --yes and without a terminal: refused, the data named in the refusal.
    let refused = env.infra(&["down", "--all"]);
    refused.code(1);
    for line in lines {
        assert!(refused.stdout.contains(line), "{line}: {}", refused.stdout);
    }
    assert!(!refused.stdout.contains("m.logs (logs.log_group):"), "a log group's settings are not data: {}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("the plan deletes or replaces 4 resources, with the data in m.files (3 objects (4 versions in all), 15 bytes)")
            && refused.stderr.contains("pass --yes"),
        "{}",
        refused.stderr
    );
    // The dry run shows it too; neither changed anything.
    let dry = env.infra(&["down", "--all", "--dry-run"]);
    assert!(dry.ok().stdout.contains(lines[1]), "{}", dry.stdout);
    env.block_on(async {
        env.s3().get_object().bucket("data-files").key("c").send().await.expect("the objects are still there");
    });

    // With --yes: the same account of the data, then everything goes as before.
    let down = env.infra(&["down", "--all", "--yes"]);
    down.ok();
    for line in lines {
        assert!(down.stdout.contains(line), "{line}: {}", down.stdout);
    }
    env.block_on(async {
        assert!(env.s3().head_bucket().bucket("data-files").send().await.is_err(), "the bucket was emptied and deleted");
        assert!(env.sqs().get_queue_attributes().queue_url(&queue).send().await.is_err(), "the queue is gone");
        let tables = aws_sdk_dynamodb::Client::new(&env.sdk).list_tables().send().await.unwrap();
        assert!(tables.table_names().is_empty(), "{tables:?}");
    });
    assert!(env.state()["modules"].get("m").is_none_or(|m| m["resources"].as_object().is_none_or(|r| r.is_empty())));
}
