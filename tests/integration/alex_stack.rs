//! The whole Alex stack (seed 000, modules 2-8): every module's resources as the seed
//! describes them, the cost presets, the summary, and a complete teardown.

use std::collections::HashMap;

use crate::alex_core::AGENTS;
use crate::harness::{Env, ACCOUNT};

fn up_all(env: &Env) {
    let run = env.infra(&["up", "--all"]);
    run.ok();
    assert!(!run.stderr.contains("as planned"), "every value known early was right: {}", run.stderr);
}

fn function_env(env: &Env, name: &str) -> HashMap<String, String> {
    env.block_on(async {
        let f = env.lambda().get_function_configuration().function_name(name).send().await.unwrap();
        f.environment().and_then(|e| e.variables()).cloned().unwrap_or_default()
    })
}

pub fn api_key_value(env: &Env) -> String {
    env.block_on(async {
        let keys = env.apigateway().get_api_keys().include_values(true).send().await.unwrap();
        let key = keys.items().iter().find(|k| k.name() == Some("alex-api-key")).expect("alex-api-key");
        key.value().unwrap().to_string()
    })
}

fn check_sagemaker(env: &Env) {
    env.block_on(async {
        let sm = env.sagemaker();
        let model = sm.describe_model().model_name("alex-embedding-model").send().await.unwrap();
        let c = model.primary_container().unwrap();
        assert!(c.image().unwrap().contains("huggingface-pytorch-inference"));
        assert_eq!(c.environment().unwrap()["HF_MODEL_ID"], "sentence-transformers/all-MiniLM-L6-v2");
        let config = sm.describe_endpoint_config().endpoint_config_name("alex-embedding-serverless-config").send().await.unwrap();
        let s = config.production_variants()[0].serverless_config().unwrap();
        assert_eq!((s.memory_size_in_mb(), s.max_concurrency()), (Some(3072), Some(2)));
        let ep = sm.describe_endpoint().endpoint_name("alex-embedding-endpoint").send().await.unwrap();
        assert_eq!(ep.endpoint_status().map(|s| s.as_str()), Some("InService"));
        let attached = env.iam().list_attached_role_policies().role_name("alex-sagemaker-role").send().await.unwrap();
        assert!(attached.attached_policies().iter().any(|p| p.policy_name() == Some("AmazonSageMakerFullAccess")));
    });
}

fn check_ingestion(env: &Env) {
    let bucket = format!("alex-vectors-{ACCOUNT}");
    assert!(env.raw_get(&format!("/{bucket}?versioning")).contains("<Status>Enabled</Status>"), "versioning on");
    env.block_on(async {
        let s3 = env.s3();
        let enc = s3.get_bucket_encryption().bucket(&bucket).send().await.unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str(), "AES256");
        let pab = s3.get_public_access_block().bucket(&bucket).send().await.unwrap();
        assert_eq!(pab.public_access_block_configuration().unwrap().block_public_policy(), Some(true));

        let f = env.lambda().get_function_configuration().function_name("alex-ingest").send().await.unwrap();
        assert_eq!(f.handler(), Some("ingest_s3vectors.lambda_handler"));
        assert_eq!((f.timeout(), f.memory_size()), (Some(60), Some(512)));
        let vars = f.environment().unwrap().variables().unwrap();
        assert_eq!(vars["VECTOR_BUCKET"], bucket);
        assert_eq!(vars["SAGEMAKER_ENDPOINT"], "alex-embedding-endpoint");

        let api = env.apigateway();
        let apis = api.get_rest_apis().send().await.unwrap();
        let rest = apis.items().iter().find(|a| a.name() == Some("alex-api")).expect("alex-api");
        let id = rest.id().unwrap();
        assert_eq!(rest.endpoint_configuration().unwrap().types()[0].as_str(), "REGIONAL");
        let resources = api.get_resources().rest_api_id(id).send().await.unwrap();
        let ingest = resources.items().iter().find(|r| r.path() == Some("/ingest")).expect("/ingest");
        let method = api.get_method().rest_api_id(id).resource_id(ingest.id().unwrap()).http_method("POST").send().await.unwrap();
        assert_eq!(method.api_key_required(), Some(true));
        let integration = method.method_integration().unwrap();
        assert_eq!(integration.r#type().map(|t| t.as_str()), Some("AWS_PROXY"));
        assert!(integration.uri().unwrap().contains(":function:alex-ingest/invocations"));
        api.get_stage().rest_api_id(id).stage_name("prod").send().await.unwrap();

        let policy = env.lambda().get_policy().function_name("alex-ingest").send().await.unwrap();
        assert!(policy.policy().unwrap().contains("apigateway.amazonaws.com"));

        let plans = api.get_usage_plans().send().await.unwrap();
        let plan = plans.items().iter().find(|p| p.name() == Some("alex-usage-plan")).expect("usage plan");
        let throttle = plan.throttle().unwrap();
        assert_eq!((throttle.rate_limit(), throttle.burst_limit()), (100.0, 200));
        let quota = plan.quota().unwrap();
        assert_eq!((quota.limit(), quota.period().map(|p| p.as_str())), (10000, Some("MONTH")));
        let keys = api.get_usage_plan_keys().usage_plan_id(plan.id().unwrap()).send().await.unwrap();
        assert_eq!(keys.items()[0].name(), Some("alex-api-key"));

        let groups = env.logs().describe_log_groups().log_group_name_prefix("/aws/lambda/alex-ingest").send().await.unwrap();
        assert_eq!(groups.log_groups()[0].retention_in_days(), Some(7));
    });
}

fn check_researcher(env: &Env) {
    let key = api_key_value(env);
    env.block_on(async {
        let repos = env.ecr().describe_repositories().repository_names("alex-researcher").send().await.unwrap();
        let repo = &repos.repositories()[0];
        assert_eq!(repo.image_tag_mutability().map(|m| m.as_str()), Some("MUTABLE"));
        assert!(!repo.image_scanning_configuration().unwrap().scan_on_push());

        let services = env.apprunner().list_services().send().await.unwrap();
        let summary = services.service_summary_list().iter().find(|s| s.service_name() == Some("alex-researcher")).expect("service");
        let svc = env.apprunner().describe_service().service_arn(summary.service_arn().unwrap()).send().await.unwrap();
        let svc = svc.service().unwrap();
        assert_eq!(svc.status().as_str(), "RUNNING");
        let inst = svc.instance_configuration().unwrap();
        assert_eq!((inst.cpu(), inst.memory()), (Some("1 vCPU"), Some("2 GB")));
        assert!(inst.instance_role_arn().unwrap().ends_with("role/alex-app-runner-instance-role"));
        let src = svc.source_configuration().unwrap();
        assert_eq!(src.auto_deployments_enabled(), Some(false));
        let image = src.image_repository().unwrap();
        assert!(image.image_identifier().ends_with("/alex-researcher:latest"));
        let config = image.image_configuration().unwrap();
        assert_eq!(config.port(), Some("8000"));
        let vars = config.runtime_environment_variables().unwrap();
        assert!(vars["ALEX_API_ENDPOINT"].ends_with("/prod/ingest"), "{}", vars["ALEX_API_ENDPOINT"]);
        assert_eq!(vars["ALEX_API_KEY"], key, "the API key's value flows to the researcher");

        let attached = env.iam().list_attached_role_policies().role_name("alex-app-runner-role").send().await.unwrap();
        assert!(attached.attached_policies().iter().any(|p| p.policy_name() == Some("AWSAppRunnerServicePolicyForECRAccess")));
        // The scheduler is off by default.
        assert!(env.lambda().get_function().function_name("alex-researcher-scheduler").send().await.is_err());
    });
}

fn check_frontend(env: &Env) {
    env.block_on(async {
        let bucket = format!("alex-frontend-{ACCOUNT}");
        let list = env.cloudfront().list_distributions().send().await.unwrap();
        let dist = &list.distribution_list().unwrap().items()[0];
        let origin = &dist.origins().unwrap().items()[0];
        assert_eq!(origin.domain_name(), format!("{bucket}.s3.us-east-1.amazonaws.com"));
        assert_eq!(dist.comment(), "Alex frontend");
        let policy = env.s3().get_bucket_policy().bucket(&bucket).send().await.unwrap();
        let policy = policy.policy().unwrap();
        assert!(policy.contains("cloudfront.amazonaws.com") && policy.contains(dist.arn()), "{policy}");
        let oacs = env.cloudfront().list_origin_access_controls().send().await.unwrap();
        assert_eq!(oacs.origin_access_control_list().unwrap().items()[0].name(), "alex-frontend-oac");

        // Queue URLs carry the endpoint's host, which differs between the binary (through
        // the proxy) and these reads (direct): compare with 6_agents' recorded output.
        let recorded = env.state()["modules"]["6_agents"]["outputs"]["sqs_queue_url"].as_str().unwrap().to_string();
        assert!(recorded.ends_with("/123456789012/alex-analysis-jobs"), "{recorded}");
        let f = env.lambda().get_function_configuration().function_name("alex-api").send().await.unwrap();
        assert_eq!(f.environment().unwrap().variables().unwrap()["SQS_QUEUE_URL"], recorded);
        let apis = env.apigateway().get_rest_apis().send().await.unwrap();
        assert!(apis.items().iter().any(|a| a.name() == Some("alex-frontend-api")));
    });
}

fn check_enterprise(env: &Env) {
    env.block_on(async {
        let cw = env.cloudwatch();
        let ai = cw.get_dashboard().dashboard_name("alex-ai-model-usage").send().await.unwrap();
        let body: serde_json::Value = serde_json::from_str(ai.dashboard_body().unwrap()).unwrap();
        let titles: Vec<&str> = body["widgets"].as_array().unwrap().iter().map(|w| w["properties"]["title"].as_str().unwrap()).collect();
        assert_eq!(
            titles,
            [
                "Bedrock Model Invocations",
                "Bedrock Client/Server Errors",
                "Bedrock Token Usage (Input/Output)",
                "Bedrock Response Latency (Avg/Max/Min)",
                "SageMaker Endpoint Invocations",
                "SageMaker 4XX/5XX Errors",
                "SageMaker Model Latency",
            ]
        );
        assert!(body.to_string().contains("alex-embedding-endpoint"));
        let perf = cw.get_dashboard().dashboard_name("alex-agent-performance").send().await.unwrap();
        let body: serde_json::Value = serde_json::from_str(perf.dashboard_body().unwrap()).unwrap();
        assert_eq!(body["widgets"].as_array().unwrap().len(), 5);
        for agent in AGENTS {
            assert!(body.to_string().contains(&format!("alex-{agent}")));
        }
    });
}

#[test]
fn up_all_creates_every_module_as_the_seed_describes() {
    let env = Env::new();
    up_all(&env);
    check_sagemaker(&env);
    check_ingestion(&env);
    check_researcher(&env);
    check_frontend(&env);
    check_enterprise(&env);
    let again = env.infra(&["up", "--all"]);
    assert!(again.ok().stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn the_api_key_value_reaches_the_researcher_but_never_state_or_output() {
    let env = Env::new();
    let up = env.infra(&["-vvv", "up", "--all"]);
    up.ok();
    let key = api_key_value(&env);
    assert!(key.len() >= 20);
    let plan = env.infra(&["-vvv", "plan", "4_researcher"]);
    let status = env.infra(&["status", "--summary", "--json"]);
    for text in [up.all(), plan.all(), status.all(), env.state_text()] {
        assert!(!text.contains(&key), "API key leaked");
    }
    assert!(env.state_text().contains("(sensitive:"), "the state keeps a token in its place");
    env.infra(&["output", "3_ingestion", "api_key"]).code(1);
}

#[test]
fn the_scheduler_exists_only_when_enabled() {
    let env = Env::new();
    env.infra(&["up", "--all", "--var", "4_researcher.scheduler_enabled=true"]).ok();
    env.block_on(async {
        let f = env.lambda().get_function_configuration().function_name("alex-researcher-scheduler").send().await.unwrap();
        assert_eq!((f.timeout(), f.memory_size()), (Some(180), Some(256)));
        let s = env.scheduler().get_schedule().name("alex-research-schedule").send().await.unwrap();
        assert_eq!(s.schedule_expression(), Some("rate(2 hours)"));
    });
    let off = env.infra(&["up", "4_researcher", "--yes"]);
    off.ok();
    assert!(off.stdout.contains("disabled by `enabled`"), "{}", off.stdout);
    env.block_on(async {
        assert!(env.lambda().get_function().function_name("alex-researcher-scheduler").send().await.is_err());
        assert!(env.scheduler().get_schedule().name("alex-research-schedule").send().await.is_err());
    });
}

/// `status --summary --json`, parsed.
pub fn summary(env: &Env) -> serde_json::Value {
    let run = env.infra(&["status", "--summary", "--json"]);
    serde_json::from_str(&run.ok().stdout).unwrap()
}

fn module<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["modules"].as_array().unwrap().iter().find(|m| m["module"] == name).unwrap()
}

#[test]
fn minimize_costs_then_daily_restores_and_rewires_everything() {
    let env = Env::new();
    up_all(&env);
    let before = summary(&env);
    let saving = before["presets"]["minimize-costs"]["monthly_saving"].as_f64().unwrap();
    assert!(saving > 50.0, "Aurora and SageMaker are the expensive parts: {saving}");
    let total = before["total_monthly_cost"].as_f64().unwrap();
    assert!((77.0..=110.0).contains(&total), "seed 000 puts the stack at ~$77-100/month: {total}");
    let old_secret = function_env(&env, "alex-planner")["AURORA_SECRET_ARN"].clone();

    let text = env.infra(&["status", "--summary"]);
    assert!(text.ok().stdout.contains(&format!("would save ${saving:.2}/month")), "{}", text.stdout);

    let preview = env.infra(&["down", "--preset", "minimize-costs", "--dry-run"]);
    preview.ok();
    for line in [
        "Estimated saving",
        "- 5_database.aurora ",
        "- 2_sagemaker.embedding_endpoint ",
        "Dry run: nothing was changed.",
        "would be kept, stale",
    ] {
        assert!(preview.all().contains(line), "the dry run shows {line:?}: {}", preview.all());
    }
    assert!(!preview.all().contains("warning: kept"), "{}", preview.all());
    env.block_on(async {
        env.rds().describe_db_clusters().db_cluster_identifier("alex-aurora-cluster").send().await.expect("a dry run deletes nothing");
    });

    let down = env.infra(&["down", "--preset", "minimize-costs", "--yes"]);
    down.ok();
    assert!(down.stdout.contains("Estimated saving"), "shows what it will do first: {}", down.stdout);
    env.block_on(async {
        assert!(env.rds().describe_db_clusters().db_cluster_identifier("alex-aurora-cluster").send().await.is_err());
        assert!(env.rds().describe_db_instances().db_instance_identifier("alex-aurora-instance-1").send().await.is_err());
        assert!(env.secrets().describe_secret().secret_id(&old_secret).send().await.is_err());
        assert!(env.sagemaker().describe_endpoint().endpoint_name("alex-embedding-endpoint").send().await.is_err());
        for f in ["alex-planner", "alex-ingest", "alex-api"] {
            env.lambda().get_function().function_name(f).send().await.unwrap();
        }
        env.s3().head_bucket().bucket(format!("alex-vectors-{ACCOUNT}")).send().await.unwrap();
        assert_eq!(env.apprunner().list_services().send().await.unwrap().service_summary_list().len(), 1);
        assert_eq!(env.apigateway().get_rest_apis().send().await.unwrap().items().len(), 2);
    });
    let after = summary(&env);
    for m in ["3_ingestion", "6_agents", "8_enterprise"] {
        assert_eq!(module(&after, m)["state"], "stale", "{m}");
    }
    for m in ["2_sagemaker", "5_database"] {
        assert_eq!(module(&after, m)["state"], "absent", "{m}");
    }
    let reduced = after["total_monthly_cost"].as_f64().unwrap();
    assert!((total - reduced - saving).abs() < 0.01, "{total} - {reduced} != {saving}");

    let up = env.infra(&["up", "--preset", "daily"]);
    up.ok();
    assert!(up.all().contains("Re-wired"), "{}", up.all());
    let restored = summary(&env);
    for m in restored["modules"].as_array().unwrap() {
        assert_eq!(m["state"], "deployed", "{m}");
    }
    let new_secret = function_env(&env, "alex-planner")["AURORA_SECRET_ARN"].clone();
    assert_ne!(new_secret, old_secret);
    for agent in AGENTS {
        assert_eq!(function_env(&env, &format!("alex-{agent}"))["AURORA_SECRET_ARN"], new_secret);
    }
    assert_eq!(function_env(&env, "alex-ingest")["SAGEMAKER_ENDPOINT"], "alex-embedding-endpoint");
}

#[test]
fn down_all_leaves_nothing_behind() {
    let env = Env::new();
    up_all(&env);
    env.block_on(async {
        // Objects (and their versions) must not keep a bucket alive.
        env.s3().put_object().bucket(format!("alex-vectors-{ACCOUNT}")).key("doc.txt").body(b"x".to_vec().into()).send().await.unwrap();
    });
    // The whole teardown, the databases' final snapshots included (asked for by flag).
    env.infra(&["down", "--all", "--yes", "--delete-snapshots"]).ok();
    assert_nothing_left(&env);
    env.block_on(async {
        let snapshots = env.rds().describe_db_cluster_snapshots().snapshot_type("manual").send().await.unwrap();
        assert!(snapshots.db_cluster_snapshots().is_empty(), "snapshots");
    });
}

/// Every service the stack uses is empty of `alex-*` resources, and the state is empty.
pub fn assert_nothing_left(env: &Env) {
    env.block_on(async {
        assert!(env.lambda().list_functions().send().await.unwrap().functions().is_empty(), "functions");
        assert!(env.sqs().list_queues().send().await.unwrap().queue_urls().is_empty(), "queues");
        assert!(env.s3().list_buckets().send().await.unwrap().buckets().is_empty(), "buckets");
        assert!(env.secrets().list_secrets().send().await.unwrap().secret_list().is_empty(), "secrets");
        assert!(env.rds().describe_db_clusters().send().await.unwrap().db_clusters().is_empty(), "clusters");
        assert!(env.rds().describe_db_instances().send().await.unwrap().db_instances().is_empty(), "instances");
        assert!(env.rds().describe_db_subnet_groups().send().await.unwrap().db_subnet_groups().is_empty(), "subnet groups");
        let roles = env.iam().list_roles().send().await.unwrap();
        assert!(!roles.roles().iter().any(|r| r.role_name().starts_with("alex-")), "roles");
        let sgs = env.ec2().describe_security_groups().send().await.unwrap();
        assert!(!sgs.security_groups().iter().any(|g| g.group_name() == Some("alex-aurora-sg")), "security group");
        let sm = env.sagemaker();
        assert!(sm.list_endpoints().send().await.unwrap().endpoints().is_empty(), "endpoints");
        assert!(sm.list_endpoint_configs().send().await.unwrap().endpoint_configs().is_empty(), "endpoint configs");
        assert!(sm.list_models().send().await.unwrap().models().is_empty(), "models");
        let api = env.apigateway();
        assert!(api.get_rest_apis().send().await.unwrap().items().is_empty(), "rest apis");
        assert!(api.get_api_keys().send().await.unwrap().items().is_empty(), "api keys");
        assert!(api.get_usage_plans().send().await.unwrap().items().is_empty(), "usage plans");
        assert!(env.ecr().describe_repositories().send().await.unwrap().repositories().is_empty(), "repositories");
        let cf = env.cloudfront();
        let dists = cf.list_distributions().send().await.unwrap();
        assert!(dists.distribution_list().map(|l| l.items().is_empty()).unwrap_or(true), "distributions");
        let oacs = cf.list_origin_access_controls().send().await.unwrap();
        assert!(oacs.origin_access_control_list().map(|l| l.items().is_empty()).unwrap_or(true), "origin access controls");
        assert!(env.cloudwatch().list_dashboards().send().await.unwrap().dashboard_entries().is_empty(), "dashboards");
        let groups = env.logs().describe_log_groups().send().await.unwrap();
        assert!(groups.log_groups().is_empty(), "log groups");
        assert!(env.apprunner().list_services().send().await.unwrap().service_summary_list().is_empty(), "app runner");
        let mappings = env.lambda().list_event_source_mappings().send().await.unwrap();
        assert!(mappings.event_source_mappings().is_empty(), "event source mappings");
    });
    let state = env.state();
    assert!(state["modules"].as_object().unwrap().is_empty(), "{state}");
}
