//! `infra validate` on broken manifests: one test per kind of error, each naming the
//! file, the line and the text at fault. No AWS involved.

use std::path::Path;
use std::process::Command;

struct Out {
    code: i32,
    stderr: String,
}

fn validate(files: &[(&str, &str)]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join("modules").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("modules")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_infra"))
        .args(["--color", "never", "-C"])
        .arg(dir.path())
        .arg("validate")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    Out { code: out.status.code().unwrap_or(-1), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

#[track_caller]
fn rejects(files: &[(&str, &str)], place: &str, fragments: &[&str]) {
    let out = validate(files);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains(place), "expected `{place}` in:\n{}", out.stderr);
    for f in fragments {
        assert!(out.stderr.contains(f), "expected `{f}` in:\n{}", out.stderr);
    }
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn the_shipped_modules_are_valid() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_infra")).arg("-C").arg(Path::new(env!("CARGO_MANIFEST_DIR"))).arg("validate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn unknown_resource_type() {
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queu\"\nname = \"x\"\n")],
        "modules/m.toml:2:8",
        &["unknown resource type `sqs.queu`", "did you mean `sqs.queue`", "\"sqs.queu\""],
    );
}

#[test]
fn unknown_property() {
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"x\"\nvisibility_timeout = 30\n")],
        "modules/m.toml:4:1",
        &["unknown property `visibility_timeout`", "did you mean `visibility_timeout_seconds`"],
    );
}

#[test]
fn wrong_value_type() {
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"x\"\nvisibility_timeout_seconds = \"long\"\n")],
        "modules/m.toml:4:30",
        &["expects integer", "\"long\""],
    );
}

#[test]
fn wrong_type_through_a_variable() {
    rejects(
        &[(
            "m.toml",
            "[variables]\nt = \"soon\"\n[resources.q]\ntype = \"sqs.queue\"\nname = \"x\"\nvisibility_timeout_seconds = \"${var.t}\"\n",
        )],
        "modules/m.toml:6:30",
        &["expects integer", "${var.t}", "\"soon\""],
    );
}

#[test]
fn missing_required_property() {
    rejects(
        &[("m.toml", "[resources.fn]\ntype = \"lambda.function\"\nname = \"f\"\nrole = \"r\"\ncode_dir = \"c\"\n")],
        "modules/m.toml:1:12",
        &["missing required property `handler` for lambda.function"],
    );
}

#[test]
fn reference_to_a_missing_resource() {
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"${resources.dlq.name}\"\n")],
        "modules/m.toml:3:8",
        &["`${resources.dlq.name}` refers to no resource in module m"],
    );
}

#[test]
fn reference_to_a_missing_attribute_variable_and_output() {
    let out = validate(&[
        ("a.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"q\"\n[outputs]\nurl = \"${resources.q.url}\"\n"),
        (
            "b.toml",
            "[resources.q]\ntype = \"sqs.queue\"\nname = \"${module.a.arn}-${var.nope}\"\nvisibility_timeout_seconds = 5\n[resources.r]\ntype = \"sqs.queue\"\nname = \"${resources.q.arnn}\"\n",
        ),
    ]);
    assert_eq!(out.code, 1);
    for f in [
        "modules/b.toml:3:8",
        "module a has no output `arn`",
        "unknown variable in `${var.nope}`",
        "modules/b.toml:7:8",
        "sqs.queue has no attribute `arnn`",
        "did you mean `arn`",
    ] {
        assert!(out.stderr.contains(f), "expected `{f}` in:\n{}", out.stderr);
    }
}

#[test]
fn malformed_reference() {
    rejects(&[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"${resources.q\"\n")], "modules/m.toml:3:8", &["unterminated `${`"]);
}

#[test]
fn duplicate_names() {
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"a\"\n\n[resources.q]\ntype = \"sqs.queue\"\nname = \"b\"\n")],
        "modules/m.toml:5:",
        &["duplicate"],
    );
    rejects(
        &[("a.toml", "[module]\nname = \"b\"\n"), ("b.toml", "")],
        "modules/a.toml:2:8",
        &["module name `b` does not match its file name `a.toml`"],
    );
}

#[test]
fn dependency_cycle_is_printed() {
    rejects(
        &[(
            "m.toml",
            "[resources.a]\ntype = \"sqs.queue\"\nname = \"${resources.b.name}\"\n\n[resources.b]\ntype = \"sqs.queue\"\nname = \"${resources.a.name}\"\n",
        )],
        "modules/m.toml:1:12",
        &["dependency cycle: m.a -> m.b -> m.a", "m.b at modules/m.toml:5:12"],
    );
}

#[test]
fn cycle_across_modules() {
    rejects(
        &[
            ("a.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"${module.b.name}\"\n[outputs]\nname = \"${resources.q.name}\"\n"),
            ("b.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"${module.a.name}\"\n[outputs]\nname = \"${resources.q.name}\"\n"),
        ],
        "dependency cycle:",
        &["a.q -> a.output.name -> b.q -> b.output.name -> a.q"],
    );
}

#[test]
fn invalid_toml() {
    rejects(&[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \n")], "modules/m.toml:3:", &["invalid TOML"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let out =
        validate(&[("m.toml", "[bogus]\n[resources.a]\ntype = \"nope\"\n[resources.b]\ntype = \"sqs.queue\"\nname = 1\nfifo = \"yes\"\n")]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("4 problems in the manifests"), "{}", out.stderr);
}

#[test]
fn aws_naming_and_value_rules_are_checked_where_the_value_is_written() {
    rejects(
        &[("m.toml", "[resources.b]\ntype = \"s3.bucket\"\nname = \"My_Bucket_UPPER\"\n")],
        "modules/m.toml:3:8",
        &["m.b: `name`: bucket name `My_Bucket_UPPER` contains `M`", "lowercase letters"],
    );
    rejects(
        &[(
            "m.toml",
            "[resources.sg]\ntype = \"ec2.security_group\"\nname = \"db\"\nvpc_id = \"vpc-1\"\ningress = [\n  { from_port = 5432, to_port = 5432, cidr_blocks = [\"10.0.0.0/16\", \"10.0.0.300/33\"] },\n]\n",
        )],
        "modules/m.toml:6:",
        &["`ingress[0].cidr_blocks[1]`: `10.0.0.300/33` is not an IPv4 CIDR block"],
    );
    rejects(
        &[(
            "m.toml",
            "[resources.f]\ntype = \"lambda.function\"\nname = \"f\"\nrole = \"arn:aws:iam::123456789012:role/r\"\nhandler = \"h.h\"\ncode_dir = \"c\"\ntimeout = -5\n",
        )],
        "modules/m.toml:7:11",
        &["`timeout`: -5 is out of range: must be 1 to 900"],
    );
    let long = "q".repeat(150);
    rejects(
        &[("m.toml", &format!("[resources.q]\ntype = \"sqs.queue\"\nname = \"{long}\"\n"))],
        "modules/m.toml:3:8",
        &["150 characters long"],
    );
    rejects(&[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"jobs-🚀\"\n")], "modules/m.toml:3:8", &["contains `🚀`"]);
    // A rule spanning properties: a FIFO queue's name.
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"jobs\"\nfifo = true\n")],
        "modules/m.toml:3:8",
        &["must end in `.fifo`"],
    );
}

#[test]
fn a_bad_value_through_a_variable_is_reported_at_its_use() {
    rejects(
        &[("m.toml", "[variables]\nbucket = \"Bad Name\"\n\n[resources.b]\ntype = \"s3.bucket\"\nname = \"${var.bucket}-logs\"\n")],
        "modules/m.toml:6:8",
        &["bucket name `Bad Name-logs` contains `B`"],
    );
}

#[test]
fn two_resources_with_the_same_aws_name_are_refused() {
    rejects(
        &[
            ("a.toml", "[resources.jobs]\ntype = \"sqs.queue\"\nname = \"shared-jobs\"\n"),
            ("b.toml", "[resources.work]\ntype = \"sqs.queue\"\nname = \"shared-jobs\"\nvisibility_timeout_seconds = 60\n"),
        ],
        "modules/b.toml:1:12",
        &["b.work and a.jobs are the same AWS resource (sqs.queue shared-jobs)", "a.jobs is declared at modules/a.toml:1:12"],
    );
    // Names that differ only by the account, in the same account, are the same too.
    rejects(
        &[
            ("a.toml", "[resources.b]\ntype = \"s3.bucket\"\nname = \"data-${aws.account_id}\"\n"),
            ("b.toml", "[resources.b]\ntype = \"s3.bucket\"\nname = \"data-${aws.account_id}\"\n"),
        ],
        "modules/b.toml:1:12",
        &["are the same AWS resource"],
    );
    // Names with the environment in them are distinct per environment, and REST API names need not be unique.
    let out = validate(&[
        ("a.toml", "[resources.jobs]\ntype = \"sqs.queue\"\nname = \"jobs-${env}\"\n[resources.api]\ntype = \"apigateway.rest_api\"\nname = \"api\"\n"),
        ("b.toml", "[resources.jobs]\ntype = \"sqs.queue\"\nname = \"jobs-${env}-b\"\n[resources.api]\ntype = \"apigateway.rest_api\"\nname = \"api\"\n"),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn tags_and_protection_settings_are_checked() {
    rejects(
        &[("m.toml", "[module]\ntags = { \"infra:owner\" = \"me\" }\n[resources.q]\ntype = \"sqs.queue\"\nname = \"q\"\n")],
        "modules/m.toml:2:",
        &["tag `infra:owner` uses the reserved prefix `infra:`"],
    );
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"q\"\nprevent_destroy = \"maybe\"\n")],
        "modules/m.toml:4:19",
        &["`prevent_destroy` needs a boolean"],
    );
    rejects(
        &[("m.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"q\"\non_delete = \"keep\"\n")],
        "modules/m.toml:4:13",
        &["`on_delete` must be \"delete\" or \"retain\""],
    );
    rejects(
        &[("m.toml", "[module]\ntags = { Owner = \"${resources.q.arn}\" }\n[resources.q]\ntype = \"sqs.queue\"\nname = \"q\"\n")],
        "modules/m.toml:2:",
        &["module tags may use variables"],
    );
}

#[test]
fn for_each_errors_name_the_place() {
    let m = |body: &str| format!("[module]\nname = \"m\"\n\n[variables]\nzones = {{ default = [\"a\", \"b\"] }}\n\n{body}");
    rejects(
        &[("m.toml", &m("[resources.q]\ntype = \"sqs.queue\"\nfor_each = \"${resources.other.id}\"\nname = \"q-${each.key}\"\n"))],
        "m.toml:9:",
        &["`for_each` takes a list, a table", "before anything runs"],
    );
    rejects(
        &[("m.toml", &m("[resources.q]\ntype = \"sqs.queue\"\nname = \"q-${each.key}\"\n"))],
        "m.toml:9:",
        &["only defined in a resource with `for_each`"],
    );
    rejects(
        &[("m.toml", &m("[resources.s]\ntype = \"ec2.subnet\"\nfor_each = \"${var.zones}\"\nvpc_id = \"vpc-1\"\ncidr_block = \"${cidrsubnet(\\\"10.0.0.0/30\\\", 8, each.index)}\"\n"))],
        "m.toml:11:",
        &["cidrsubnet", "not a prefix length"],
    );
    rejects(
        &[("m.toml", &m("[resources.q]\ntype = \"sqs.queue\"\nfor_each = [\"a b\"]\nname = \"q\"\n"))],
        "m.toml:9:",
        &["`for_each` key `a b`"],
    );
}

/// A queue whose redrive names its dead-letter queue by reference (known only after
/// apply) still has its own rules checked: they do not read that value.
#[test]
fn a_fifo_queue_name_without_the_suffix_is_refused_with_a_redrive() {
    let module = |name: &str| {
        format!(
            "[resources.dlq]\ntype = \"sqs.queue\"\nname = \"jobs-dlq.fifo\"\nfifo = true\n\n\
             [resources.jobs]\ntype = \"sqs.queue\"\nname = \"{name}\"\nfifo = true\n\
             redrive = {{ dead_letter_target_arn = \"${{resources.dlq.arn}}\", max_receive_count = 3 }}\n\
             tags = {{ Account = \"${{aws.account_id}}\" }}\n"
        )
    };
    rejects(
        &[("m.toml", &module("jobs"))],
        "modules/m.toml:8:8",
        &["m.jobs: `name`: FIFO queue name `jobs` must end in `.fifo`", "`jobs.fifo`"],
    );
    let out = validate(&[("m.toml", &module("jobs.fifo"))]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_dead_letter_queue_of_the_other_kind_is_refused() {
    let module = |dlq: &str, dlq_fifo: bool, jobs: &str, jobs_fifo: bool| {
        format!(
            "[resources.dlq]\ntype = \"sqs.queue\"\nname = \"{dlq}\"\nfifo = {dlq_fifo}\n\n\
             [resources.jobs]\ntype = \"sqs.queue\"\nname = \"{jobs}\"\nfifo = {jobs_fifo}\n\
             redrive = {{ dead_letter_target_arn = \"${{resources.dlq.arn}}\", max_receive_count = 3 }}\n"
        )
    };
    rejects(
        &[("m.toml", &module("jobs-dlq", false, "jobs.fifo", true))],
        "modules/m.toml:10:38",
        &[
            "m.jobs: `redrive.dead_letter_target_arn`: FIFO queue `jobs.fifo` needs a FIFO dead-letter queue",
            "but m.dlq (declared at modules/m.toml:1:12) is a standard queue (`fifo = false`)",
            "\"${resources.dlq.arn}\"",
        ],
    );
    rejects(
        &[("m.toml", &module("jobs-dlq.fifo", true, "jobs", false))],
        "modules/m.toml:10:38",
        &["standard queue `jobs` needs a standard dead-letter queue, but m.dlq (declared at modules/m.toml:1:12) is a FIFO queue"],
    );
    // The dead-letter queue of another module, through its output.
    rejects(
        &[
            ("a.toml", "[resources.dlq]\ntype = \"sqs.queue\"\nname = \"shared-dlq\"\n[outputs]\ndlq_arn = \"${resources.dlq.arn}\"\n"),
            (
                "b.toml",
                "[resources.jobs]\ntype = \"sqs.queue\"\nname = \"jobs.fifo\"\nfifo = true\nredrive = { dead_letter_target_arn = \"${module.a.dlq_arn}\", max_receive_count = 3 }\n",
            ),
        ],
        "modules/b.toml:5:38",
        &["b.jobs: `redrive.dead_letter_target_arn`: FIFO queue `jobs.fifo` needs a FIFO dead-letter queue, but a.dlq (declared at modules/a.toml:1:12)"],
    );
    for ok in [module("jobs-dlq.fifo", true, "jobs.fifo", true), module("jobs-dlq", false, "jobs", false)] {
        let out = validate(&[("m.toml", &ok)]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
}

#[test]
fn a_subnet_outside_its_vpc_is_refused() {
    let module = |public: &str, private_base: &str| {
        format!(
            "[variables]\nvpc_cidr = \"10.0.0.0/16\"\nazs = [\"us-east-1a\", \"us-east-1b\"]\n\n\
             [resources.vpc]\ntype = \"ec2.vpc\"\ncidr_block = \"${{var.vpc_cidr}}\"\n\n\
             [resources.public]\ntype = \"ec2.subnet\"\nvpc_id = \"${{resources.vpc.id}}\"\ncidr_block = \"{public}\"\n\n\
             [resources.private]\ntype = \"ec2.subnet\"\nfor_each = \"${{var.azs}}\"\nvpc_id = \"${{resources.vpc.id}}\"\n\
             availability_zone = \"${{each.key}}\"\ncidr_block = \"${{cidrsubnet({private_base}, 8, each.index + 10)}}\"\n"
        )
    };
    let out = validate(&[("m.toml", &module("10.1.0.0/24", "\\\"10.2.0.0/16\\\""))]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for f in [
        "modules/m.toml:12:14: m.public: `cidr_block`: subnet CIDR block `10.1.0.0/24` is outside `10.0.0.0/16`, the CIDR block of its VPC m.vpc (declared at modules/m.toml:5:12)",
        "modules/m.toml:19:14: m.private[\"us-east-1a\"]: `cidr_block`: subnet CIDR block `10.2.10.0/24` is outside `10.0.0.0/16`",
        "modules/m.toml:19:14: m.private[\"us-east-1b\"]: `cidr_block`: subnet CIDR block `10.2.11.0/24` is outside `10.0.0.0/16`",
        "3 problems in the manifests",
    ] {
        assert!(out.stderr.contains(f), "expected `{f}` in:\n{}", out.stderr);
    }
    let out = validate(&[("m.toml", &module("10.0.1.0/24", "var.vpc_cidr"))]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// One file that does not parse is one module missing from everything else: its
/// syntax error comes alone, without what its absence would make of the others.
#[test]
fn a_syntax_error_is_reported_alone() {
    let out = validate(&[
        ("a.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"a-q\nvisibility_timeout_seconds = 30\n[outputs]\narn = \"${resources.q.arn}\"\n"),
        (
            "b.toml",
            "[variables]\nsize = 1\n[resources.q]\ntype = \"sqs.queue\"\nname = \"b-q\"\ndepends_on = [\"module.a\"]\nredrive = { dead_letter_target_arn = \"${module.a.arn}\", max_receive_count = 3 }\n",
        ),
        ("env/dev.toml", "[variables]\nonly_in_a = 2\n[modules.a]\nx = 1\n"),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for f in ["modules/a.toml:3:12: invalid TOML: invalid basic string, expected `\"`", "name = \"a-q", "1 problem in the manifests"] {
        assert!(out.stderr.contains(f), "expected `{f}` in:\n{}", out.stderr);
    }
    for absent in ["unknown module", "b.toml", "env/dev.toml", "no module declares", "panicked"] {
        assert!(!out.stderr.contains(absent), "unexpected `{absent}` in:\n{}", out.stderr);
    }
}

/// A database whose password is generated by a secret of the project must follow the
/// secret's version, or a changed `generate` leaves it on the old password: refused,
/// with the line to add, for a secret in the same module and one behind an output.
#[test]
fn a_database_on_a_generated_secret_without_its_version_is_refused() {
    let secret = |generate: bool| {
        let generate = if generate { "generate = { username = \"app\" }\n" } else { "" };
        format!("[resources.creds]\ntype = \"secretsmanager.secret\"\nname = \"app-db\"\n{generate}")
    };
    let cluster = |version: &str| {
        format!(
            "[resources.db]\ntype = \"rds.cluster\"\nidentifier = \"app-db\"\nmaster_username = \"app\"\n\
             master_password_secret = \"${{resources.creds.arn}}\"\n{version}"
        )
    };
    rejects(
        &[("m.toml", &format!("{}\n{}", secret(true), cluster("")))],
        "modules/m.toml:10:26",
        &[
            "m.db: `master_password_secret`: m.creds (declared at modules/m.toml:1:12) generates this password anew whenever its `generate` changes",
            "add `master_password_version = \"${resources.creds.version_id}\"`",
            "locked out",
        ],
    );
    let followed = cluster("master_password_version = \"${resources.creds.version_id}\"\n");
    for ok in [format!("{}\n{followed}", secret(true)), format!("{}\n{}", secret(false), cluster(""))] {
        let out = validate(&[("m.toml", &ok)]);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }

    // The secret of another module, through its output: the output to add there too.
    let instance = |version: &str| {
        format!(
            "[resources.pg]\ntype = \"rds.instance\"\nidentifier = \"app-pg\"\nmaster_username = \"app\"\n\
             master_password_secret = \"${{module.security.db_secret_arn}}\"\n{version}"
        )
    };
    let security = |outputs: &str| format!("{}[outputs]\ndb_secret_arn = \"${{resources.creds.arn}}\"\n{outputs}", secret(true));
    rejects(
        &[("security.toml", &security("")), ("db.toml", &instance(""))],
        "modules/db.toml:5:26",
        &[
            "db.pg: `master_password_secret`: security.creds (declared at modules/security.toml:1:12)",
            "add the output `db_secret_version = \"${resources.creds.version_id}\"` to module security and here \
             `master_password_version = \"${module.security.db_secret_version}\"`",
        ],
    );
    let out = validate(&[
        ("security.toml", &security("db_secret_version = \"${resources.creds.version_id}\"\n")),
        ("db.toml", &instance("master_password_version = \"${module.security.db_secret_version}\"\n")),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}
