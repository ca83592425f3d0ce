//! `infra import`: resources made outside infra (with the SDK, as a person with the
//! AWS CLI would) are adopted into the state without any change in AWS; what is
//! already recorded, or belongs to another environment, is refused.

use crate::harness::Env;

const MODULE: &str = r#"[module]
name = "m"

[resources.jobs]
type = "sqs.queue"
name = "jobs"
visibility_timeout_seconds = 60

[resources.other]
type = "sqs.queue"
name = "other-jobs"

[resources.shared]
type = "sqs.queue"
name = "shared"
"#;

/// The URL as infra sees it (through the tests' proxy).
fn queue_url(env: &Env, name: &str) -> String {
    let aws = env.aws();
    env.block_on(async { aws.sqs().get_queue_url().queue_name(name).send().await.unwrap().queue_url.unwrap() })
}

fn visibility(env: &Env, url: &str) -> String {
    env.block_on(async {
        let a = env
            .sqs()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout)
            .send()
            .await
            .unwrap();
        a.attributes.unwrap()[&aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout].clone()
    })
}

#[test]
fn one_resource_by_id_and_the_refusals() {
    let env = Env::empty();
    env.write("modules/m.toml", MODULE);
    env.block_on(async { env.sqs().create_queue().queue_name("jobs").send().await.unwrap() });
    let url = queue_url(&env, "jobs");

    // The create that would take the name is refused and points at import.
    let up = env.infra(&["plan", "m"]);
    assert_eq!(up.code, 1, "{}", up.all());
    assert!(up.stderr.contains(&format!("infra import m.jobs {url}")), "{}", up.stderr);

    let import = env.infra(&["import", "m.jobs", &url]);
    import.ok();
    assert!(import.stdout.contains("The next `up` would:"), "{}", import.stdout);
    assert!(import.stdout.contains("~ m.jobs"), "the drift to the manifest is shown:\n{}", import.stdout);
    assert!(import.stdout.contains("visibility_timeout_seconds: 30 -> 60"), "{}", import.stdout);
    assert_eq!(env.state()["modules"]["m"]["resources"]["jobs"]["id"], url.as_str());
    assert_eq!(visibility(&env, &url), "30", "import changes nothing in AWS");

    // Already recorded, under this address or another.
    let again = env.infra(&["import", "m.jobs", &url]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("m.jobs is already recorded"), "{}", again.stderr);
    let twice = env.infra(&["import", "m.other", &url]);
    assert_eq!(twice.code, 1);
    assert!(twice.stderr.contains("already recorded as m.jobs"), "{}", twice.stderr);
    // Nothing there, or not an address of the manifests.
    let missing = env.infra(&["import", "m.other", &format!("{}/nope", url.rsplit_once('/').unwrap().0)]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("no sqs.queue with id"), "{}", missing.stderr);
    let undeclared = env.infra(&["import", "m.nope", &url]);
    assert_eq!(undeclared.code, 1);
    assert!(undeclared.stderr.contains("m.nope is not a resource of the manifests"), "{}", undeclared.stderr);

    // Another environment's queue is not adopted.
    env.write("modules/m.toml", "[module]\nname = \"m\"\n\n[resources.shared]\ntype = \"sqs.queue\"\nname = \"shared\"\n");
    env.infra(&["--env", "prod", "--new-env", "up", "m"]).ok();
    env.write("modules/m.toml", MODULE);
    let theirs = env.infra(&["import", "m.shared", &queue_url(&env, "shared")]);
    assert_eq!(theirs.code, 1);
    assert!(theirs.stderr.contains("belongs to infra environment `prod`"), "{}", theirs.stderr);
}

#[test]
fn modules_by_name_dry_run_then_yes() {
    let env = Env::empty();
    env.write("modules/m.toml", &MODULE.replace("[resources.shared]\ntype = \"sqs.queue\"\nname = \"shared\"\n", ""));
    env.block_on(async {
        env.sqs().create_queue().queue_name("jobs").send().await.unwrap();
    });
    let dry = env.infra(&["import", "m"]);
    dry.ok();
    assert!(dry.stdout.contains("+ m.jobs") && dry.stdout.contains("found sqs.queue"), "{}", dry.stdout);
    assert!(dry.stdout.contains("- m.other") && dry.stdout.contains("not found"), "{}", dry.stdout);
    assert!(!env.path("state/dev.json").exists() || env.state()["modules"].get("m").is_none(), "a dry run records nothing");

    env.infra(&["import", "m", "--yes"]).ok();
    assert!(env.state()["modules"]["m"]["resources"].get("jobs").is_some());
    // The rest is created, the adopted queue updated in place: no replace.
    let up = env.infra(&["up", "m"]);
    up.ok();
    assert!(up.stdout.contains("Plan: 1 to create, 1 to update, 0 to replace, 0 to delete."), "{}", up.stdout);
    let plan = env.infra(&["plan", "m", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_eq!(visibility(&env, &queue_url(&env, "jobs")), "60");
    // infra's own tags came with that first change.
    let aws = env.aws();
    let url = queue_url(&env, "jobs");
    let tags = env.block_on(async { aws.sqs().list_queue_tags().queue_url(url).send().await.unwrap().tags.unwrap_or_default() });
    assert_eq!(tags.get("infra:env").map(String::as_str), Some("dev"), "{tags:?}");
}

#[test]
fn what_infra_made_is_taken_back_after_state_rm_with_its_own_tags_and_nothing_to_do() {
    let env = Env::empty();
    env.write(
        "modules/m.toml",
        "[resources.jobs]\ntype = \"sqs.queue\"\nname = \"own-jobs\"\ntags = { Team = \"core\" }\n\n\
         [resources.files]\ntype = \"s3.bucket\"\nname = \"own-files\"\nforce_destroy = true\n",
    );
    env.infra(&["up", "m"]).ok();
    let lineage = env.state()["lineage"].as_str().unwrap().to_string();
    env.infra(&["state", "rm", "m.jobs", "m.files"]).ok();
    let url = queue_url(&env, "own-jobs");
    let jobs = env.infra(&["import", "m.jobs", &url]);
    jobs.ok();
    let files = env.infra(&["import", "m.files", "own-files"]);
    assert!(files.ok().stdout.contains("No changes"), "nothing to do once both are back: {}", files.stdout);
    env.infra(&["plan", "m", "--detailed-exitcode"]).code(0);
    env.proxy.clear();
    env.infra(&["up", "m"]).ok();
    assert!(env.proxy.writes().is_empty(), "no tag removed or added: {:?}", env.proxy.writes());

    let aws = env.aws();
    let queue_tags = env.block_on(async { aws.sqs().list_queue_tags().queue_url(&url).send().await.unwrap().tags.unwrap_or_default() });
    let bucket_tags: std::collections::HashMap<String, String> = env.block_on(async {
        let t = env.s3().get_bucket_tagging().bucket("own-files").send().await.unwrap();
        t.tag_set().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect()
    });
    for (tags, name) in [(&queue_tags, "jobs"), (&bucket_tags, "files")] {
        for (k, v) in [
            ("ManagedBy", "infra"),
            ("infra:env", "dev"),
            ("infra:state", lineage.as_str()),
            ("infra:module", "m"),
            ("infra:resource", name),
        ] {
            assert_eq!(tags.get(k).map(String::as_str), Some(v), "{name}: {k} is still there: {tags:?}");
        }
    }
    assert_eq!(queue_tags.get("Team").map(String::as_str), Some("core"));
}

/// Seed 000's 5_database and part of 6_agents, made directly in the emulator as
/// Terraform would have, and the v4 state Terraform would have written for them.
fn terraform_fixture(env: &Env) -> (String, String) {
    let aws = env.aws();
    env.block_on(async {
        let secret = aws
            .secretsmanager()
            .create_secret()
            .name("alex-aurora-credentials-5f3a9c1e")
            .secret_string(r#"{"username":"alexadmin","password":"Terraform-made-password-123"}"#)
            .send()
            .await
            .unwrap();
        let secret_arn = secret.arn().unwrap().to_string();
        let ec2 = aws.ec2();
        let vpc = ec2.describe_vpcs().filters(aws_sdk_ec2::types::Filter::builder().name("is-default").values("true").build()).send().await.unwrap();
        let vpc_id = vpc.vpcs()[0].vpc_id().unwrap().to_string();
        let subnets = ec2.describe_subnets().filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc_id).build()).send().await.unwrap();
        let subnet_ids: Vec<String> = subnets.subnets().iter().filter_map(|s| s.subnet_id().map(str::to_string)).collect();
        let rds = aws.rds();
        rds.create_db_subnet_group()
            .db_subnet_group_name("alex-aurora-subnet-group")
            .db_subnet_group_description("Default VPC subnets for alex-aurora-cluster")
            .set_subnet_ids(Some(subnet_ids))
            .send()
            .await
            .unwrap();
        let sg = ec2.create_security_group().group_name("alex-aurora-sg").description("Aurora PostgreSQL for Alex").vpc_id(&vpc_id).send().await.unwrap();
        let sg_id = sg.group_id().unwrap().to_string();
        // The seed's Terraform never set storage_encrypted: the cluster is unencrypted.
        rds.create_db_cluster()
            .db_cluster_identifier("alex-aurora-cluster")
            .engine("aurora-postgresql")
            .engine_version("15.12")
            .database_name("alex")
            .master_username("alexadmin")
            .master_user_password("Terraform-made-password-123")
            .db_subnet_group_name("alex-aurora-subnet-group")
            .vpc_security_group_ids(&sg_id)
            .serverless_v2_scaling_configuration(aws_sdk_rds::types::ServerlessV2ScalingConfiguration::builder().min_capacity(0.5).max_capacity(1.0).build())
            .enable_http_endpoint(true)
            .backup_retention_period(7)
            .storage_encrypted(false)
            .send()
            .await
            .unwrap();
        rds.create_db_instance()
            .db_instance_identifier("alex-aurora-instance-1")
            .db_cluster_identifier("alex-aurora-cluster")
            .db_instance_class("db.serverless")
            .engine("aurora-postgresql")
            .send()
            .await
            .unwrap();
        let assume = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        for role in ["alex-lambda-aurora-role", "alex-lambda-agents-role"] {
            aws.iam().create_role().role_name(role).assume_role_policy_document(assume).send().await.unwrap();
        }
        let sqs = aws.sqs();
        let dlq = sqs.create_queue().queue_name("alex-analysis-jobs-dlq").send().await.unwrap().queue_url.unwrap();
        let jobs = sqs.create_queue().queue_name("alex-analysis-jobs").send().await.unwrap().queue_url.unwrap();
        let tfstate = serde_json::json!({
            "version": 4, "terraform_version": "1.11.4", "serial": 12, "lineage": "5c1e0d2a-tf", "outputs": {},
            "resources": [
                {"mode": "data", "type": "aws_vpc", "name": "default", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": vpc_id, "default": true}}]},
                {"mode": "managed", "type": "random_id", "name": "secret_suffix", "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
                 "instances": [{"schema_version": 0, "attributes": {"b64_std": "XzqcHg==", "b64_url": "XzqcHg", "byte_length": 4, "dec": "1597676574", "hex": "5f3a9c1e", "id": "XzqcHg", "keepers": null, "prefix": null}}]},
                {"mode": "managed", "type": "aws_secretsmanager_secret", "name": "db_credentials", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"arn": secret_arn, "id": secret_arn, "name": "alex-aurora-credentials-5f3a9c1e", "recovery_window_in_days": 0}}]},
                {"mode": "managed", "type": "aws_secretsmanager_secret_version", "name": "db_credentials", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"secret_id": secret_arn}, "sensitive_attributes": [[{"type": "get_attr", "value": "secret_string"}]]}]},
                {"mode": "managed", "type": "aws_db_subnet_group", "name": "aurora", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": "alex-aurora-subnet-group", "name": "alex-aurora-subnet-group"}}]},
                {"mode": "managed", "type": "aws_security_group", "name": "aurora", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 1, "attributes": {"id": sg_id, "name": "alex-aurora-sg", "vpc_id": vpc_id}}]},
                {"mode": "managed", "type": "aws_rds_cluster", "name": "aurora", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"cluster_identifier": "alex-aurora-cluster", "id": "alex-aurora-cluster", "storage_encrypted": false, "engine": "aurora-postgresql"}}]},
                {"mode": "managed", "type": "aws_rds_cluster_instance", "name": "aurora", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"identifier": "alex-aurora-instance-1", "id": "alex-aurora-instance-1"}}]},
                {"mode": "managed", "type": "aws_iam_role", "name": "lambda_aurora_role", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": "alex-lambda-aurora-role", "name": "alex-lambda-aurora-role"}}]},
                {"mode": "managed", "type": "aws_iam_role_policy_attachment", "name": "lambda_basic", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"role": "alex-lambda-aurora-role"}}]},
                {"mode": "managed", "type": "aws_iam_role", "name": "lambda_agents_role", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": "alex-lambda-agents-role", "name": "alex-lambda-agents-role"}}]},
                {"mode": "managed", "type": "aws_sqs_queue", "name": "analysis_jobs_dlq", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": dlq, "url": dlq, "name": "alex-analysis-jobs-dlq"}}]},
                {"mode": "managed", "type": "aws_sqs_queue", "name": "analysis_jobs", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": jobs, "url": jobs, "name": "alex-analysis-jobs"}}]},
                {"mode": "managed", "type": "aws_appautoscaling_target", "name": "unused", "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                 "instances": [{"schema_version": 0, "attributes": {"id": "x"}}]}
            ],
            "check_results": null
        });
        (serde_json::to_string_pretty(&tfstate).unwrap(), secret_arn)
    })
}

#[test]
fn from_terraform_keeps_stateful_resources() {
    let env = Env::new();
    let (tfstate, secret_arn) = terraform_fixture(&env);
    env.write("terraform.tfstate", &tfstate);
    let tf = env.path("terraform.tfstate");
    let import = env.infra(&["import", "--from-terraform", tf.to_str().unwrap()]);
    import.ok();
    // The module's outputs are there at once, not after the next `up`.
    let output = env.infra(&["output", "5_database", "aurora_secret_arn"]);
    output.ok();
    assert_eq!(output.stdout.trim(), secret_arn, "{}", output.all());
    let out = &import.stdout;
    for line in [
        "random_id.secret_suffix",
        "-> 5_database.secret_suffix (hex 5f3a9c1e)",
        "-> 5_database.db_credentials",
        "-> 5_database.aurora",
        "-> 5_database.aurora_instance",
        "-> 6_agents.analysis_jobs",
        "kept as managed_policy_arns of its iam.role",
        "not mapped: infra has no type for aws_appautoscaling_target",
    ] {
        assert!(out.contains(line), "report has `{line}`:\n{out}");
    }
    // The cluster is unencrypted; the manifest's default would replace it. The live
    // value is written into the manifest instead, saying why.
    assert!(import.stderr.contains("5_database.aurora: storage_encrypted = false written into the manifest"), "{}", import.stderr);
    let manifest = std::fs::read_to_string(env.path("modules/5_database.toml")).unwrap();
    assert!(manifest.contains("storage_encrypted = false  # imported"), "{manifest}");
    assert_eq!(env.state()["modules"]["5_database"]["resources"]["db_credentials"]["id"], secret_arn.as_str());

    let plan = env.infra(&["plan", "--all"]);
    plan.ok();
    for address in [
        "5_database.secret_suffix",
        "5_database.db_credentials",
        "5_database.aurora ",
        "5_database.aurora_instance",
        "6_agents.analysis_jobs",
        "6_agents.agents_role",
    ] {
        for line in plan.stdout.lines().filter(|l| l.contains(address)) {
            assert!(
                !line.trim_start().starts_with("-/+") && !line.trim_start().starts_with("+ "),
                "no create or replace of {address}:\n{}",
                plan.stdout
            );
        }
    }
    env.block_on(async {
        let c = env.rds().describe_db_clusters().db_cluster_identifier("alex-aurora-cluster").send().await.unwrap();
        assert_eq!(c.db_clusters()[0].storage_encrypted(), Some(false), "import changed nothing in AWS");
    });
}

/// Seed 004's trade-matching resources, made by hand (SDK calls straight to the
/// emulator, as the seed's AWS CLI commands did), tagged with the project.
fn trade_matching_by_hand(env: &Env) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, Tag, TimeToLiveSpecification,
    };
    let aws = env.aws();
    let tag = || Tag::builder().key("Project").value("trade-matching-system").build().unwrap();
    env.block_on(async {
        let db = aws.dynamodb();
        for (name, hash, range) in [
            ("BankTradeData", "trade_id", Some("internal_reference")),
            ("CounterpartyTradeData", "trade_id", Some("internal_reference")),
            ("ai-trade-matching-processing-status", "sessionId", None),
            ("ExceptionsTable", "exception_id", Some("timestamp")),
            ("AgentRegistry", "agent_id", None),
        ] {
            let mut keys = vec![KeySchemaElement::builder().attribute_name(hash).key_type(KeyType::Hash).build().unwrap()];
            let mut defs = vec![AttributeDefinition::builder().attribute_name(hash).attribute_type(ScalarAttributeType::S).build().unwrap()];
            if let Some(r) = range {
                keys.push(KeySchemaElement::builder().attribute_name(r).key_type(KeyType::Range).build().unwrap());
                defs.push(AttributeDefinition::builder().attribute_name(r).attribute_type(ScalarAttributeType::S).build().unwrap());
            }
            db.create_table()
                .table_name(name)
                .set_key_schema(Some(keys))
                .set_attribute_definitions(Some(defs))
                .billing_mode(BillingMode::PayPerRequest)
                .tags(tag())
                .send()
                .await
                .unwrap();
        }
        let ttl = TimeToLiveSpecification::builder().attribute_name("expiresAt").enabled(true).build().unwrap();
        db.update_time_to_live().table_name("ai-trade-matching-processing-status").time_to_live_specification(ttl).send().await.unwrap();

        let s3 = env.s3();
        let tagging = aws_sdk_s3::types::Tagging::builder()
            .tag_set(aws_sdk_s3::types::Tag::builder().key("Project").value("trade-matching-system").build().unwrap())
            .build()
            .unwrap();
        for bucket in ["trade-matching-system-agentcore-production", "trade-matching-system-audit"] {
            s3.create_bucket().bucket(bucket).send().await.unwrap();
            s3.put_bucket_tagging().bucket(bucket).tagging(tagging.clone()).send().await.unwrap();
        }
        // Access logs of the production bucket go to the audit bucket.
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::trade-matching-system-audit/*"}]}"#;
        s3.put_bucket_policy().bucket("trade-matching-system-audit").policy(policy).send().await.unwrap();
        let logging = aws_sdk_s3::types::BucketLoggingStatus::builder()
            .logging_enabled(aws_sdk_s3::types::LoggingEnabled::builder().target_bucket("trade-matching-system-audit").target_prefix("production/").build().unwrap())
            .build();
        s3.put_bucket_logging().bucket("trade-matching-system-agentcore-production").bucket_logging_status(logging).send().await.unwrap();
        let sqs = aws.sqs();
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let dlq = sqs
            .create_queue()
            .queue_name("trade-matching-dlq.fifo")
            .attributes(A::FifoQueue, "true")
            .tags("Project", "trade-matching-system")
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let dlq_arn = sqs.get_queue_attributes().queue_url(&dlq).attribute_names(A::QueueArn).send().await.unwrap().attributes.unwrap()[&A::QueueArn].clone();
        sqs.create_queue()
            .queue_name("trade-matching-trades.fifo")
            .attributes(A::FifoQueue, "true")
            .attributes(A::ContentBasedDeduplication, "true")
            .attributes(A::RedrivePolicy, format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":5}}"#))
            .tags("Project", "trade-matching-system")
            .send()
            .await
            .unwrap();
        let assume = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock-agentcore.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        aws.iam()
            .create_role()
            .role_name("trade-matching-agentcore-execution")
            .assume_role_policy_document(assume)
            .tags(aws_sdk_iam::types::Tag::builder().key("Project").value("trade-matching-system").build().unwrap())
            .send()
            .await
            .unwrap();
        for agent in ["pdf-adapter", "trade-matching"] {
            aws.logs().create_log_group().log_group_name(format!("/aws/bedrock/agentcore/{agent}")).tags("Project", "trade-matching-system").send().await.unwrap();
        }
        // Not the project's: left alone.
        sqs.create_queue().queue_name("someone-else").send().await.unwrap();
    });
}

#[test]
fn discover_writes_manifests_for_what_was_made_by_hand() {
    let env = Env::empty();
    trade_matching_by_hand(&env);
    let dry = env.infra(&["import", "--discover", "--tag", "Project=trade-matching-system", "--dry-run"]);
    dry.ok();
    assert!(dry.stdout.contains("Found 12 resources (--tag Project=trade-matching-system)"), "{}", dry.stdout);
    assert!(!env.path("modules/imported.toml").exists(), "a dry run writes nothing");

    let import = env.infra(&["import", "--discover", "--tag", "Project=trade-matching-system"]);
    import.ok();
    let manifest = std::fs::read_to_string(env.path("modules/imported.toml")).unwrap();
    for fragment in [
        "[resources.banktradedata]",
        "type = \"dynamodb.table\"",
        "range_key = \"internal_reference\"",
        "ttl_attribute = \"expiresAt\"",
        "prevent_destroy = true",
        "dead_letter_target_arn = \"${resources.trade_matching_dlq_fifo.arn}\"",
        "[resources.aws_bedrock_agentcore_pdf_adapter]",
        "target_bucket = \"${resources.trade_matching_system_audit.name}\"",
    ] {
        assert!(manifest.contains(fragment), "`{fragment}` in:\n{manifest}");
    }
    assert!(!manifest.contains("someone-else"), "{manifest}");
    env.infra(&["validate"]).ok();

    // The manifest says what is there: nothing to do (infra's own tags wait for a real change).
    let plan = env.infra(&["plan", "imported", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());

    let down = env.infra(&["down", "imported", "--yes"]);
    assert_eq!(down.code, 1, "tables and buckets are protected:\n{}", down.all());
    assert!(down.stderr.contains("prevent_destroy"), "{}", down.stderr);
    env.block_on(async {
        assert_eq!(env.aws().dynamodb().list_tables().send().await.unwrap().table_names().len(), 5, "nothing in AWS changed");
        let tags = env.iam().list_role_tags().role_name("trade-matching-agentcore-execution").send().await.unwrap();
        assert_eq!(tags.tags().len(), 1, "import does not tag");
    });
}

#[test]
fn discover_by_name_prefix_split_by_service_in_a_new_project() {
    let env = Env::empty();
    std::fs::remove_dir_all(env.path("modules")).unwrap();
    let aws = env.aws();
    env.block_on(async {
        for q in ["tm-orders", "tm-orders-dlq", "other-orders"] {
            aws.sqs().create_queue().queue_name(q).send().await.unwrap();
        }
        aws.logs().create_log_group().log_group_name("tm-audit").send().await.unwrap();
    });
    let import = env.infra(&["import", "--discover", "--name-prefix", "tm-", "--split", "--module", "legacy"]);
    import.ok();
    assert!(import.stdout.contains("Found 3 resources (--name-prefix tm-)"), "{}", import.stdout);
    let sqs = std::fs::read_to_string(env.path("modules/legacy_sqs.toml")).unwrap();
    assert!(sqs.contains("name = \"tm-orders\"") && sqs.contains("name = \"tm-orders-dlq\"") && !sqs.contains("other-orders"), "{sqs}");
    let logs = std::fs::read_to_string(env.path("modules/legacy_logs.toml")).unwrap();
    assert!(logs.contains("name = \"tm-audit\""), "{logs}");
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let again = env.infra(&["import", "--discover", "--name-prefix", "tm-", "--split", "--module", "legacy"]);
    assert_eq!(again.code, 1, "an existing module file is never overwritten");
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}

/// `--all-in-region --type`: every resource of the types named, tagged or not, split by
/// service; a subscription's queue, in the other service's module, is a reference through
/// an output of that module.
#[test]
fn discover_all_in_region_of_chosen_types() {
    let env = Env::empty();
    let aws = env.aws();
    let queue_arn = env.block_on(async {
        let url = aws.sqs().create_queue().queue_name("ledger-events").send().await.unwrap().queue_url.unwrap();
        let attrs = aws
            .sqs()
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        let arn = attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
        let topic = aws.sns().create_topic().name("ledger").send().await.unwrap().topic_arn.unwrap();
        aws.sns().subscribe().topic_arn(&topic).protocol("sqs").endpoint(&arn).send().await.unwrap();
        aws.logs().create_log_group().log_group_name("not-listed").send().await.unwrap();
        arn
    });

    let unknown = env.infra(&["import", "--discover", "--all-in-region", "--type", "sqs,snz"]);
    assert_eq!(unknown.code, 1, "{}", unknown.all());
    assert!(unknown.stderr.contains("--type `snz`: no such type or service"), "{}", unknown.stderr);
    let untyped = env.infra(&["import", "--discover", "--all-in-region"]);
    assert_eq!(untyped.code, 1);
    assert!(untyped.stderr.contains("--all-in-region needs the types"), "{}", untyped.stderr);
    let unlisted = env.infra(&["import", "--discover", "--all-in-region", "--type", "lambda.function"]);
    assert_eq!(unlisted.code, 1);
    assert!(unlisted.stderr.contains("lambda.function cannot be discovered: its `code_dir`"), "{}", unlisted.stderr);

    let import = env.infra(&["import", "--discover", "--all-in-region", "--type", "sqs,sns", "--split"]);
    import.ok();
    assert!(import.stdout.contains("Found 3 resources (--all-in-region --type sqs,sns)"), "{}", import.stdout);
    let sns = std::fs::read_to_string(env.path("modules/imported_sns.toml")).unwrap();
    let sqs = std::fs::read_to_string(env.path("modules/imported_sqs.toml")).unwrap();
    assert!(sns.contains("endpoint = \"${module.imported_sqs.ledger_events_arn}\""), "{sns}");
    assert!(sns.contains("topic_arn = \"${resources.ledger.arn}\""), "{sns}");
    assert!(sqs.contains("ledger_events_arn = \"${resources.ledger_events.arn}\""), "{sqs}");
    assert!(!sns.contains(&queue_arn) && !sqs.contains("not-listed"), "{sns}{sqs}");
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}

/// The same with a state Terraform itself wrote: the Alex 5_database module in HCL
/// (benches/terraform, renamed to the manifest's names) applied by Terraform 1.11 with
/// the AWS provider against the emulator. Terraform is not a dependency of the tests:
/// without it (or its provider mirror) this test says so and stops; the fixture-based
/// test above covers the import itself.
#[test]
fn from_a_state_terraform_wrote() {
    let mirror = std::path::Path::new("/opt/tf-plugins");
    let terraform = std::process::Command::new("terraform").arg("version").output().is_ok_and(|o| o.status.success());
    if !terraform || !mirror.is_dir() {
        eprintln!("from_a_state_terraform_wrote: skipped, Terraform or its provider mirror (/opt/tf-plugins) is not on this machine");
        return;
    }
    let env = Env::new();
    let work = env.path("tf/5_database");
    crate::harness::copy_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/terraform/5_database"), &work);
    let main = std::fs::read_to_string(work.join("main.tf")).unwrap();
    let main = main
        .replace("alex-aurora-credentials-tf", "alex-aurora-credentials-5f3a9c1e")
        .replace("alex-aurora-subnet-group-tf", "alex-aurora-subnet-group")
        .replace("alex-aurora-sg-tf", "alex-aurora-sg")
        .replace("alex-aurora-cluster-tf", "alex-aurora-cluster")
        .replace("alex-aurora-instance-tf", "alex-aurora-instance-1")
        .replace("alex-lambda-aurora-role-tf", "alex-lambda-aurora-role");
    std::fs::write(work.join("main.tf"), main).unwrap();
    let rc = env.path("tf/terraformrc");
    std::fs::write(&rc, format!("provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n", mirror.display()))
        .unwrap();
    for args in [&["init", "-input=false", "-no-color"][..], &["apply", "-auto-approve", "-input=false", "-no-color"][..]] {
        let out = std::process::Command::new("terraform")
            .args(args)
            .current_dir(&work)
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env("TF_IN_AUTOMATION", "1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("TF_VAR_endpoint", &env.proxy.url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "terraform {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // This HCL has no random_id (the random provider is not mirrored here): the suffix
    // is imported by its value first, as one would from a state that had it.
    env.infra(&["import", "5_database.secret_suffix", "5f3a9c1e"]).ok();
    let state = work.join("terraform.tfstate");
    let import = env.infra(&["import", "--from-terraform", state.to_str().unwrap()]);
    import.ok();
    for line in ["-> 5_database.db_credentials", "-> 5_database.aurora", "-> 5_database.aurora_instance", "-> 5_database.security_group"] {
        assert!(import.stdout.contains(line), "`{line}`:\n{}", import.stdout);
    }
    assert!(import.stderr.contains("5_database.aurora: storage_encrypted = false written into the manifest"), "{}", import.stderr);
    let plan = env.infra(&["plan", "5_database"]);
    plan.ok();
    for address in [
        "5_database.db_credentials",
        "5_database.aurora ",
        "5_database.aurora_instance",
        "5_database.subnet_group",
        "5_database.security_group",
    ] {
        for line in plan.stdout.lines().filter(|l| l.contains(address)) {
            let line = line.trim_start();
            assert!(!line.starts_with("-/+") && !line.starts_with("+ "), "no create or replace of {address}:\n{}", plan.stdout);
        }
    }
}
