//! Unit tests of the resources crate, kept out of the crate itself: a `#[cfg(test)]`
//! module would compile the whole crate (every resource type, every SDK call) a second
//! time for `cargo test`, doubling its build time and memory (docs/performance.md).

mod schema {
    use infra_resources::props;
    use infra_resources::schema::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    props! {
        /// Test properties.
        pub struct Inner {
            count: i64 => default(3);
        }
    }

    props! {
        pub struct Outer {
            /// The name.
            name: String => required, replace;
            size: f64 => default(0.5);
            env: Option<BTreeMap<String, String>> => optional;
            inner: Option<Inner> => optional;
            hash: Option<String> => optional, computed;
        }
    }

    #[test]
    fn macro_builds_schema() {
        let ty = Outer::ty();
        let name = ty.field("name").unwrap();
        assert!(name.required && name.replace && !name.computed);
        assert_eq!(name.doc, " The name.");
        assert_eq!(ty.field("size").unwrap().default, Some(json!(0.5)));
        assert!(ty.field("hash").unwrap().computed);
        assert_eq!(ty.field("env").unwrap().ty, Ty::Map(Box::new(Ty::Str)));
    }

    #[test]
    fn normalize_fills_defaults_and_coerces() {
        let mut v = json!({"name": 5, "size": "1.5", "inner": {}});
        normalize(&mut v, &Outer::ty(), "").unwrap();
        assert_eq!(v, json!({"name": "5", "size": 1.5, "inner": {"count": 3}}));
        let typed: Outer = serde_json::from_value(v).unwrap();
        assert_eq!(typed.inner.unwrap().count, 3);
    }

    #[test]
    fn normalize_reports_path() {
        let mut v = json!({"name": "x", "inner": {"count": "many"}});
        let err = normalize(&mut v, &Outer::ty(), "").unwrap_err();
        assert_eq!(err, "inner.count: expected integer, found string");
        let mut v = json!({"size": 1});
        assert_eq!(normalize(&mut v, &Outer::ty(), "").unwrap_err(), "name: missing required property");
    }

    #[test]
    fn diff_walks_maps_and_flags_replace() {
        let ty = Outer::ty();
        let old = json!({"name": "a", "size": 1, "env": {"A": "1", "B": "2"}});
        let new = json!({"name": "b", "size": 1.0, "env": {"A": "1", "B": "3"}});
        let changes = diff(&old, &new, &ty);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].path, "name");
        assert!(changes[0].replace);
        assert_eq!(changes[1].path, "env.B");
        assert!(!changes[1].replace);
    }

    #[test]
    fn documents_are_diffed_leaf_by_leaf() {
        let old = json!({"Statement": [{"Effect": "Allow", "Resource": "a"}, {"Resource": "x"}]});
        let new = json!({"Statement": [{"Effect": "Allow", "Resource": "b"}, {"Resource": "x"}]});
        let changes = diff(&old, &new, &Ty::Json);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "Statement[0].Resource");
        assert_eq!(lookup_path(&new, &changes[0].path), Some(&json!("b")));
    }
}

mod schema_check {
    use infra_resources::schema::check::rules::*;
    use infra_resources::schema::check::*;
    use serde_json::json;

    #[test]
    fn the_issue_examples_are_refused_with_reasons() {
        let e = S3_BUCKET.run(&json!("My_Bucket_UPPER")).unwrap_err();
        assert!(e.contains("contains `M`") && e.contains("lowercase"), "{e}");
        assert!(Check::Cidr.run(&json!("10.0.0.300/33")).unwrap_err().contains("not an IPv4 CIDR"));
        assert!(Check::Range { min: 1, max: 900 }.run(&json!(-5)).unwrap_err().contains("out of range"));
        assert!(SQS_QUEUE.run(&json!("q".repeat(150))).unwrap_err().contains("150 characters"));
        assert!(SQS_QUEUE.run(&json!("queue-🚀")).unwrap_err().contains("contains `🚀`"));
    }

    #[test]
    fn good_values_pass() {
        for ok in
            [S3_BUCKET.run(&json!("alex-vectors-123456789012")), Check::Cidr.run(&json!("0.0.0.0/0")), SQS_QUEUE.run(&json!("jobs_1"))]
        {
            ok.unwrap();
        }
        Check::Arn.run(&json!("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")).unwrap();
        assert!(Check::Arn.run(&json!("not-an-arn")).is_err());
        assert!(S3_BUCKET.run(&json!("192.168.1.1")).is_err());
        assert!(S3_BUCKET.run(&json!("-starts-with-dash")).is_err());
        LOG_RETENTION.run(&json!(7)).unwrap();
        assert!(LOG_RETENTION.run(&json!(8)).is_err());
    }

    #[test]
    fn a_block_is_within_another_by_its_network_bits() {
        assert_eq!(cidr_within("10.0.11.0/24", "10.0.0.0/16"), Some(true));
        assert_eq!(cidr_within("10.0.0.0/16", "10.0.0.0/16"), Some(true));
        assert_eq!(cidr_within("10.1.0.0/24", "10.0.0.0/16"), Some(false));
        assert_eq!(cidr_within("10.0.0.0/8", "10.0.0.0/16"), Some(false));
        assert_eq!(cidr_within("192.168.1.0/24", "0.0.0.0/0"), Some(true));
        assert_eq!(cidr_within("10.0.0.0/33", "10.0.0.0/16"), None);
    }
}

mod sqs_queue {
    use infra_resources::sqs::queue::*;
    use infra_resources::Resource;
    use serde_json::json;

    #[test]
    fn fifo_names_and_flags_agree() {
        let mut p: QueueProps = serde_json::from_value(json!({"name": "jobs", "fifo": true, "visibility_timeout_seconds": 30,
            "message_retention_seconds": 60, "max_message_size": 1024, "delay_seconds": 0, "receive_wait_time_seconds": 0,
            "sqs_managed_sse": true, "content_based_deduplication": false, "tags": {}}))
        .unwrap();
        assert_eq!(Queue.check(&p)[0].0, "name");
        p.name = "jobs.fifo".into();
        assert!(Queue.check(&p).is_empty());
        p.name = "a.b.fifo".into();
        assert_eq!(Queue.check(&p).len(), 1);
    }
}

mod lambda_function {
    use infra_resources::lambda::function::*;
    use infra_resources::tags::Tags;
    use std::collections::BTreeMap;
    use std::path::Path;

    #[test]
    fn zip_is_deterministic_and_tracks_content() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.py"), "x = 1\n").unwrap();
        std::fs::create_dir(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/a.py"), "y = 2\n").unwrap();
        let first = code_sha256(&zip_dir(dir.path()).unwrap());
        assert_eq!(first, code_sha256(&zip_dir(dir.path()).unwrap()));
        std::fs::write(dir.path().join("b.py"), "x = 2\n").unwrap();
        assert_ne!(first, code_sha256(&zip_dir(dir.path()).unwrap()));
    }

    #[test]
    fn packages_over_the_inline_limit_need_a_bucket() {
        let mut p = FunctionProps {
            name: "f".into(),
            role: "r".into(),
            runtime: "python3.12".into(),
            handler: "h".into(),
            code_dir: "code/big".into(),
            code_bucket: None,
            memory_size: 128,
            timeout: 3,
            environment: BTreeMap::new(),
            description: None,
            vpc_config: None,
            architecture: "x86_64".into(),
            tracing_mode: "PassThrough".into(),
            reserved_concurrency: None,
            layers: Vec::new(),
            code_sha256: None,
            tags: Tags::new(),
        };
        check_inline(&p, INLINE_LIMIT).unwrap();
        let err = check_inline(&p, 60 * 1024 * 1024).unwrap_err().to_string();
        assert!(err.contains("`code/big` is 60.0 MB") && err.contains("code_bucket"), "{err}");
        p.code_bucket = Some("packages".into());
        check_inline(&p, 60 * 1024 * 1024).unwrap();
    }

    #[test]
    fn missing_directory_is_an_error() {
        let err = zip_dir(Path::new("/nonexistent/code")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/code"), "{err}");
    }
}

mod registry {
    use infra_resources::registry::*;
    use infra_resources::Identity;

    #[test]
    fn names_are_unique_and_schemas_are_tables() {
        // Resources and lookups are separate namespaces (`[resources.x]`, `[data.x]`).
        for mut names in [resource_types().collect::<Vec<_>>(), data_source_types().collect()] {
            let n = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), n);
        }
        for r in resources() {
            assert!(!r.schema().fields().is_empty(), "{}", r.type_name());
        }
    }

    #[test]
    fn every_type_is_filed_under_its_service_and_declared_consistently() {
        for e in RESOURCES {
            let r = e.kind;
            assert!(e.source.starts_with(&format!("//! `{}`", r.type_name())), "{}: its file's header names it first", r.type_name());
            for field in r.identity().fields() {
                assert!(r.schema().field(field).is_some(), "{}: identity property `{field}` is not a property", r.type_name());
            }
            if let Some(tags) = r.schema().field("tags") {
                assert_eq!(tags.ty, infra_resources::schema::Ty::Map(Box::new(infra_resources::schema::Ty::Str)), "{}", r.type_name());
            }
            assert!(!matches!(r.identity(), Identity::Local) || r.type_name().starts_with("random."), "{}", r.type_name());
            assert!(r.example().manifest.contains("[resources.example]"), "{}: the example names its resource `example`", r.type_name());
        }
        for e in DATA_SOURCES {
            assert!(e.source.starts_with(&format!("//! `{}`", e.kind.type_name())), "{}", e.kind.type_name());
        }
    }

    #[test]
    fn docs_come_from_the_file_headers() {
        assert_eq!(doc("logs.log_group"), "a CloudWatch Logs group with its retention.");
        assert!(data_doc("ec2.default_vpc").starts_with("the region's default VPC"));
        assert!(data_doc("ec2.vpc").starts_with("one existing VPC"));
        assert!(doc("ec2.vpc").starts_with("a VPC with"));
    }
}

mod tags {
    use infra_resources::tags::*;

    #[test]
    fn instance_names_fit_every_service_s_tag_rules() {
        assert_eq!(resource_tag("private[\"us-east-1a\"]"), "private/us-east-1a");
        assert_eq!(own("dev", "l", "m", "q[\"a.b\"]")[RESOURCE], "q/a.b");
        assert_eq!(resource_tag("plain"), "plain");
    }

    #[test]
    fn merge_lets_later_layers_win_and_infra_last() {
        let env = Tags::from([("Environment".into(), "dev".into()), ("Owner".into(), "a".into())]);
        let module = Tags::from([("Owner".into(), "b".into())]);
        let mine = own("dev", "abc", "m", "r");
        let merged = merge([&env, &module, &mine]);
        assert_eq!(merged["Owner"], "b");
        assert_eq!(merged[ENV], "dev");
        let (set, remove) = changes(&env, &merged);
        assert!(set.contains_key("Owner") && set.contains_key(STATE) && remove.is_empty());
    }

    #[test]
    fn owners_are_named() {
        let prod = own("prod", "xyz", "5_database", "aurora");
        assert!(owner(&prod, "dev", "abc").contains("environment `prod` (5_database.aurora)"));
        assert!(owner(&own("dev", "old", "m", "r"), "dev", "abc").contains("another state"));
        assert_eq!(owner(&Tags::new(), "dev", "abc"), "it has no tags");
        assert!(same_owner(&prod, &own("prod", "xyz", "5_database", "aurora")));
        assert!(!same_owner(&prod, &own("prod", "other", "5_database", "aurora")));
    }

    #[test]
    fn made_by_this_state_under_any_address() {
        assert!(made_by(&own("dev", "abc", "m", "old_name"), "dev", "abc"));
        assert!(!made_by(&own("prod", "abc", "m", "r"), "dev", "abc"));
        assert!(!made_by(&own("dev", "other", "m", "r"), "dev", "abc"));
        assert!(!made_by(&Tags::from([(MANAGED_BY.into(), "infra".into())]), "dev", "abc"));
    }
}

mod contents {
    use infra_resources::contents::*;

    #[test]
    fn counts_and_sizes_read_as_words() {
        assert_eq!(count(1, "object"), "1 object");
        assert_eq!(count(0, "item"), "0 items");
        assert_eq!(count(1_234_567, "message"), "1,234,567 messages");
        assert_eq!(bytes(12), "12 bytes");
        assert_eq!(bytes(1536), "1.5 KB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024), "3.0 GB");
    }
}

mod secrets {
    use infra_resources::secrets::*;

    #[test]
    fn masks_registered_values_only() {
        register("s3cr3t-Value-123");
        register("abc");
        assert_eq!(redact("pw=s3cr3t-Value-123;"), "pw=(sensitive);");
        assert_eq!(redact("abc is short"), "abc is short");
    }

    #[test]
    fn live_values_are_masked_where_the_recorded_ones_held_a_secret() {
        let recorded =
            serde_json::json!({"env": {"KEY": token("sk-old-0123456789"), "AUTH": format!("Bearer {}", token("tok-123456789"))}, "n": 1});
        let live = serde_json::json!({"env": {"KEY": "sk-live-99999999", "AUTH": "Bearer tok-123456789", "X": "plain"}, "n": 2});
        let m = mask_like(&live, &recorded);
        assert_eq!(m["env"]["KEY"], token("sk-live-99999999").as_str(), "a changed secret is still a secret");
        assert_eq!(m["env"]["AUTH"], format!("Bearer {}", token("tok-123456789")), "the same secret compares equal");
        assert_eq!(m["env"]["X"], "plain");
        assert_eq!(redact("leaked sk-live-99999999"), "leaked (sensitive)", "and is masked in any output");
    }

    #[test]
    fn mask_json_replaces_inside_values_stably() {
        register("api-key-0123456789");
        let v = serde_json::json!({"env": {"KEY": "api-key-0123456789", "X": "1"}, "l": ["k=api-key-0123456789"]});
        let m = mask_json(&v);
        let t = token("api-key-0123456789");
        assert_eq!(m["env"]["KEY"], t.as_str());
        assert_eq!(m["l"][0], format!("k={t}"));
        assert_eq!(m["env"]["X"], "1");
        assert_ne!(token("a-different-secret"), t);
    }
}

#[path = "unit/aws_contract.rs"]
mod aws_contract;

#[path = "unit/cloudcontrol.rs"]
mod cloudcontrol;

/// The name rules that issue 24 brought in line with AWS's schemas: where a character may
/// stand, not only which characters.
mod aws_name_rules {
    use infra_resources::schema::check::rules::*;
    use infra_resources::schema::check::{Chars, Check};
    use serde_json::json;

    fn ok(check: Check, value: &str) {
        check.run(&json!(value)).unwrap_or_else(|e| panic!("`{value}` refused: {e}"));
    }

    fn refused(check: Check, value: &str, why: &str) {
        let e = check.run(&json!(value)).expect_err(value);
        assert!(e.contains(why), "`{value}`: {e}");
    }

    #[test]
    fn database_identifiers_and_users() {
        ok(RDS_IDENTIFIER, "alex-aurora-1");
        refused(RDS_IDENTIFIER, "1alex", "begin with a letter");
        refused(RDS_IDENTIFIER, "alex-", "end with `-`");
        refused(RDS_IDENTIFIER, "alex--aurora", "`--`");
        ok(DB_MASTER_USER, "alex_admin");
        refused(DB_MASTER_USER, "alex-admin", "contains `-`");
        refused(DB_MASTER_USER, "_admin", "begin with a letter");
    }

    #[test]
    fn service_names() {
        ok(SAGEMAKER, "alex-embedding--endpoint");
        refused(SAGEMAKER, "-alex", "begin and end with a letter or digit");
        refused(SAGEMAKER, "alex-", "begin and end with a letter or digit");
        ok(APP_RUNNER, "alex_api-1");
        refused(APP_RUNNER, "_alex", "begin with a letter or digit");
        let runtime = Check::Name { what: "agent runtime name", min: 1, max: 48, chars: Chars::AgentRuntime };
        ok(runtime, "alex_planner");
        refused(runtime, "1planner", "begin with a letter");
    }

    #[test]
    fn ecr_repository_names_join_parts_with_single_separators() {
        for good in ["alex/agent-runtime", "a__b", "a--b", "a.b/c_d"] {
            ok(ECR_REPOSITORY, good);
        }
        refused(ECR_REPOSITORY, "alex/-agent", "begin and end");
        refused(ECR_REPOSITORY, "alex//agent", "begin and end");
        refused(ECR_REPOSITORY, "a___b", "joins characters with `___`");
        refused(ECR_REPOSITORY, "a._b", "joins characters with `._`");
    }

    #[test]
    fn texts_with_aws_character_sets() {
        ok(SECURITY_GROUP, "web [prod] {a}: 80/443 & more!");
        refused(SECURITY_GROUP, "50% off", "contains `%`");
        let iam = Check::Name { what: "description", min: 0, max: 1000, chars: Chars::Latin1 };
        ok(iam, "Rôle für Lambda\tzwei Zeilen\n");
        refused(iam, "角色", "contains `角`");
        let policy = Check::Name { what: "policy name", min: 1, max: 255, chars: Chars::LogsPolicy };
        ok(policy, "events/to-logs");
        refused(policy, "/events", "`/`");
        refused(policy, "events:*", "contains `:`");
        let handler = Check::Name { what: "handler", min: 1, max: 128, chars: Chars::NoSpace };
        ok(handler, "main.handler");
        refused(handler, "main handler", "contains ` `");
        let expression = Check::Name { what: "schedule expression", min: 1, max: 256, chars: Chars::Any };
        refused(expression, "", "0 characters long");
    }

    #[test]
    fn kms_aliases() {
        let alias = Check::Name { what: "alias", min: 7, max: 256, chars: Chars::KmsAlias };
        ok(alias, "alias/alex-dev/platform_key");
        refused(alias, "alias/", "7 to 256");
        refused(alias, "aliasx/alex", "must be `alias/`");
        refused(alias, "alias/aws/s3", "AWS's own");
        refused(alias, "alias/a:b", "contains `:`");
    }
}

/// Values AWS accepts that infra refused before issue 24, and the rules that come with them.
mod aws_widened_values {
    use infra_resources::registry;
    use infra_resources::schema::{normalize, problems};
    use serde_json::{json, Value};

    /// Every problem `validate` would report for these properties of `type_name`.
    fn problems_of(type_name: &str, mut props: Value) -> Vec<(String, String)> {
        let r = registry::resource(type_name).unwrap();
        normalize(&mut props, &r.schema(), "").unwrap();
        let mut out = problems(&props, &r.schema());
        out.extend(r.check(&props));
        out
    }

    #[test]
    fn gateway_load_balancers_take_no_security_groups() {
        let lb = json!({"name": "appliances", "load_balancer_type": "gateway", "subnets": ["subnet-1"]});
        assert_eq!(problems_of("elbv2.load_balancer", lb.clone()), []);
        let mut with_sg = lb;
        with_sg["security_groups"] = json!(["sg-1"]);
        assert_eq!(problems_of("elbv2.load_balancer", with_sg)[0].0, "security_groups");
    }

    #[test]
    fn quic_listeners_and_target_groups() {
        let listener = json!({"load_balancer_arn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/n/1",
            "port": 443, "protocol": "QUIC", "default_action": {"forward": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}});
        assert_eq!(problems_of("elbv2.listener", listener), []);
        let tg = json!({"name": "quic", "port": 443, "protocol": "TCP_QUIC", "vpc_id": "vpc-1"});
        assert_eq!(problems_of("elbv2.target_group", tg), []);
    }

    #[test]
    fn transit_gateway_flow_logs_aggregate_over_a_minute() {
        let log = json!({"resource_id": "tgw-1", "resource_type": "TransitGateway", "log_destination_type": "s3",
            "log_destination": "arn:aws:s3:::flow-logs"});
        assert_eq!(problems_of("ec2.flow_log", log.clone())[0].0, "max_aggregation_interval");
        let mut minute = log;
        minute["max_aggregation_interval"] = json!(60);
        assert_eq!(problems_of("ec2.flow_log", minute), []);
        let firehose = json!({"resource_id": "vpc-1", "log_destination_type": "kinesis-data-firehose"});
        assert!(problems_of("ec2.flow_log", firehose)[0].1.contains("delivery stream"));
    }

    #[test]
    fn gateway_load_balancer_endpoints_take_subnets_only() {
        let endpoint = json!({"vpc_id": "vpc-1", "service_name": "com.amazonaws.vpce.us-east-1.vpce-svc-1",
            "vpc_endpoint_type": "GatewayLoadBalancer", "subnet_ids": ["subnet-1"]});
        assert_eq!(problems_of("ec2.vpc_endpoint", endpoint.clone()), []);
        let mut with_sg = endpoint;
        with_sg["security_group_ids"] = json!(["sg-1"]);
        assert_eq!(problems_of("ec2.vpc_endpoint", with_sg)[0].0, "vpc_endpoint_type");
    }
}

/// Custom domain names of both API Gateway versions and what maps onto them: the rules
/// `validate` reports before anything reaches AWS.
mod api_gateway_domains {
    use infra_resources::registry;
    use infra_resources::schema::{normalize, problems};
    use serde_json::{json, Value};

    fn problems_of(type_name: &str, mut props: Value) -> Vec<(String, String)> {
        let r = registry::resource(type_name).unwrap();
        normalize(&mut props, &r.schema(), "").unwrap();
        let mut out = problems(&props, &r.schema());
        out.extend(r.check(&props));
        out
    }

    const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/1";

    #[test]
    fn domain_names_are_lower_case_dns_names() {
        for good in ["api.example.com", "*.example.com", "a-1.b.example.com"] {
            assert_eq!(problems_of("apigatewayv2.domain_name", json!({"domain_name": good, "certificate_arn": CERT})), [], "{good}");
        }
        for (bad, why) in [
            ("Api.example.com", "contains `A`"),
            ("api_1.example.com", "contains `_`"),
            ("localhost", "not a domain name"),
            ("-api.example.com", "not a domain name"),
            ("api..example.com", "not a domain name"),
        ] {
            let found = problems_of("apigateway.domain_name", json!({"domain_name": bad, "regional_certificate_arn": CERT}));
            assert!(found.iter().any(|(p, e)| p == "domain_name" && e.contains(why)), "{bad}: {found:?}");
        }
    }

    #[test]
    fn a_rest_domain_takes_the_certificate_of_its_endpoint_type() {
        assert_eq!(problems_of("apigateway.domain_name", json!({"domain_name": "api.example.com", "regional_certificate_arn": CERT})), []);
        let edge = json!({"domain_name": "api.example.com", "endpoint_type": "EDGE", "certificate_arn": CERT});
        assert_eq!(problems_of("apigateway.domain_name", edge), []);
        let missing = problems_of("apigateway.domain_name", json!({"domain_name": "api.example.com"}));
        assert_eq!(missing[0].0, "regional_certificate_arn", "{missing:?}");
        let crossed =
            json!({"domain_name": "api.example.com", "endpoint_type": "EDGE", "certificate_arn": CERT, "regional_certificate_arn": CERT});
        assert_eq!(problems_of("apigateway.domain_name", crossed)[0].0, "regional_certificate_arn");
    }

    #[test]
    fn mapping_paths_have_no_empty_segments() {
        let mapping = |key: &str| json!({"domain_name": "api.example.com", "api_id": "a1", "stage": "$default", "api_mapping_key": key});
        assert_eq!(problems_of("apigatewayv2.api_mapping", mapping("orders/v2")), []);
        assert_eq!(problems_of("apigatewayv2.api_mapping", mapping("")), []);
        for bad in ["/orders", "orders/", "orders//v2"] {
            assert_eq!(problems_of("apigatewayv2.api_mapping", mapping(bad))[0].0, "api_mapping_key", "{bad}");
        }
        let base = |path: &str| json!({"domain_name": "api.example.com", "rest_api_id": "r1", "base_path": path});
        assert_eq!(problems_of("apigateway.base_path_mapping", base("orders")), []);
        assert_eq!(problems_of("apigateway.base_path_mapping", base("")), []);
        for bad in ["/orders", "(none)"] {
            assert_eq!(problems_of("apigateway.base_path_mapping", base(bad))[0].0, "base_path", "{bad}");
        }
    }
}
