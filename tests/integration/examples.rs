//! The example projects under `examples/` (seeds 001 and 004): each deployed whole,
//! the seed's settings read back from the emulator, a no-op second run, one re-wire
//! across modules, and a teardown that leaves nothing.

use std::path::Path;

use crate::harness::{copy_dir, Env};

/// An emulator and a copy of `examples/NAME`.
fn example(name: &str) -> Env {
    let env = Env::empty();
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name).join("modules"), &env.path("modules"));
    env
}

fn no_changes(env: &Env) {
    no_changes_with(env, &[]);
}

/// `extra`: the arguments the run being checked had (`--var image_tag=v2`).
fn no_changes_with(env: &Env, extra: &[&str]) {
    let mut args = vec!["plan", "--all", "--detailed-exitcode"];
    args.extend_from_slice(extra);
    let plan = env.infra(&args);
    assert_eq!(plan.code, 0, "a second run has nothing to do:\n{}\n{}", plan.stdout, plan.stderr);
}

#[test]
fn trade_matching() {
    let env = example("trade-matching");
    env.infra(&["up", "--all"]).ok();
    let aws = env.aws();
    env.block_on(async {
        let db = aws.dynamodb();
        let mut tables = db.list_tables().send().await.unwrap().table_names().to_vec();
        tables.sort();
        assert_eq!(
            tables,
            ["AgentRegistry", "BankTradeData", "CounterpartyTradeData", "ExceptionsTable", "ai-trade-matching-processing-status"]
        );
        for (name, hash, range) in [
            ("BankTradeData", "trade_id", Some("internal_reference")),
            ("CounterpartyTradeData", "trade_id", Some("internal_reference")),
            ("ExceptionsTable", "exception_id", Some("timestamp")),
            ("AgentRegistry", "agent_id", None),
            ("ai-trade-matching-processing-status", "sessionId", None),
        ] {
            let t = db.describe_table().table_name(name).send().await.unwrap().table.unwrap();
            let keys: Vec<(&str, &str)> = t.key_schema().iter().map(|k| (k.attribute_name(), k.key_type().as_str())).collect();
            let mut want = vec![(hash, "HASH")];
            want.extend(range.map(|r| (r, "RANGE")));
            assert_eq!(keys, want, "{name} keys");
            assert_eq!(t.billing_mode_summary().and_then(|b| b.billing_mode()).map(|m| m.as_str()), Some("PAY_PER_REQUEST"), "{name}");
            assert!(t.sse_description().is_some(), "{name} is encrypted with KMS");
            let pitr = db.describe_continuous_backups().table_name(name).send().await.unwrap();
            let status = pitr
                .continuous_backups_description()
                .unwrap()
                .point_in_time_recovery_description()
                .unwrap()
                .point_in_time_recovery_status();
            assert_eq!(status.map(|s| s.as_str()), Some("ENABLED"), "{name} point-in-time recovery");
        }
        let ttl = db.describe_time_to_live().table_name("ai-trade-matching-processing-status").send().await.unwrap();
        assert_eq!(ttl.time_to_live_description().and_then(|d| d.attribute_name()), Some("expiresAt"));

        let s3 = env.s3();
        let bucket = "trade-matching-system-agentcore-production";
        let logging = s3.get_bucket_logging().bucket(bucket).send().await.unwrap();
        assert!(logging.logging_enabled().unwrap().target_bucket().starts_with("trade-matching-system-audit-production-"));
        let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(bucket).send().await.unwrap();
        assert!(lifecycle.rules().iter().any(|r| r.transitions().iter().any(|t| t.storage_class().map(|c| c.as_str()) == Some("GLACIER"))));
        let block = s3.get_public_access_block().bucket(bucket).send().await.unwrap();
        let c = block.public_access_block_configuration().unwrap();
        assert_eq!([c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()], [Some(true); 4]);
        let enc = s3.get_bucket_encryption().bucket(bucket).send().await.unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str(), "AES256");

        let sqs = env.sqs();
        let url = sqs.get_queue_url().queue_name("trade-matching-trades.fifo").send().await.unwrap().queue_url.unwrap();
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap();
        use aws_sdk_sqs::types::QueueAttributeName as A;
        assert_eq!(attrs[&A::FifoQueue], "true");
        assert_eq!(attrs[&A::ContentBasedDeduplication], "true");
        assert!(attrs[&A::RedrivePolicy].contains("trade-matching-dlq.fifo"));

        let policy =
            env.iam().get_role_policy().role_name("trade-matching-agentcore-execution").policy_name("agents").send().await.unwrap();
        let doc = percent_encoding::percent_decode_str(policy.policy_document()).decode_utf8_lossy().to_string();
        for action in ["bedrock:InvokeModel", "dynamodb:UpdateItem", "sqs:SendMessage", "s3:ListBucket", "logs:PutLogEvents"] {
            assert!(doc.contains(action), "execution role allows {action}: {doc}");
        }
        assert!(doc.contains("table/ExceptionsTable"), "scoped to the tables: {doc}");
        let groups = env.logs().describe_log_groups().log_group_name_prefix("/aws/bedrock/agentcore/").send().await.unwrap();
        assert_eq!(groups.log_groups().len(), 5, "one log group per agent (for_each)");
    });
    no_changes(&env);

    // Re-wire: the dead-letter queue is re-created under a new name; its new ARN reaches
    // the queue's redrive and, across modules, the agents' role in the same run.
    let path = env.path("modules/3_messaging.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace("trade-matching-dlq.fifo", "trade-matching-dead-letters.fifo");
    std::fs::write(&path, text).unwrap();
    let up = env.infra(&["up", "3_messaging", "--yes"]);
    up.ok();
    assert!(up.stdout.contains("4_agents.execution_role"), "the role that uses the queue is re-wired:\n{}", up.stdout);
    env.block_on(async {
        let policy =
            env.iam().get_role_policy().role_name("trade-matching-agentcore-execution").policy_name("agents").send().await.unwrap();
        let doc = percent_encoding::percent_decode_str(policy.policy_document()).decode_utf8_lossy().to_string();
        assert!(doc.contains("trade-matching-dead-letters.fifo") && !doc.contains("trade-matching-dlq.fifo"), "{doc}");
    });
    no_changes(&env);

    // Tables and buckets are protected; tearing down takes saying so.
    let refused = env.infra(&["down", "--all", "--yes"]);
    assert_eq!(refused.code, 1, "prevent_destroy refuses:\n{}", refused.all());
    // A delete goes by what was applied: letting it empty the audit bucket is applied first.
    env.infra(&["up", "1_storage", "--var", "delete_logs=true"]).ok();
    env.infra(&["down", "--all", "--yes", "--var", "protect=false"]).ok();
    env.block_on(async {
        assert!(aws.dynamodb().list_tables().send().await.unwrap().table_names().is_empty());
        let buckets = env.s3().list_buckets().send().await.unwrap();
        assert!(buckets.buckets().is_empty(), "{:?}", buckets.buckets());
        assert!(env.sqs().list_queues().send().await.unwrap().queue_urls().is_empty());
    });
}

#[test]
fn partner() {
    let env = example("partner");
    // One NAT gateway in dev, one per zone in prod: the env files decide.
    let prod = env.infra(&["--env", "prod", "plan", "--all"]);
    prod.ok();
    assert_eq!(prod.stdout.matches("ec2.nat_gateway").count(), 2, "prod has a NAT per zone:\n{}", prod.stdout);
    let up = env.infra(&["up", "--all"]);
    up.ok();
    assert_eq!(up.stdout.matches("ec2.nat_gateway").count(), 1, "dev shares one NAT:\n{}", up.stdout);
    let aws = env.aws();
    env.block_on(async {
        let ec2 = env.ec2();
        let vpcs = ec2
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("tag:Name").values("steno-dev-vpc").build())
            .send()
            .await
            .unwrap();
        let vpc = vpcs.vpcs()[0].vpc_id().unwrap().to_string();
        let hostnames = ec2
            .describe_vpc_attribute()
            .vpc_id(&vpc)
            .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
            .send()
            .await
            .unwrap();
        assert_eq!(hostnames.enable_dns_hostnames().and_then(|v| v.value()), Some(true));
        let subnets =
            ec2.describe_subnets().filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build()).send().await.unwrap();
        let mut cidrs: Vec<(String, bool)> =
            subnets.subnets().iter().map(|s| (s.cidr_block().unwrap().to_string(), s.map_public_ip_on_launch().unwrap_or(false))).collect();
        cidrs.sort();
        assert_eq!(
            cidrs,
            [("10.0.0.0/24".into(), true), ("10.0.1.0/24".into(), true), ("10.0.10.0/24".into(), false), ("10.0.11.0/24".into(), false)],
            "public and private subnets per zone, CIDRs from cidrsubnet"
        );
        let nats = ec2.describe_nat_gateways().send().await.unwrap();
        let nat = nats.nat_gateways().iter().find(|n| n.vpc_id() == Some(&vpc)).unwrap().nat_gateway_id().unwrap().to_string();
        let tables = ec2
            .describe_route_tables()
            .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
            .send()
            .await
            .unwrap();
        let via_nat = tables.route_tables().iter().filter(|t| t.routes().iter().any(|r| r.nat_gateway_id() == Some(&nat))).count();
        assert_eq!(via_nat, 2, "both private subnets go out through the one NAT");

        // The RDS group admits PostgreSQL from the Lambdas' group only.
        let groups = ec2
            .describe_security_groups()
            .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
            .send()
            .await
            .unwrap();
        let id_of =
            |name: &str| groups.security_groups().iter().find(|g| g.group_name() == Some(name)).unwrap().group_id().unwrap().to_string();
        let (rds_sg, lambda_sg) = (id_of("steno-dev-rds-sg"), id_of("steno-dev-lambda-sg"));
        let rules = ec2
            .describe_security_group_rules()
            .filters(aws_sdk_ec2::types::Filter::builder().name("group-id").values(&rds_sg).build())
            .send()
            .await
            .unwrap();
        let ingress: Vec<_> = rules.security_group_rules().iter().filter(|r| r.is_egress() == Some(false)).collect();
        assert_eq!(ingress.len(), 1);
        assert_eq!(ingress[0].from_port(), Some(5432));
        assert_eq!(ingress[0].referenced_group_info().and_then(|g| g.group_id()), Some(lambda_sg.as_str()));

        let aliases = aws.kms().list_aliases().send().await.unwrap();
        let alias =
            aliases.aliases().iter().find(|a| a.alias_name() == Some("alias/steno-dev-platform")).expect("the platform key's alias");
        let key = alias.target_key_id().unwrap();
        assert!(aws.kms().get_key_rotation_status().key_id(key).send().await.unwrap().key_rotation_enabled());

        let db = env.rds().describe_db_instances().db_instance_identifier("steno-dev-postgres").send().await.unwrap();
        let db = &db.db_instances()[0];
        assert_eq!((db.engine(), db.engine_version()), (Some("postgres"), Some("15.10")));
        assert_eq!((db.publicly_accessible(), db.multi_az(), db.backup_retention_period()), (Some(false), Some(false), Some(7)));
        assert_eq!(db.storage_encrypted(), Some(true));
        assert_eq!(db.db_subnet_group().and_then(|g| g.db_subnet_group_name()), Some("steno-dev-db"));

        for purpose in ["frontend", "documents", "templates"] {
            let bucket = format!("steno-dev-{purpose}-{}", crate::harness::ACCOUNT);
            let enc = env.s3().get_bucket_encryption().bucket(&bucket).send().await.unwrap();
            let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
            let default = rule.apply_server_side_encryption_by_default().unwrap();
            assert_eq!(default.sse_algorithm().as_str(), "aws:kms", "{bucket}");
            assert!(default.kms_master_key_id().unwrap().ends_with(key), "{bucket} uses the platform key");
        }

        let f = env.lambda().get_function_configuration().function_name("steno-dev-api").send().await.unwrap();
        let mut subnets_of_fn = f.vpc_config().unwrap().subnet_ids().to_vec();
        subnets_of_fn.sort();
        assert_eq!(subnets_of_fn.len(), 2, "the API runs in both private subnets");
        assert_eq!(f.architectures().first().map(|a| a.as_str()), Some("arm64"));
        assert_eq!(f.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str()), Some("Active"));

        let apis = aws.apigatewayv2().get_apis().send().await.unwrap();
        let ws = apis.items().iter().find(|a| a.name() == Some("steno-dev-websocket")).unwrap();
        assert_eq!(ws.protocol_type().map(|p| p.as_str()), Some("WEBSOCKET"));
        let routes = aws.apigatewayv2().get_routes().api_id(ws.api_id().unwrap()).send().await.unwrap();
        let mut keys: Vec<&str> = routes.items().iter().filter_map(|r| r.route_key()).collect();
        keys.sort();
        assert_eq!(keys, ["$connect", "$default", "$disconnect"]);
        let http = apis.items().iter().find(|a| a.name() == Some("steno-dev-http")).unwrap();
        assert!(http.cors_configuration().is_some_and(|c| c.allow_origins().contains(&"http://localhost:3000".to_string())));
        let stage = aws.apigatewayv2().get_stage().api_id(http.api_id().unwrap()).stage_name("$default").send().await.unwrap();
        assert!(stage.access_log_settings().and_then(|a| a.destination_arn()).unwrap().contains("/aws/apigateway/steno-dev-http"));

        let endpoints = ec2.describe_vpc_endpoints().send().await.unwrap();
        let bedrock =
            endpoints.vpc_endpoints().iter().find(|e| e.service_name() == Some("com.amazonaws.us-east-1.bedrock-runtime")).unwrap();
        assert_eq!(bedrock.private_dns_enabled(), Some(true));
        assert_eq!(bedrock.subnet_ids().len(), 2);

        let logs = env.logs().describe_log_groups().log_group_name_prefix("/aws/lambda/steno-dev-").send().await.unwrap();
        assert!(logs.log_groups().iter().all(|g| g.retention_in_days() == Some(30)) && logs.log_groups().len() == 2);
        let alarms = env.cloudwatch().describe_alarms().alarm_name_prefix("steno-dev-").send().await.unwrap();
        assert_eq!(alarms.metric_alarms().len(), 4);
        assert!(alarms.metric_alarms().iter().any(|a| a.namespace() == Some("AWS/Billing")), "a billing alarm");
    });
    no_changes(&env);

    // Re-wire: the processing queue is re-created under a new name; the API function in
    // another module gets the new URL in the same run.
    let path = env.path("modules/6_messaging.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace("name = \"steno-${env}-processing\"", "name = \"steno-${env}-jobs\"");
    std::fs::write(&path, text).unwrap();
    let up = env.infra(&["up", "6_messaging", "--yes"]);
    up.ok();
    assert!(up.stdout.contains("7_api.api_fn"), "the API function is re-wired:\n{}", up.stdout);
    env.block_on(async {
        let f = env.lambda().get_function_configuration().function_name("steno-dev-api").send().await.unwrap();
        let vars = f.environment().and_then(|e| e.variables()).cloned().unwrap_or_default();
        assert!(vars["QUEUE_URL"].ends_with("/steno-dev-jobs"), "{vars:?}");
    });
    no_changes(&env);

    env.infra(&["down", "--all", "--yes"]).ok();
    env.block_on(async {
        let ec2 = env.ec2();
        let vpcs = ec2
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("tag:Project").values("steno").build())
            .send()
            .await
            .unwrap();
        assert!(vpcs.vpcs().is_empty(), "the VPC is gone");
        let nats = ec2.describe_nat_gateways().send().await.unwrap();
        assert!(nats.nat_gateways().iter().all(|n| n.state().map(|s| s.as_str()) == Some("deleted")));
        let db = env.rds().describe_db_instances().send().await.unwrap();
        assert!(db.db_instances().is_empty());
        assert!(env.lambda().list_functions().send().await.unwrap().functions().is_empty());
        assert!(aws.apigatewayv2().get_apis().send().await.unwrap().items().is_empty());
        assert!(env.s3().list_buckets().send().await.unwrap().buckets().is_empty());
        let keys = aws.kms().list_keys().send().await.unwrap();
        for k in keys.keys() {
            let meta = aws.kms().describe_key().key_id(k.key_id().unwrap()).send().await.unwrap();
            assert_eq!(meta.key_metadata().unwrap().key_state().map(|s| s.as_str()), Some("PendingDeletion"));
        }
    });
}

#[test]
fn aegis() {
    let env = example("aegis");
    // Three environments from env files; prod protects its data.
    let prod = env.infra(&["--env", "prod", "plan", "--all"]);
    prod.ok();
    let up = env.infra(&["up", "--all"]);
    up.ok();
    assert!(up.stdout.contains("Plan: 30 to create, 0 to update"), "{}", up.stdout);
    let aws = env.aws();
    env.block_on(async {
        let bucket = format!("aegis-dev-artifacts-{}", crate::harness::ACCOUNT);
        let block = env.s3().get_public_access_block().bucket(&bucket).send().await.unwrap();
        let c = block.public_access_block_configuration().unwrap();
        assert_eq!([c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()], [Some(true); 4]);
        let enc = env.s3().get_bucket_encryption().bucket(&bucket).send().await.unwrap();
        let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str(), "AES256");
        let lifecycle = env.s3().get_bucket_lifecycle_configuration().bucket(&bucket).send().await.unwrap();
        assert_eq!(lifecycle.rules()[0].expiration().and_then(|e| e.days()), Some(30), "dev keeps artifacts 30 days");

        let table = aws.dynamodb().describe_table().table_name("aegis-dev-workflows").send().await.unwrap().table.unwrap();
        assert_eq!(table.billing_mode_summary().and_then(|b| b.billing_mode()).map(|m| m.as_str()), Some("PAY_PER_REQUEST"));
        let gsi = &table.global_secondary_indexes()[0];
        let keys: Vec<&str> = gsi.key_schema().iter().map(|k| k.attribute_name()).collect();
        assert_eq!((gsi.index_name(), keys), (Some("status-created_at-index"), vec!["status", "created_at"]));
        let ttl = aws.dynamodb().describe_time_to_live().table_name("aegis-dev-workflows").send().await.unwrap();
        assert_eq!(ttl.time_to_live_description().and_then(|d| d.attribute_name()), Some("ttl"));

        for agent in ["researcher", "analyst", "writer"] {
            let repo = format!("aegis-dev-{agent}");
            let policy = env.ecr().get_lifecycle_policy().repository_name(&repo).send().await.unwrap();
            let text = policy.lifecycle_policy_text().unwrap();
            assert!(text.contains("untagged") && text.contains("imageCountMoreThan"), "{repo}: {text}");
            assert!(text.contains("\"countNumber\":5"), "dev keeps 5 images: {text}");
        }
        let runtimes = aws.agentcore().list_agent_runtimes().send().await.unwrap();
        let mut names: Vec<&str> = runtimes.agent_runtimes().iter().map(|r| r.agent_runtime_name()).collect();
        names.sort();
        assert_eq!(names, ["aegis_dev_analyst", "aegis_dev_researcher", "aegis_dev_writer"]);
        let researcher = runtimes.agent_runtimes().iter().find(|r| r.agent_runtime_name() == "aegis_dev_researcher").unwrap();
        let live = aws.agentcore().get_agent_runtime().agent_runtime_id(researcher.agent_runtime_id()).send().await.unwrap();
        match live.agent_runtime_artifact() {
            Some(aws_sdk_bedrockagentcorecontrol::types::AgentRuntimeArtifact::ContainerConfiguration(c)) => {
                assert!(c.container_uri().ends_with("/aegis-dev-researcher:latest"), "{}", c.container_uri())
            }
            other => panic!("a container runtime: {other:?}"),
        }

        let f = env.lambda().get_function_configuration().function_name("aegis-dev-controller").send().await.unwrap();
        assert_eq!(f.architectures().first().map(|a| a.as_str()), Some("arm64"));
        assert_eq!(f.tracing_config().and_then(|t| t.mode()).map(|m| m.as_str()), Some("Active"));
        let vars = f.environment().and_then(|e| e.variables()).cloned().unwrap_or_default();
        assert_eq!(vars["WORKFLOW_TABLE"], "aegis-dev-workflows");
        assert_eq!(vars["ARTIFACT_BUCKET"], bucket);
        assert_eq!(vars["LOG_LEVEL"], "DEBUG");
        assert_eq!(vars["RESEARCHER_AGENT_ARN"], live.agent_runtime_arn(), "wired from the runtime");
        assert!(vars["CALLBACK_API_URL"].starts_with("http"), "{vars:?}");
        let callback = env.lambda().get_function_configuration().function_name("aegis-dev-callback").send().await.unwrap();
        let cvars = callback.environment().and_then(|e| e.variables()).cloned().unwrap_or_default();
        assert_eq!(cvars["CONTROLLER_FUNCTION_NAME"], "aegis-dev-controller");
        let names: std::collections::BTreeSet<&String> = vars.keys().chain(cvars.keys()).collect();
        assert_eq!(names.len(), 10, "the seed's ten variables: {names:?}");

        let apis = aws.apigatewayv2().get_apis().send().await.unwrap();
        let api = apis.items().iter().find(|a| a.name() == Some("aegis-dev-api")).unwrap();
        assert!(api.cors_configuration().is_some());
        let routes = aws.apigatewayv2().get_routes().api_id(api.api_id().unwrap()).send().await.unwrap();
        let mut keys: Vec<&str> = routes.items().iter().filter_map(|r| r.route_key()).collect();
        keys.sort();
        assert_eq!(keys, ["GET /workflows/{id}", "POST /approve/{id}", "POST /callbacks/{id}", "POST /workflows"]);
        let stage = aws.apigatewayv2().get_stage().api_id(api.api_id().unwrap()).stage_name("$default").send().await.unwrap();
        assert!(stage.access_log_settings().and_then(|a| a.destination_arn()).unwrap().contains("/aws/apigateway/aegis-dev-api"));

        let groups = env.logs().describe_log_groups().send().await.unwrap();
        let ours: Vec<_> = groups.log_groups().iter().filter(|g| g.log_group_name().is_some_and(|n| n.contains("aegis-dev"))).collect();
        assert_eq!(ours.len(), 4);
        assert!(ours.iter().all(|g| g.retention_in_days() == Some(7)));
        let policies = env.logs().describe_resource_policies().send().await.unwrap();
        assert!(policies.resource_policies().iter().any(|p| p.policy_name() == Some("aegis-dev-events-to-logs")));
        let eb = aws.eventbridge();
        let rule = eb.describe_rule().name("aegis-dev-workflow-events").send().await.unwrap();
        assert!(rule.event_pattern().unwrap().contains("aegis.workflow"));
        let targets = eb.list_targets_by_rule().rule("aegis-dev-workflow-events").send().await.unwrap();
        assert!(targets.targets()[0].arn().contains("log-group:/aws/events/aegis-dev-workflow-events"));
    });
    no_changes(&env);

    // A new image tag updates the runtimes in place (a new version each); their new ARNs
    // reach the controller in another module in the same run.
    let tag = env.infra(&["up", "2_agents", "--var", "image_tag=v2"]);
    tag.ok();
    assert!(tag.stdout.contains("3_orchestration.controller"), "the controller is re-wired:\n{}", tag.stdout);
    no_changes_with(&env, &["--var", "image_tag=v2"]);

    // Re-wire: the table is re-created under a new name; both Lambdas and the controller's
    // role get it in the same run.
    let path = env.path("modules/1_storage.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace("aegis-${env}-workflows", "aegis-${env}-workflow-state");
    std::fs::write(&path, text).unwrap();
    let up = env.infra(&["up", "1_storage", "--yes", "--var", "image_tag=v2"]);
    up.ok();
    assert!(up.stdout.contains("3_orchestration.callback"), "re-wired:\n{}", up.stdout);
    env.block_on(async {
        for name in ["aegis-dev-controller", "aegis-dev-callback"] {
            let f = env.lambda().get_function_configuration().function_name(name).send().await.unwrap();
            let vars = f.environment().and_then(|e| e.variables()).cloned().unwrap_or_default();
            assert_eq!(vars["WORKFLOW_TABLE"], "aegis-dev-workflow-state", "{name}");
        }
    });
    no_changes_with(&env, &["--var", "image_tag=v2"]);

    env.infra(&["down", "--all", "--yes"]).ok();
    env.block_on(async {
        assert!(aws.dynamodb().list_tables().send().await.unwrap().table_names().is_empty());
        assert!(env.s3().list_buckets().send().await.unwrap().buckets().is_empty());
        assert!(aws.agentcore().list_agent_runtimes().send().await.unwrap().agent_runtimes().is_empty());
        assert!(env.ecr().describe_repositories().send().await.unwrap().repositories().is_empty());
        assert!(env.lambda().list_functions().send().await.unwrap().functions().is_empty());
        assert!(aws.eventbridge().list_rules().send().await.unwrap().rules().is_empty());
        assert!(env.logs().describe_resource_policies().send().await.unwrap().resource_policies().is_empty());
    });
}

#[test]
fn retail_insights() {
    let env = example("retail-insights");
    let dev = env.infra(&["--env", "dev", "up", "--all"]);
    dev.ok();
    let prod = env.infra(&["--env", "prod", "up", "--all"]);
    prod.ok();
    let aws = env.aws();
    env.block_on(async {
        let ec2 = env.ec2();
        let by_tag = |k: &str, v: &str| aws_sdk_ec2::types::Filter::builder().name(format!("tag:{k}")).values(v).build();
        for (name, cidr, zones, nats, endpoints) in [("nlsql-dev-vpc", "10.2.0.0/16", 2, 1, 0), ("nlsql-prod-vpc", "10.0.0.0/16", 3, 3, 6)]
        {
            let vpcs = ec2.describe_vpcs().filters(by_tag("Name", name)).send().await.unwrap();
            let vpc = &vpcs.vpcs()[0];
            assert_eq!(vpc.cidr_block(), Some(cidr));
            let id = vpc.vpc_id().unwrap();
            let in_vpc = || aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(id).build();
            let subnets = ec2.describe_subnets().filters(in_vpc()).send().await.unwrap();
            assert_eq!(subnets.subnets().len(), zones * 3, "{name}: public, private and database subnets per zone");
            let live_nats = ec2.describe_nat_gateways().filter(in_vpc()).send().await.unwrap();
            assert_eq!(live_nats.nat_gateways().len(), nats, "{name}");
            let live_endpoints = ec2.describe_vpc_endpoints().filters(in_vpc()).send().await.unwrap();
            assert_eq!(live_endpoints.vpc_endpoints().len(), endpoints, "{name}");
            let flows = ec2.describe_flow_logs().send().await.unwrap();
            assert!(flows.flow_logs().iter().any(|f| f.resource_id() == Some(id)), "{name} has flow logs");
            let groups = ec2.describe_security_groups().filters(in_vpc()).send().await.unwrap();
            let env_name = name.trim_end_matches("-vpc");
            let group = |suffix: &str| {
                let n = format!("{env_name}-{suffix}");
                groups
                    .security_groups()
                    .iter()
                    .find(|g| g.group_name() == Some(&n))
                    .unwrap_or_else(|| panic!("{n}"))
                    .group_id()
                    .unwrap()
                    .to_string()
            };
            let (aurora, ecs) = (group("aurora-sg"), group("ecs-tasks-sg"));
            let _ = (group("alb-sg"), group("vpc-endpoints-sg"));
            let rules = ec2
                .describe_security_group_rules()
                .filters(aws_sdk_ec2::types::Filter::builder().name("group-id").values(&aurora).build())
                .send()
                .await
                .unwrap();
            let ingress: Vec<_> = rules.security_group_rules().iter().filter(|r| r.is_egress() == Some(false)).collect();
            assert_eq!(ingress.len(), 1, "{name}: Aurora admits one source");
            assert_eq!(ingress[0].from_port(), Some(5432));
            assert_eq!(ingress[0].referenced_group_info().and_then(|g| g.group_id()), Some(ecs.as_str()), "{name}: the ECS tasks");
        }
        for (env_name, days) in [("dev", 7), ("prod", 90)] {
            let logs = env.logs().describe_log_groups().log_group_name_prefix(format!("/aws/vpc/nlsql-{env_name}")).send().await.unwrap();
            assert_eq!(logs.log_groups()[0].retention_in_days(), Some(days), "{env_name} flow log retention");
        }

        let s3 = env.s3();
        let account = crate::harness::ACCOUNT;
        let sse = |bucket: String| {
            let s3 = s3.clone();
            async move {
                let enc = s3.get_bucket_encryption().bucket(&bucket).send().await.unwrap();
                let d = enc.server_side_encryption_configuration().unwrap().rules()[0]
                    .apply_server_side_encryption_by_default()
                    .unwrap()
                    .clone();
                (d.sse_algorithm().as_str().to_string(), d.kms_master_key_id().map(str::to_string))
            }
        };
        assert_eq!(sse(format!("nlsql-dev-data-lake-{account}")).await, ("AES256".to_string(), None));
        let (algorithm, key) = sse(format!("nlsql-prod-data-lake-{account}")).await;
        assert_eq!(algorithm, "aws:kms");
        assert!(key.unwrap().contains(":key/"), "a customer-managed key");
        let logging = s3.get_bucket_logging().bucket(format!("nlsql-prod-data-lake-{account}")).send().await.unwrap();
        assert_eq!(logging.logging_enabled().map(|l| l.target_bucket()), Some(format!("nlsql-prod-access-logs-{account}").as_str()));
        let dev_logging = s3.get_bucket_logging().bucket(format!("nlsql-dev-data-lake-{account}")).send().await.unwrap();
        assert!(dev_logging.logging_enabled().is_none(), "no access logging in dev");
        // The emulator does not implement Intelligent-Tiering configurations (see
        // docs/architecture.md); what can be checked is the lifecycle rule moving objects there.
        let lifecycle = s3.get_bucket_lifecycle_configuration().bucket(format!("nlsql-prod-data-lake-{account}")).send().await.unwrap();
        let tiering = lifecycle
            .rules()
            .iter()
            .flat_map(|r| r.transitions())
            .filter_map(|t| t.storage_class())
            .any(|c| c.as_str() == "INTELLIGENT_TIERING");
        assert!(tiering, "prod moves objects to Intelligent-Tiering");

        let rds = env.rds();
        for env_name in ["dev", "prod"] {
            let c = rds.describe_db_clusters().db_cluster_identifier(format!("nlsql-{env_name}-aurora")).send().await.unwrap();
            let c = &c.db_clusters()[0];
            assert_eq!(c.engine(), Some("aurora-postgresql"));
            assert_eq!(c.db_subnet_group(), Some(format!("nlsql-{env_name}-aurora").as_str()));
            assert!(c.serverless_v2_scaling_configuration().is_some(), "Serverless v2");
        }

        let ecs = aws.ecs();
        for (env_name, count, insights) in [("dev", 1, "disabled"), ("prod", 2, "enabled")] {
            let cluster = format!("nlsql-{env_name}");
            let c = ecs.describe_clusters().clusters(&cluster).include(aws_sdk_ecs::types::ClusterField::Settings).send().await.unwrap();
            assert_eq!(c.clusters()[0].settings()[0].value(), Some(insights), "{env_name} container insights");
            let services = ecs.describe_services().cluster(&cluster).services("api").services("ui").send().await.unwrap();
            for s in services.services() {
                assert_eq!(s.desired_count(), count, "{env_name} {:?}", s.service_name());
                assert_eq!(s.launch_type().map(|l| l.as_str()), Some("FARGATE"));
                let port = s.load_balancers()[0].container_port();
                assert_eq!(port, Some(if s.service_name() == Some("api") { 8000 } else { 8501 }));
                let vpc = s.network_configuration().unwrap().awsvpc_configuration().unwrap();
                assert_eq!(vpc.assign_public_ip().map(|a| a.as_str()), Some("DISABLED"), "private subnets");
            }
            let td = ecs.describe_task_definition().task_definition(format!("nlsql-{env_name}-api")).send().await.unwrap();
            let td = td.task_definition().unwrap();
            assert_eq!(td.runtime_platform().and_then(|r| r.cpu_architecture()).map(|a| a.as_str()), Some("ARM64"));
            let container = &td.container_definitions()[0];
            assert!(container.secrets()[0].value_from().contains(&format!("nlsql-{env_name}-aurora")), "the database secret");
            assert_eq!(container.log_configuration().unwrap().options().unwrap()["awslogs-group"], format!("/ecs/nlsql-{env_name}-api"));
        }

        let elb = aws.elbv2();
        for (env_name, ports) in [("dev", vec![80]), ("prod", vec![80, 443])] {
            let lbs = elb.describe_load_balancers().names(format!("nlsql-{env_name}-alb")).send().await.unwrap();
            let lb = &lbs.load_balancers()[0];
            assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internet-facing"));
            let listeners = elb.describe_listeners().load_balancer_arn(lb.load_balancer_arn().unwrap()).send().await.unwrap();
            let mut live: Vec<i32> = listeners.listeners().iter().filter_map(|l| l.port()).collect();
            live.sort();
            assert_eq!(live, ports, "{env_name} listeners");
            for l in listeners.listeners() {
                let action = &l.default_actions()[0];
                match (env_name, l.port()) {
                    ("prod", Some(80)) => assert_eq!(action.redirect_config().and_then(|r| r.port()), Some("443")),
                    ("prod", _) => assert!(!l.certificates().is_empty(), "443 presents the certificate"),
                    _ => assert!(action.target_group_arn().unwrap().contains("nlsql-dev-ui")),
                }
                if env_name == "prod" && l.port() == Some(80) {
                    continue;
                }
                let rules = elb.describe_rules().listener_arn(l.listener_arn().unwrap()).send().await.unwrap();
                let api = rules.rules().iter().find(|r| r.priority() == Some("10")).expect("the /api/* rule");
                let paths = api.conditions()[0].path_pattern_config().map(|c| c.values().to_vec());
                assert_eq!(paths, Some(vec!["/api/*".to_string()]));
                assert!(api.actions()[0].target_group_arn().unwrap().contains(&format!("nlsql-{env_name}-api")));
            }
        }
        let certs = aws.acm().list_certificates().send().await.unwrap();
        assert_eq!(certs.certificate_summary_list().len(), 2, "a certificate per environment");
    });
    for e in ["dev", "prod"] {
        let plan = env.infra(&["--env", e, "plan", "--all", "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{e}: a second run has nothing to do:\n{}\n{}", plan.stdout, plan.stderr);
    }

    // Re-wire: dev's database credentials are re-created; the execution role, the API's
    // task definition (a new revision) and the service moving to it follow in one run.
    let path = env.path("modules/3_database.toml");
    let text =
        std::fs::read_to_string(&path).unwrap().replace("nlsql-${env}-aurora-${resources", "nlsql-${env}-aurora-credentials-${resources");
    std::fs::write(&path, text).unwrap();
    let up = env.infra(&["--env", "dev", "up", "3_database", "--yes"]);
    up.ok();
    assert!(up.stdout.contains("4_app.api_task") && up.stdout.contains("4_app.api "), "re-wired:\n{}", up.stdout);
    env.block_on(async {
        let s = aws.ecs().describe_services().cluster("nlsql-dev").services("api").send().await.unwrap();
        assert!(s.services()[0].task_definition().unwrap().ends_with("nlsql-dev-api:2"), "the service runs the new revision");
        let td = aws.ecs().describe_task_definition().task_definition("nlsql-dev-api").send().await.unwrap();
        assert!(td.task_definition().unwrap().container_definitions()[0].secrets()[0].value_from().contains("aurora-credentials-"));
    });
    let plan = env.infra(&["--env", "dev", "plan", "--all", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "converged in one run:\n{}", plan.stdout);
    let prod_plan = env.infra(&["--env", "prod", "plan", "--all", "--detailed-exitcode"]);
    assert_eq!(prod_plan.code, 2, "prod's credentials are re-created by its own run:\n{}", prod_plan.stdout);

    env.infra(&["--env", "dev", "down", "--all", "--yes"]).ok();
    env.infra(&["--env", "prod", "down", "--all", "--yes", "--delete-snapshots"]).ok();
    env.block_on(async {
        let ecs = aws.ecs();
        let clusters = ecs.describe_clusters().clusters("nlsql-dev").clusters("nlsql-prod").send().await.unwrap();
        assert!(clusters.clusters().iter().all(|c| c.status() == Some("INACTIVE")), "clusters deleted");
        assert!(aws.elbv2().describe_load_balancers().send().await.unwrap().load_balancers().is_empty());
        assert!(aws.elbv2().describe_target_groups().send().await.unwrap().target_groups().is_empty());
        assert!(aws.acm().list_certificates().send().await.unwrap().certificate_summary_list().is_empty());
        assert!(env.rds().describe_db_clusters().send().await.unwrap().db_clusters().is_empty());
        assert!(env.rds().describe_db_cluster_snapshots().send().await.unwrap().db_cluster_snapshots().is_empty());
        assert!(env.s3().list_buckets().send().await.unwrap().buckets().is_empty());
        let vpcs = env
            .ec2()
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("tag:Project").values("nlsql").build())
            .send()
            .await
            .unwrap();
        assert!(vpcs.vpcs().is_empty());
        let active = ecs.list_task_definitions().send().await.unwrap();
        assert!(active.task_definition_arns().is_empty(), "every revision deregistered: {:?}", active.task_definition_arns());
    });
}
