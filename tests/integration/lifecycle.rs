//! Replacements a user controls: `--replace ADDRESS`, `create_before_destroy` (the new
//! one first, its users moved, the old one deleted last, or a clear refusal where the
//! two cannot stand side by side), properties AWS cannot change at all (refused, never
//! replaced), and what a replacement's plan line says its users lose.

use serde_json::Value;

use crate::harness::Env;

const KEY_AND_ALIAS: &str = r#"
[resources.key]
type = "kms.key"
description = "orders"
deletion_window_days = 7
CREATE_FIRST

[resources.alias]
type = "kms.alias"
name = "alias/orders"
target_key_id = "${resources.key.id}"
"#;

fn key_module(env: &Env, create_first: bool) {
    let setting = if create_first { "create_before_destroy = true" } else { "" };
    env.write("modules/m.toml", &KEY_AND_ALIAS.replace("CREATE_FIRST", setting));
}

fn recorded_id(env: &Env, name: &str) -> String {
    env.state()["modules"]["m"]["resources"][name]["id"].as_str().unwrap_or_else(|| panic!("m.{name} recorded")).to_string()
}

fn key_state(env: &Env, id: &str) -> String {
    let kms = aws_sdk_kms::Client::new(&env.sdk);
    let key = env.block_on(kms.describe_key().key_id(id).send()).unwrap();
    key.key_metadata().unwrap().key_state().unwrap().as_str().to_string()
}

fn alias_target(env: &Env) -> String {
    let kms = aws_sdk_kms::Client::new(&env.sdk);
    let aliases = env.block_on(kms.list_aliases().send()).unwrap();
    let alias = aliases.aliases().iter().find(|a| a.alias_name() == Some("alias/orders")).expect("alias/orders exists");
    alias.target_key_id().unwrap().to_string()
}

#[test]
fn replace_flag_replaces_what_nothing_forces_and_names_what_users_lose() {
    let env = Env::empty();
    key_module(&env, false);
    env.infra(&["up", "m"]).ok();
    let old = recorded_id(&env, "key");

    let plan = env.infra(&["plan", "m", "--replace", "m.key", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains("-/+ m.key") && plan.stdout.contains("replacement requested with --replace"), "{}", plan.stdout);
    assert!(plan.stdout.contains("the old one is deleted before the new one exists"), "{}", plan.stdout);
    assert!(plan.stdout.contains("new id, key_id, arn"), "the id and ARN its users hold change: {}", plan.stdout);
    // Without the flag there is nothing to do.
    env.infra(&["plan", "m", "--detailed-exitcode"]).code(0);

    // A replacement is confirmed like a delete.
    let refused = env.infra(&["up", "m", "--replace", "m.key"]);
    refused.code(1);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(recorded_id(&env, "key"), old, "nothing changed without confirmation");

    env.infra(&["up", "m", "--replace", "m.key", "--yes"]).ok();
    let new = recorded_id(&env, "key");
    assert_ne!(new, old, "a new key");
    assert_eq!(key_state(&env, &old), "PendingDeletion");
    assert_eq!(key_state(&env, &new), "Enabled");
    assert_eq!(alias_target(&env), new, "the alias follows the new key");
    env.infra(&["plan", "m", "--detailed-exitcode"]).code(0);

    for (address, why) in
        [("m.nope", "module m declares no resource `nope`"), ("nope.key", "no module `nope`"), ("key", "expected MODULE.RESOURCE")]
    {
        let r = env.infra(&["plan", "m", "--replace", address]);
        r.code(1);
        assert!(r.stderr.contains(&format!("--replace {address}: {why}")), "{address}: {}", r.stderr);
    }
}

#[test]
fn a_property_aws_cannot_change_is_refused_not_replaced() {
    let env = Env::empty();
    key_module(&env, false);
    env.infra(&["up", "m"]).ok();
    let id = recorded_id(&env, "key");
    let changed = KEY_AND_ALIAS.replace("CREATE_FIRST", "key_usage = \"GENERATE_VERIFY_MAC\"\nkey_spec = \"HMAC_256\"");
    env.write("modules/m.toml", &changed);
    for args in [&["plan", "m"][..], &["up", "m", "--yes"]] {
        let r = env.infra(args);
        r.code(1);
        assert!(
            r.stderr.contains("m.key:") && r.stderr.contains("`key_usage` (\"ENCRYPT_DECRYPT\" -> \"GENERATE_VERIFY_MAC\")"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("`key_spec`") && r.stderr.contains("cannot change"), "{}", r.stderr);
        assert!(r.stderr.contains("modules/m.toml"), "names the file: {}", r.stderr);
    }
    assert_eq!(recorded_id(&env, "key"), id);
    assert_eq!(key_state(&env, &id), "Enabled", "the key is untouched");
    // Asked for explicitly, the replacement goes ahead.
    env.infra(&["up", "m", "--replace", "m.key", "--yes"]).ok();
    assert_ne!(recorded_id(&env, "key"), id);
    assert_eq!(key_state(&env, &id), "PendingDeletion");
}

#[test]
fn create_before_destroy_moves_users_to_the_new_one_before_deleting_the_old() {
    let env = Env::empty();
    key_module(&env, true);
    env.infra(&["up", "m"]).ok();
    let old = recorded_id(&env, "key");

    let plan = env.infra(&["plan", "m", "--replace", "m.key"]);
    plan.ok();
    assert!(plan.stdout.contains("the new one is created first, its users move to it, then the old one is deleted"), "{}", plan.stdout);

    let up = env.infra(&["up", "m", "--replace", "m.key", "--yes"]);
    up.ok();
    let new = recorded_id(&env, "key");
    assert_ne!(new, old);
    let out = up.all();
    let at = |text: &str| out.find(text).unwrap_or_else(|| panic!("`{text}` in:\n{out}"));
    // The alias moves to the new key before the old key goes.
    assert!(at("Replaced m.key") < at("Updated m.alias"), "{out}");
    assert!(at("Updated m.alias") < at("Deleting m.key (the old one, replaced with create_before_destroy)"), "{out}");
    assert_eq!(alias_target(&env), new);
    assert_eq!(key_state(&env, &old), "PendingDeletion");
    assert!(env.state()["modules"]["m"].get("deposed").is_none(), "nothing left recorded: {}", env.state());
    env.infra(&["plan", "m", "--detailed-exitcode"]).code(0);
}

#[test]
fn an_old_resource_a_failed_run_left_is_deleted_by_the_next_run() {
    let env = Env::empty();
    key_module(&env, true);
    env.infra(&["up", "m"]).ok();
    // As a run leaves it when a step after the new key's create fails: the old key is
    // recorded aside, still existing.
    let kms = aws_sdk_kms::Client::new(&env.sdk);
    let leftover = env.block_on(kms.create_key().description("orders").send()).unwrap().key_metadata().unwrap().key_id().to_string();
    let mut state = env.state();
    let mut old = state["modules"]["m"]["resources"]["key"].clone();
    old["id"] = Value::String(leftover.clone());
    state["modules"]["m"]["deposed"] = serde_json::json!({ "key": [old] });
    std::fs::write(env.path("state/dev.json"), serde_json::to_string_pretty(&state).unwrap()).unwrap();

    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains(&format!("the old one ({leftover}), replaced with create_before_destroy")), "{}", plan.stdout);
    assert!(plan.stdout.contains("1 to delete"), "{}", plan.stdout);
    env.infra(&["up", "m", "--yes"]).ok();
    assert_eq!(key_state(&env, &leftover), "PendingDeletion");
    assert!(env.state()["modules"]["m"].get("deposed").is_none(), "{}", env.state());
    env.infra(&["plan", "m", "--detailed-exitcode"]).code(0);
}

#[test]
fn create_before_destroy_is_refused_where_the_new_one_would_take_the_old_ones_name() {
    let env = Env::empty();
    let queue = |name: &str, fifo: bool| {
        format!("[resources.q]\ntype = \"sqs.queue\"\nname = \"{name}\"\nfifo = {fifo}\ncreate_before_destroy = true\n")
    };
    env.write("modules/m.toml", &queue("orders", false));
    env.infra(&["up", "m"]).ok();
    let r = env.infra(&["plan", "m", "--replace", "m.q"]);
    r.code(1);
    assert!(r.stderr.contains("m.q: create_before_destroy cannot work here") && r.stderr.contains("name = \"orders\""), "{}", r.stderr);
    assert!(r.stderr.contains("modules/m.toml"), "{}", r.stderr);

    // With a new name in the same edit, both stand side by side for a moment.
    env.write("modules/m.toml", &queue("orders-v2.fifo", true));
    let up = env.infra(&["up", "m", "--yes"]);
    up.ok();
    let out = up.all();
    assert!(out.find("Replaced m.q").unwrap() < out.find("Deleting m.q (the old one").unwrap(), "{out}");
    let urls = env.block_on(env.sqs().list_queues().send()).unwrap().queue_urls().to_vec();
    assert!(urls.iter().any(|u| u.ends_with("/orders-v2.fifo")) && !urls.iter().any(|u| u.ends_with("/orders")), "{urls:?}");

    // Terraform's block is pointed to the setting that exists here.
    env.write("modules/m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"orders\"\nlifecycle = { create_before_destroy = true }\n");
    let r = env.infra(&["validate"]);
    r.code(1);
    assert!(r.stderr.contains("`lifecycle` is not a table here") && r.stderr.contains("create_before_destroy = true"), "{}", r.stderr);
}
