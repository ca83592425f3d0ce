//! `infra import --from-terraform STATE --generate` on states Terraform itself wrote:
//! the configurations in tests/terraform are applied by Terraform (1.11, the
//! hashicorp/aws provider from the machine's filesystem mirror) to the emulator; infra
//! writes the manifests from the state, records everything, and then its plan is empty,
//! Terraform's own plan is still empty (infra changed nothing), the module outputs are
//! there at once, and `down --all` removes what Terraform made.
//!
//! Without Terraform (or its provider mirror) the emulator cannot be given what the
//! configuration makes; the test then reads the state it checked in on a machine that
//! had Terraform (tests/terraform/NAME/terraform.tfstate) and checks what can be
//! checked without those resources: every Terraform resource is listed with what
//! becomes of it, and with nothing in AWS nothing is written and the run fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::Env;

const MIRROR: &str = "/opt/tf-plugins";

fn source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/terraform").join(name)
}

fn have_terraform() -> bool {
    Path::new(MIRROR).is_dir() && Command::new("terraform").arg("version").output().is_ok_and(|o| o.status.success())
}

fn terraform(env: &Env, dir: &Path, args: &[&str]) -> std::process::Output {
    let rc = env.path("tf/terraformrc");
    if !rc.exists() {
        env.write("tf/terraformrc", &format!("provider_installation {{\n  filesystem_mirror {{\n    path = \"{MIRROR}\"\n  }}\n}}\n"));
    }
    Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", &rc)
        .env("TF_IN_AUTOMATION", "1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("TF_VAR_endpoint", &env.proxy.url)
        .output()
        .unwrap()
}

fn terraform_ok(env: &Env, dir: &Path, args: &[&str]) {
    let out = terraform(env, dir, args);
    assert!(
        out.status.success(),
        "terraform {args:?}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A Lambda package zipped as infra zips a `code_dir`, so the unpacked code is the same
/// package again.
fn lambda_zip(dir: &Path) {
    let code = dir.join("code");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(code.join("handler.py"), "def main(event, context):\n    return {'ok': True}\n").unwrap();
    let zip = infra::resources::lambda::function::zip_dir(&code).unwrap();
    std::fs::write(dir.join("lambda.zip"), zip.as_slice()).unwrap();
    std::fs::remove_dir_all(&code).unwrap();
}

/// Apply the configuration; the state's path, or `None` without Terraform (after the
/// offline checks of the checked-in state).
fn apply(env: &Env, name: &str) -> Option<PathBuf> {
    let work = env.path(&format!("tf/{name}"));
    crate::harness::copy_dir(&source(name), &work);
    let _ = std::fs::remove_file(work.join("terraform.tfstate"));
    if !have_terraform() {
        offline(env, name);
        return None;
    }
    std::fs::copy(source("provider.tf.in"), work.join("provider.tf")).unwrap();
    if name == "lambda_iam" {
        lambda_zip(&work);
    }
    terraform_ok(env, &work, &["init", "-input=false", "-no-color"]);
    terraform_ok(env, &work, &["apply", "-auto-approve", "-input=false", "-no-color"]);
    let state = work.join("terraform.tfstate");
    // Kept for machines without Terraform.
    let kept = source(name).join("terraform.tfstate");
    if !kept.exists() {
        std::fs::copy(&state, &kept).unwrap();
    }
    Some(state)
}

/// Without Terraform: the checked-in state is read, every resource listed, and since
/// nothing it names exists here, nothing is written or recorded.
fn offline(env: &Env, name: &str) {
    let state = source(name).join("terraform.tfstate");
    let text = std::fs::read_to_string(&state).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run = env.infra(&["import", "--from-terraform", state.to_str().unwrap(), "--generate", "--module", name]);
    assert_eq!(run.code, 1, "{}", run.all());
    for block in doc["resources"].as_array().unwrap().iter().filter(|b| b["mode"] == "managed") {
        let line = format!("{}.{}", block["type"].as_str().unwrap(), block["name"].as_str().unwrap());
        assert!(run.stdout.contains(&line), "`{line}` listed:\n{}", run.stdout);
    }
    assert!(!env.path(&format!("modules/{name}.toml")).exists());
}

/// Import with --generate, then: the manifest has references, the plan is empty, the
/// Terraform plan is empty, the outputs answer. The manifest's text is returned.
fn generate(env: &Env, name: &str, state: &Path) -> String {
    let before = tf_plan(env, state);
    let import = env.infra(&["import", "--from-terraform", state.to_str().unwrap(), "--generate"]);
    import.ok();
    assert!(import.stderr.contains("nothing changed in AWS"), "{}", import.all());
    let manifest = std::fs::read_to_string(env.path(&format!("modules/{name}.toml"))).unwrap();
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "the plan after the import is empty:\n{}\n{manifest}", plan.all());
    assert_eq!(tf_plan(env, state), before, "Terraform's plan is what it was before the import: infra changed nothing");
    manifest
}

/// What `terraform plan` would change (the emulator reports some documents with other
/// whitespace than Terraform sent, which Terraform's plan shows; that is not infra's).
fn tf_plan(env: &Env, state: &Path) -> (Option<i32>, String) {
    let tf = terraform(env, state.parent().unwrap(), &["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    let text = String::from_utf8_lossy(&tf.stdout);
    let body: Vec<&str> =
        text.lines().filter(|l| !l.contains("Refreshing state...") && !l.contains("Reading...") && !l.contains("Read complete")).collect();
    (tf.status.code(), body.join("\n"))
}

fn output(env: &Env, module: &str, name: &str) -> String {
    let run = env.infra(&["output", module, name]);
    run.ok();
    run.stdout.trim().to_string()
}

fn tf_output(state: &Path, name: &str) -> String {
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(state).unwrap()).unwrap();
    doc["outputs"][name]["value"].as_str().unwrap().to_string()
}

fn down(env: &Env) {
    env.infra(&["down", "--all", "--yes"]).ok();
}

fn queues(env: &Env, prefix: &str) -> Vec<String> {
    env.block_on(async { env.sqs().list_queues().queue_name_prefix(prefix).send().await.unwrap().queue_urls.unwrap_or_default() })
}

#[test]
fn sqs_with_a_dead_letter_queue() {
    let env = Env::empty();
    let Some(state) = apply(&env, "sqs_dlq") else { return };
    let manifest = generate(&env, "sqs_dlq", &state);
    assert!(manifest.contains("${resources.dlq.arn}"), "the redrive names the DLQ by reference:\n{manifest}");
    assert!(manifest.contains("visibility_timeout_seconds = 120"), "{manifest}");
    assert!(manifest.contains("Team = \"payments\""), "{manifest}");
    assert!(!manifest.contains("delay_seconds"), "defaults are left out:\n{manifest}");
    assert_eq!(output(&env, "sqs_dlq", "orders_url"), tf_output(&state, "orders_url"), "outputs are there at once");
    assert_eq!(output(&env, "sqs_dlq", "dlq_arn"), tf_output(&state, "dlq_arn"));
    assert_eq!(queues(&env, "tfgen-").len(), 2);
    down(&env);
    assert!(queues(&env, "tfgen-").is_empty(), "down --all removed both queues");
}

#[test]
fn lambda_with_its_role() {
    let env = Env::empty();
    let Some(state) = apply(&env, "lambda_iam") else { return };
    let manifest = generate(&env, "lambda_iam", &state);
    for r in ["role = \"${resources.exec.arn}\"", "${resources.worker.arn}:*", "LOG_GROUP = \"${resources.worker.name}\""] {
        assert!(manifest.contains(r), "`{r}`:\n{manifest}");
    }
    assert!(
        env.path("modules/lambda_iam/worker_function/handler.py").exists() || env.path("modules/lambda_iam/worker/handler.py").exists()
    );
    assert_eq!(output(&env, "lambda_iam", "role_arn"), tf_output(&state, "role_arn"));
    down(&env);
    env.block_on(async {
        let f = env.lambda().get_function().function_name("tfgen-worker").send().await;
        assert!(f.is_err_and(|e| e.into_service_error().is_resource_not_found_exception()), "the function is gone");
        let r = env.iam().get_role().role_name("tfgen-worker-role").send().await;
        assert!(r.is_err_and(|e| e.into_service_error().is_no_such_entity_exception()), "the role is gone");
    });
}

#[test]
fn dynamodb_with_indexes_and_ttl() {
    let env = Env::empty();
    let Some(state) = apply(&env, "dynamodb_gsi") else { return };
    let manifest = generate(&env, "dynamodb_gsi", &state);
    for s in ["by-status", "by-account", "expires_at"] {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    assert_eq!(output(&env, "dynamodb_gsi", "table_name"), "tfgen-trades");
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        let tables = aws.dynamodb().list_tables().send().await.unwrap();
        assert!(tables.table_names().is_empty(), "the table is gone: {:?}", tables.table_names());
    });
}

#[test]
fn s3_with_versioning_lifecycle_and_encryption() {
    let env = Env::empty();
    let Some(state) = apply(&env, "s3_bucket") else { return };
    let import = env.infra(&["import", "--from-terraform", state.to_str().unwrap(), "--generate", "--dry-run", "--module", "data"]);
    import.ok();
    for line in ["aws_s3_bucket_versioning.data", "aws_s3_bucket_lifecycle_configuration.data", "kept as"] {
        assert!(import.stdout.contains(line), "`{line}`:\n{}", import.stdout);
    }
    assert!(!env.path("modules/data.toml").exists(), "--dry-run writes nothing");
    let manifest = generate(&env, "s3_bucket", &state);
    for s in ["tmp/", "expire-tmp"] {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    down(&env);
    env.block_on(async {
        let b = env.s3().head_bucket().bucket("tfgen-data-bucket").send().await;
        assert!(b.is_err(), "the bucket is gone");
    });
}

#[test]
fn count_for_each_and_a_child_module() {
    let env = Env::empty();
    let Some(state) = apply(&env, "many") else { return };
    let manifest = generate(&env, "many", &state);
    for s in ["for_each = [", "name = \"tfgen-${each.key}-jobs\"", "${resources.dlq[each.key].arn}", "name = \"/tfgen/shard-${each.key}\""]
    {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    let audit = std::fs::read_to_string(env.path("modules/audit.toml")).unwrap();
    assert!(audit.contains("name = \"tfgen-audit-events\"") && audit.contains("delay_seconds = 5"), "{audit}");
    // The root queue's dead-letter queue is the child module's: a reference across
    // modules, through an output the child module's manifest gains.
    assert!(manifest.contains("${module.audit.events_arn}"), "{manifest}");
    assert!(audit.contains("events_arn = \"${resources.events.arn}\""), "{audit}");
    let list = env.infra(&["state", "list"]);
    list.ok();
    for a in ["many.jobs[\"eu\"]", "many.dlq[\"ap\"]", "many.shard[\"1\"]", "audit.events"] {
        assert!(list.stdout.contains(a), "`{a}` recorded:\n{}", list.stdout);
    }
    down(&env);
    assert!(queues(&env, "tfgen-").is_empty(), "down --all removed every queue");
    env.block_on(async {
        let groups = env.logs().describe_log_groups().log_group_name_prefix("/tfgen/").send().await.unwrap();
        assert!(groups.log_groups.unwrap_or_default().is_empty(), "and the log groups");
    });
}

#[test]
fn without_generate_and_no_manifests_it_fails_and_says_so() {
    let env = Env::empty();
    env.write(
        "terraform.tfstate",
        r#"{"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "x", "outputs": {}, "resources": [
            {"mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider": "p", "instances": [{"attributes": {"name": "tfgen-q", "url": "http://x/1/tfgen-q", "id": "http://x/1/tfgen-q"}}]}
        ]}"#,
    );
    env.write("modules/app.toml", "[module]\nname = \"app\"\n\n[resources.other]\ntype = \"sqs.queue\"\nname = \"other\"\n");
    let tfstate = env.path("terraform.tfstate");
    let run = env.infra(&["import", "--from-terraform", tfstate.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("--generate"), "{}", run.stderr);
    let list = env.infra(&["state", "list"]);
    assert!(!list.stdout.contains("app."), "nothing recorded:\n{}", list.all());
}

/// A resource Terraform's state names but infra's tags give to another environment is
/// refused before anything is recorded, and the manifests the run had written are taken
/// back: the project is as it was.
#[test]
fn a_refused_generate_leaves_no_manifest_behind() {
    let env = Env::empty();
    let url = env.block_on(async {
        let made = env
            .sqs()
            .create_queue()
            .queue_name("tfgen-owned")
            .tags("infra:env", "prod")
            .tags("infra:state", "someone-elses-lineage")
            .send()
            .await
            .unwrap();
        made.queue_url.unwrap()
    });
    env.write(
        "terraform.tfstate",
        &format!(
            r#"{{"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "x", "outputs": {{}}, "resources": [
            {{"mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider": "p", "instances": [{{"attributes": {{"name": "tfgen-owned", "url": "{url}", "id": "{url}"}}}}]}}
        ]}}"#
        ),
    );
    let tfstate = env.path("terraform.tfstate");
    let run = env.infra(&["import", "--from-terraform", tfstate.to_str().unwrap(), "--generate", "--module", "app"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("not this environment's to adopt"), "{}", run.stderr);
    assert!(!env.path("modules/app.toml").exists(), "the manifest written before the refusal is gone:\n{}", run.all());
    let left: Vec<_> = std::fs::read_dir(env.path("modules")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "modules/ is as empty as before: {left:?}");
    assert!(env.state_text_opt().is_none_or(|s| !s.contains("tfgen-owned")), "nothing recorded");
    assert_eq!(queues(&env, "tfgen-owned").len(), 1, "the queue is untouched");
}

#[test]
fn data_sources_become_lookups() {
    let env = Env::empty();
    let Some(state) = apply(&env, "lookups") else { return };
    let manifest = generate(&env, "lookups", &state);
    for s in [
        "[data.default]\ntype = \"ec2.default_vpc\"",
        "[data.me]\ntype = \"aws.caller_identity\"",
        "[data.available]\ntype = \"ec2.availability_zones\"",
        "value = \"${data.default.id}\"",
    ] {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    down(&env);
    env.block_on(async {
        let params = env.aws().ssm().describe_parameters().send().await.unwrap();
        assert!(params.parameters().is_empty(), "down --all removed the parameter");
    });
}

#[test]
fn a_vpc_with_public_and_private_subnets_and_a_nat_gateway() {
    let env = Env::empty();
    let Some(state) = apply(&env, "vpc_nat") else { return };
    let manifest = generate(&env, "vpc_nat", &state);
    for s in [
        "[resources.main_vpc]\ntype = \"ec2.vpc\"",
        // The subnet's VPC, though part of what identifies the subnet, is a reference.
        "[resources.public_subnet]\ntype = \"ec2.subnet\"\nvpc_id = \"${resources.main_vpc.id}\"",
        "subnet_id = \"${resources.public_subnet.id}\"",
        "allocation_id = \"${resources.nat.id}\"",
        "{ cidr_block = \"0.0.0.0/0\", nat_gateway_id = \"${resources.main_gateway.id}\" }",
        "{ cidr_block = \"0.0.0.0/0\", gateway_id = \"${resources.main.id}\" }",
        "subnet_ids = [\"${resources.private_subnet.id}\"]",
    ] {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    assert_eq!(output(&env, "vpc_nat", "vpc_id"), tf_output(&state, "vpc_id"));
    down(&env);
    env.block_on(async {
        let vpcs = env
            .ec2()
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("cidr-block").values("10.42.0.0/16").build())
            .send()
            .await
            .unwrap();
        assert!(vpcs.vpcs().is_empty(), "down --all removed the VPC and what is in it");
        let nats = env.ec2().describe_nat_gateways().send().await.unwrap();
        assert!(
            nats.nat_gateways().iter().all(|n| n.state() == Some(&aws_sdk_ec2::types::NatGatewayState::Deleted)),
            "and the NAT gateway"
        );
    });
}
