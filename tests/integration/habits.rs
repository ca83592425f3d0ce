//! Habits of the ecosystem (issue 25, item 5): shell completions and man pages from the
//! CLI definition, `infra init`, unknown environments refused, `status
//! --detailed-exitcode`, and list prices built in.

use std::path::Path;
use std::process::Command;

use crate::harness::{infra_binary, Env, Run};

/// The binary without a project or an emulator (completions and man pages need neither).
fn run_plain(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(infra_binary()).args(args).current_dir(dir).env("NO_COLOR", "1").output().expect("run infra");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The line of `infra status`'s table for `module`, split into columns.
fn row<'a>(stdout: &'a str, module: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cols| cols.first() == Some(&module))
        .unwrap_or_else(|| panic!("no row for {module}:\n{stdout}"))
}

#[test]
fn completions_and_man_pages_come_from_the_command_line_definition() {
    let dir = tempfile::tempdir().unwrap();
    let bash = run_plain(dir.path(), &["completions", "bash"]);
    assert!(bash.ok().stdout.contains("_infra()"), "{}", bash.stdout);
    // Subcommands and their flags, the new ones included.
    for word in ["status", "init", "completions", "--detailed-exitcode", "--new-env"] {
        assert!(bash.stdout.contains(word), "bash completion lacks {word}");
    }
    assert!(run_plain(dir.path(), &["completions", "zsh"]).ok().stdout.starts_with("#compdef infra"));
    assert!(run_plain(dir.path(), &["completions", "fish"]).ok().stdout.contains("complete -c infra"));
    assert!(run_plain(dir.path(), &["completions", "powershell"]).ok().stdout.contains("Register-ArgumentCompleter"));
    let bad = run_plain(dir.path(), &["completions", "tcsh"]);
    bad.code(1);
    assert!(bad.stderr.contains("bash") && bad.stderr.contains("powershell"), "names the shells: {}", bad.stderr);

    let page = run_plain(dir.path(), &["man"]);
    assert!(page.ok().stdout.contains(".TH infra 1"), "{}", page.stdout);
    assert!(page.stdout.contains(".SH SUBCOMMANDS") && page.stdout.contains("completions"), "{}", page.stdout);

    let out = dir.path().join("man");
    let pages = run_plain(dir.path(), &["man", "--out", out.to_str().unwrap()]);
    pages.ok();
    for name in ["infra.1", "infra-status.1", "infra-state-list.1", "infra-init.1"] {
        assert!(out.join(name).is_file(), "{name} written");
        assert!(pages.stdout.contains(&out.join(name).display().to_string()), "{name} named: {}", pages.stdout);
    }
    let status = std::fs::read_to_string(out.join("infra-status.1")).unwrap();
    assert!(status.contains("detailed\\-exitcode"), "{status}");
}

#[test]
fn init_makes_a_project_that_validates_deploys_and_is_priced() {
    let env = Env::empty();
    let dir = env.dir.path().to_str().unwrap().to_string();
    env.write(".gitignore", "target/");
    let init = env.infra(&["init", &dir]);
    init.ok();
    for line in ["infra.toml", "modules/example.toml", "modules/pricing.toml", ".gitignore", "infra validate", "infra up example"] {
        assert!(init.stdout.contains(line), "{line}: {}", init.stdout);
    }
    assert_eq!(std::fs::read_to_string(env.path(".gitignore")).unwrap(), "target/\nstate/\n", "state/ added, the rest kept");

    // A second init overwrites nothing and says which files are in the way.
    let settings = env.path("infra.toml");
    let mine = std::fs::read_to_string(&settings).unwrap() + "# mine\n";
    std::fs::write(&settings, &mine).unwrap();
    let again = env.infra(&["init", &dir]);
    again.code(1);
    assert!(again.stderr.contains("infra.toml, modules/example.toml, modules/pricing.toml"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), mine);

    let validate = env.infra(&["validate"]);
    assert!(validate.ok().stdout.contains("1 module, 2 resources"), "{}", validate.stdout);
    env.infra(&["up", "example"]).ok();
    let redrive = env.block_on(async {
        let url = env.sqs().get_queue_url().queue_name("dev-example-work").send().await.unwrap().queue_url.unwrap();
        let attrs = env
            .sqs()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy)
            .send()
            .await
            .unwrap();
        attrs.attributes().unwrap()[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy].clone()
    });
    assert!(redrive.contains("dev-example-dead-letters") && redrive.contains('5'), "{redrive}");
    let status = env.infra(&["status", "--summary"]);
    // Two queues at 100,000 requests each, $0.40 per million.
    assert_eq!(row(&status.ok().stdout, "example")[1..4], ["deployed", "2/2", "0.08"], "{}", status.stdout);
    assert!(status.stdout.contains("us-east-1 list prices in USD with the usage assumptions in modules/pricing.toml"), "{}", status.stdout);
    env.infra(&["down", "example", "--yes"]).ok();
    let gone = env.block_on(async { env.sqs().list_queues().send().await.unwrap().queue_urls().len() });
    assert_eq!(gone, 0);
}

const PRICED: &str = r#"
[resources.on_demand]
type = "dynamodb.table"
name = "priced-on-demand"
hash_key = "id"

[resources.provisioned]
type = "dynamodb.table"
name = "priced-provisioned"
hash_key = "id"
billing_mode = "PROVISIONED"
read_capacity = 5
write_capacity = 5
"#;

const EDGE: &str = r#"
[resources.api]
type = "apigatewayv2.api"
name = "priced-http-api"

[resources.alarm]
type = "cloudwatch.metric_alarm"
name = "priced-errors"
namespace = "AWS/Lambda"
metric_name = "Errors"
statistic = "Sum"
threshold = 1.0
"#;

const FREE: &str = r#"
[resources.role]
type = "iam.role"
name = "priced-free-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }
"#;

#[test]
fn a_project_without_a_pricing_file_is_priced_with_the_built_in_list_prices() {
    let env = Env::empty();
    env.write("modules/tables.toml", PRICED);
    env.write("modules/edge.toml", EDGE);
    env.write("modules/free.toml", FREE);
    env.write("modules/presets.toml", "[presets.quiet]\naction = \"down\"\nmodules = [\"free\"]\ndescription = \"nothing to save\"\n");
    let before = env.infra(&["status", "--summary", "--offline"]);
    assert_eq!(row(&before.ok().stdout, "TOTAL")[1..], ["0/5", "0.00"], "{}", before.stdout);

    env.infra(&["up", "--all"]).ok();
    let status = env.infra(&["status", "--summary"]);
    status.ok();
    assert!(!status.all().contains("-0.00"), "{}", status.stdout);
    // On demand: 1 GB ($0.25) + 1M writes ($0.625) + 5M reads ($0.625); provisioned:
    // 1 GB + 5 WCU and 5 RCU all month (730 h × $0.00065 and × $0.00013) = $3.10.
    assert_eq!(row(&status.stdout, "tables")[1..4], ["deployed", "2/2", "4.60"], "{}", status.stdout);
    // HTTP API: 500,000 requests at $1.00 per million; a 300-second alarm $0.10.
    assert_eq!(row(&status.stdout, "edge")[1..4], ["deployed", "2/2", "0.60"], "{}", status.stdout);
    assert_eq!(row(&status.stdout, "free")[1..4], ["deployed", "1/1", "0.00"], "{}", status.stdout);
    assert_eq!(row(&status.stdout, "TOTAL")[1..], ["5/5", "5.20"], "{}", status.stdout);
    assert!(status.stdout.contains("`infra down --preset quiet`: nothing to save now"), "{}", status.stdout);
    assert!(status.stdout.contains("us-east-1 list prices in USD built into infra"), "{}", status.stdout);
    assert!(!status.stdout.contains("list prices in  with"), "{}", status.stdout);

    let json = env.infra(&["status", "--summary", "--json"]);
    assert!(!json.ok().stdout.contains("-0.0"), "{}", json.stdout);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["currency"], "USD");
    assert_eq!(doc["total_monthly_cost"], 5.2);

    // A project's own file overrides the built-in table entry by entry.
    env.write("modules/pricing.toml", "currency = \"USD\"\nregion = \"us-east-1\"\n[assumptions]\ndynamodb_gb_per_table = 3\n");
    let status = env.infra(&["status", "--summary", "--offline"]);
    assert_eq!(row(&status.ok().stdout, "tables")[3], "5.60", "two tables × 2 GB more at $0.25: {}", status.stdout);
    assert_eq!(row(&status.stdout, "edge")[3], "0.60", "{}", status.stdout);
    assert!(status.stdout.contains("with the usage assumptions in modules/pricing.toml"), "{}", status.stdout);
}

#[test]
fn an_unknown_environment_is_refused_unless_new_or_declared() {
    let env = Env::empty();
    env.write("modules/jobs.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"jobs-${env}\"\n");
    let typo = env.infra(&["-e", "prdo", "up", "jobs"]);
    typo.code(1);
    assert!(typo.stderr.contains("unknown environment `prdo`"), "{}", typo.stderr);
    assert!(typo.stderr.contains("Known environments: dev (the default)"), "{}", typo.stderr);
    assert!(typo.stderr.contains("--new-env"), "{}", typo.stderr);
    assert!(env.proxy.calls().is_empty(), "refused before any request");
    assert!(!env.path("state/prdo.json").exists());

    // An environment file declares one; a near miss is pointed at it.
    env.write("modules/env/prod.toml", "");
    let near = env.infra(&["--env", "prdo", "plan", "jobs"]);
    near.code(1);
    assert!(near.stderr.contains("(did you mean `prod`?)"), "{}", near.stderr);
    assert!(near.stderr.contains("prod (modules/env)"), "{}", near.stderr);
    env.infra(&["-e", "prod", "up", "jobs"]).ok();

    // --new-env starts one; its state makes it known from then on.
    env.infra(&["-e", "staging", "--new-env", "up", "jobs"]).ok();
    env.infra(&["-e", "staging", "plan", "jobs", "--detailed-exitcode"]).code(0);
    for cmd in [&["status"][..], &["output", "jobs"], &["validate"]] {
        let r = env.infra(&[&["-e", "qa"][..], cmd].concat());
        r.code(1);
        assert!(r.stderr.contains("Known environments: dev (the default), prod (modules/env), staging (a state)"), "{}", r.stderr);
    }
    let names = env.block_on(async {
        let mut names: Vec<String> =
            env.sqs().list_queues().send().await.unwrap().queue_urls().iter().map(|u| u.rsplit('/').next().unwrap().to_string()).collect();
        names.sort();
        names
    });
    assert_eq!(names, vec!["jobs-prod", "jobs-staging"]);
}

#[test]
fn with_the_s3_backend_an_environment_is_known_by_its_state_object() {
    let env = Env::empty();
    env.write("infra.toml", "[state]\nbackend = \"s3\"\nbucket = \"habits-state\"\nprefix = \"p\"\n");
    env.write("modules/jobs.toml", "[resources.q]\ntype = \"sqs.queue\"\nname = \"jobs-${env}\"\n");
    env.infra(&["state", "init-backend"]).ok();
    let refused = env.infra(&["-e", "prod", "up", "jobs"]);
    refused.code(1);
    assert!(
        refused.stderr.contains("unknown environment `prod`") && refused.stderr.contains("s3://habits-state/p/prod.json"),
        "{}",
        refused.stderr
    );
    env.infra(&["-e", "prod", "--new-env", "up", "jobs"]).ok();
    assert!(!env.path("state/prod.json").exists(), "the state is in S3 only");
    env.infra(&["-e", "prod", "plan", "jobs", "--detailed-exitcode"]).code(0);
}

#[test]
fn status_detailed_exitcode_is_2_for_drift_staleness_and_missing_resources() {
    let env = Env::empty();
    env.write(
        "modules/a.toml",
        "[resources.dlq]\ntype = \"sqs.queue\"\nname = \"habits-dlq-1\"\n\n[outputs]\ndlq_arn = \"${resources.dlq.arn}\"\n",
    );
    env.write(
        "modules/b.toml",
        "[resources.work]\ntype = \"sqs.queue\"\nname = \"habits-work\"\nredrive = { dead_letter_target_arn = \"${module.a.dlq_arn}\", max_receive_count = 3 }\n\n[resources.other]\ntype = \"sqs.queue\"\nname = \"habits-other\"\n",
    );
    // Nothing deployed matches (an absent module is not a difference).
    env.infra(&["status", "--detailed-exitcode"]).code(0);
    env.infra(&["up", "a", "b"]).ok();
    env.infra(&["status", "--detailed-exitcode"]).code(0);

    // Changed outside infra: drifted.
    let url = |name: &str| env.block_on(async { env.sqs().get_queue_url().queue_name(name).send().await.unwrap().queue_url.unwrap() });
    let other = url("habits-other");
    env.block_on(async {
        env.sqs()
            .set_queue_attributes()
            .queue_url(&other)
            .attributes(aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout, "99")
            .send()
            .await
            .unwrap();
    });
    let drifted = env.infra(&["status", "--detailed-exitcode"]);
    drifted.code(2);
    assert_eq!(row(&drifted.stdout, "b")[1], "drifted", "{}", drifted.stdout);
    env.infra(&["status", "--json", "--detailed-exitcode"]).code(2);
    env.infra(&["status"]).code(0);
    // Offline, only what the state shows counts: drift is not seen.
    env.infra(&["status", "--offline", "--detailed-exitcode"]).code(0);
    env.infra(&["up", "b"]).ok();
    env.infra(&["status", "--detailed-exitcode"]).code(0);

    // Gone from AWS: partial.
    env.block_on(async { env.sqs().delete_queue().queue_url(&other).send().await.unwrap() });
    let missing = env.infra(&["status", "--detailed-exitcode"]);
    missing.code(2);
    assert!(row(&missing.stdout, "b").join(" ").contains("missing in AWS: b.other"), "{}", missing.stdout);
    env.infra(&["up", "b"]).ok();
    env.infra(&["status", "--detailed-exitcode"]).code(0);

    // An upstream output it uses changed: stale, also offline.
    env.write(
        "modules/a.toml",
        "[resources.dlq]\ntype = \"sqs.queue\"\nname = \"habits-dlq-2\"\n\n[outputs]\ndlq_arn = \"${resources.dlq.arn}\"\n",
    );
    env.infra(&["up", "a", "--no-dependents", "--yes"]).ok();
    let stale = env.infra(&["status", "--offline", "--detailed-exitcode"]);
    stale.code(2);
    assert_eq!(row(&stale.stdout, "b")[1], "stale", "{}", stale.stdout);

    // An error is 1, never 2.
    env.write("modules/b.toml", "[resources.work\n");
    env.infra(&["status", "--detailed-exitcode"]).code(1);
}
