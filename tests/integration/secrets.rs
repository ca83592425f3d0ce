//! Secret values never reach the state or the terminal, even at the highest verbosity.

use crate::harness::Env;

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
