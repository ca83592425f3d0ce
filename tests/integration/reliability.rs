//! Reliability against the behaviour of real AWS, simulated by the fault-injecting
//! proxy: throttling, 5xx and resets on a fifth of all requests; the exact eventual-
//! consistency errors AWS returns; runs killed at any point; two runs at once; a broken
//! state file. Secrets stay out of every output, also after failures.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::alex_stack::{api_key_value, assert_nothing_left};
use crate::harness::{Env, Run};
use crate::proxy::Scripted;

/// Resources that have no unique name in AWS, or several of a kind: each must exist
/// exactly once after any sequence of faults and restarts.
fn assert_exactly_once(env: &Env) {
    env.block_on(async {
        let count = |n: usize, what: &str| assert_eq!(n, 1, "{what} must exist exactly once");
        let sgs = env.ec2().describe_security_groups().send().await.unwrap();
        count(sgs.security_groups().iter().filter(|g| g.group_name() == Some("alex-aurora-sg")).count(), "alex-aurora-sg");
        let apis = env.apigateway().get_rest_apis().send().await.unwrap();
        for name in ["alex-api", "alex-frontend-api"] {
            count(apis.items().iter().filter(|a| a.name() == Some(name)).count(), name);
        }
        let keys = env.apigateway().get_api_keys().send().await.unwrap();
        count(keys.items().iter().filter(|k| k.name() == Some("alex-api-key")).count(), "alex-api-key");
        count(env.apigateway().get_usage_plans().send().await.unwrap().items().len(), "usage plan");
        let mappings = env.lambda().list_event_source_mappings().function_name("alex-planner").send().await.unwrap();
        count(mappings.event_source_mappings().len(), "planner trigger");
        let dists = env.cloudfront().list_distributions().send().await.unwrap();
        count(dists.distribution_list().map(|l| l.items().len()).unwrap_or(0), "CloudFront distribution");
        let oacs = env.cloudfront().list_origin_access_controls().send().await.unwrap();
        count(oacs.origin_access_control_list().map(|l| l.items().len()).unwrap_or(0), "origin access control");
        count(env.apprunner().list_services().send().await.unwrap().service_summary_list().len(), "App Runner service");
        let secrets = env.secrets().list_secrets().send().await.unwrap();
        count(secrets.secret_list().len(), "credentials secret");
    });
}

/// `plan --detailed-exitcode` exits 0 only when the state and AWS agree on everything.
fn assert_state_matches_aws(env: &Env) {
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
    plan.code(0);
}

pub fn database_password(env: &Env) -> String {
    env.block_on(async {
        let list = env.secrets().list_secrets().send().await.unwrap();
        let arn = list.secret_list()[0].arn().unwrap().to_string();
        let value = env.secrets().get_secret_value().secret_id(arn).send().await.unwrap();
        let doc: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
        doc["password"].as_str().unwrap().to_string()
    })
}

#[test]
fn the_full_stack_converges_through_throttling_5xx_and_resets() {
    let env = Env::new();
    env.proxy.fail_randomly(0.2, 42);
    let up = env.infra(&["-vvv", "up", "--all"]);
    up.ok();
    let calls = env.proxy.calls();
    let faults = |kind: &str| calls.iter().filter(|c| c.fault == Some(kind)).count();
    let injected = calls.iter().filter(|c| c.fault.is_some()).count();
    eprintln!(
        "fault test, up --all: {} requests, {injected} faults injected ({} throttling, {} 503, {} resets), {} reached the emulator",
        calls.len(),
        faults("throttle"),
        faults("503"),
        faults("reset"),
        calls.len() - injected
    );
    assert!(injected as f64 > calls.len() as f64 * 0.15, "faults were injected");

    assert_exactly_once(&env);
    assert_state_matches_aws(&env);
    let (password, key) = (database_password(&env), api_key_value(&env));
    for text in [up.all(), env.state_text()] {
        assert!(!text.contains(&password) && !text.contains(&key), "a secret leaked");
    }

    env.proxy.clear();
    let down = env.infra(&["-vvv", "down", "--all", "--yes"]);
    down.ok();
    let calls = env.proxy.calls();
    eprintln!("fault test, down --all: {} requests, {} faults injected", calls.len(), calls.iter().filter(|c| c.fault.is_some()).count());
    assert!(!down.all().contains(&password) && !down.all().contains(&key));
    env.proxy.fail_randomly(0.0, 1);
    assert_nothing_left(&env);
}

/// Start `infra up --all` slowed down, and kill it (SIGKILL) after `after` requests.
fn kill_during_up(env: &Env, after: usize) {
    env.proxy.clear();
    env.proxy.set_latency(Duration::from_millis(15));
    let mut child: Child = env.command(&["up", "--all"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while env.proxy.calls().len() < after {
        assert!(start.elapsed() < Duration::from_secs(120), "the run never reached {after} requests");
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    env.proxy.set_latency(Duration::ZERO);
}

#[test]
fn runs_killed_early_mid_and_late_converge_without_duplicates_or_orphans() {
    // A fresh `up --all` makes about 110 requests through the proxy (App Runner's go to
    // its stand-in): kill after roughly a tenth, a half and nine tenths of them.
    // `INFRA_KILL_POINTS=5,10,15,...` sweeps more points (used while developing).
    let points: Vec<usize> = std::env::var("INFRA_KILL_POINTS")
        .map(|v| v.split(',').filter_map(|p| p.trim().parse().ok()).collect())
        .unwrap_or_else(|_| vec![12, 55, 90]);
    for after in points {
        eprintln!("killing `up --all` after {after} requests");
        let env = Env::new();
        kill_during_up(&env, after);
        let again = env.infra(&["up", "--all"]);
        again.ok();
        assert!(again.stderr.contains("ended without releasing the lock"), "the dead run is reported: {}", again.stderr);
        assert_exactly_once(&env);
        assert_state_matches_aws(&env);
        let state = env.state();
        for m in state["modules"].as_object().unwrap().values() {
            assert!(m.get("pending").is_none(), "no interrupted create left unresolved: {m}");
        }
        // Nothing the dead run created is unknown to the state: tearing down what the
        // state knows leaves the emulator empty.
        env.infra(&["down", "--all", "--yes"]).ok();
        assert_nothing_left(&env);
    }
}

#[test]
fn an_interrupted_create_is_adopted_not_duplicated() {
    let env = Env::new();
    // The API is created, then the answer is lost and the run dies: simulate by writing
    // the pending record a crashed run leaves, with the API already in AWS.
    env.infra(&["up", "2_sagemaker", "3_ingestion"]).ok();
    let mut state = env.state();
    let api = state["modules"]["3_ingestion"]["resources"]["api"].take();
    state["modules"]["3_ingestion"]["resources"].as_object_mut().unwrap().remove("api");
    state["modules"]["3_ingestion"]["pending"] = serde_json::json!({
        "api": {"type": "apigateway.rest_api", "properties": api["properties"], "token": "infra-test", "started_at": "2026-01-01T00:00:00Z"}
    });
    std::fs::write(env.path("state/dev.json"), serde_json::to_string_pretty(&state).unwrap()).unwrap();

    let plan = env.infra(&["plan", "3_ingestion"]);
    assert!(plan.ok().stdout.contains("adopting it"), "{}", plan.stdout);
    env.infra(&["up", "3_ingestion"]).ok();
    let after = env.state();
    assert_eq!(after["modules"]["3_ingestion"]["resources"]["api"]["id"], api["id"], "the same API, adopted");
    assert!(after["modules"]["3_ingestion"].get("pending").is_none());
    let apis = env.block_on(async { env.apigateway().get_rest_apis().send().await.unwrap() });
    assert_eq!(apis.items().iter().filter(|a| a.name() == Some("alex-api")).count(), 1);
}

#[test]
fn a_second_run_is_refused_at_once_naming_the_holder() {
    let env = Env::new();
    env.proxy.set_latency(Duration::from_millis(100));
    let mut first = env.command(&["up", "2_sagemaker"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while env.proxy.calls().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(10));
    }
    let t = Instant::now();
    let second = env.infra(&["up", "5_database"]);
    let took = t.elapsed();
    second.code(1);
    assert!(took < Duration::from_secs(1), "refused within a second, took {took:?}");
    assert!(second.stderr.contains(&format!("locked by pid {}", first.id())), "{}", second.stderr);
    assert!(second.stderr.contains("`infra up`"), "{}", second.stderr);

    let waited = env.infra(&["up", "5_database", "--lock-timeout", "2m"]);
    waited.ok();
    assert!(first.wait().unwrap().success());
}

#[test]
fn a_corrupt_state_file_is_refused_and_left_untouched() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    env.infra(&["up", "5_database", "--var", "5_database.max_capacity=2"]).ok();
    let path = env.path("state/dev.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = &text[..text.len() / 2];
    std::fs::write(&path, broken).unwrap();
    for args in [&["up", "5_database"][..], &["down", "--all", "--yes"], &["status"], &["plan", "5_database"]] {
        let run = env.infra(args);
        run.code(1);
        assert!(run.stderr.contains("state/dev.json is not valid"), "{}", run.stderr);
        assert!(run.stderr.contains("dev.json.backup"), "names the backup: {}", run.stderr);
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken, "never overwritten");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.path("state/dev.json.backup")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "backup readable by the owner only: {mode:o}");
}

#[test]
fn ctrl_c_stops_new_steps_saves_and_exits_130() {
    let env = Env::new();
    env.proxy.set_latency(Duration::from_millis(25));
    // Interrupted while planning: nothing has changed, and it still exits 130.
    let child = env.command(&["up", "--all"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while env.proxy.calls().len() < 5 {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(env.proxy.writes().is_empty(), "nothing changed: {:?}", env.proxy.writes());

    // Interrupted while applying: running steps finish and are recorded.
    let child = env.command(&["up", "--all"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while env.state_text_opt().is_none_or(|t| t.matches("\"type\"").count() < 10) {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(5));
    }
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let state = env.state();
    let recorded: usize = state["modules"].as_object().unwrap().values().map(|m| m["resources"].as_object().map_or(0, |r| r.len())).sum();
    assert!(recorded > 0 && recorded < 49, "stopped part-way with what finished recorded: {recorded}");
    env.proxy.set_latency(Duration::ZERO);
    env.infra(&["up", "--all"]).ok();
    assert_exactly_once(&env);
    assert_state_matches_aws(&env);
}

fn scripted(operation: &str, status: u16, headers: Vec<(&'static str, String)>, body: &str) -> Scripted {
    Scripted { operation: operation.into(), times: 2, status, headers, body: body.into() }
}

fn waits(run: &Run, what: &str) {
    assert!(run.stderr.contains("Waiting") && run.stderr.contains(what), "the wait is shown: {}", run.stderr);
}

#[test]
fn lambda_retries_while_a_fresh_role_propagates() {
    let env = Env::new();
    env.proxy.script(scripted(
        "POST /2015-03-31/functions",
        400,
        vec![("x-amzn-errortype", "InvalidParameterValueException".into()), ("content-type", "application/json".into())],
        r#"{"Type":"User","message":"The role defined for the function cannot be assumed by Lambda."}"#,
    ));
    let run = env.infra(&["up", "2_sagemaker", "3_ingestion"]);
    run.ok();
    waits(&run, "the IAM role to reach Lambda");
    let creates: Vec<_> = env.proxy.calls().into_iter().filter(|c| c.operation == "POST /2015-03-31/functions").collect();
    assert_eq!(creates.iter().filter(|c| c.fault.is_some()).count(), 2, "refused twice");
    assert_eq!(creates.iter().filter(|c| c.fault.is_none()).count(), 1, "then created once");
}

#[test]
fn sagemaker_retries_while_a_fresh_role_propagates() {
    let env = Env::new();
    env.proxy.script(scripted(
        "CreateModel",
        400,
        vec![("content-type", "application/x-amz-json-1.1".into())],
        r#"{"__type":"ValidationException","Message":"Could not assume role arn:aws:iam::123456789012:role/alex-sagemaker-role. Please ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role."}"#,
    ));
    let run = env.infra(&["up", "2_sagemaker"]);
    run.ok();
    waits(&run, "the IAM role to reach SageMaker");
}

#[test]
fn a_queue_name_blocked_after_deletion_is_waited_for() {
    let env = Env::new();
    env.proxy.script(scripted(
        "CreateQueue",
        400,
        vec![
            ("content-type", "application/x-amz-json-1.0".into()),
            ("x-amzn-query-error", "AWS.SimpleQueueService.QueueDeletedRecently;Sender".into()),
        ],
        r#"{"__type":"com.amazonaws.sqs#QueueDeletedRecently","message":"You must wait 60 seconds after deleting a queue before you can create another with the same name."}"#,
    ));
    env.write("modules/q.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"jobs\"\n");
    let run = env.infra(&["up", "q"]);
    run.ok();
    waits(&run, "the deleted queue's name to be released");
}

#[test]
fn a_security_group_still_in_use_is_waited_for_on_delete() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    env.proxy.script(scripted(
        "DeleteSecurityGroup",
        400,
        vec![("content-type", "text/xml".into())],
        "<Response><Errors><Error><Code>DependencyViolation</Code><Message>resource sg-1 has a dependent object</Message></Error></Errors><RequestID>r</RequestID></Response>",
    ));
    let run = env.infra(&["down", "5_database", "--yes"]);
    run.ok();
    waits(&run, "network interfaces to release the security group");
}

#[test]
fn a_secret_name_held_by_a_deleted_secret_is_handled_as_configured() {
    let env = Env::empty();
    let manifest = |setting: &str| {
        format!(
            "[resources.s]\ntype = \"secretsmanager.secret\"\nname = \"app-credentials\"\nrecovery_window_days = 7\ngenerate = {{ username = \"app\" }}\n{setting}"
        )
    };
    env.write("modules/app.toml", &manifest(""));
    env.infra(&["up", "app"]).ok();
    env.infra(&["down", "app", "--yes"]).ok();

    let refused = env.infra(&["up", "app"]);
    refused.code(1);
    assert!(refused.stderr.contains("held by a deleted secret"), "{}", refused.stderr);
    assert!(refused.stderr.contains("if_scheduled_for_deletion"), "{}", refused.stderr);

    env.write("modules/app.toml", &manifest("if_scheduled_for_deletion = \"restore\"\n"));
    env.infra(&["up", "app"]).ok();
    env.block_on(async {
        let s = env.secrets().describe_secret().secret_id("app-credentials").send().await.unwrap();
        assert!(s.deleted_date().is_none(), "restored");
    });

    env.infra(&["down", "app", "--yes"]).ok();
    env.write("modules/app.toml", &manifest("if_scheduled_for_deletion = \"force_delete\"\n"));
    env.infra(&["up", "app"]).ok();
    env.block_on(async {
        let s = env.secrets().describe_secret().secret_id("app-credentials").send().await.unwrap();
        assert!(s.deleted_date().is_none(), "a new secret under the name");
    });
}

#[test]
fn a_lock_left_by_a_dead_run_can_be_cleared() {
    let env = Env::new();
    let dead = r#"{"pid":999999,"host":"elsewhere","since":"2026-01-01T00:00:00Z","command":"infra up"}"#;
    env.write("state/dev.lock", dead);
    let run = env.infra(&["unlock"]);
    assert!(run.ok().stdout.contains("Cleared the lock left by pid 999999"), "{}", run.stdout);
    assert!(env.infra(&["unlock"]).ok().stdout.contains("is not locked"));
}
