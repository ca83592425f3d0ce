//! The core promise on Alex modules 5 and 6 (seed 000): deploy, tear the database
//! down, bring it back, and find the agents on the new secret in the same run.

use aws_sdk_sqs::types::QueueAttributeName;
use base64::Engine;
use sha2::Digest;

use crate::harness::{Env, ACCOUNT};

pub const AGENTS: [&str; 5] = ["planner", "tagger", "reporter", "charter", "retirement"];

/// 6_agents also reads 3_ingestion (vector bucket, embedding endpoint), which reads
/// 2_sagemaker: those go first, then the database, then the agents.
pub fn deploy_database_and_agents(env: &Env) {
    env.infra(&["up", "2_sagemaker", "3_ingestion"]).ok();
    env.infra(&["up", "5_database"]).ok();
    env.infra(&["up", "6_agents"]).ok();
}

fn live_secret_arn(env: &Env) -> String {
    env.block_on(async {
        let list = env.secrets().list_secrets().send().await.unwrap();
        let secrets: Vec<_> =
            list.secret_list().iter().filter(|s| s.name().unwrap_or("").starts_with("alex-aurora-credentials-")).collect();
        assert_eq!(secrets.len(), 1, "exactly one credentials secret: {secrets:?}");
        secrets[0].arn().unwrap().to_string()
    })
}

fn agent_env(env: &Env, agent: &str) -> std::collections::HashMap<String, String> {
    env.block_on(async {
        let f = env.lambda().get_function_configuration().function_name(format!("alex-{agent}")).send().await.unwrap();
        f.environment().and_then(|e| e.variables()).cloned().unwrap_or_default()
    })
}

#[test]
fn database_and_agents_are_created_with_the_seed_settings() {
    let env = Env::new();
    deploy_database_and_agents(&env);

    env.block_on(async {
        let rds = env.rds();
        let cluster = rds.describe_db_clusters().db_cluster_identifier("alex-aurora-cluster").send().await.unwrap();
        let c = &cluster.db_clusters()[0];
        assert_eq!(c.engine(), Some("aurora-postgresql"));
        assert_eq!(c.engine_version(), Some("15.12"));
        assert_eq!(c.database_name(), Some("alex"));
        assert_eq!(c.master_username(), Some("alexadmin"));
        assert_eq!(c.backup_retention_period(), Some(7));
        assert_eq!(c.deletion_protection(), Some(false));
        assert_eq!(c.db_subnet_group(), Some("alex-aurora-subnet-group"));
        let scaling = c.serverless_v2_scaling_configuration().unwrap();
        assert_eq!((scaling.min_capacity(), scaling.max_capacity()), (Some(0.5), Some(1.0)));
        assert!(c.tag_list().iter().any(|t| t.key() == Some("ManagedBy") && t.value() == Some("infra")));
        // moto reports HttpEndpointEnabled=false for Serverless v2 whatever was asked
        // (docs/architecture.md, emulator gaps), so the Data API flag is checked in state.
        let cluster_arn = c.db_cluster_arn().unwrap().to_string();

        let inst = rds.describe_db_instances().db_instance_identifier("alex-aurora-instance-1").send().await.unwrap();
        let i = &inst.db_instances()[0];
        assert_eq!(i.db_instance_class(), Some("db.serverless"));
        assert_eq!(i.db_cluster_identifier(), Some("alex-aurora-cluster"));

        let groups = env
            .ec2()
            .describe_security_groups()
            .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values("alex-aurora-sg").build())
            .send()
            .await
            .unwrap();
        let sg = &groups.security_groups()[0];
        let rule = &sg.ip_permissions()[0];
        assert_eq!((rule.from_port(), rule.to_port()), (Some(5432), Some(5432)));
        assert_eq!(rule.ip_ranges()[0].cidr_ip(), Some("172.31.0.0/16"));

        let url = env.sqs().get_queue_url().queue_name("alex-analysis-jobs").send().await.unwrap().queue_url().unwrap().to_string();
        let attrs = env.sqs().get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::All).send().await.unwrap();
        let a = attrs.attributes().unwrap();
        assert_eq!(a[&QueueAttributeName::VisibilityTimeout], "910");
        assert_eq!(a[&QueueAttributeName::MessageRetentionPeriod], "86400");
        assert_eq!(a[&QueueAttributeName::MaximumMessageSize], "262144");
        let redrive: serde_json::Value = serde_json::from_str(&a[&QueueAttributeName::RedrivePolicy]).unwrap();
        assert_eq!(redrive["maxReceiveCount"].as_i64(), Some(3));
        assert!(redrive["deadLetterTargetArn"].as_str().unwrap().ends_with(":alex-analysis-jobs-dlq"));

        env.s3().head_bucket().bucket(format!("alex-lambda-packages-{ACCOUNT}")).send().await.unwrap();

        let role = env.iam().get_role().role_name("alex-lambda-agents-role").send().await.unwrap();
        let role_arn = role.role().unwrap().arn().to_string();

        for agent in super::alex_core::AGENTS {
            let f = env.lambda().get_function_configuration().function_name(format!("alex-{agent}")).send().await.unwrap();
            let (timeout, memory) = if agent == "planner" { (900, 2048) } else { (300, 1024) };
            assert_eq!((f.timeout(), f.memory_size()), (Some(timeout), Some(memory)), "alex-{agent}");
            assert_eq!(f.handler(), Some("lambda_handler.lambda_handler"));
            assert_eq!(f.runtime().map(|r| r.as_str()), Some("python3.12"));
            assert_eq!(f.role(), Some(role_arn.as_str()));
            // The package went through the packages bucket, as the seed's >50 MB agents must.
            let packages = format!("alex-lambda-packages-{ACCOUNT}");
            let listed = env.s3().list_objects_v2().bucket(&packages).prefix(format!("alex-{agent}/")).send().await.unwrap();
            assert_eq!(listed.contents().len(), 1, "one package for alex-{agent}");
            let key = listed.contents()[0].key().unwrap();
            let zip = env.s3().get_object().bucket(&packages).key(key).send().await.unwrap().body.collect().await.unwrap().into_bytes();
            let sha = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&zip));
            assert_eq!(f.code_sha256(), Some(sha.as_str()), "alex-{agent} runs the uploaded package");
            let vars = f.environment().unwrap().variables().unwrap();
            assert_eq!(vars["AURORA_CLUSTER_ARN"], cluster_arn);
            assert_eq!(vars["DATABASE_NAME"], "alex");
            assert_eq!(vars["BEDROCK_MODEL_ID"], "us.amazon.nova-pro-v1:0");
            assert_eq!(vars["BEDROCK_REGION"], "us-west-2");
            assert_eq!(vars["DEFAULT_AWS_REGION"], "us-east-1");

            let groups = env.logs().describe_log_groups().log_group_name_prefix(format!("/aws/lambda/alex-{agent}")).send().await.unwrap();
            assert_eq!(groups.log_groups()[0].retention_in_days(), Some(7));
        }

        let mappings = env.lambda().list_event_source_mappings().function_name("alex-planner").send().await.unwrap();
        let m = &mappings.event_source_mappings()[0];
        assert!(m.event_source_arn().unwrap().ends_with(":alex-analysis-jobs"));
        assert_eq!(m.batch_size(), Some(1));
    });
    // moto keeps no tags on event source mappings, so check what was asked of it.
    let create = env.proxy.calls().into_iter().find(|c| c.operation.starts_with("POST /2015-03-31/event-source-mappings")).unwrap();
    for tag in [r#""ManagedBy":"infra""#, r#""infra:module":"6_agents""#] {
        assert!(create.body.contains(tag), "CreateEventSourceMapping carries {tag}: {}", create.body);
    }

    let secret = live_secret_arn(&env);
    for agent in AGENTS {
        assert_eq!(agent_env(&env, agent)["AURORA_SECRET_ARN"], secret, "alex-{agent}");
    }
    let state = env.state();
    assert_eq!(state["modules"]["5_database"]["outputs"]["aurora_secret_arn"], secret.as_str());
    assert_eq!(state["modules"]["5_database"]["resources"]["aurora"]["properties"]["enable_http_endpoint"], true);
}

#[test]
fn recreating_the_database_rewires_the_agents_in_the_same_run() {
    let env = Env::new();
    deploy_database_and_agents(&env);
    let old_secret = live_secret_arn(&env);

    let refused = env.infra(&["down", "5_database", "--yes"]);
    refused.code(1);
    assert!(refused.stderr.contains("6_agents"), "names the dependent: {}", refused.stderr);
    assert!(refused.stderr.contains("--keep-dependents"), "{}", refused.stderr);

    env.infra(&["down", "5_database", "--keep-dependents", "--yes"]).ok();
    env.block_on(async {
        let c = env.rds().describe_db_clusters().db_cluster_identifier("alex-aurora-cluster").send().await;
        assert!(c.unwrap_err().into_service_error().is_db_cluster_not_found_fault());
        let i = env.rds().describe_db_instances().db_instance_identifier("alex-aurora-instance-1").send().await;
        assert!(i.unwrap_err().into_service_error().is_db_instance_not_found_fault());
        let s = env.secrets().describe_secret().secret_id(&old_secret).send().await;
        assert!(s.unwrap_err().into_service_error().is_resource_not_found_exception());
    });
    let status = env.infra(&["status"]);
    assert!(status.ok().stdout.lines().any(|l| l.starts_with("6_agents") && l.contains("stale")), "{}", status.stdout);

    let up = env.infra(&["up", "5_database"]);
    up.ok();
    assert!(up.all().contains("re-wire"), "the plan says it re-wires: {}", up.all());
    let new_secret = live_secret_arn(&env);
    assert_ne!(new_secret, old_secret, "a re-created secret has a new ARN");
    for agent in AGENTS {
        assert_eq!(agent_env(&env, agent)["AURORA_SECRET_ARN"], new_secret, "alex-{agent} was re-wired");
    }
    let policy = env.block_on(async {
        let p = env.iam().get_role_policy().role_name("alex-lambda-agents-role").policy_name("agents").send().await.unwrap();
        percent_decode(p.policy_document())
    });
    assert!(policy.contains(&new_secret) && !policy.contains(&old_secret), "the role's policy follows too");

    let status = env.infra(&["status"]);
    assert!(!status.ok().stdout.contains("stale"), "{}", status.stdout);

    env.proxy.clear();
    let again = env.infra(&["up", "6_agents"]);
    again.ok();
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert_eq!(env.proxy.writes().len(), 0, "no write call: {:?}", env.proxy.writes());
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_second_up_makes_no_write_call() {
    let env = Env::new();
    deploy_database_and_agents(&env);
    let serial = env.state()["serial"].as_u64().unwrap();
    env.proxy.clear();
    for module in ["2_sagemaker", "3_ingestion", "5_database", "6_agents"] {
        let run = env.infra(&["up", module]);
        assert!(run.ok().stdout.contains("No changes"), "{}", run.stdout);
    }
    assert_eq!(env.proxy.writes().len(), 0, "{:?}", env.proxy.writes());
    assert!(!env.proxy.calls().is_empty(), "it did read AWS to check");
    assert_eq!(env.state()["serial"].as_u64().unwrap(), serial, "state not rewritten");
}

#[test]
fn up_without_the_upstream_module_fails_before_touching_aws() {
    let env = Env::new();
    let run = env.infra(&["up", "6_agents"]);
    run.code(1);
    assert!(run.stderr.contains("6_agents reads outputs of 5_database, which is not deployed"), "{}", run.stderr);
    assert!(run.stderr.contains("6_agents reads outputs of 3_ingestion, which is not deployed"), "{}", run.stderr);
    assert!(run.stderr.contains("infra up 3_ingestion 5_database"), "{}", run.stderr);
    assert!(env.proxy.calls().is_empty(), "no AWS call: {:?}", env.proxy.calls());

    env.infra(&["up", "6_agents", "--with-deps"]).ok();
    let state = env.state();
    assert!(state["modules"]["5_database"]["resources"]["aurora"].is_object());
    assert_eq!(state["modules"]["6_agents"]["resources"].as_object().unwrap().len(), 15);
}
