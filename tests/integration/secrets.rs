//! Secret values never reach the state or the terminal, even at the highest verbosity.

use crate::harness::{Env, Run};

#[test]
fn the_database_password_is_never_in_state_or_output() {
    let env = Env::new();
    let up = env.infra(&["-vvv", "up", "5_database"]);
    up.ok();
    assert!(up.stderr.contains("TRACE") || up.stderr.contains("DEBUG"), "verbose logging is on");
    let password = env.block_on(async {
        let list = env.secrets().list_secrets().send().await.unwrap();
        let arn = list.secret_list()[0].arn().unwrap().to_string();
        let value = env.secrets().get_secret_value().secret_id(arn).send().await.unwrap();
        let doc: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
        assert_eq!(doc["username"], "alexadmin");
        doc["password"].as_str().unwrap().to_string()
    });
    assert_eq!(password.len(), 32);
    assert!(!up.all().contains(&password), "password printed");
    assert!(!env.state_text().contains(&password), "password in state/");

    // The cluster reads it back at update time too (a new secret re-sets the password).
    let again = env.infra(&["-vvv", "plan", "5_database"]);
    again.ok();
    assert!(!again.all().contains(&password));
}

/// Every byte a sequence of runs printed, plus the state files, searched for secrets.
fn assert_never_shown(env: &Env, runs: &[Run], secrets: &[&str]) {
    let state = env.state_text();
    for secret in secrets {
        for (i, r) in runs.iter().enumerate() {
            assert!(!r.all().contains(secret), "run {i} printed a secret:\n{}", r.all());
        }
        assert!(!state.contains(secret), "a secret reached state/");
    }
}

#[test]
fn a_changed_or_removed_secret_is_never_shown_on_either_side_of_a_diff() {
    let env = Env::new();
    let (old, new) = ("sk-OLD-0123456789abcdefghij", "sk-NEW-9876543210zyxwvutsrq");
    let with_key = |key: Option<&str>, args: &[&str]| {
        let mut cmd = env.command(args);
        if let Some(k) = key {
            cmd.env("INFRA_VAR_OPENAI_API_KEY", k);
        }
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let mut runs = vec![with_key(Some(old), &["-vvv", "up", "--all"])];
    runs[0].ok();
    let api_key = crate::alex_stack::api_key_value(&env);
    let password = crate::reliability::database_password(&env);

    // The key changes: both sides of the diff are tokens, and they differ.
    let plan = with_key(Some(new), &["-vv", "plan", "6_agents", "4_researcher"]);
    plan.ok();
    let line = plan.stdout.lines().find(|l| l.contains("environment.OPENAI_API_KEY")).expect("the change is shown");
    assert!(line.matches("(sensitive:").count() == 2, "masked on both sides: {line}");
    runs.push(plan);
    runs.push(with_key(Some(new), &["-vvv", "up", "--all"]));
    runs.last().unwrap().ok();

    // The variable is unset: the live old value is still masked, and nothing drifted.
    let plan = with_key(None, &["-vv", "plan", "6_agents"]);
    assert!(plan.ok().stdout.contains("environment.OPENAI_API_KEY: \"(sensitive:"), "{}", plan.stdout);
    runs.push(plan);
    let status = with_key(None, &["status", "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&status.ok().stdout).unwrap();
    let agents = doc["modules"].as_array().unwrap().iter().find(|m| m["module"] == "6_agents").unwrap().clone();
    assert_eq!(agents["state"], "deployed", "a secret read back is not drift: {agents}");
    runs.push(status);

    // The API key is deleted outside infra: App Runner still holds its old value.
    env.block_on(async {
        let keys = env.apigateway().get_api_keys().send().await.unwrap();
        let id = keys.items().iter().find(|k| k.name() == Some("alex-api-key")).unwrap().id().unwrap().to_string();
        env.apigateway().delete_api_key().api_key(id).send().await.unwrap();
    });
    let plan = with_key(Some(new), &["-vvv", "plan", "--all"]);
    plan.ok();
    assert!(plan.stdout.contains("+ 3_ingestion.api_key"), "{}", plan.stdout);
    runs.push(plan);
    runs.push(with_key(Some(new), &["status", "--summary"]));
    assert_never_shown(&env, &runs, &[old, new, &api_key, &password]);
}

#[test]
fn changed_generation_settings_write_new_credentials_to_the_same_secret_unseen() {
    let env = Env::empty();
    let manifest = |generate: &str| {
        format!("[resources.s]\ntype = \"secretsmanager.secret\"\nname = \"app-credentials\"\nrecovery_window_days = 0\ngenerate = {generate}\n")
    };
    let current = || {
        env.block_on(async {
            let value = env.secrets().get_secret_value().secret_id("app-credentials").send().await.unwrap();
            let doc: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
            (value.arn().unwrap().to_string(), doc["username"].as_str().unwrap().to_string(), doc["password"].as_str().unwrap().to_string())
        })
    };
    env.write("modules/app.toml", &manifest("{ username = \"app\", password_length = 24 }"));
    let mut runs = vec![env.infra(&["-vvv", "up", "app"])];
    runs[0].ok();
    let (arn, _, old) = current();

    env.write("modules/app.toml", &manifest("{ username = \"operator\", password_length = 40 }"));
    let plan = env.infra(&["plan", "app"]);
    assert!(plan.ok().stdout.contains("~ app.s"), "an update, not a replace:\n{}", plan.stdout);
    runs.push(plan);
    runs.push(env.infra(&["-vvv", "up", "app"]));
    runs.last().unwrap().ok();

    let (same_arn, username, new) = current();
    assert_eq!(same_arn, arn, "the same secret");
    assert_eq!((username.as_str(), new.len()), ("operator", 40), "generated by the new settings");
    assert_ne!(new, old);
    assert_never_shown(&env, &runs, &[&old, &new]);
}

/// The password sent in the calls to `operation` (form-encoded; generated passwords are
/// alphanumeric, so as written).
fn passwords_sent(env: &Env, operation: &str) -> Vec<String> {
    let calls = env.proxy.calls().into_iter().filter(|c| c.operation == operation && c.fault.is_none());
    calls.filter_map(|c| c.body.split('&').find_map(|pair| pair.strip_prefix("MasterUserPassword=")).map(str::to_string)).collect()
}

/// A changed `generate` writes a new password to the secret, and the databases that
/// follow its version take it in the same run: whoever reads the secret can log in.
/// moto keeps a master password but reports it nowhere (its `/moto-api/data.json` fails
/// on RDS models), so the ModifyDBCluster / ModifyDBInstance calls are what is checked.
#[test]
fn a_new_generated_password_reaches_the_databases_using_the_secret_in_the_same_run() {
    let env = Env::empty();
    let manifest = |length: u32| {
        format!(
            r#"
[resources.creds]
type = "secretsmanager.secret"
name = "app-db-credentials"
recovery_window_days = 0
generate = {{ username = "app", password_length = {length} }}

[resources.aurora]
type = "rds.cluster"
identifier = "app-aurora"
master_username = "app"
master_password_secret = "${{resources.creds.arn}}"
master_password_version = "${{resources.creds.version_id}}"
serverless_v2 = {{ min_capacity = 0.5, max_capacity = 1.0 }}
skip_final_snapshot = true

[resources.postgres]
type = "rds.instance"
identifier = "app-postgres"
engine_version = "15.7"
master_username = "app"
master_password_secret = "${{resources.creds.arn}}"
master_password_version = "${{resources.creds.version_id}}"
skip_final_snapshot = true
"#
        )
    };
    // The secret's current password and version, as AWS has them.
    let current = || {
        env.block_on(async {
            let value = env.secrets().get_secret_value().secret_id("app-db-credentials").send().await.unwrap();
            let doc: serde_json::Value = serde_json::from_str(value.secret_string().unwrap()).unwrap();
            (doc["password"].as_str().unwrap().to_string(), value.version_id().unwrap().to_string())
        })
    };
    let recorded = |name: &str| env.state()["modules"]["app"]["resources"][name].clone();

    env.write("modules/app.toml", &manifest(24));
    let mut runs = vec![env.infra(&["-vvv", "up", "app"])];
    runs[0].ok();
    let (old, old_version) = current();
    assert_eq!(recorded("creds")["attributes"]["version_id"], old_version.as_str(), "the secret's version is recorded");
    assert_eq!(recorded("aurora")["properties"]["master_password_version"], old_version.as_str());
    assert_eq!(passwords_sent(&env, "CreateDBCluster"), [old.as_str()]);
    let plan = env.infra(&["plan", "app", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "the version reads back without drift:\n{}\n{}", plan.stdout, plan.stderr);

    // The secret changes in place; the databases are planned to follow, nothing else.
    env.write("modules/app.toml", &manifest(40));
    let plan = env.infra(&["plan", "app"]);
    plan.ok();
    for (line, what) in
        [("~ app.creds", "the secret is updated"), ("~ app.aurora", "the cluster follows"), ("~ app.postgres", "the instance too")]
    {
        assert!(plan.stdout.contains(line), "{what}:\n{}", plan.stdout);
    }
    assert!(plan.stdout.contains("master_password_version") && plan.stdout.contains("(known after apply)"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("master_password_secret") && !plan.stdout.contains("-/+"), "the ARN stays known:\n{}", plan.stdout);
    runs.push(plan);

    env.proxy.clear();
    runs.push(env.infra(&["-vvv", "up", "app"]));
    runs.last().unwrap().ok();
    let (new, new_version) = current();
    assert_eq!(new.len(), 40, "generated by the new settings");
    assert_ne!(new_version, old_version);
    assert_eq!(passwords_sent(&env, "ModifyDBCluster"), [new.as_str()], "the cluster's master password is the new one");
    assert_eq!(passwords_sent(&env, "ModifyDBInstance"), [new.as_str()], "the instance's too");
    assert_eq!(recorded("creds")["attributes"]["version_id"], new_version.as_str());
    for db in ["aurora", "postgres"] {
        assert_eq!(recorded(db)["properties"]["master_password_version"], new_version.as_str(), "{db}");
    }
    let plan = env.infra(&["plan", "app", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "nothing left to do:\n{}\n{}", plan.stdout, plan.stderr);
    runs.push(plan);
    assert_never_shown(&env, &runs, &[&old, &new]);
}

/// A SecureString parameter's value reaches SSM and nowhere else: not the state, not a
/// plan or an apply at any verbosity, not when it changes, not when it is changed
/// outside infra (then it is drift, shown as tokens), and not in a discovered manifest.
#[test]
fn a_secure_string_parameter_value_is_never_in_state_or_output() {
    let env = Env::empty();
    env.write(
        "modules/params.toml",
        r#"
[variables]
db_password = { sensitive = true, description = "set with INFRA_VAR_DB_PASSWORD" }

[resources.password]
type = "ssm.parameter"
name = "/app/db/password"
parameter_type = "SecureString"
value = "${var.db_password}"
"#,
    );
    let run = |value: &str, args: &[&str]| {
        let out = env.command(args).env("INFRA_VAR_DB_PASSWORD", value).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let live = || {
        env.block_on(async {
            let out = env.aws().ssm().get_parameter().name("/app/db/password").with_decryption(true).send().await.unwrap();
            let p = out.parameter().unwrap();
            (p.r#type().unwrap().as_str().to_string(), p.value().unwrap().to_string())
        })
    };
    let (first, second, outside) = ("pw-FIRST-0123456789", "pw-SECOND-9876543210", "pw-OUTSIDE-5555555555");

    let mut runs = vec![run(first, &["-vvv", "up", "params"])];
    runs[0].ok();
    assert_eq!(live(), ("SecureString".to_string(), first.to_string()), "the value reached SSM encrypted");
    let plan = run(first, &["plan", "params", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "reading it back is no change:\n{}\n{}", plan.stdout, plan.stderr);
    runs.push(plan);

    // A new value: an in-place update, both sides shown as tokens.
    let plan = run(second, &["-vv", "plan", "params"]);
    plan.ok();
    assert!(plan.stdout.contains("~ params.password"), "{}", plan.stdout);
    let line = plan.stdout.lines().find(|l| l.contains("value")).expect("the change is shown");
    assert_eq!(line.matches("(sensitive:").count(), 2, "masked on both sides: {line}");
    runs.push(plan);
    runs.push(run(second, &["-vvv", "up", "params"]));
    runs.last().unwrap().ok();
    assert_eq!(live().1, second);

    // Changed outside infra: drift, put back.
    env.block_on(async {
        let req = env.aws().ssm().put_parameter().name("/app/db/password").value(outside).overwrite(true);
        req.send().await.unwrap();
    });
    let plan = run(second, &["plan", "params", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("changed outside infra"), "{}", plan.stdout);
    runs.push(plan);
    runs.push(run(second, &["up", "params"]));
    runs.last().unwrap().ok();
    assert_eq!(live().1, second, "put back");

    // One made outside infra: discovery writes its manifest and records it, without the value.
    let theirs = "pw-DISCOVERED-24680246";
    env.block_on(async {
        let req = env.aws().ssm().put_parameter().name("/app/db/other").value(theirs).r#type("SecureString".into());
        req.send().await.unwrap();
    });
    let found = run(second, &["import", "--discover", "--name-prefix", "/app/db/other", "--module", "found", "--yes"]);
    found.ok();
    runs.push(found);
    let written = std::fs::read_to_string(env.path("modules/found.toml")).expect("discovery wrote a manifest");
    assert!(written.contains("/app/db/other") && written.contains("SecureString"), "{written}");

    let secrets = [first, second, outside, theirs];
    assert_never_shown(&env, &runs, &secrets);
    let manifests = walk_text(&env.path("modules"));
    for secret in secrets {
        assert!(!manifests.contains(secret), "a secret reached a manifest:\n{manifests}");
    }
}

/// Every file's text under `dir`.
fn walk_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&walk_text(&path));
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push_str(&text);
        }
    }
    out
}

/// A state written before secrets recorded their version: the version AWS reports now
/// stands in, so adding `master_password_version` works at once (and sets the password
/// from the secret once, which the database may not have had).
#[test]
fn a_secret_recorded_without_its_version_is_followed_from_what_aws_reports() {
    let env = Env::empty();
    env.write(
        "modules/app.toml",
        r#"
[resources.creds]
type = "secretsmanager.secret"
name = "app-db-credentials"
recovery_window_days = 0
generate = { username = "app" }

[resources.aurora]
type = "rds.cluster"
identifier = "app-aurora"
master_username = "app"
master_password_secret = "${resources.creds.arn}"
master_password_version = "${resources.creds.version_id}"
serverless_v2 = { min_capacity = 0.5, max_capacity = 1.0 }
skip_final_snapshot = true
"#,
    );
    env.infra(&["up", "app"]).ok();
    let mut state = env.state();
    let resources = &mut state["modules"]["app"]["resources"];
    let version = resources["creds"]["attributes"].as_object_mut().unwrap().remove("version_id").unwrap();
    resources["aurora"]["properties"].as_object_mut().unwrap().remove("master_password_version");
    std::fs::write(env.path("state/dev.json"), serde_json::to_string_pretty(&state).unwrap()).unwrap();

    let plan = env.infra(&["plan", "app"]);
    plan.ok();
    assert!(plan.stdout.contains("~ app.aurora") && plan.stdout.contains(version.as_str().unwrap()), "{}", plan.stdout);
    assert!(!plan.stdout.contains("app.creds"), "the secret itself is unchanged:\n{}", plan.stdout);
    env.proxy.clear();
    env.infra(&["up", "app"]).ok();
    assert_eq!(passwords_sent(&env, "ModifyDBCluster").len(), 1, "the password is set from the secret once");
    assert_eq!(env.state()["modules"]["app"]["resources"]["aurora"]["properties"]["master_password_version"], version);
    let again = env.infra(&["plan", "app", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
}
