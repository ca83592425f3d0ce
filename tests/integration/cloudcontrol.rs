//! `cloudcontrol.resource` against scripts/cloudcontrol_standin.py, which
//! scripts/moto_server.py serves on the emulator's endpoint (moto has no Cloud Control).
//! These tests prove infra's handling of the Cloud Control protocol (requests followed to
//! SUCCESS or FAILED, JSON Patch updates of only what changed, create-only, read-only and
//! write-only properties from AWS's schemas, references, import, drift, delete), not
//! how any CloudFormation type behaves on AWS: the stand-in knows no type's behaviour.

use serde_json::{json, Value};

use crate::harness::Env;

const PIPE: &str = r#"
[resources.source]
type = "sqs.queue"
name = "cc-source"

[resources.target]
type = "sqs.queue"
name = "cc-target"

[resources.other]
type = "sqs.queue"
name = "cc-other"

[resources.pipe]
type = "cloudcontrol.resource"
type_name = "AWS::Pipes::Pipe"
properties = { Name = "cc-pipe", RoleArn = "arn:aws:iam::123456789012:role/pipe", Source = "${resources.source.arn}", Target = "${resources.target.arn}", Description = "DESCRIPTION" }

[resources.pipe_arn]
type = "ssm.parameter"
name = "/cc/pipe-arn"
parameter_type = "String"
value = "${resources.pipe.Arn}"

[outputs]
pipe_arn = "${resources.pipe.Arn}"
"#;

fn pipe_manifest(description: &str) -> String {
    PIPE.replace("DESCRIPTION", description)
}

/// What the stand-in received and holds (GET /cloudcontrol-standin/log).
fn standin(env: &Env) -> Value {
    let raw = env.raw_get("/cloudcontrol-standin/log");
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("stand-in log: {e}: {raw}"))
}

fn held(env: &Env) -> Vec<Value> {
    standin(env)["resources"].as_array().cloned().unwrap_or_default()
}

fn model(env: &Env, identifier: &str) -> Value {
    held(env).into_iter().find(|r| r["Identifier"] == identifier).map(|r| r["Model"].clone()).unwrap_or(Value::Null)
}

fn recorded(env: &Env, name: &str) -> Value {
    env.state()["modules"]["m"]["resources"][name].clone()
}

#[test]
fn create_reference_update_in_place_replace_and_down() {
    let env = Env::empty();
    env.write("modules/m.toml", &pipe_manifest("first"));
    let up = env.infra(&["up", "m"]);
    up.ok();
    assert!(up.stdout.contains("+ m.pipe"), "{}", up.stdout);

    // The identifier and the read-only properties are recorded as attributes.
    let pipe = recorded(&env, "pipe");
    assert_eq!(pipe["id"], "cc-pipe");
    assert_eq!(pipe["attributes"]["identifier"], "cc-pipe");
    let arn = pipe["attributes"]["Arn"].as_str().expect("Arn attribute").to_string();
    assert!(arn.starts_with("arn:aws:pipes:us-east-1:123456789012:"), "{arn}");
    assert!(pipe["properties"]["properties"].get("Arn").is_none(), "read-only values are attributes, not properties: {pipe}");
    // References to them reach other resources and outputs.
    assert_eq!(recorded(&env, "pipe_arn")["properties"]["value"], arn.as_str());
    assert_eq!(env.infra(&["output", "m", "pipe_arn"]).ok().stdout.trim(), arn);
    // What was sent: the manifest's properties, references resolved.
    let sent = &standin(&env)["desired"][0]["DesiredState"];
    assert_eq!(sent["Source"], recorded(&env, "source")["attributes"]["arn"]);

    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "nothing to do right after: {}{}", plan.stdout, plan.stderr);

    // In place: a patch of only the changed property.
    env.write("modules/m.toml", &pipe_manifest("second"));
    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("~ m.pipe") && plan.stdout.contains("properties.Description"), "{}", plan.stdout);
    env.infra(&["up", "m"]).ok();
    let patches = standin(&env)["patches"].clone();
    assert_eq!(
        patches,
        json!([{"TypeName": "AWS::Pipes::Pipe", "Identifier": "cc-pipe", "Patch": [{"op": "replace", "path": "/Description", "value": "second"}]}])
    );
    assert_eq!(model(&env, "cc-pipe")["Description"], "second");
    assert_eq!(env.infra(&["plan", "m", "--detailed-exitcode"]).code, 0);

    // `Source` is create-only for AWS::Pipes::Pipe: a replace, naming the property.
    env.write("modules/m.toml", &pipe_manifest("second").replace("${resources.source.arn}", "${resources.other.arn}"));
    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("-/+ m.pipe"), "{}", plan.stdout);
    let line = plan.stdout.lines().find(|l| l.contains("properties.Source")).unwrap_or_else(|| panic!("{}", plan.stdout));
    assert!(line.contains("forces replacement"), "{line}");
    env.infra(&["up", "m", "--yes"]).ok();
    assert_eq!(model(&env, "cc-pipe")["Source"], recorded(&env, "other")["attributes"]["arn"]);
    assert_eq!(held(&env).len(), 1, "the old pipe was deleted");
    assert_eq!(env.infra(&["plan", "m", "--detailed-exitcode"]).code, 0);

    env.infra(&["down", "m", "--yes"]).ok();
    assert!(held(&env).is_empty(), "down deletes it: {:?}", held(&env));
}

#[test]
fn drift_is_repaired_and_an_existing_one_is_imported_by_identifier() {
    let env = Env::empty();
    env.write("modules/m.toml", &pipe_manifest("first"));
    env.infra(&["up", "m"]).ok();

    // Changed outside infra, through Cloud Control itself.
    let patch = r#"[{"op":"replace","path":"/Description","value":"outside"}]"#;
    env.block_on(
        env.aws().cloudcontrol().update_resource().type_name("AWS::Pipes::Pipe").identifier("cc-pipe").patch_document(patch).send(),
    )
    .expect("UpdateResource");
    assert_eq!(model(&env, "cc-pipe")["Description"], "outside");
    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("changed outside infra"), "{}", plan.stdout);
    env.infra(&["up", "m"]).ok();
    assert_eq!(model(&env, "cc-pipe")["Description"], "first");
    assert_eq!(env.infra(&["plan", "m", "--detailed-exitcode"]).code, 0);

    // Forgotten, then adopted again by its primary identifier.
    env.infra(&["state", "rm", "m.pipe"]).ok();
    let import = env.infra(&["import", "m.pipe", "cc-pipe"]);
    import.ok();
    let pipe = recorded(&env, "pipe");
    assert_eq!(pipe["id"], "cc-pipe");
    assert!(pipe["attributes"]["Arn"].as_str().is_some_and(|a| a.starts_with("arn:aws:pipes:")), "{pipe}");
    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "adopted as it is: {}{}", plan.stdout, plan.stderr);
    assert_eq!(held(&env).len(), 1, "adoption made nothing");
}

#[test]
fn a_write_only_password_is_sent_but_never_stored_shown_or_compared_with_aws() {
    let env = Env::empty();
    let manifest = |password: &str| {
        format!(
            r#"
[resources.warehouse]
type = "cloudcontrol.resource"
type_name = "AWS::Redshift::Cluster"
properties = {{ ClusterIdentifier = "cc-warehouse", ClusterType = "single-node", NodeType = "ra3.xlplus", DBName = "dev", MasterUsername = "admin", MasterUserPassword = "{password}" }}
"#
        )
    };
    let (first, second) = ("Wr1te-Only-Secret-first", "Wr1te-Only-Secret-second");
    env.write("modules/m.toml", &manifest(first));
    let up = env.infra(&["-vvv", "up", "m"]);
    up.ok();
    assert_eq!(standin(&env)["desired"][0]["DesiredState"]["MasterUserPassword"], first, "sent to AWS");
    assert!(model(&env, "cc-warehouse").get("MasterUserPassword").is_some());
    // AWS never returns it, and that is no drift.
    let plan = env.infra(&["-vv", "plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);

    // A new password is an in-place change, shown as tokens and sent alone.
    env.write("modules/m.toml", &manifest(second));
    let change = env.infra(&["-vv", "plan", "m", "--detailed-exitcode"]);
    assert_eq!(change.code, 2, "{}{}", change.stdout, change.stderr);
    let line = change.stdout.lines().find(|l| l.contains("properties.MasterUserPassword")).unwrap_or_else(|| panic!("{}", change.stdout));
    assert_eq!(line.matches("(sensitive:").count(), 2, "{line}");
    let up2 = env.infra(&["-vvv", "up", "m"]);
    up2.ok();
    let patches = standin(&env)["patches"].clone();
    assert_eq!(patches[0]["Patch"], json!([{"op": "replace", "path": "/MasterUserPassword", "value": second}]));

    let state = env.state_text();
    for (i, run) in [&up, &plan, &change, &up2].iter().enumerate() {
        for secret in [first, second] {
            assert!(!run.all().contains(secret), "run {i} printed the password:\n{}", run.all());
        }
    }
    assert!(!state.contains(first) && !state.contains(second), "a password reached state/");
}

#[test]
fn a_failed_create_exits_1_naming_aws_s_code_and_leaves_nothing_behind() {
    let env = Env::empty();
    env.write("modules/m.toml", &pipe_manifest("standin:fail"));
    let up = env.infra(&["up", "m"]);
    up.code(1);
    let all = up.all();
    assert!(all.contains("m.pipe") && all.contains("InvalidRequest") && all.contains("the stand-in refuses this model"), "{all}");
    assert!(held(&env).is_empty(), "what the failed create made was deleted: {:?}", held(&env));
    assert!(recorded(&env, "pipe").get("id").is_none(), "nothing recorded as created: {}", recorded(&env, "pipe"));

    // Fixed, the next run creates it.
    env.write("modules/m.toml", &pipe_manifest("first"));
    env.infra(&["up", "m"]).ok();
    assert_eq!(recorded(&env, "pipe")["id"], "cc-pipe");
}

#[test]
fn a_create_in_progress_for_a_while_is_waited_for() {
    let env = Env::empty();
    env.write("modules/m.toml", &pipe_manifest("standin:slow"));
    env.infra(&["up", "m"]).ok();
    let polls = standin(&env)["polls"].as_array().cloned().unwrap_or_default();
    let create_polls = polls.iter().filter(|p| p["Operation"] == "CREATE" && p["Identifier"] == "cc-pipe").count();
    assert!(create_polls >= 4, "the request was followed until it settled: {polls:?}");
    assert_eq!(recorded(&env, "pipe")["attributes"]["identifier"], "cc-pipe");
}

#[test]
fn unknown_types_read_only_properties_and_unknown_attributes_are_refused_with_their_place() {
    let env = Env::empty();
    env.write("modules/m.toml", &pipe_manifest("first").replace("AWS::Pipes::Pipe", "AWS::Pipes::Pip"));
    let v = env.infra(&["validate"]);
    v.code(1);
    let line = PIPE.lines().position(|l| l.starts_with("type_name")).unwrap() + 1;
    assert!(v.all().contains(&format!("m.toml:{line}")) && v.all().contains("`AWS::Pipes::Pip`"), "{}", v.all());

    env.write("modules/m.toml", &pipe_manifest("first").replace("Description = ", "Arn = \"x\", Description = "));
    let v = env.infra(&["validate"]);
    v.code(1);
    assert!(v.all().contains("properties.Arn") && v.all().contains("read-only"), "{}", v.all());

    env.write(
        "modules/m.toml",
        &pipe_manifest("first").replace("${resources.pipe.Arn}\"\n\n[outputs]", "${resources.pipe.Nope}\"\n\n[outputs]"),
    );
    let v = env.infra(&["validate"]);
    v.code(1);
    assert!(v.all().contains("no attribute `Nope`"), "{}", v.all());

    env.write("modules/m.toml", &pipe_manifest("first"));
    env.infra(&["validate"]).ok();
}

#[test]
fn the_reference_s_worked_example_for_types_not_native_yet_validates() {
    let env = Env::empty();
    let docs = env.infra(&["docs"]);
    let section = docs.ok().stdout.split("## Not native yet").nth(1).expect("a Not native yet section").to_string();
    assert!(section.contains("stand-in"), "it says what the tests prove");
    let example = section.split("```toml").nth(1).and_then(|s| s.split("```").next()).expect("a worked example");
    assert!(example.contains("type = \"cloudcontrol.resource\""));
    env.write("modules/app.toml", example);
    env.infra(&["validate"]).ok();
}
