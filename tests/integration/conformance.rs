//! The shared conformance test: every registered resource type lives through the same
//! life against the emulator, driven by the example defined beside the type:
//! create; read back equals what was applied; a second plan is empty; each in-place
//! change is an update (not a replace) that leaves no drift; a change made outside infra
//! is reported as drift and put back; a replace-forcing change is planned and run as a
//! replace; a create interrupted by a crash is adopted, not duplicated; it is listed by
//! discover and read back from its id alone; delete leaves
//! nothing to read. Steps the emulator cannot run are skipped where the type says why.

use std::path::Path;

use infra::resources::{registry, Ctx, DynResource, Identity, Skip};
use infra::schema;
use serde_json::Value;

use crate::harness::Env;

const MODULE: &str = "conformance";

/// `[resources.example]` of the manifest with `change` (a TOML line) merged in.
fn apply_change(manifest: &str, change: &str) -> String {
    let mut doc: toml::Table = toml::from_str(manifest).expect("example manifest is TOML");
    let patch: toml::Table = toml::from_str(change).unwrap_or_else(|e| panic!("example change `{change}`: {e}"));
    let example = doc["resources"]["example"].as_table_mut().expect("[resources.example]");
    for (k, v) in patch {
        example.insert(k, v);
    }
    toml::to_string(&doc).expect("manifest back to TOML")
}

struct Subject<'a> {
    env: &'a Env,
    kind: &'static dyn DynResource,
    aws: infra::aws::Aws,
}

impl Subject<'_> {
    fn recorded(&self) -> Value {
        self.env.state()["modules"][MODULE]["resources"]["example"].clone()
    }

    fn read(&self, id: &str, props: &Value) -> Option<Value> {
        let dir = self.env.path("modules");
        let cx = Ctx::new(&self.aws, "conformance.example", &dir);
        self.env
            .block_on(self.kind.read(&cx, id, props))
            .unwrap_or_else(|e| panic!("{}: read {id}: {e}", self.kind.type_name()))
            .map(|(v, _)| v)
    }

    /// The live resource equals what the state says was applied.
    #[track_caller]
    fn assert_no_drift(&self, when: &str) {
        let rec = self.recorded();
        let id = rec["id"].as_str().unwrap();
        let live = self.read(id, &rec["properties"]).unwrap_or_else(|| panic!("{}: {when}: {id} not found", self.kind.type_name()));
        let live = infra::secrets::mask_like(&live, &rec["properties"]);
        let diff = schema::diff(&rec["properties"], &live, &self.kind.schema());
        assert!(diff.is_empty(), "{}: {when}: read back differs from what was applied: {diff:?}", self.kind.type_name());
    }

    #[track_caller]
    fn assert_no_changes(&self, when: &str) {
        let plan = self.env.infra(&["plan", MODULE, "--detailed-exitcode"]);
        assert_eq!(plan.code, 0, "{}: {when}: a plan right after shows changes:\n{}\n{}", self.kind.type_name(), plan.stdout, plan.stderr);
    }

    fn skipped(&self, step: Skip) -> bool {
        match self.kind.example().skip.iter().find(|(s, _)| *s == step) {
            Some((_, why)) => {
                eprintln!("{}: {step:?} skipped: {why}", self.kind.type_name());
                true
            }
            None => false,
        }
    }
}

fn conformance(type_name: &str) {
    let kind = registry::resource(type_name).unwrap_or_else(|| panic!("{type_name} is not registered"));
    let example = kind.example();
    let env = Env::empty();
    crate::harness::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/code"), &env.path("modules/code"));
    let manifest_path = format!("modules/{MODULE}.toml");
    let mut manifest = example.manifest.to_string();
    env.write(&manifest_path, &manifest);
    let s = Subject { env: &env, kind, aws: env.aws() };

    // Create.
    let up = env.infra(&["up", MODULE]);
    up.ok();
    assert!(up.stdout.contains(&format!("+ {MODULE}.example")), "{type_name}: created: {}", up.stdout);
    assert!(!up.stderr.contains("as planned"), "{type_name}: the values known early are the ones AWS reports: {}", up.stderr);
    let created = s.recorded();
    s.assert_no_drift("after create");
    s.assert_no_changes("after create");

    // Discovered: made by infra or not, it is listed, it can be read from its id alone
    // (as `import --discover` reads it, knowing nothing else), and what that read finds,
    // written as the manifest, plans no change.
    if !s.skipped(Skip::Discover) {
        let rec = s.recorded();
        let id = rec["id"].as_str().unwrap();
        let dir = env.path("modules");
        let cx = Ctx::new(&s.aws, "conformance.example", &dir);
        let ids = env.block_on(kind.list(&cx)).unwrap_or_else(|e| panic!("{type_name}: listing: {e}"));
        assert!(
            ids.iter().any(|i| i == id),
            "{type_name}: discover lists it ({id} not in {ids:?}); implement `list` or skip Discover with a reason"
        );
        let found = s.read(id, &kind.blank(id)).unwrap_or_else(|| panic!("{type_name}: {id} cannot be read from its id alone"));
        let again = s.read(id, &found).unwrap_or_else(|| panic!("{type_name}: {id} read with what discover found"));
        let diff = schema::diff(&found, &again, &kind.schema());
        assert!(diff.is_empty(), "{type_name}: the manifest discover writes plans changes: {diff:?}\nfound: {found}");
    }

    // Each in-place change is an update, and leaves nothing to do.
    let mut updates: Vec<&str> = if s.skipped(Skip::Update) { Vec::new() } else { example.updates.to_vec() };
    if kind.taggable() && !s.skipped(Skip::Tags) {
        updates.push("tags = { conformance = \"yes\", team = \"data\" }");
    }
    if !s.skipped(Skip::Update) {
        assert!(!updates.is_empty(), "{type_name}: the example lists no in-place change; add one or skip Update with a reason");
        for change in &updates {
            manifest = apply_change(&manifest, change);
            env.write(&manifest_path, &manifest);
            let plan = env.infra(&["plan", MODULE, "--detailed-exitcode"]);
            assert_eq!(plan.code, 2, "{type_name}: `{change}` shows a change:\n{}\n{}", plan.stdout, plan.stderr);
            assert!(
                plan.stdout.contains(&format!("~ {MODULE}.example")),
                "{type_name}: `{change}` is an in-place update:\n{}",
                plan.stdout
            );
            env.infra(&["up", MODULE]).ok();
            s.assert_no_drift(&format!("after `{change}`"));
            s.assert_no_changes(&format!("after `{change}`"));
        }
    }

    // Changed outside infra: put back as created, then infra sees it and repairs it.
    if !updates.is_empty() && !s.skipped(Skip::Drift) {
        let rec = s.recorded();
        let id = rec["id"].as_str().unwrap();
        let dir = env.path("modules");
        let cx = Ctx::new(&s.aws, "conformance.example", &dir);
        env.block_on(kind.update(&cx, id, &rec["properties"], &created["properties"]))
            .unwrap_or_else(|e| panic!("{type_name}: changing it outside infra: {e}"));
        let plan = env.infra(&["plan", MODULE, "--detailed-exitcode"]);
        assert_eq!(plan.code, 2, "{type_name}: the change outside infra is seen:\n{}\n{}", plan.stdout, plan.stderr);
        assert!(plan.stdout.contains("changed outside infra"), "{type_name}: and called drift:\n{}", plan.stdout);
        env.infra(&["up", MODULE]).ok();
        s.assert_no_drift("after repairing drift");
        s.assert_no_changes("after repairing drift");
    }

    // A replace-forcing change.
    if let Some(change) = example.replace.filter(|_| !s.skipped(Skip::Replace)) {
        let before = s.recorded();
        manifest = apply_change(&manifest, change);
        env.write(&manifest_path, &manifest);
        let plan = env.infra(&["plan", MODULE, "--detailed-exitcode"]);
        assert_eq!(plan.code, 2, "{type_name}: `{change}`:\n{}\n{}", plan.stdout, plan.stderr);
        assert!(
            plan.stdout.contains(&format!("-/+ {MODULE}.example")),
            "{type_name}: `{change}` is planned as a replace:\n{}",
            plan.stdout
        );
        assert!(plan.stdout.contains("forces replacement"), "{type_name}: and says why:\n{}", plan.stdout);
        env.infra(&["up", MODULE, "--yes"]).ok();
        let after = s.recorded();
        let (old, new) = (before["id"].as_str().unwrap(), after["id"].as_str().unwrap());
        if old != new && kind.identity() != Identity::Local {
            assert!(s.read(old, &before["properties"]).is_none(), "{type_name}: the replaced {old} is gone");
        }
        s.assert_no_drift("after replace");
        s.assert_no_changes("after replace");
    } else if example.replace.is_none() {
        assert!(
            example.skip.iter().any(|(s, _)| *s == Skip::Replace),
            "{type_name}: the example has no replace-forcing change; add one or skip Replace with a reason"
        );
    }

    // A create interrupted after AWS made the resource: the next run adopts it.
    if !s.skipped(Skip::Adopt) {
        let rec = s.recorded();
        let dir = env.path("modules");
        let cx = Ctx::new(&s.aws, "conformance.example", &dir);
        env.block_on(kind.delete(&cx, rec["id"].as_str().unwrap(), &rec["properties"])).unwrap();
        let token = "infra-conformance";
        let made = env
            .block_on(kind.create(&cx.token(Some(token)), &rec["properties"]))
            .unwrap_or_else(|e| panic!("{type_name}: the create a crashed run sent: {e}"));
        let mut state = env.state();
        state["modules"][MODULE]["resources"].as_object_mut().unwrap().remove("example");
        state["modules"][MODULE]["pending"] = serde_json::json!({"example": {
            "type": type_name, "properties": rec["properties"], "token": token, "started_at": "2026-01-01T00:00:00Z"
        }});
        std::fs::write(env.path("state/dev.json"), serde_json::to_string_pretty(&state).unwrap()).unwrap();
        let up = env.infra(&["up", MODULE]);
        up.ok();
        assert!(up.stdout.contains("adopting it"), "{type_name}: the interrupted create is adopted:\n{}", up.stdout);
        assert_eq!(s.recorded()["id"], made.id.as_str(), "{type_name}: the very resource the crashed run made");
        assert!(env.state()["modules"][MODULE].get("pending").is_none());
        s.assert_no_changes("after adopting");
    }

    // Delete.
    let rec = s.recorded();
    env.infra(&["down", MODULE, "--yes"]).ok();
    if kind.identity() != Identity::Local {
        assert!(s.read(rec["id"].as_str().unwrap(), &rec["properties"]).is_none(), "{type_name}: nothing left to read after delete");
    }
    assert!(env.state()["modules"].get(MODULE).is_none(), "{type_name}: forgotten by the state");
}

macro_rules! conformance_tests {
    ($($test:ident => $type:literal,)*) => {
        $(
            #[test]
            fn $test() {
                conformance($type);
            }
        )*

        /// The list above is every registered type: a new type without its test fails here.
        #[test]
        fn every_registered_type_is_tested() {
            let tested: Vec<&str> = vec![$($type),*];
            let missing: Vec<&str> = registry::resource_types().filter(|t| !tested.contains(t)).collect();
            assert!(missing.is_empty(), "types without a conformance test: {missing:?}; add them to conformance_tests!");
        }
    };
}

conformance_tests! {
    acm_certificate => "acm.certificate",
    apigateway_api_key => "apigateway.api_key",
    apigateway_base_path_mapping => "apigateway.base_path_mapping",
    apigateway_domain_name => "apigateway.domain_name",
    apigateway_rest_api => "apigateway.rest_api",
    apigateway_usage_plan => "apigateway.usage_plan",
    apigatewayv2_api => "apigatewayv2.api",
    apigatewayv2_api_mapping => "apigatewayv2.api_mapping",
    apigatewayv2_authorizer => "apigatewayv2.authorizer",
    apigatewayv2_domain_name => "apigatewayv2.domain_name",
    apigatewayv2_integration => "apigatewayv2.integration",
    apigatewayv2_route => "apigatewayv2.route",
    apigatewayv2_stage => "apigatewayv2.stage",
    apprunner_service => "apprunner.service",
    bedrockagentcore_agent_runtime => "bedrockagentcore.agent_runtime",
    cloudcontrol_resource => "cloudcontrol.resource",
    cloudfront_distribution => "cloudfront.distribution",
    cloudfront_origin_access_control => "cloudfront.origin_access_control",
    cloudwatch_dashboard => "cloudwatch.dashboard",
    cloudwatch_metric_alarm => "cloudwatch.metric_alarm",
    dynamodb_table => "dynamodb.table",
    ec2_eip => "ec2.eip",
    ec2_flow_log => "ec2.flow_log",
    ec2_internet_gateway => "ec2.internet_gateway",
    ec2_nat_gateway => "ec2.nat_gateway",
    ec2_route_table => "ec2.route_table",
    ec2_security_group => "ec2.security_group",
    ec2_security_group_rule => "ec2.security_group_rule",
    ec2_subnet => "ec2.subnet",
    ec2_vpc => "ec2.vpc",
    ec2_vpc_endpoint => "ec2.vpc_endpoint",
    ecr_repository => "ecr.repository",
    ecs_cluster => "ecs.cluster",
    ecs_service => "ecs.service",
    ecs_task_definition => "ecs.task_definition",
    elbv2_listener => "elbv2.listener",
    elbv2_listener_rule => "elbv2.listener_rule",
    elbv2_load_balancer => "elbv2.load_balancer",
    elbv2_target_group => "elbv2.target_group",
    events_event_bus => "events.event_bus",
    events_rule => "events.rule",
    events_target => "events.target",
    iam_instance_profile => "iam.instance_profile",
    iam_openid_connect_provider => "iam.openid_connect_provider",
    iam_policy => "iam.policy",
    iam_role => "iam.role",
    kinesis_stream => "kinesis.stream",
    kms_alias => "kms.alias",
    kms_key => "kms.key",
    lambda_alias => "lambda.alias",
    lambda_event_source_mapping => "lambda.event_source_mapping",
    lambda_function => "lambda.function",
    lambda_function_url => "lambda.function_url",
    lambda_layer_version => "lambda.layer_version",
    lambda_permission => "lambda.permission",
    logs_log_group => "logs.log_group",
    logs_metric_filter => "logs.metric_filter",
    logs_resource_policy => "logs.resource_policy",
    logs_subscription_filter => "logs.subscription_filter",
    random_id => "random.id",
    rds_cluster => "rds.cluster",
    rds_cluster_instance => "rds.cluster_instance",
    rds_instance => "rds.instance",
    rds_subnet_group => "rds.subnet_group",
    route53_record => "route53.record",
    route53_zone => "route53.zone",
    s3_bucket => "s3.bucket",
    s3_bucket_notification => "s3.bucket_notification",
    s3_bucket_policy => "s3.bucket_policy",
    sagemaker_endpoint => "sagemaker.endpoint",
    sagemaker_endpoint_config => "sagemaker.endpoint_config",
    sagemaker_model => "sagemaker.model",
    scheduler_schedule => "scheduler.schedule",
    secretsmanager_secret => "secretsmanager.secret",
    sns_subscription => "sns.subscription",
    sns_topic => "sns.topic",
    sns_topic_policy => "sns.topic_policy",
    sqs_queue => "sqs.queue",
    sqs_queue_policy => "sqs.queue_policy",
    ssm_parameter => "ssm.parameter",
    stepfunctions_state_machine => "stepfunctions.state_machine",
}
