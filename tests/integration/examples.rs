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
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
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
