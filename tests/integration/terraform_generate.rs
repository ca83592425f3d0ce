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
    if matches!(name, "lambda_iam" | "api_lambda" | "rest_api" | "platform") {
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

#[test]
fn lambda_behind_an_http_api() {
    let env = Env::empty();
    let Some(state) = apply(&env, "api_lambda") else { return };
    let manifest = generate(&env, "api_lambda", &state);
    for s in [
        "[resources.http]\ntype = \"apigatewayv2.api\"",
        // A Lambda proxy integration calls the function's invoke ARN.
        "integration_uri = \"${resources.api_function.invoke_arn}\"",
        "target = \"${resources.lambda.target}\"",
        // The stage's API is known from Terraform's state (its id, `$default`, is in every API).
        "[resources.default]\ntype = \"apigatewayv2.stage\"\napi_id = \"${resources.http.id}\"",
        "source_arn = \"${resources.http.execution_arn}/*/*\"",
        "function_name = \"${resources.api_function.name}\"",
        "role = \"${resources.api.arn}\"",
    ] {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    assert_eq!(output(&env, "api_lambda", "api_endpoint"), tf_output(&state, "api_endpoint"), "outputs are there at once");
    down(&env);
    env.block_on(async {
        let apis = env.aws().apigatewayv2().get_apis().send().await.unwrap();
        assert!(apis.items().is_empty(), "down --all removed the API");
        let f = env.lambda().get_function().function_name("tfgen-api").send().await;
        assert!(f.is_err_and(|e| e.into_service_error().is_resource_not_found_exception()), "and the function");
        let r = env.iam().get_role().role_name("tfgen-api-role").send().await;
        assert!(r.is_err_and(|e| e.into_service_error().is_no_such_entity_exception()), "and the role");
    });
}

/// The password Terraform generated stays generated and stays what it is: the secret
/// gets `generate`, the cluster follows the secret, and the value itself is written
/// nowhere (not the manifest, not infra's state, not the terminal).
#[test]
fn aurora_with_a_generated_password() {
    let env = Env::empty();
    let Some(state) = apply(&env, "aurora") else { return };
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let stored = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_secretsmanager_secret_version")
        .map(|r| r["instances"][0]["attributes"]["secret_string"].as_str().unwrap().to_string())
        .unwrap();
    let password: serde_json::Value = serde_json::from_str(&stored).unwrap();
    let password = password["password"].as_str().unwrap().to_string();

    let import = env.infra(&["import", "--from-terraform", state.to_str().unwrap(), "--generate", "--dry-run"]);
    import.ok();
    assert!(
        import.stdout.contains("data.aws_secretsmanager_random_password.db") && import.stdout.contains("kept as generate"),
        "{}",
        import.stdout
    );
    assert!(!import.all().contains(&password), "the password is not shown:\n{}", import.all());
    let manifest = generate(&env, "aurora", &state);
    for s in [
        // `data.aws_subnets.default` and `data.aws_vpc.default`: one name, two lookups.
        "[data.default]\ntype = \"ec2.subnets\"\nvpc_id = \"${data.default_vpc.id}\"",
        "[data.default_vpc]\ntype = \"ec2.default_vpc\"",
        "subnet_ids = \"${data.default.ids}\"",
        "vpc_id = \"${data.default_vpc.id}\"",
        "cidr_blocks = [\"${data.default_vpc.cidr_block}\"]",
        "recovery_window_days = 0",
        // 32 characters, infra's default length, left out as defaults are.
        "generate = { username = \"tfadmin\" }",
        "engine_version = \"15.12\"",
        "master_password_secret = \"${resources.db_credentials.arn}\"",
        "master_password_version = \"${resources.db_credentials.version_id}\"",
        "subnet_group = \"${resources.aurora.name}\"",
        "security_group_ids = [\"${resources.aurora_group.id}\"]",
        "cluster_identifier = \"${resources.aurora_cluster.id}\"",
        "skip_final_snapshot = true",
    ] {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    assert!(!manifest.contains(&password), "the password is not in the manifest");
    assert!(!env.state_text().contains(&password), "nor in infra's state");
    assert_eq!(output(&env, "aurora", "secret_arn"), tf_output(&state, "secret_arn"), "outputs are there at once");
    let secret_arn = tf_output(&state, "secret_arn");
    env.block_on(async {
        let value = env.aws().secretsmanager().get_secret_value().secret_id(&secret_arn).send().await.unwrap();
        assert_eq!(value.secret_string(), Some(stored.as_str()), "the secret holds the value Terraform wrote");
    });
    down(&env);
    env.block_on(async {
        let clusters = env.rds().describe_db_clusters().send().await.unwrap();
        assert!(clusters.db_clusters().is_empty(), "down --all removed the cluster");
        let secrets = env.aws().secretsmanager().list_secrets().send().await.unwrap();
        assert!(secrets.secret_list().is_empty(), "and the secret");
    });
}

/// Seed 000's ingestion API: Terraform's resource, method, integration, deployment and
/// stage are the routes and stage of one apigateway.rest_api; the usage plan's key is
/// one of its `api_key_ids`.
#[test]
fn lambda_behind_a_rest_api_with_a_key_and_usage_plan() {
    let env = Env::empty();
    let Some(state) = apply(&env, "rest_api") else { return };
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let key_value = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_api_gateway_api_key")
        .map(|r| r["instances"][0]["attributes"]["value"].as_str().unwrap().to_string())
        .unwrap();
    let manifest = generate(&env, "rest_api", &state);
    for s in [
        "[resources.api]\ntype = \"apigateway.rest_api\"",
        "path = \"/ingest\", method = \"POST\", api_key_required = true",
        "integration_uri = \"${resources.ingest.invoke_arn}\"",
        "source_arn = \"${resources.api.execution_arn}/*/*\"",
        "function_name = \"${resources.ingest.name}\"",
        "api_key_ids = [\"${resources.api_key.id}\"]",
        "api_id = \"${resources.api.id}\"",
        "quota = { limit = 10000, period = \"MONTH\" }",
    ] {
        assert!(manifest.contains(s), "`{s}`:\n{manifest}");
    }
    assert!(!manifest.contains(&key_value) && !env.state_text().contains(&key_value), "the API key's value is written nowhere");
    assert_eq!(output(&env, "rest_api", "api_endpoint"), tf_output(&state, "api_endpoint"), "outputs are there at once");
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        let apigw = aws.apigateway();
        assert!(apigw.get_rest_apis().send().await.unwrap().items().is_empty(), "down --all removed the API");
        assert!(apigw.get_api_keys().send().await.unwrap().items().is_empty(), "and the key");
        assert!(apigw.get_usage_plans().send().await.unwrap().items().is_empty(), "and the usage plan");
    });
}

/// Fails naming every expected text the manifest lacks.
fn assert_has(manifest: &str, expected: &[&str]) {
    let missing: Vec<&&str> = expected.iter().filter(|s| !manifest.contains(**s)).collect();
    assert!(missing.is_empty(), "missing {missing:?} in:\n{manifest}");
}

/// A topic delivering to a queue, the policies of both, an event bus whose rule targets
/// the topic, a schedule and a bucket's notifications: each names the others by
/// reference.
#[test]
fn topics_queues_policies_events_and_a_schedule() {
    let env = Env::empty();
    let Some(state) = apply(&env, "messaging") else { return };
    let manifest = generate(&env, "messaging", &state);
    assert_has(
        &manifest,
        &[
            "type = \"sns.subscription\"\ntopic_arn = \"${resources.orders_topic.arn}\"\nprotocol = \"sqs\"\nendpoint = \"${resources.inbox_queue.arn}\"\nraw_message_delivery = true",
            "type = \"sqs.queue_policy\"\nqueue_url = \"${resources.inbox_queue.url}\"",
            "\"aws:SourceArn\" = \"${resources.orders_topic.arn}\"",
            "type = \"sns.topic_policy\"\ntopic_arn = \"${resources.orders_topic.arn}\"",
            "type = \"events.rule\"\nname = \"tfgen-order-placed\"\nevent_bus_name = \"${resources.orders.name}\"",
            "event_pattern = { detail-type = [\"OrderPlaced\"], source = [\"tfgen.orders\"] }",
            "type = \"events.target\"\nrule = \"${resources.placed.name}\"\nevent_bus_name = \"${resources.orders.name}\"\ntarget_id = \"to-topic\"\narn = \"${resources.orders_topic.arn}\"",
            "target_arn = \"${resources.inbox_queue.arn}\"\ntarget_role_arn = \"${resources.scheduler.arn}\"\nflexible_window_minutes = 15",
            "type = \"s3.bucket_policy\"\nbucket = \"${resources.uploads.name}\"",
            "Resource = [\"${resources.uploads.arn}\", \"${resources.uploads.arn}/*\"]",
            "{ id = \"new-csv\", arn = \"${resources.inbox_queue.arn}\", events = [\"s3:ObjectCreated:*\"], prefix = \"incoming/\", suffix = \".csv\" }",
        ],
    );
    assert_eq!(output(&env, "messaging", "topic_arn"), tf_output(&state, "topic_arn"), "outputs are there at once");
    assert_eq!(output(&env, "messaging", "bus_arn"), tf_output(&state, "bus_arn"));
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        assert!(aws.sns().list_topics().send().await.unwrap().topics().is_empty(), "down --all removed the topic");
        let buses = aws.eventbridge().list_event_buses().send().await.unwrap();
        assert!(buses.event_buses().iter().all(|b| b.name() == Some("default")), "and the event bus");
        assert!(env.scheduler().list_schedules().send().await.unwrap().schedules().is_empty(), "and the schedule");
        assert!(aws.s3().head_bucket().bucket("tfgen-order-uploads").send().await.is_err(), "and the bucket");
    });
    assert!(queues(&env, "tfgen-").is_empty(), "and the queue");
}

/// A log group's metric filter and subscription, an alarm on the metric notifying a
/// topic, a dashboard and a logs resource policy.
#[test]
fn alarms_dashboards_and_log_filters() {
    let env = Env::empty();
    let Some(state) = apply(&env, "monitoring") else { return };
    let manifest = generate(&env, "monitoring", &state);
    assert_has(
        &manifest,
        &[
            "type = \"logs.metric_filter\"\nlog_group_name = \"${resources.app_group.name}\"\nname = \"tfgen-errors\"\npattern = \"ERROR\"",
            "metric = { name = \"Errors\", namespace = \"TfGen/App\" }",
            "type = \"logs.subscription_filter\"\nlog_group_name = \"${resources.app_group.name}\"",
            "destination_arn = \"${resources.logs.arn}\"\nrole_arn = \"${resources.logs_to_kinesis.arn}\"",
            "statistic = \"Sum\"\nperiod = 60\nevaluation_periods = 3\nthreshold = 5.0\ncomparison_operator = \"GreaterThanOrEqualToThreshold\"",
            "alarm_actions = [\"${resources.alerts.arn}\"]",
            "type = \"cloudwatch.dashboard\"\nname = \"tfgen-app\"",
            "metrics = [[\"TfGen/App\", \"Errors\"]]",
            "type = \"logs.resource_policy\"\nname = \"tfgen-events-to-logs\"",
            "type = \"kinesis.stream\"\nname = \"tfgen-log-stream\"\nshard_count = 1\nretention_hours = 48",
        ],
    );
    assert_eq!(output(&env, "monitoring", "alarm_arn"), tf_output(&state, "alarm_arn"), "outputs are there at once");
    assert_eq!(output(&env, "monitoring", "stream_arn"), tf_output(&state, "stream_arn"));
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        let alarms = env.cloudwatch().describe_alarms().send().await.unwrap();
        assert!(alarms.metric_alarms().is_empty(), "down --all removed the alarm");
        assert!(env.cloudwatch().list_dashboards().send().await.unwrap().dashboard_entries().is_empty(), "and the dashboard");
        let groups = env.logs().describe_log_groups().log_group_name_prefix("/tfgen/").send().await.unwrap();
        assert!(groups.log_groups().is_empty(), "and the log group with its filters");
        let policies = env.logs().describe_resource_policies().send().await.unwrap();
        assert!(policies.resource_policies().iter().all(|p| p.policy_name() != Some("tfgen-events-to-logs")), "and the policy");
        assert!(aws.kinesis().list_streams().send().await.unwrap().stream_names().is_empty(), "and the stream");
    });
}

/// A key and its alias, a managed policy attached to a role an instance profile carries,
/// an OIDC provider, and a function with a layer, an alias, a URL on the alias and a
/// queue feeding it.
#[test]
fn keys_policies_and_a_function_with_alias_url_layer_and_queue() {
    let env = Env::empty();
    let Some(state) = apply(&env, "platform") else { return };
    let manifest = generate(&env, "platform", &state);
    assert_has(
        &manifest,
        &[
            // Terraform's deletion window is infra's own setting, known from Terraform's state.
            "type = \"kms.key\"\ndescription = \"tfgen data key\"\ndeletion_window_days = 7",
            "target_key_id = \"${resources.data_key.id}\"",
            "Resource = \"${resources.data_key.arn}\"",
            "managed_policy_arns = [\"${resources.read_data.arn}\"]",
            "type = \"iam.instance_profile\"\nname = \"tfgen-app-profile\"\nrole = \"${resources.app_role.name}\"",
            "url = \"https://token.actions.githubusercontent.com\"\nclient_ids = [\"sts.amazonaws.com\"]\nthumbprints = [\"6938fd4d98bab03faadb97b34396831e3780aea1\"]",
            "type = \"lambda.alias\"\nfunction_name = \"${resources.worker.name}\"\nname = \"live\"\nfunction_version = \"1\"",
            // The URL is the alias's: the function's ARN and the qualifier.
            "type = \"lambda.function_url\"\nfunction_name = \"${resources.worker.arn}\"\nqualifier = \"live\"\nauth_type = \"AWS_IAM\"",
            "event_source_arn = \"${resources.jobs_queue.arn}\"\nbatch_size = 5",
            "layers = [\"${resources.deps.arn}\"]",
            "type = \"lambda.layer_version\"\nname = \"tfgen-deps\"\ncode_dir = \"platform/deps\"",
        ],
    );
    assert!(env.path("modules/platform/deps/handler.py").exists(), "the layer's package is unpacked into its code_dir");
    assert_eq!(output(&env, "platform", "key_arn"), tf_output(&state, "key_arn"), "outputs are there at once");
    assert_eq!(output(&env, "platform", "function_url"), tf_output(&state, "function_url"));
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        let f = env.lambda().get_function().function_name("tfgen-platform-worker").send().await;
        assert!(f.is_err_and(|e| e.into_service_error().is_resource_not_found_exception()), "down --all removed the function");
        assert!(env.lambda().list_layers().send().await.unwrap().layers().is_empty(), "and the layer");
        assert!(env.lambda().list_event_source_mappings().send().await.unwrap().event_source_mappings().is_empty(), "and the mapping");
        let r = env.iam().get_role().role_name("tfgen-app-role").send().await;
        assert!(r.is_err_and(|e| e.into_service_error().is_no_such_entity_exception()), "and the role");
        let p = env.iam().get_instance_profile().instance_profile_name("tfgen-app-profile").send().await;
        assert!(p.is_err_and(|e| e.into_service_error().is_no_such_entity_exception()), "and the instance profile");
        let policies = env.iam().list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).send().await.unwrap();
        assert!(policies.policies().is_empty(), "and the policy");
        let oidc = env.iam().list_open_id_connect_providers().send().await.unwrap();
        assert!(oidc.open_id_connect_provider_list().is_empty(), "and the OIDC provider");
        let aliases = aws.kms().list_aliases().send().await.unwrap();
        assert!(aliases.aliases().iter().all(|a| a.alias_name() != Some("alias/tfgen-data")), "and the key's alias");
        let key = aws.kms().describe_key().key_id(tf_output(&state, "key_arn")).send().await.unwrap();
        let key_state = key.key_metadata().and_then(|k| k.key_state());
        assert_eq!(key_state, Some(&aws_sdk_kms::types::KeyState::PendingDeletion), "and the key is scheduled for deletion");
    });
    assert!(queues(&env, "tfgen-").is_empty(), "and the queue");
}

/// A Fargate service behind an application load balancer in the default VPC, with
/// security group rules naming each other's groups.
#[test]
fn a_service_behind_a_load_balancer() {
    let env = Env::empty();
    let Some(state) = apply(&env, "containers") else { return };
    let manifest = generate(&env, "containers", &state);
    assert_has(
        &manifest,
        &[
            "type = \"ecs.service\"\nname = \"tfgen-web\"\ncluster = \"${resources.web.name}\"\ntask_definition = \"${resources.web_definition.arn}\"\ndesired_count = 2\nsubnets = \"${data.default.ids}\"",
            "{ target_group_arn = \"${resources.web_group.arn}\", container_name = \"web\", container_port = 8080 }",
            "type = \"elbv2.load_balancer\"\nname = \"tfgen-web\"\nsubnets = \"${data.default.ids}\"\nsecurity_groups = [\"${resources.lb.id}\"]",
            "load_balancer_arn = \"${resources.web_lb.arn}\"\nport = 80\ndefault_action = { forward = \"${resources.web_group.arn}\" }",
            "listener_arn = \"${resources.http.arn}\"\npriority = 10\npath_patterns = [\"/api/*\"]",
            "health_check_path = \"/health\"",
            // Rules between two groups are resources of their own, whichever way Terraform wrote them.
            "security_group_id = \"${resources.tasks.id}\"\ndirection = \"ingress\"\nprotocol = \"tcp\"\nfrom_port = 8080\nto_port = 8080\nsource_security_group_id = \"${resources.lb.id}\"",
            "security_group_id = \"${resources.lb.id}\"\ndirection = \"egress\"\nprotocol = \"tcp\"\nfrom_port = 8080\nto_port = 8080\nsource_security_group_id = \"${resources.tasks.id}\"",
        ],
    );
    assert_eq!(output(&env, "containers", "service_arn"), tf_output(&state, "service_arn"), "outputs are there at once");
    assert_eq!(output(&env, "containers", "lb_dns"), tf_output(&state, "lb_dns"));
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        let lbs = aws.elbv2().describe_load_balancers().send().await.unwrap();
        assert!(lbs.load_balancers().is_empty(), "down --all removed the load balancer");
        assert!(aws.elbv2().describe_target_groups().send().await.unwrap().target_groups().is_empty(), "and the target group");
        let services = aws.ecs().describe_services().cluster("tfgen-web").services("tfgen-web").send().await;
        let active = services.map(|s| s.services().iter().any(|s| s.status() == Some("ACTIVE"))).unwrap_or(false);
        assert!(!active, "and the service");
        let groups = env
            .ec2()
            .describe_security_groups()
            .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values("tfgen-web-*").build())
            .send()
            .await
            .unwrap();
        assert!(groups.security_groups().is_empty(), "and the security groups");
    });
}

/// A VPC's flow log to a log group through a role, and a gateway endpoint on a route table.
#[test]
fn flow_logs_and_a_gateway_endpoint() {
    let env = Env::empty();
    let Some(state) = apply(&env, "network") else { return };
    let manifest = generate(&env, "network", &state);
    assert_has(
        &manifest,
        &[
            "type = \"ec2.flow_log\"\nresource_id = \"${resources.main_vpc.id}\"\ntraffic_type = \"REJECT\"",
            // Terraform names the group by its ARN; infra by its name.
            "log_group_name = \"${resources.flows.name}\"\ndeliver_logs_permission_arn = \"${resources.flows_role.arn}\"\nmax_aggregation_interval = 60",
            "type = \"ec2.vpc_endpoint\"\nvpc_id = \"${resources.main_vpc.id}\"\nservice_name = \"com.amazonaws.us-east-1.s3\"\nroute_table_ids = [\"${resources.private.id}\"]",
        ],
    );
    assert_eq!(output(&env, "network", "endpoint_id"), tf_output(&state, "endpoint_id"), "outputs are there at once");
    down(&env);
    env.block_on(async {
        assert!(env.ec2().describe_flow_logs().send().await.unwrap().flow_logs().is_empty(), "down --all removed the flow log");
        let endpoints = env.ec2().describe_vpc_endpoints().send().await.unwrap();
        let gone = |e: &aws_sdk_ec2::types::VpcEndpoint| e.state().is_some_and(|s| s.as_str().eq_ignore_ascii_case("deleted"));
        assert!(endpoints.vpc_endpoints().iter().all(gone), "and the endpoint");
        let vpcs = env
            .ec2()
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("cidr-block").values("10.52.0.0/16").build())
            .send()
            .await
            .unwrap();
        assert!(vpcs.vpcs().is_empty(), "and the VPC");
    });
}

/// A hosted zone with a certificate's validation records (Terraform's `for_each`), a
/// bucket served by CloudFront through an origin access control, and an alias record.
#[test]
fn a_zone_a_certificate_and_a_distribution() {
    let env = Env::empty();
    let Some(state) = apply(&env, "edge") else { return };
    let manifest = generate(&env, "edge", &state);
    assert_has(
        &manifest,
        &[
            "type = \"route53.zone\"\nname = \"tfgen-example.com\"\ncomment = \"tfgen site\"",
            "type = \"acm.certificate\"",
            "subject_alternative_names = [\"www.tfgen-example.com\"]",
            "type = \"route53.record\"\nfor_each = [\"tfgen-example.com\", \"www.tfgen-example.com\"]\nzone_id = \"${resources.main.id}\"",
            ".${each.key}\"\nrecord_type = \"CNAME\"\nttl = 300",
            "type = \"cloudfront.origin_access_control\"\nname = \"tfgen-site\"\ndescription = \"The site bucket\"",
            "type = \"cloudfront.distribution\"\ncomment = \"tfgen site\"\ndefault_root_object = \"index.html\"",
            "name = \"www.tfgen-example.com\"\nrecord_type = \"A\"",
        ],
    );
    // The distribution's domain, which the alias record names.
    assert!(manifest.contains(&tf_output(&state, "site_domain")), "{manifest}");
    assert_eq!(output(&env, "edge", "certificate_arn"), tf_output(&state, "certificate_arn"), "outputs are there at once");
    assert_eq!(output(&env, "edge", "zone_id"), tf_output(&state, "zone_id"));
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        assert!(aws.route53().list_hosted_zones().send().await.unwrap().hosted_zones().is_empty(), "down --all removed the zone");
        let certificates = aws.acm().list_certificates().send().await.unwrap();
        assert!(certificates.certificate_summary_list().is_empty(), "and the certificate");
        let distributions = env.cloudfront().list_distributions().send().await.unwrap();
        assert!(distributions.distribution_list().is_none_or(|l| l.items().is_empty()), "and the distribution");
        assert!(aws.s3().head_bucket().bucket("tfgen-site-content").send().await.is_err(), "and the bucket");
    });
}

/// An HTTP API's JWT authorizer and a route using it, a stage, a custom domain with its
/// certificate, and the mapping of the stage under the domain.
#[test]
fn an_http_api_with_an_authorizer_and_a_custom_domain() {
    let env = Env::empty();
    let Some(state) = apply(&env, "http_api") else { return };
    let manifest = generate(&env, "http_api", &state);
    assert_has(
        &manifest,
        &[
            // The authorizer's API is known from Terraform's state (read by id, its own says none).
            "type = \"apigatewayv2.authorizer\"\napi_id = \"${resources.orders.id}\"\nname = \"tfgen-jwt\"",
            "jwt_issuer = \"https://auth.tfgen-example.org/\"\njwt_audience = [\"orders\"]",
            "authorization_type = \"JWT\"\nauthorizer_id = \"${resources.jwt.id}\"",
            "type = \"apigatewayv2.domain_name\"\ndomain_name = \"api.tfgen-example.org\"\ncertificate_arn = \"${resources.api.arn}\"",
            "type = \"apigatewayv2.api_mapping\"\ndomain_name = \"${resources.api_name.id}\"\napi_id = \"${resources.orders.id}\"\nstage = \"${resources.live.name}\"\napi_mapping_key = \"v1\"",
        ],
    );
    assert_eq!(output(&env, "http_api", "authorizer_id"), tf_output(&state, "authorizer_id"), "outputs are there at once");
    down(&env);
    let aws = env.aws();
    env.block_on(async {
        assert!(aws.apigatewayv2().get_apis().send().await.unwrap().items().is_empty(), "down --all removed the API");
        assert!(aws.apigatewayv2().get_domain_names().send().await.unwrap().items().is_empty(), "and the domain name");
        assert!(aws.acm().list_certificates().send().await.unwrap().certificate_summary_list().is_empty(), "and the certificate");
    });
}

/// 2_sagemaker's shape: a model, a serverless endpoint configuration and the endpoint.
#[test]
fn a_serverless_sagemaker_endpoint() {
    let env = Env::empty();
    let Some(state) = apply(&env, "sagemaker") else { return };
    let manifest = generate(&env, "sagemaker", &state);
    assert_has(
        &manifest,
        &[
            "type = \"sagemaker.model\"\nname = \"tfgen-embeddings\"\nexecution_role_arn = \"${resources.sagemaker.arn}\"",
            "HF_TASK = \"feature-extraction\"",
            "model_name = \"${resources.embeddings_model.name}\"\nserverless = { memory_size_mb = 3072, max_concurrency = 2 }",
            "type = \"sagemaker.endpoint\"\nname = \"tfgen-embeddings\"\nendpoint_config_name = \"${resources.embeddings_configuration.name}\"",
        ],
    );
    assert_eq!(output(&env, "sagemaker", "endpoint_name"), "tfgen-embeddings", "outputs are there at once");
    down(&env);
    env.block_on(async {
        let sm = env.sagemaker();
        assert!(sm.list_endpoints().send().await.unwrap().endpoints().is_empty(), "down --all removed the endpoint");
        assert!(sm.list_endpoint_configs().send().await.unwrap().endpoint_configs().is_empty(), "and its configuration");
        assert!(sm.list_models().send().await.unwrap().models().is_empty(), "and the model");
    });
}

/// A PostgreSQL instance whose generated password is kept in a secret: wired like the
/// Aurora cluster's (the secret's `generate`, the instance following its version), the
/// value written nowhere.
#[test]
fn a_db_instance_with_a_generated_password() {
    let env = Env::empty();
    let Some(state) = apply(&env, "rds_instance") else { return };
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let password = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_db_instance")
        .map(|r| r["instances"][0]["attributes"]["password"].as_str().unwrap().to_string())
        .unwrap();
    let manifest = generate(&env, "rds_instance", &state);
    assert_has(
        &manifest,
        &[
            "generate = { username = \"pgadmin\", password_length = 24 }",
            "type = \"rds.instance\"\nidentifier = \"tfgen-postgres\"\nengine_version = \"16.3\"\ndatabase_name = \"app\"\nmaster_username = \"pgadmin\"",
            "master_password_secret = \"${resources.db_secret.arn}\"\nmaster_password_version = \"${resources.db_secret.version_id}\"",
            "subnet_group = \"${resources.db_group.name}\"",
            // Compared only when chosen, so known from Terraform's state.
            "security_group_ids = [\"${resources.db_2.id}\"]",
            "backup_retention_days = 3\nskip_final_snapshot = true",
        ],
    );
    assert!(!manifest.contains(&password) && !env.state_text().contains(&password), "the password is written nowhere");
    assert_eq!(output(&env, "rds_instance", "secret_arn"), tf_output(&state, "secret_arn"), "outputs are there at once");
    down(&env);
    env.block_on(async {
        assert!(env.rds().describe_db_instances().send().await.unwrap().db_instances().is_empty(), "down --all removed the instance");
        assert!(env.secrets().list_secrets().send().await.unwrap().secret_list().is_empty(), "and the secret");
    });
}
