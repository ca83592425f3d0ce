//! Safe by default when AWS or the user misbehaves: exit codes a script can trust, clear
//! errors (and no success) without AWS, a state bound to its account and region,
//! environment names that stay inside state/, and no colour codes where none belong.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::harness::{Env, Run};

fn run(cmd: &mut std::process::Command) -> Run {
    let out = cmd.output().expect("run infra");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn usage_errors_exit_1_and_only_changes_exit_2() {
    let env = Env::new();
    for args in [&["up", "5_database", "--parallelism", "0"][..], &["plan", "--detailed-exitcod"], &["frobnicate"], &[]] {
        let r = env.infra(args);
        r.code(1);
        assert!(r.stderr.contains("error:"), "{args:?}: {}", r.stderr);
    }
    env.infra(&["--help"]).code(0);
    env.infra(&["--version"]).code(0);
    env.infra(&["plan", "5_database", "--detailed-exitcode"]).code(2);
    env.infra(&["plan", "5_database"]).code(0);
    env.infra(&["up", "5_database"]).ok();
    env.infra(&["plan", "5_database", "--detailed-exitcode"]).code(0);
    // An error is 1 even with --detailed-exitcode.
    env.infra(&["plan", "nope", "--detailed-exitcode"]).code(1);
}

#[test]
fn without_credentials_nothing_claims_success_and_no_debug_dump_is_printed() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    for args in [&["status"][..], &["plan", "5_database"], &["up", "5_database"], &["down", "5_database", "--yes"]] {
        let r = run(env.command(args).env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY"));
        r.code(1);
        assert!(r.stderr.contains("no AWS credentials found"), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("environment variables (AWS_ACCESS_KEY_ID)") && r.stderr.contains("instance role"), "{}", r.stderr);
        assert!(!r.stdout.contains("deployed") && !r.stdout.contains("checked against AWS"), "{}", r.stdout);
        assert!(r.stderr.len() < 1500, "a short message, not a dump ({} bytes): {}", r.stderr.len(), r.stderr);
        assert!(!r.stderr.contains("{") && !r.stderr.contains("Imds"), "no Rust debug output: {}", r.stderr);
    }
    // The state alone can still be shown.
    run(env.command(&["status", "--offline"]).env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY")).ok();
}

#[test]
fn a_refused_connection_is_reported_within_seconds_by_its_cause() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = format!("http://127.0.0.1:{closed}");
    for args in [&["plan", "5_database"][..], &["up", "5_database"], &["status"]] {
        let start = Instant::now();
        let r = run(env.command(args).env("AWS_ENDPOINT_URL", &endpoint));
        let took = start.elapsed();
        r.code(1);
        assert!(took < Duration::from_secs(5), "{args:?} took {took:?}");
        assert!(r.stderr.contains(&format!("cannot connect to {endpoint}: connection refused")), "{}", r.stderr);
        assert!(!r.stderr.contains("credentials"), "blames the connection, not credentials: {}", r.stderr);
    }
}

#[test]
fn a_silent_endpoint_is_announced_then_fails_in_bounded_time() {
    let env = Env::new();
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = s.set_read_timeout(Some(Duration::from_millis(10)));
            let _ = s.read(&mut buf);
            held.push(s);
        }
    });
    let start = Instant::now();
    // Each of the three attempts waits 3 s here instead of 30 s; the mechanism is the same.
    let r = run(env.command(&["plan", "5_database"]).env("AWS_ENDPOINT_URL", &endpoint).env("INFRA_CONNECT_TIMEOUT_SECS", "3"));
    let took = start.elapsed();
    r.code(1);
    assert!(r.stderr.contains(&format!("Waiting for {endpoint} to answer")), "{}", r.stderr);
    assert!(r.stderr.contains("did not answer within 3 s"), "{}", r.stderr);
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn the_state_refuses_another_region_before_any_change() {
    let env = Env::new();
    env.infra(&["up", "5_database"]).ok();
    assert_eq!(env.state()["region"], "us-east-1");
    assert_eq!(env.state()["account"], crate::harness::ACCOUNT);
    env.proxy.clear();
    for r in [
        env.infra(&["plan", "5_database", "--region", "us-west-2"]),
        run(env.command(&["up", "5_database"]).env("AWS_REGION", "eu-west-1")),
        env.infra(&["down", "--all", "--yes", "--region", "us-west-2"]),
        env.infra(&["status", "--region", "us-west-2"]),
    ] {
        r.code(1);
        assert!(r.stderr.contains("belongs to account 123456789012 in us-east-1"), "{}", r.stderr);
        assert!(r.stderr.contains("resolves to account 123456789012 in us-west-2") || r.stderr.contains("in eu-west-1"), "{}", r.stderr);
        assert!(!r.stdout.contains("to create"), "no plan shown: {}", r.stdout);
    }
    assert!(env.proxy.writes().is_empty(), "nothing changed: {:?}", env.proxy.writes());
    // Another environment may live in another region, but IAM names are global: the
    // role the dev environment made is recognised as dev's, not taken over.
    let west = env.infra(&["-e", "west", "--new-env", "plan", "5_database", "--region", "us-west-2"]);
    west.code(1);
    assert!(
        west.stderr.contains("role alex-lambda-aurora-role already exists and is not managed by this environment (it belongs to infra environment `dev` (5_database.lambda_aurora_role))"),
        "{}",
        west.stderr
    );
}

#[test]
fn an_explicit_profile_wins_and_a_missing_one_is_named() {
    let env = Env::new();
    let r = env.infra(&["--profile", "nosuch", "plan", "5_database"]);
    r.code(1);
    assert!(r.stderr.contains("AWS profile `nosuch` does not exist"), "{}", r.stderr);
    assert!(r.stderr.contains(".aws/config") && r.stderr.contains(".aws/credentials"), "names the files read: {}", r.stderr);
    let r = run(env.command(&["plan", "5_database"]).env("AWS_PROFILE", "nosuch"));
    r.code(1);
    assert!(r.stderr.contains("AWS profile `nosuch` does not exist"), "{}", r.stderr);

    // A profile that exists is used instead of the keys in the environment: give it
    // keys and remove those from the environment.
    env.write(".aws/credentials", "[team]\naws_access_key_id = teamkey\naws_secret_access_key = teamsecret\n");
    env.write(".aws/config", "[profile team]\nregion = us-east-1\n");
    run(env.command(&["--profile", "team", "plan", "5_database"]).env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY")).ok();
    let signed = env.proxy.calls().iter().any(|c| c.service == "sts");
    assert!(signed, "the run reached AWS with the profile's keys");
}

#[test]
fn environment_names_cannot_escape_the_state_directory() {
    let env = Env::new();
    for name in ["../../escape", "a/b", "", ".hidden", "x".repeat(40).as_str()] {
        let r = env.infra(&["--env", name, "plan", "5_database"]);
        r.code(1);
        assert!(r.stderr.contains("invalid environment name"), "{name:?}: {}", r.stderr);
    }
    let r = run(env.command(&["plan", "5_database"]).env("INFRA_ENV", "../up"));
    r.code(1);
    assert!(!env.dir.path().parent().unwrap().join("escape.json").exists());
    assert!(env.proxy.calls().is_empty());
}

#[test]
fn no_colour_codes_when_asked_or_redirected() {
    let env = Env::new();
    let mut cmd = env.command(&["-vv", "plan", "5_database"]);
    cmd.env_remove("NO_COLOR");
    let redirected = run(&mut cmd);
    redirected.ok();
    let never = run(env.command(&["-vv", "--color", "never", "plan", "5_database"]).env_remove("NO_COLOR"));
    never.ok();
    for r in [&redirected, &never] {
        assert!(r.stderr.contains("DEBUG"), "log lines are there: {}", r.stderr);
        assert!(!r.all().contains('\u{1b}'), "no ANSI escape codes: {:?}", &r.stderr[..r.stderr.len().min(400)]);
    }
}

#[test]
fn a_create_that_fails_part_way_is_completed_or_removed_by_the_next_run() {
    let env = Env::empty();
    let module = "[data.vpc]\ntype = \"ec2.default_vpc\"\n\n[resources.sg]\ntype = \"ec2.security_group\"\nname = \"half-built\"\nvpc_id = \"${data.vpc.id}\"\ningress = [{ from_port = 443, to_port = 443, cidr_blocks = [\"10.0.0.0/16\"] }]\n";
    env.write("modules/net.toml", module);
    let groups = |env: &Env| {
        env.block_on(async {
            let out = env
                .ec2()
                .describe_security_groups()
                .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values("half-built").build())
                .send()
                .await
                .unwrap();
            out.security_groups().to_vec()
        })
    };
    // The group is created, then AWS refuses its rule.
    let refusal = "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>refused by the test</Message></Error></Errors><RequestID>t</RequestID></Response>";
    env.proxy.script(crate::proxy::Scripted {
        operation: "AuthorizeSecurityGroupIngress".into(),
        times: 1,
        status: 400,
        headers: vec![("content-type", "text/xml".into())],
        body: refusal.into(),
    });
    let first = env.infra(&["up", "net"]);
    first.code(1);
    assert!(first.stderr.contains("refused by the test"), "{}", first.stderr);
    assert_eq!(groups(&env).len(), 1, "the half-built group exists");
    assert!(env.state()["modules"]["net"]["pending"]["sg"].is_object(), "and the state remembers it");

    // The next run finds it and completes it: one group, with its rule.
    let second = env.infra(&["up", "net"]);
    second.ok();
    assert!(second.stdout.contains("adopting it"), "{}", second.stdout);
    let found = groups(&env);
    assert_eq!(found.len(), 1, "no second group");
    assert_eq!(found[0].ip_permissions()[0].from_port(), Some(443));
    env.infra(&["plan", "net", "--detailed-exitcode"]).code(0);

    // Had the resource been dropped from the manifest instead, the next run removes it.
    env.infra(&["down", "net", "--yes"]).ok();
    env.proxy.script(crate::proxy::Scripted {
        operation: "AuthorizeSecurityGroupIngress".into(),
        times: 1,
        status: 400,
        headers: vec![("content-type", "text/xml".into())],
        body: refusal.into(),
    });
    env.infra(&["up", "net"]).code(1);
    env.write("modules/net.toml", "[data.vpc]\ntype = \"ec2.default_vpc\"\n");
    let cleanup = env.infra(&["up", "net", "--yes"]);
    cleanup.ok();
    assert!(cleanup.stdout.contains("left by an interrupted create"), "{}", cleanup.stdout);
    assert!(groups(&env).is_empty(), "nothing half-built is left");
}
