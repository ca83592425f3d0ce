//! `for_each` against the emulator: instances are addressed by key, so adding an element
//! creates one resource and removing one deletes only that one.

use crate::harness::Env;

fn manifest(zones: &[&str]) -> String {
    let list = zones.iter().map(|z| format!("\"{z}\"")).collect::<Vec<_>>().join(", ");
    format!(
        r#"[module]
name = "logs"

[variables]
agents = {{ default = [{list}] }}

[resources.group]
type = "logs.log_group"
for_each = "${{var.agents}}"
name = "/agents/${{each.key}}"
retention_days = 7

[outputs]
names = "${{resources.group[*].name}}"
"#
    )
}

fn groups(env: &Env) -> Vec<String> {
    env.block_on(async {
        let out = env.logs().describe_log_groups().log_group_name_prefix("/agents/").send().await.unwrap();
        out.log_groups().iter().filter_map(|g| g.log_group_name().map(str::to_string)).collect()
    })
}

#[test]
fn adding_and_removing_elements_touches_only_those() {
    let env = Env::empty();
    env.write("modules/logs.toml", &manifest(&["planner", "tagger"]));
    env.infra(&["up", "logs"]).ok();
    assert_eq!(groups(&env), ["/agents/planner", "/agents/tagger"]);
    let resources = &env.state()["modules"]["logs"]["resources"];
    assert!(resources.get("group[\"planner\"]").is_some(), "instances are recorded by key: {resources}");
    assert_eq!(env.state()["modules"]["logs"]["outputs"]["names"], serde_json::json!(["/agents/planner", "/agents/tagger"]));
    // Tag values allow neither quotes nor brackets on every service: the instance is `group/planner`.
    let tags = env.block_on(async {
        let arn = format!("arn:aws:logs:us-east-1:{}:log-group:/agents/planner", crate::harness::ACCOUNT);
        env.logs().list_tags_for_resource().resource_arn(arn).send().await.unwrap().tags.unwrap_or_default()
    });
    assert_eq!(tags.get("infra:resource").map(String::as_str), Some("group/planner"), "{tags:?}");

    // An element in front: one create, nothing else moves.
    env.write("modules/logs.toml", &manifest(&["charter", "planner", "tagger"]));
    let plan = env.infra(&["plan", "logs"]);
    plan.ok();
    assert!(plan.stdout.contains("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete."), "{}", plan.stdout);
    assert!(plan.stdout.contains("+ logs.group[\"charter\"]"), "{}", plan.stdout);
    env.infra(&["up", "logs"]).ok();

    // One removed from the middle: only it is deleted.
    env.write("modules/logs.toml", &manifest(&["charter", "tagger"]));
    let down = env.infra(&["up", "logs", "--yes"]);
    down.ok();
    assert!(down.stdout.contains("Plan: 0 to create, 0 to update, 0 to replace, 1 to delete."), "{}", down.stdout);
    assert!(down.stdout.contains("- logs.group[\"planner\"]"), "{}", down.stdout);
    assert_eq!(groups(&env), ["/agents/charter", "/agents/tagger"]);
}
