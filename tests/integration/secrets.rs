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
