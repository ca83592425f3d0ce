//! Team state: the S3 backend against the emulator's S3 (which enforces `If-None-Match`
//! and `If-Match`): the bucket `init-backend` makes, one run at a time, a killed holder,
//! a broken lock that cannot lose an update, migration both ways, and the state
//! commands (`mv`, `rm`, `[[moved]]`) changing nothing in AWS.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::Env;

const BUCKET: &str = "team-infra-state";
const INFRA_TOML: &str = "[state]\nbackend = \"s3\"\nbucket = \"team-infra-state\"\nprefix = \"alex\"\n";

/// A project whose state lives in the emulator's S3, the bucket made by infra.
fn s3_env() -> Env {
    let env = Env::new();
    env.write("infra.toml", INFRA_TOML);
    let init = env.infra(&["state", "init-backend"]);
    assert!(init.ok().stderr.contains("versioning on"), "{}", init.all());
    assert!(init.stderr.contains("TLS only NOT applied: the endpoint http://"), "{}", init.all());
    env
}

/// The state document in the bucket, with its metadata.
fn remote_state(env: &Env) -> Option<(Value, std::collections::HashMap<String, String>)> {
    env.block_on(async {
        let out = env.s3().get_object().bucket(BUCKET).key("alex/dev.json").send().await.ok()?;
        let meta = out.metadata().cloned().unwrap_or_default();
        let bytes = out.body.collect().await.ok()?.to_vec();
        Some((serde_json::from_slice(&bytes).expect("state JSON"), meta))
    })
}

fn lock_exists(env: &Env) -> bool {
    env.block_on(async { env.s3().head_object().bucket(BUCKET).key("alex/dev.lock").send().await.is_ok() })
}

fn resources(state: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (m, module) in state["modules"].as_object().into_iter().flatten() {
        for name in module["resources"].as_object().into_iter().flatten().map(|(n, _)| n) {
            out.push(format!("{m}.{name}"));
        }
    }
    out.sort();
    out
}

#[test]
fn init_backend_makes_a_private_versioned_encrypted_tls_only_bucket() {
    let env = s3_env();
    env.block_on(async {
        let s3 = env.s3();
        // Versioning, seen as behaviour (the emulator's GetBucketVersioning answer does not
        // parse in the Rust SDK): a key written twice keeps both versions.
        for body in ["one", "two"] {
            s3.put_object().bucket(BUCKET).key("probe").body(body.as_bytes().to_vec().into()).send().await.unwrap();
        }
        let versions = s3.list_object_versions().bucket(BUCKET).prefix("probe").send().await.unwrap();
        assert_eq!(versions.versions().len(), 2, "versioning is on");
        let sse = s3.get_bucket_encryption().bucket(BUCKET).send().await.unwrap();
        let rule = &sse.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str(), "AES256");
        let block = s3.get_public_access_block().bucket(BUCKET).send().await.unwrap();
        let block = block.public_access_block_configuration().unwrap();
        assert!(block.block_public_acls() == Some(true) && block.restrict_public_buckets() == Some(true));
        // The TLS-only policy would refuse this plain-HTTP emulator, so it is held back
        // (and said so); against AWS's https endpoints it is applied.
        assert!(s3.get_bucket_policy().bucket(BUCKET).send().await.is_err(), "no policy over http");
    });
    // Again: nothing to create, settings re-applied.
    assert!(env.infra(&["state", "init-backend"]).ok().stderr.contains("exists"));
}

#[test]
fn state_lives_in_the_bucket_encrypted_with_history_and_no_local_copy() {
    let env = s3_env();
    env.infra(&["up", "2_sagemaker"]).ok();
    assert!(!env.path("state/dev.json").exists(), "no local state document with the S3 backend");
    assert!(!env.path("state/dev.journal").exists(), "the journal goes when the run ends");
    let (state, meta) = remote_state(&env).expect("state in S3");
    assert_eq!(resources(&state).len(), 4, "{state}");
    assert_eq!(meta.get("final").map(String::as_str), Some("true"));
    assert_eq!(meta.get("command").map(String::as_str), Some("infra up"));
    assert!(!lock_exists(&env), "the lock is released");
    let sse = env.block_on(async { env.s3().head_object().bucket(BUCKET).key("alex/dev.json").send().await.unwrap() });
    assert!(sse.server_side_encryption().is_some(), "state written with SSE");
    // A second change, then history lists both runs, and pull reads an old one.
    env.infra(&["up", "3_ingestion"]).ok();
    let history = env.infra(&["state", "history"]);
    let lines: Vec<&str> = history.ok().stdout.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{}", history.stdout);
    assert!(lines[0].contains("(current)") && lines[1].contains("infra up"), "{}", history.stdout);
    let old_version = lines[1].split_whitespace().next().unwrap();
    let old: Value = serde_json::from_str(&env.infra(&["state", "pull", "--version", old_version]).ok().stdout).unwrap();
    assert_eq!(resources(&old).len(), 4);
    assert!(env.infra(&["state", "history", "--all"]).ok().stdout.lines().count() > 3, "per-step versions are kept too");
    // Restoring it is explicit, shows what differs, and leaves AWS alone.
    env.proxy.clear();
    let refused = env.infra(&["state", "restore", old_version]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(refused.stdout.contains("- 3_ingestion.ingest"), "the diff is shown first: {}", refused.stdout);
    let restored = env.infra(&["state", "restore", old_version, "--yes"]);
    restored.ok();
    let (now, _) = remote_state(&env).unwrap();
    assert_eq!(resources(&now).len(), 4);
    assert!(now["serial"].as_u64() > old["serial"].as_u64(), "a restore is a new version");
    assert!(env.proxy.writes().iter().all(|c| c.service == "s3"), "only the state was written: {:?}", env.proxy.writes());
}

#[test]
fn two_runs_at_once_one_runs_the_other_is_refused_naming_the_holder() {
    let env = s3_env();
    env.proxy.set_latency(Duration::from_millis(40));
    let spawn = || env.command(&["up", "2_sagemaker"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let codes = [a.status.code(), b.status.code()];
    assert!(codes.contains(&Some(0)) && codes.contains(&Some(1)), "exactly one runs: {codes:?}");
    let refused = if a.status.code() == Some(1) { &a } else { &b };
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("is locked by") && err.contains("pid") && err.contains("infra up"), "{err}");
    assert!(err.contains("s3://team-infra-state/alex/dev.json"), "{err}");
    let (state, _) = remote_state(&env).unwrap();
    assert_eq!(resources(&state).len(), 4, "the state is complete: {state}");
    assert!(!lock_exists(&env));
}

/// Start `up --all` slowed down; kill it (SIGKILL) once it has made `after` requests.
fn kill_after(env: &Env, after: usize) {
    env.proxy.clear();
    env.proxy.set_latency(Duration::from_millis(15));
    let mut child: Child = env.command(&["up", "--all"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while env.proxy.calls().len() < after && child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    env.proxy.set_latency(Duration::ZERO);
}

#[test]
fn a_killed_holder_is_reported_dead_then_unlock_and_up_converge_without_duplicates() {
    let env = s3_env();
    kill_after(&env, 60);
    assert!(lock_exists(&env), "SIGKILL leaves the lock object behind");
    let refused = env.infra(&["up", "--all"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(refused.stderr.contains("no longer running") && refused.stderr.contains("infra unlock"), "{}", refused.stderr);
    // Clearing a lock is confirmed: refused without a terminal or --yes.
    let unconfirmed = env.infra(&["unlock"]);
    assert_eq!(unconfirmed.code, 1, "{}", unconfirmed.all());
    assert!(unconfirmed.stdout.contains("is no longer running"), "the holder is shown: {}", unconfirmed.stdout);
    assert!(lock_exists(&env));
    assert!(env.infra(&["unlock", "--yes"]).ok().stdout.contains("Cleared the lock"));
    env.infra(&["up", "--all"]).ok();
    assert_eq!(env.infra(&["plan", "--all", "--detailed-exitcode"]).code, 0, "converged");
    let (state, _) = remote_state(&env).unwrap();
    // One of each: the interrupted creates were adopted, not repeated.
    let queues = env.block_on(async { env.sqs().list_queues().send().await.unwrap().queue_urls.unwrap_or_default() });
    let functions = env.block_on(async { env.lambda().list_functions().send().await.unwrap().functions.unwrap_or_default() });
    let recorded = |t: &str| {
        state["modules"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|m| m["resources"].as_object().unwrap().values())
            .filter(|r| r["type"] == t)
            .count()
    };
    assert_eq!(queues.len(), recorded("sqs.queue"), "{queues:?}");
    assert_eq!(functions.len(), recorded("lambda.function"));
}

#[test]
fn a_run_whose_lock_was_broken_cannot_overwrite_newer_state_and_keeps_its_own_view() {
    let env = s3_env();
    env.infra(&["up", "2_sagemaker"]).ok();
    env.proxy.clear();
    env.proxy.set_latency(Duration::from_millis(60));
    let child = env.command(&["up", "--all"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Once the run has uploaded a step, someone breaks its lock and writes a newer state.
    let start = Instant::now();
    while !env.proxy.calls().iter().any(|c| c.service == "s3" && c.operation.starts_with("PUT /team-infra-state/alex/dev.json")) {
        assert!(start.elapsed() < Duration::from_secs(60), "the run never saved a step");
        std::thread::sleep(Duration::from_millis(10));
    }
    env.block_on(async { env.s3().delete_object().bucket(BUCKET).key("alex/dev.lock").send().await.unwrap() });
    let (mut newer, _) = remote_state(&env).unwrap();
    newer["serial"] = serde_json::json!(newer["serial"].as_u64().unwrap() + 100);
    let body = serde_json::to_vec(&newer).unwrap();
    env.block_on(async {
        let put = env.s3().put_object().bucket(BUCKET).key("alex/dev.json").metadata("command", "someone else");
        put.body(body.into()).send().await.unwrap()
    });
    let out = child.wait_with_output().unwrap();
    env.proxy.set_latency(Duration::ZERO);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("was changed by another run"), "{stderr}");
    // The newer state is intact.
    let (kept, meta) = remote_state(&env).unwrap();
    assert_eq!(meta.get("command").map(String::as_str), Some("someone else"), "not overwritten");
    // And nothing this run recorded is lost: its view is in the recovery file.
    let recovery = std::fs::read_dir(env.path("state"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("dev.recovery-"))
        .expect("a recovery file");
    let view: Value = serde_json::from_str(&std::fs::read_to_string(&recovery).unwrap()).unwrap();
    let (mine, theirs) = (resources(&view), resources(&kept));
    assert!(mine.len() > theirs.len(), "the run's own creates are in {}: {mine:?}", recovery.display());
    assert!(theirs.iter().all(|r| mine.contains(r)));
    assert!(stderr.contains(&recovery.file_name().unwrap().to_string_lossy().to_string()), "{stderr}");
}

#[test]
fn migrate_local_to_s3_and_back_leaves_identical_state() {
    let env = Env::new();
    env.infra(&["up", "2_sagemaker"]).ok();
    let before: Value = serde_json::from_str(&std::fs::read_to_string(env.path("state/dev.json")).unwrap()).unwrap();
    env.write("infra.toml", INFRA_TOML);
    env.infra(&["state", "init-backend"]).ok();
    env.proxy.clear();
    env.infra(&["state", "migrate", "--to", "s3", "--yes"]).ok();
    assert!(!env.path("state/dev.json").exists() && env.path("state/dev.json.migrated").exists());
    assert_eq!(remote_state(&env).unwrap().0, before);
    assert!(env.proxy.writes().iter().all(|c| c.service == "s3"), "no AWS resource touched");
    // The bucket is now the state: a plan reads it and finds nothing to do.
    assert_eq!(env.infra(&["plan", "2_sagemaker", "--detailed-exitcode"]).code, 0);
    // A second migration to a non-empty target is refused.
    std::fs::copy(env.path("state/dev.json.migrated"), env.path("state/dev.json")).unwrap();
    let refused = env.infra(&["state", "migrate", "--to", "s3", "--yes"]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("already exists"), "{}", refused.stderr);
    std::fs::remove_file(env.path("state/dev.json")).unwrap();
    env.infra(&["state", "migrate", "--to", "local", "--yes"]).ok();
    let after: Value = serde_json::from_str(&std::fs::read_to_string(env.path("state/dev.json")).unwrap()).unwrap();
    assert_eq!(after, before, "the round trip leaves identical state");
    assert!(remote_state(&env).is_none(), "moved, not copied");
}

#[test]
fn state_mv_and_moved_entries_rename_without_any_aws_change_and_rm_forgets() {
    let env = s3_env();
    env.infra(&["up", "2_sagemaker"]).ok();
    env.proxy.clear();
    // Rename the role in the manifest and in the state.
    let manifest = std::fs::read_to_string(env.path("modules/2_sagemaker.toml")).unwrap();
    env.write("modules/2_sagemaker.toml", &manifest.replace("sagemaker_role", "model_role"));
    let mv = env.infra(&["state", "mv", "2_sagemaker.sagemaker_role", "2_sagemaker.model_role"]);
    assert!(mv.ok().stderr.contains("Moved"), "{}", mv.all());
    let plan = env.infra(&["plan", "2_sagemaker", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "nothing to change after the rename: {}", plan.all());
    // The same rename carried by the manifest: `[[moved]]`.
    let manifest = std::fs::read_to_string(env.path("modules/2_sagemaker.toml")).unwrap();
    let renamed = manifest.replace("embedding_model", "model") + "\n[[moved]]\nfrom = \"embedding_model\"\nto = \"model\"\n";
    env.write("modules/2_sagemaker.toml", &renamed);
    let up = env.infra(&["up", "2_sagemaker"]);
    assert!(up.ok().stderr.contains("Moved"), "{}", up.all());
    assert!(up.stdout.contains("No changes"), "{}", up.stdout);
    let (state, _) = remote_state(&env).unwrap();
    assert!(
        resources(&state).contains(&"2_sagemaker.model".to_string()) && resources(&state).contains(&"2_sagemaker.model_role".to_string())
    );
    let aws_writes: Vec<_> = env.proxy.writes().into_iter().filter(|c| c.service != "s3").collect();
    assert!(aws_writes.is_empty(), "renames change nothing in AWS: {aws_writes:?}");
    // `state rm` forgets; the role stays in AWS.
    let role_name = state["modules"]["2_sagemaker"]["resources"]["model_role"]["id"].as_str().unwrap().to_string();
    env.infra(&["state", "rm", "2_sagemaker.model_role"]).ok();
    let (state, _) = remote_state(&env).unwrap();
    assert!(!resources(&state).contains(&"2_sagemaker.model_role".to_string()));
    assert!(env.block_on(async { env.iam().get_role().role_name(&role_name).send().await.is_ok() }), "still in AWS");
    let list = env.infra(&["state", "list"]);
    assert!(list.ok().stdout.contains("2_sagemaker.model ") && !list.stdout.contains("model_role"), "{}", list.stdout);
}
