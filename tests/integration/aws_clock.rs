//! The stacks on AWS's clock (issue 24): the emulator started with
//! `INFRA_EMULATOR_CLOCK` (scripts/moto_clock.py) takes AWS's time for slow creates,
//! updates and deletes, holds names while something is deleted and refuses calls while
//! something is in progress, each as AWS documents it. Every stack goes up, changes (in
//! place and by replacement), comes down and goes up again at once, with every run
//! succeeding, no duplicate, every wait shown with its elapsed and expected time, and
//! nothing left after the last teardown.

use std::path::Path;

use crate::harness::{copy_dir, Env, Run};

/// AWS's durations divided by this: Aurora's 10-minute instance create takes 5 s.
const FACTOR: u32 = 120;

/// The Partner stack has no slow resource; what AWS holds there (queue names, a deleted
/// function's network interfaces) is held for seconds at this pace.
const PARTNER_FACTOR: u32 = 10;

fn stack(modules: &Path, factor: u32) -> Env {
    let env = Env::clock(factor);
    copy_dir(modules, &env.path("modules"));
    env
}

fn root(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The run succeeded and showed a wait for `what`, with its elapsed time and AWS's
/// typical duration beside it.
#[track_caller]
fn waited(run: &Run, what: &str) {
    let shown = run.stderr.lines().any(|l| {
        l.trim_start().starts_with("Waiting") && l.contains(what) && l.contains("s elapsed, expected ") && l.ends_with(" on AWS)")
    });
    assert!(shown, "a wait for {what:?} with elapsed and expected time:\n{}", run.stderr);
}

fn edit(env: &Env, rel: &str, from: &str, to: &str) {
    let path = env.path(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} holds {from:?}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// Each of `names` is live exactly once (no duplicate left by a retried create).
#[track_caller]
fn once_each(what: &str, live: &[String], names: &[&str]) {
    for name in names {
        let n = live.iter().filter(|l| l.as_str() == *name).count();
        assert_eq!(n, 1, "{what} {name} exists once: {live:?}");
    }
}

fn alex_live(env: &Env, dlq: &str) {
    env.block_on(async {
        let rds = env.rds();
        let clusters = rds.describe_db_clusters().send().await.unwrap();
        let ids: Vec<String> = clusters.db_clusters().iter().filter_map(|c| c.db_cluster_identifier().map(str::to_string)).collect();
        once_each("cluster", &ids, &["alex-aurora-cluster"]);
        assert!(clusters.db_clusters().iter().all(|c| c.status() == Some("available")), "settled");
        let instances = rds.describe_db_instances().send().await.unwrap();
        let ids: Vec<String> = instances.db_instances().iter().filter_map(|i| i.db_instance_identifier().map(str::to_string)).collect();
        once_each("instance", &ids, &["alex-aurora-instance-1"]);

        let queues = env.sqs().list_queues().send().await.unwrap();
        let names: Vec<String> = queues.queue_urls().iter().map(|u| u.rsplit('/').next().unwrap_or_default().to_string()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        once_each("queue", &names, &["alex-analysis-jobs", dlq]);

        let functions = env.lambda().list_functions().send().await.unwrap();
        let names: Vec<String> = functions.functions().iter().filter_map(|f| f.function_name().map(str::to_string)).collect();
        once_each(
            "function",
            &names,
            &["alex-planner", "alex-tagger", "alex-reporter", "alex-charter", "alex-retirement", "alex-ingest", "alex-api"],
        );

        let endpoints = env.sagemaker().list_endpoints().send().await.unwrap();
        let names: Vec<String> = endpoints.endpoints().iter().map(|e| e.endpoint_name().unwrap_or_default().to_string()).collect();
        once_each("endpoint", &names, &["alex-embedding-endpoint"]);

        let apis = env.apigateway().get_rest_apis().send().await.unwrap();
        let names: Vec<String> = apis.items().iter().filter_map(|a| a.name().map(str::to_string)).collect();
        once_each("REST API", &names, &["alex-api", "alex-frontend-api"]);

        let dists = env.cloudfront().list_distributions().send().await.unwrap();
        let items = dists.distribution_list().map(|l| l.items().to_vec()).unwrap_or_default();
        assert_eq!(items.len(), 1, "one distribution");
        assert_eq!(items[0].status(), "Deployed", "a run ends with the distribution deployed");

        let secrets = env.secrets().list_secrets().send().await.unwrap();
        assert_eq!(secrets.secret_list().len(), 1, "one database secret: {:?}", secrets.secret_list());
    });
}

#[test]
fn alex() {
    let env = stack(&root("modules"), FACTOR);
    let up = env.infra(&["up", "--all"]);
    up.ok();
    // Only a clock that keeps AWS's time makes these waits (moto alone is instant).
    waited(&up, "cluster alex-aurora-cluster to become available");
    waited(&up, "instance alex-aurora-instance-1 to become available");
    waited(&up, "endpoint alex-embedding-endpoint to become available");
    waited(&up, "distribution");
    alex_live(&env, "alex-analysis-jobs-dlq");

    // In place: Aurora's capacity (the cluster `modifying`), the agents' settings and code
    // (each function `InProgress` between its updates), the distribution (`InProgress`);
    // replaced under the same name: the job queue (the name refused for a minute) and the
    // endpoint (`Deleting` holds the name); under a new name: the dead-letter queue.
    std::fs::create_dir_all(env.path("modules/code/v2")).unwrap();
    std::fs::write(env.path("modules/code/v2/lambda_handler.py"), "def lambda_handler(event, context):\n    return 2\n").unwrap();
    edit(&env, "modules/7_frontend.toml", "comment = \"Alex frontend\"", "comment = \"Alex frontend, v2\"");
    edit(&env, "modules/6_agents.toml", "name = \"alex-analysis-jobs-dlq\"", "name = \"alex-analysis-dead-letters\"");
    let change = env.infra(&[
        "up",
        "--all",
        "--yes",
        "--var",
        "5_database.max_capacity=2",
        "--var",
        "6_agents.bedrock_model_id=us.amazon.nova-lite-v1:0",
        "--var",
        "6_agents.code_dir=code/v2",
        "--replace",
        "6_agents.analysis_jobs",
        "--replace",
        "2_sagemaker.embedding_endpoint",
    ]);
    change.ok();
    waited(&change, "cluster alex-aurora-cluster to become available");
    waited(&change, "endpoint alex-embedding-endpoint to be deleted");
    waited(&change, "distribution");
    alex_live(&env, "alex-analysis-dead-letters");

    // Everything down and straight back up; the database comes back from the final
    // snapshot `down` kept, taken while the cluster was `deleting`.
    let down = env.infra(&["down", "--all", "--yes"]);
    down.ok();
    waited(&down, "cluster alex-aurora-cluster to be deleted");
    let again = env.infra(&["up", "--all"]);
    again.ok();
    assert!(again.stderr.contains("restored from snapshot alex-aurora-cluster-final-"), "{}", again.stderr);
    alex_live(&env, "alex-analysis-dead-letters");
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "converged:\n{}\n{}", plan.stdout, plan.stderr);

    env.infra(&["down", "--all", "--yes", "--delete-snapshots"]).ok();
    crate::alex_stack::assert_nothing_left(&env);
}

fn names(list: impl Iterator<Item = String>) -> Vec<String> {
    list.collect()
}

fn partner_live(env: &Env) {
    env.block_on(async {
        let functions = env.lambda().list_functions().send().await.unwrap();
        once_each(
            "function",
            &names(functions.functions().iter().filter_map(|f| f.function_name().map(str::to_string))),
            &["steno-dev-api", "steno-dev-websocket"],
        );
        let queues = env.sqs().list_queues().send().await.unwrap();
        let live = names(queues.queue_urls().iter().map(|u| u.rsplit('/').next().unwrap_or_default().to_string()));
        assert_eq!(live.len(), 2, "{live:?}");
        once_each("queue", &live, &["steno-dev-processing-dlq"]);
        let db = env.rds().describe_db_instances().send().await.unwrap();
        once_each(
            "instance",
            &names(db.db_instances().iter().filter_map(|i| i.db_instance_identifier().map(str::to_string))),
            &["steno-dev-postgres"],
        );
        let groups = env.ec2().describe_security_groups().send().await.unwrap();
        let live = names(groups.security_groups().iter().filter_map(|g| g.group_name().map(str::to_string)));
        once_each("security group", &live, &["steno-dev-rds-sg", "steno-dev-lambda-sg"]);
        let secrets = env.secrets().list_secrets().send().await.unwrap();
        once_each(
            "secret",
            &names(secrets.secret_list().iter().filter_map(|s| s.name().map(str::to_string))),
            &["steno-dev-db-credentials"],
        );
    });
}

#[test]
fn partner() {
    let env = stack(&root("examples/partner/modules"), PARTNER_FACTOR);
    let up = env.infra(&["up", "--all"]);
    up.ok();
    partner_live(&env);

    // In place: the database's class and the log retention; replaced under a new name:
    // the processing queue (the functions are re-wired to it); under the same name: the
    // dead-letter queue (its name held for a minute) and the API function in the VPC.
    edit(&env, "modules/6_messaging.toml", "name = \"steno-${env}-processing\"", "name = \"steno-${env}-jobs\"");
    let change = env.infra(&[
        "up",
        "--all",
        "--yes",
        "--var",
        "3_database.instance_class=db.t4g.small",
        "--var",
        "5_monitoring.log_retention_days=14",
        "--replace",
        "6_messaging.dlq",
        "--replace",
        "7_api.api_fn",
    ]);
    change.ok();
    waited(&change, "the deleted queue's name to be released");
    partner_live(&env);

    let down = env.infra(&["down", "--all", "--yes"]);
    down.ok();
    waited(&down, "network interfaces to release the security group");
    let again = env.infra(&["up", "--all"]);
    again.ok();
    waited(&again, "the deleted queue's name to be released");
    partner_live(&env);
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "converged:\n{}\n{}", plan.stdout, plan.stderr);

    env.infra(&["down", "--all", "--yes"]).ok();
    let aws = env.aws();
    env.block_on(async {
        let vpcs = env
            .ec2()
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("tag:Project").values("steno").build())
            .send()
            .await
            .unwrap();
        assert!(vpcs.vpcs().is_empty(), "the VPC is gone");
        assert!(env.rds().describe_db_instances().send().await.unwrap().db_instances().is_empty());
        assert!(env.lambda().list_functions().send().await.unwrap().functions().is_empty());
        assert!(env.sqs().list_queues().send().await.unwrap().queue_urls().is_empty());
        assert!(env.secrets().list_secrets().send().await.unwrap().secret_list().is_empty());
        assert!(aws.apigatewayv2().get_apis().send().await.unwrap().items().is_empty());
        assert!(env.s3().list_buckets().send().await.unwrap().buckets().is_empty());
        // Keys wait out their deletion window (7 days and more on AWS): one per `up`.
        let keys = aws.kms().list_keys().send().await.unwrap();
        assert_eq!(keys.keys().len(), 2, "{:?}", keys.keys());
        for k in keys.keys() {
            let meta = aws.kms().describe_key().key_id(k.key_id().unwrap()).send().await.unwrap();
            assert_eq!(meta.key_metadata().unwrap().key_state().map(|s| s.as_str()), Some("PendingDeletion"));
        }
    });
}

fn retail_live(env: &Env) {
    let aws = env.aws();
    env.block_on(async {
        let clusters = env.rds().describe_db_clusters().send().await.unwrap();
        once_each(
            "cluster",
            &names(clusters.db_clusters().iter().filter_map(|c| c.db_cluster_identifier().map(str::to_string))),
            &["nlsql-dev-aurora"],
        );
        let instances = env.rds().describe_db_instances().send().await.unwrap();
        once_each(
            "instance",
            &names(instances.db_instances().iter().filter_map(|i| i.db_instance_identifier().map(str::to_string))),
            &["nlsql-dev-aurora-1"],
        );
        let secrets = env.secrets().list_secrets().send().await.unwrap();
        assert_eq!(secrets.secret_list().len(), 1, "one database secret");
        let lbs = aws.elbv2().describe_load_balancers().send().await.unwrap();
        once_each(
            "load balancer",
            &names(lbs.load_balancers().iter().filter_map(|l| l.load_balancer_name().map(str::to_string))),
            &["nlsql-dev-alb"],
        );
        let services = aws.ecs().list_services().cluster("nlsql-dev").send().await.unwrap();
        assert_eq!(services.service_arns().len(), 2, "{:?}", services.service_arns());
    });
}

#[test]
fn retail_insights() {
    let env = stack(&root("examples/retail-insights/modules"), FACTOR);
    let up = env.infra(&["up", "--all"]);
    up.ok();
    waited(&up, "cluster nlsql-dev-aurora to become available");
    waited(&up, "instance nlsql-dev-aurora-1 to become available");
    retail_live(&env);

    // In place: Aurora's capacity (`modifying`), the services' task count and image (a new
    // task definition revision); replaced: the credentials under a new name (the task
    // definition and services follow) and the writer under its own identifier (held
    // while it is deleted).
    edit(&env, "modules/3_database.toml", "nlsql-${env}-aurora-${resources", "nlsql-${env}-aurora-credentials-${resources");
    let change = env.infra(&[
        "up",
        "--all",
        "--yes",
        "--var",
        "3_database.max_capacity=4",
        "--var",
        "4_app.desired_count=2",
        "--var",
        "4_app.api_image=public.ecr.aws/docker/library/python:3.13-slim",
        "--replace",
        "3_database.writer",
    ]);
    change.ok();
    waited(&change, "instance nlsql-dev-aurora-1 to be deleted");
    waited(&change, "cluster nlsql-dev-aurora to become available");
    retail_live(&env);

    let down = env.infra(&["down", "--all", "--yes"]);
    down.ok();
    waited(&down, "cluster nlsql-dev-aurora to be deleted");
    let again = env.infra(&["up", "--all"]);
    again.ok();
    retail_live(&env);
    let plan = env.infra(&["plan", "--all", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "converged:\n{}\n{}", plan.stdout, plan.stderr);

    env.infra(&["down", "--all", "--yes"]).ok();
    let aws = env.aws();
    env.block_on(async {
        assert!(env.rds().describe_db_clusters().send().await.unwrap().db_clusters().is_empty());
        assert!(env.rds().describe_db_instances().send().await.unwrap().db_instances().is_empty());
        assert!(env.rds().describe_db_subnet_groups().send().await.unwrap().db_subnet_groups().is_empty());
        assert!(env.secrets().list_secrets().send().await.unwrap().secret_list().is_empty());
        assert!(aws.elbv2().describe_load_balancers().send().await.unwrap().load_balancers().is_empty());
        assert!(env.s3().list_buckets().send().await.unwrap().buckets().is_empty());
        let vpcs = env
            .ec2()
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("tag:Project").values("nlsql").build())
            .send()
            .await
            .unwrap();
        assert!(vpcs.vpcs().is_empty());
    });
}

/// Runs `args` until a line of its progress contains `line`, then kills it (SIGKILL).
#[track_caller]
fn kill_at(env: &Env, args: &[&str], line: &str) {
    use std::io::BufRead;
    let mut child = env.command(args).stderr(std::process::Stdio::piped()).stdout(std::process::Stdio::null()).spawn().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    for l in stderr.lines() {
        let l = l.unwrap();
        let hit = l.contains(line);
        seen.push(l);
        if hit {
            child.kill().unwrap();
            child.wait().unwrap();
            return;
        }
    }
    let status = child.wait().unwrap();
    panic!("{args:?} ended ({status}) before showing {line:?}:\n{}", seen.join("\n"));
}

const DATABASE: &str = r#"
[resources.credentials]
type = "secretsmanager.secret"
name = "clock-db-credentials"
recovery_window_days = 0
generate = { username = "dbadmin" }

[resources.cluster]
type = "rds.cluster"
identifier = "clock-db"
master_username = "dbadmin"
master_password_secret = "${resources.credentials.arn}"
master_password_version = "${resources.credentials.version_id}"
serverless_v2 = { min_capacity = 0.5, max_capacity = 1.0 }
skip_final_snapshot = true

[resources.writer]
type = "rds.cluster_instance"
identifier = "clock-db-1"
cluster_identifier = "${resources.cluster.identifier}"
"#;

/// A teardown killed while AWS still deletes the database leaves the instance `deleting`,
/// its identifier taken: the next `up` waits for it to be gone and creates it again, and
/// the next `down` waits for the delete already under way.
#[test]
fn runs_after_a_teardown_killed_mid_delete_wait_for_it() {
    let env = Env::clock(FACTOR);
    env.write("modules/db.toml", &format!("[module]\nname = \"db\"\n{DATABASE}"));
    env.infra(&["up", "--all"]).ok();

    kill_at(&env, &["down", "--all", "--yes"], "instance clock-db-1 to be deleted");
    let up = env.infra(&["up", "--all"]);
    up.ok();
    waited(&up, "instance clock-db-1 to be deleted");
    env.block_on(async {
        let instances = env.rds().describe_db_instances().send().await.unwrap();
        assert_eq!(instances.db_instances().len(), 1);
        assert_eq!(instances.db_instances()[0].db_instance_status(), Some("available"));
    });

    kill_at(&env, &["down", "--all", "--yes"], "instance clock-db-1 to be deleted");
    let down = env.infra(&["down", "--all", "--yes"]);
    down.ok();
    waited(&down, "instance clock-db-1 to be deleted");
    env.block_on(async {
        assert!(env.rds().describe_db_instances().send().await.unwrap().db_instances().is_empty());
        assert!(env.rds().describe_db_clusters().send().await.unwrap().db_clusters().is_empty());
    });
}

fn zipped_handler() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("lambda_handler.py", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(b"def lambda_handler(event, context):\n    return 1\n").unwrap();
    zip.finish().unwrap().into_inner()
}

/// The emulator's clock itself, read through the SDK as infra reads it: each behaviour
/// is there, and each refusal is the error the SDK's typed helper (or, for EC2 and
/// SageMaker, which model none, the error code) recognises. At 1/2 of AWS's pace, so
/// that the short windows (a fresh role, a pending function) are seconds long.
#[test]
fn the_emulator_keeps_aws_clock() {
    use aws_sdk_ec2::error::ProvideErrorMetadata;
    let env = Env::clock(2);
    let aws = env.aws();
    env.block_on(async {
        // Aurora: `creating` for minutes, the identifier taken meanwhile.
        let rds = env.rds();
        let cluster = || {
            rds.create_db_cluster()
                .db_cluster_identifier("clock-db")
                .engine("aurora-postgresql")
                .master_username("dbadmin")
                .master_user_password("password-1234")
        };
        let created = cluster().send().await.unwrap();
        assert_eq!(created.db_cluster().and_then(|c| c.status()), Some("creating"));
        let described = rds.describe_db_clusters().db_cluster_identifier("clock-db").send().await.unwrap();
        assert_eq!(described.db_clusters()[0].status(), Some("creating"));
        let taken = cluster().send().await.unwrap_err();
        assert!(taken.as_service_error().is_some_and(|e| e.is_db_cluster_already_exists_fault()), "{taken:?}");

        // Lambda: a fresh role cannot be assumed yet; a new function is `Pending`, an
        // updated one `InProgress`, and changes meanwhile conflict (409).
        let ec2 = env.ec2();
        let vpc = ec2.describe_vpcs().send().await.unwrap().vpcs()[0].vpc_id().unwrap().to_string();
        let group = ec2.create_security_group().group_name("clock-fn").description("clock").vpc_id(&vpc).send().await.unwrap();
        let group = group.group_id().unwrap().to_string();
        let subnet = ec2.create_subnet().vpc_id(&vpc).cidr_block("172.31.200.0/24").send().await.unwrap();
        let subnet = subnet.subnet().unwrap().subnet_id().unwrap().to_string();
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let role = env.iam().create_role().role_name("clock-fn").assume_role_policy_document(policy).send().await.unwrap();
        let role = role.role().unwrap().arn().to_string();
        let lambda = env.lambda();
        let function = || {
            lambda
                .create_function()
                .function_name("clock-fn")
                .runtime(aws_sdk_lambda::types::Runtime::Python312)
                .handler("lambda_handler.lambda_handler")
                .role(&role)
                .code(aws_sdk_lambda::types::FunctionCode::builder().zip_file(zipped_handler().into()).build())
                .vpc_config(aws_sdk_lambda::types::VpcConfig::builder().subnet_ids(&subnet).security_group_ids(&group).build())
        };
        let fresh = function().send().await.unwrap_err();
        assert!(fresh.as_service_error().is_some_and(|e| e.is_invalid_parameter_value_exception()), "{fresh:?}");
        let mut created = function().send().await;
        while created.as_ref().is_err_and(|e| e.as_service_error().is_some_and(|e| e.is_invalid_parameter_value_exception())) {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            created = function().send().await;
        }
        assert_eq!(created.unwrap().state().map(|s| s.as_str()), Some("Pending"));
        let update = || lambda.update_function_configuration().function_name("clock-fn").timeout(10);
        let busy = update().send().await.unwrap_err();
        assert!(busy.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()), "{busy:?}");
        let mut updated = update().send().await;
        while updated.as_ref().is_err_and(|e| e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception())) {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            updated = update().send().await;
        }
        assert_eq!(updated.unwrap().last_update_status().map(|s| s.as_str()), Some("InProgress"));
        let config = lambda.get_function_configuration().function_name("clock-fn").send().await.unwrap();
        assert_eq!(config.last_update_status().map(|s| s.as_str()), Some("InProgress"));
        let concurrency = lambda.put_function_concurrency().function_name("clock-fn").reserved_concurrent_executions(1).send().await;
        assert!(concurrency.unwrap_err().as_service_error().is_some_and(|e| e.is_resource_conflict_exception()));
        let permission = lambda
            .add_permission()
            .function_name("clock-fn")
            .statement_id("clock")
            .action("lambda:InvokeFunction")
            .principal("s3.amazonaws.com")
            .send()
            .await;
        assert!(permission.unwrap_err().as_service_error().is_some_and(|e| e.is_resource_conflict_exception()));
        // Its network interfaces hold the subnet and the group after it is gone.
        lambda.delete_function().function_name("clock-fn").send().await.unwrap();
        let held = ec2.delete_security_group().group_id(&group).send().await.unwrap_err();
        assert_eq!(held.code(), Some("DependencyViolation"), "{held:?}");
        let held = ec2.delete_subnet().subnet_id(&subnet).send().await.unwrap_err();
        assert_eq!(held.code(), Some("DependencyViolation"), "{held:?}");

        // SQS: a deleted queue's name is refused for a minute.
        let sqs = env.sqs();
        let url = sqs.create_queue().queue_name("clock-queue").send().await.unwrap().queue_url.unwrap();
        sqs.delete_queue().queue_url(&url).send().await.unwrap();
        let recent = sqs.create_queue().queue_name("clock-queue").send().await.unwrap_err();
        assert!(recent.as_service_error().is_some_and(|e| e.is_queue_deleted_recently()), "{recent:?}");

        // Secrets Manager: a secret scheduled for deletion keeps its name.
        let secrets = env.secrets();
        secrets.create_secret().name("clock-secret").secret_string("x").send().await.unwrap();
        secrets.delete_secret().secret_id("clock-secret").recovery_window_in_days(7).send().await.unwrap();
        let scheduled = secrets.create_secret().name("clock-secret").secret_string("x").send().await.unwrap_err();
        assert!(scheduled.as_service_error().is_some_and(|e| e.is_invalid_request_exception()), "{scheduled:?}");

        // KMS: a key pending deletion cannot be used.
        let kms = aws.kms();
        let key = kms.create_key().send().await.unwrap().key_metadata().unwrap().key_id().to_string();
        kms.schedule_key_deletion().key_id(&key).pending_window_in_days(7).send().await.unwrap();
        let pending = kms.encrypt().key_id(&key).plaintext(aws_smithy_types::Blob::new(b"x".to_vec())).send().await.unwrap_err();
        assert!(pending.as_service_error().is_some_and(|e| e.is_kms_invalid_state_exception()), "{pending:?}");

        // SageMaker: an endpoint is `Creating`; it cannot be updated meanwhile, and its
        // name is taken.
        let sm = env.sagemaker();
        let role = env.iam().create_role().role_name("clock-sm").assume_role_policy_document(policy).send().await.unwrap();
        let role = role.role().unwrap().arn().to_string();
        let container = aws_sdk_sagemaker::types::ContainerDefinition::builder().image("clock").build();
        sm.create_model().model_name("clock-model").execution_role_arn(role).primary_container(container).send().await.unwrap();
        let variant = aws_sdk_sagemaker::types::ProductionVariant::builder()
            .variant_name("all")
            .model_name("clock-model")
            .serverless_config(aws_sdk_sagemaker::types::ProductionVariantServerlessConfig::builder().memory_size_in_mb(2048).max_concurrency(1).build())
            .build();
        for name in ["clock-config", "clock-config-2"] {
            sm.create_endpoint_config().endpoint_config_name(name).production_variants(variant.clone()).send().await.unwrap();
        }
        sm.create_endpoint().endpoint_name("clock-endpoint").endpoint_config_name("clock-config").send().await.unwrap();
        let endpoint = sm.describe_endpoint().endpoint_name("clock-endpoint").send().await.unwrap();
        assert_eq!(endpoint.endpoint_status().map(|s| s.as_str()), Some("Creating"));
        let in_progress = sm.update_endpoint().endpoint_name("clock-endpoint").endpoint_config_name("clock-config-2").send().await.unwrap_err();
        assert_eq!(in_progress.code(), Some("ValidationException"), "{in_progress:?}");
        let taken = sm.create_endpoint().endpoint_name("clock-endpoint").endpoint_config_name("clock-config").send().await.unwrap_err();
        assert_eq!(taken.code(), Some("ValidationException"), "{taken:?}");

        // CloudFront: `InProgress` after a change; only a disabled, deployed distribution
        // can be deleted.
        use aws_sdk_cloudfront::types::{DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy};
        env.s3().create_bucket().bucket("clock-site").send().await.unwrap();
        let origin = Origin::builder()
            .id("site")
            .domain_name("clock-site.s3.us-east-1.amazonaws.com")
            .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
            .build()
            .unwrap();
        let behaviour =
            DefaultCacheBehavior::builder().target_origin_id("site").viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps).build().unwrap();
        let config = DistributionConfig::builder()
            .caller_reference("clock")
            .comment("clock")
            .enabled(true)
            .origins(Origins::builder().quantity(1).items(origin).build().unwrap())
            .default_cache_behavior(behaviour)
            .build()
            .unwrap();
        let cf = env.cloudfront();
        let dist = cf.create_distribution().distribution_config(config).send().await.unwrap();
        let etag = dist.e_tag().unwrap().to_string();
        let dist = dist.distribution().unwrap();
        assert_eq!(dist.status(), "InProgress");
        let enabled = cf.delete_distribution().id(dist.id()).if_match(&etag).send().await.unwrap_err();
        assert!(enabled.as_service_error().is_some_and(|e| e.is_distribution_not_disabled()), "{enabled:?}");
    });
}
