//! Performance benchmarks: not tests. Each measures the real `infra` binary against the
//! emulator behind the project's recording proxy, which adds a fixed latency to every
//! request (50 ms is a fair stand-in for a client far from its region), and prints
//! Markdown tables: docs/performance.md holds their output. `scripts/bench.sh` builds
//! and runs it; `INFRA_BIN` picks the binary measured (a release build, an older one).
//!
//! Sections (each can be run alone, e.g. `scripts/bench.sh alex synthetic`):
//! - `alex`: the Alex stack's `up --all`, no-op `up --all` and `plan --all`, `down
//!   --all`, at 0 and 50 ms, with request counts and the critical-path bound from the
//!   run's own step timings; and `plan --estimate` with and without early-known values.
//! - `synthetic`: generated projects of 1,000 and 10,000 resources (chains and wide
//!   fans of queues, dead-letter queues and log groups): `validate`, graph, creating and
//!   no-op planning 1,000 at 50 ms (with CPU time), state load and peak memory at 10,000.
//! - `state`: the Alex stack's `up --all` at 50 ms with local and with S3 state.
//! - `terraform`: the Alex modules 5 and 6 in Terraform HCL (benches/terraform/), timed
//!   beside infra on the same emulator and proxy; skipped with a message when Terraform
//!   or its AWS provider is absent.
//! - `clock`: the Alex stack's `up --all` and `down --all` on an emulator that keeps
//!   AWS's clock (`INFRA_EMULATOR_CLOCK`, scripts/moto_clock.py), against the longest
//!   chain of AWS waits through each plan on the same clock; and Terraform's apply and
//!   destroy of modules 5 and 6 beside infra's there, skipped without Terraform.

#[allow(dead_code)]
#[path = "../tests/integration/proxy.rs"]
mod proxy;

#[allow(dead_code)]
#[path = "../tests/integration/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::Env;

/// One run of the binary: its wall time, the requests it made, and (when wrapped in
/// `/usr/bin/time`) its CPU time and peak memory.
struct Measure {
    wall: Duration,
    requests: usize,
    cpu: Option<f64>,
    rss_mb: Option<f64>,
    stdout: String,
    stderr: String,
    /// How long the emulator had a request in hand (the union of every request's time
    /// from leaving the proxy's added latency to its answer): moto answers one request
    /// at a time, so no client can finish faster than this.
    busy: Duration,
}

fn run(env: &Env, args: &[&str]) -> Measure {
    run_with(env, &[], args)
}

/// The same with extra environment variables for the binary.
fn run_with(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> Measure {
    let stats = tempfile::NamedTempFile::new().expect("temp file");
    let stats_path = stats.path().to_string_lossy().to_string();
    let wrapper = ["/usr/bin/time", "-f", "%U %S %M", "-o", stats_path.as_str()];
    let use_time = Path::new("/usr/bin/time").exists();
    env.proxy.clear();
    let start = Instant::now();
    let mut cmd = if use_time { env.command_wrapped(&wrapper, args) } else { env.command(args) };
    cmd.envs(vars.iter().copied());
    let out = cmd.output().expect("run infra");
    let wall = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "infra {args:?} failed:\n{stdout}\n{stderr}");
    let text = std::fs::read_to_string(stats.path()).unwrap_or_default();
    let fields: Vec<f64> = text.lines().last().unwrap_or("").split_whitespace().filter_map(|f| f.parse().ok()).collect();
    let (cpu, rss_mb) = match fields.as_slice() {
        [user, sys, rss] => (Some(user + sys), Some(rss / 1024.0)),
        _ => (None, None),
    };
    let calls = env.proxy.calls();
    Measure { wall, requests: calls.len(), cpu, rss_mb, stdout, stderr, busy: emulator_busy(&calls, env.proxy.latency()) }
}

fn emulator_busy(calls: &[proxy::Call], latency: Duration) -> Duration {
    let mut spans: Vec<(Instant, Instant)> = calls.iter().filter_map(|c| c.answered.map(|a| ((c.arrived + latency).min(a), a))).collect();
    spans.sort();
    let mut busy = Duration::ZERO;
    let mut current: Option<(Instant, Instant)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                busy += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    busy + current.map(|(s, e)| e - s).unwrap_or_default()
}

/// moto builds each service's backend on first use (IAM loads every AWS managed
/// policy, EC2 its default VPC and images: seconds in all): done before anything is
/// timed, so the figures are infra's, not the emulator's start-up.
fn warm(env: &Env) {
    env.block_on(async {
        let _ = env.iam().list_roles().send().await;
        let _ = env.ec2().describe_vpcs().send().await;
        let _ = env.ec2().describe_subnets().send().await;
        let _ = env.lambda().list_functions().send().await;
        let _ = env.rds().describe_db_clusters().send().await;
        let _ = env.sagemaker().list_models().send().await;
        let _ = env.secrets().list_secrets().send().await;
        let _ = env.sqs().list_queues().send().await;
        let _ = env.s3().list_buckets().send().await;
        let _ = env.logs().describe_log_groups().send().await;
        let _ = env.apigateway().get_rest_apis().send().await;
        let _ = env.cloudfront().list_distributions().send().await;
        let _ = env.cloudwatch().list_dashboards().send().await;
        let _ = env.ecr().describe_repositories().send().await;
        let _ = env.scheduler().list_schedules().send().await;
    });
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn supports(flag: &str, command: &str) -> bool {
    let out = std::process::Command::new(harness::infra_binary()).args([command, "--help"]).output();
    out.map(|o| String::from_utf8_lossy(&o.stdout).contains(flag)).unwrap_or(false)
}

/// The apply's critical path (ms) and the plan phase (ms), from `--timings`.
fn timings(path: &Path) -> Option<(f64, f64)> {
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    Some((doc["critical_path_ms"].as_f64()?, doc["plan_ms"].as_f64()?))
}

fn alex() {
    println!("## The Alex stack (49 resources, 7 modules)\n");
    println!("| Latency | Command | Wall | Requests | Emulator busy | Planning | Critical-path bound | Wall / bound |");
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    let with_timings = supports("--timings", "up");
    for latency in [0u64, 50] {
        let env = Env::new();
        warm(&env);
        env.proxy.set_latency(Duration::from_millis(latency));
        let t = tempfile::NamedTempFile::new().expect("temp file");
        let tpath = t.path().to_string_lossy().to_string();
        let up_args: Vec<&str> = if with_timings { vec!["up", "--all", "--timings", &tpath] } else { vec!["up", "--all"] };
        let up = run(&env, &up_args);
        // The bound: the longest chain of this run's own steps, plus the round trips no
        // plan can skip before the first create (caller identity, then the default VPC
        // and its subnets, the names' lookups beside them): 4.
        let measured = timings(t.path());
        let bound = measured.map(|(critical, _)| Duration::from_secs_f64(critical / 1000.0) + Duration::from_millis(4 * latency));
        let planning = measured.map(|(_, plan)| secs(Duration::from_secs_f64(plan / 1000.0))).unwrap_or_else(|| "-".into());
        let ratio = bound.map(|b| format!("{:.2}x", up.wall.as_secs_f64() / b.as_secs_f64().max(1e-6))).unwrap_or_else(|| "-".into());
        let bound_text = bound.map(secs).unwrap_or_else(|| "-".into());
        println!(
            "| {latency} ms | `up --all` | {} | {} | {} | {planning} | {bound_text} | {ratio} |",
            secs(up.wall),
            up.requests,
            secs(up.busy)
        );
        let again = run(&env, &["up", "--all"]);
        assert!(again.stdout.contains("No changes"), "{}", again.stdout);
        let row = |what: &str, m: &Measure| {
            println!("| {latency} ms | {what} | {} | {} | {} | | | |", secs(m.wall), m.requests, secs(m.busy));
        };
        row("`up --all`, nothing to do", &again);
        row("`plan --all`, nothing to do", &run(&env, &["plan", "--all"]));
        row("`status --summary --offline`", &run(&env, &["status", "--summary", "--offline"]));
        row("`down --all`", &run(&env, &["down", "--all", "--yes"]));
    }
    if supports("--estimate", "plan") {
        let env = Env::new();
        warm(&env);
        let est = run(&env, &["plan", "--all", "--estimate"]);
        let line = |prefix: &str| est.stdout.lines().find(|l| l.starts_with(prefix)).unwrap_or("").to_string();
        println!("\n`infra plan --all --estimate` on an empty account (real-AWS durations, src/plan/durations.toml):\n");
        println!("    {}", line("Estimated time on AWS"));
        println!("    {}", est.stdout.lines().skip_while(|l| !l.starts_with("Estimated time on AWS")).nth(1).unwrap_or("").trim());
        let without = line("Waiting for every dependency");
        println!("    {}", if without.is_empty() { "(the same without values known early)".to_string() } else { without });
    }
    println!();
}

/// What keeping the state in S3 costs: the Alex stack's `up --all` (and a no-op one) at
/// 50 ms with the local backend and with the S3 backend (lock object, uploads at most
/// once a second, final upload, lock release). The two projects take turns, five rounds,
/// so that the machine's drift falls on both; medians.
fn state_section() {
    const ROUNDS: usize = 5;
    println!("## State backends: the Alex stack at 50 ms per request (median of {ROUNDS}, taking turns)\n");
    println!("| Backend | Command | Wall | Requests | of which state (S3) |");
    println!("|---|---|---:|---:|---:|");
    let envs: Vec<(&str, Env)> = ["local", "s3"]
        .into_iter()
        .map(|backend| {
            let env = Env::new();
            warm(&env);
            if backend == "s3" {
                env.write("infra.toml", "[state]\nbackend = \"s3\"\nbucket = \"bench-infra-state\"\nprefix = \"alex\"\n");
                run(&env, &["state", "init-backend"]);
            }
            (backend, env)
        })
        .collect();
    let state_requests =
        |env: &Env| env.proxy.calls().iter().filter(|c| c.service == "s3" && c.operation.contains("/bench-infra-state/")).count();
    // Per backend: (up walls, up requests, up state requests), the same for the no-op.
    let mut figures: Vec<[Vec<(Duration, usize, usize)>; 2]> = vec![[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
    for _ in 0..ROUNDS {
        for (i, (_, env)) in envs.iter().enumerate() {
            env.proxy.set_latency(Duration::from_millis(50));
            for slot in figures[i].iter_mut() {
                let m = run(env, &["up", "--all"]);
                slot.push((m.wall, m.requests, state_requests(env)));
            }
            env.proxy.set_latency(Duration::ZERO);
            run(env, &["down", "--all", "--yes"]);
        }
    }
    let mut medians = Vec::new();
    for (i, (backend, _)) in envs.iter().enumerate() {
        for (slot, what) in ["`up --all`", "`up --all`, nothing to do"].into_iter().enumerate() {
            let mut v = figures[i][slot].clone();
            v.sort();
            let (wall, requests, state) = v[ROUNDS / 2];
            println!("| {backend} | {what} | {} | {requests} | {state} |", secs(wall));
            medians.push(wall);
        }
    }
    let cost = |local: Duration, s3: Duration| {
        format!(
            "{:+.0} ms ({:+.0}%)",
            (s3.as_secs_f64() - local.as_secs_f64()) * 1000.0,
            (s3.as_secs_f64() / local.as_secs_f64() - 1.0) * 100.0
        )
    };
    println!(
        "\nS3 state costs {} on `up --all` and {} on a no-op `up --all`.\n",
        cost(medians[0], medians[2]),
        cost(medians[1], medians[3])
    );
}

/// `n` resources in `modules` modules: in each, a chain of queues (each redriving to
/// the previous one), a wide fan of independent queues with their dead-letter queues,
/// and log groups; each module reads the previous module's first queue (a cross-module
/// edge).
fn synthetic(dir: &Path, n: usize, modules: usize) {
    std::fs::create_dir_all(dir.join("modules")).unwrap();
    let per = n / modules;
    for m in 0..modules {
        let mut text = String::new();
        let chain = per / 10;
        let fan = (per - chain) / 3;
        for i in 0..chain {
            text.push_str(&format!("[resources.c{i}]\ntype = \"sqs.queue\"\nname = \"s{m}-chain-{i}\"\n"));
            if i > 0 {
                text.push_str(&format!(
                    "redrive = {{ dead_letter_target_arn = \"${{resources.c{}.arn}}\", max_receive_count = 5 }}\n",
                    i - 1
                ));
            } else if m > 0 {
                text.push_str(&format!("tags = {{ upstream = \"${{module.s{}.first}}\" }}\n", m - 1));
            }
            text.push('\n');
        }
        for i in 0..fan {
            text.push_str(&format!(
                "[resources.d{i}]\ntype = \"sqs.queue\"\nname = \"s{m}-dlq-{i}\"\n\n[resources.q{i}]\ntype = \"sqs.queue\"\nname = \"s{m}-q-{i}\"\nredrive = {{ dead_letter_target_arn = \"${{resources.d{i}.arn}}\", max_receive_count = 3 }}\n\n[resources.l{i}]\ntype = \"logs.log_group\"\nname = \"/synthetic/s{m}/{i}\"\nretention_days = 7\n\n"
            ));
        }
        let first = if chain > 0 { "c0" } else { "q0" };
        text.push_str(&format!("[outputs]\nfirst = \"${{resources.{first}.arn}}\"\n"));
        std::fs::write(dir.join(format!("modules/s{m}.toml")), text).unwrap();
    }
}

fn count_resources(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("modules"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default().matches("[resources.").count())
        .sum()
}

fn synthetic_section() {
    println!("## Generated projects\n");
    println!("| Resources | Command | Latency | Wall | Requests | Emulator busy | CPU | Peak memory |");
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    let row = |n: usize, what: &str, latency: u64, m: &Measure| {
        let cpu = m.cpu.map(|c| format!("{c:.2} s")).unwrap_or_else(|| "-".into());
        let rss = m.rss_mb.map(|r| format!("{r:.0} MB")).unwrap_or_else(|| "-".into());
        println!("| {n} | {what} | {latency} ms | {} | {} | {} | {cpu} | {rss} |", secs(m.wall), m.requests, secs(m.busy));
    };
    // 10,000 are created without added latency (an emulator minute, not a benchmark);
    // the no-op runs, what a user repeats, are timed at 50 ms.
    // `BENCH_MAX_RESOURCES=1000` skips the larger project (an old binary that rewrote
    // the whole state after every step would take hours over it).
    let max: usize = std::env::var("BENCH_MAX_RESOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(usize::MAX);
    for (n, modules, create_latency) in [(1000usize, 10usize, 50u64), (10000, 50, 0)].into_iter().filter(|(n, ..)| *n <= max) {
        let env = Env::empty();
        warm(&env);
        std::fs::remove_dir_all(env.path("modules")).ok();
        synthetic(env.dir.path(), n, modules);
        let n = count_resources(env.dir.path());
        row(n, "`validate`", 0, &run(&env, &["validate"]));
        row(n, "`graph` (load, validate, build the DAG)", 0, &run(&env, &["graph"]));
        env.proxy.set_latency(Duration::from_millis(create_latency));
        let up = run(&env, &["up", "--all"]);
        assert!(!up.stderr.contains("error"), "{}", up.stderr);
        row(n, "`up --all` (create everything)", create_latency, &up);
        env.proxy.set_latency(Duration::from_millis(50));
        row(n, "`plan --all`, nothing to do", 50, &run(&env, &["plan", "--all"]));
        let store = infra::state::LocalStore::new(env.path("state"), "dev");
        let size = std::fs::metadata(store.path()).map(|m| m.len()).unwrap_or(0);
        let start = Instant::now();
        for _ in 0..5 {
            store.load().expect("load state");
        }
        let load = start.elapsed() / 5;
        println!("| {n} | state load, in process ({:.1} MB file, mean of 5) | | {} | 0 | | | |", size as f64 / 1e6, secs(load));
        let (wall, requests) = emulator_floor(&env, &store.load().expect("load state"));
        println!(
            "| {n} | the same reads sent straight by the SDK, 64 at a time (the emulator's floor) | 50 ms | {} | {requests} | | | |",
            secs(wall)
        );
        row(n, "`up --all`, nothing to do", 50, &run(&env, &["up", "--all"]));
        row(n, "`status --offline` (manifests, graph, state)", 50, &run(&env, &["status", "--offline"]));
        env.proxy.set_latency(Duration::ZERO);
        row(n, "`down --all`", 0, &run(&env, &["down", "--all", "--yes"]));
    }
    println!();
}

/// The reads a no-op plan of the generated project needs (each queue's attributes and
/// tags, each log group's description and tags), sent by the SDK 64 at a time with no
/// planning around them: how fast the emulator behind the proxy can answer them.
fn emulator_floor(env: &Env, state: &infra::state::State) -> (Duration, usize) {
    use futures::{FutureExt, StreamExt};
    // Through the proxy, like infra's own requests: the same latency, counted.
    let aws = env.aws();
    let (sqs, logs) = (aws.sqs().clone(), aws.logs().clone());
    let reads = state.modules.values().flat_map(|m| m.resources.values()).map(|r| {
        let (sqs, logs, id) = (sqs.clone(), logs.clone(), r.id.clone());
        let arn = r.attributes.get("arn").and_then(|a| a.as_str()).unwrap_or_default().to_string();
        if r.type_name == "sqs.queue" {
            async move {
                let _ = sqs.get_queue_attributes().queue_url(&id).attribute_names(aws_sdk_sqs::types::QueueAttributeName::All).send().await;
                let _ = sqs.list_queue_tags().queue_url(&id).send().await;
            }
            .boxed()
        } else {
            async move {
                let _ = logs.describe_log_groups().log_group_name_prefix(&id).send().await;
                let _ = logs.list_tags_for_resource().resource_arn(arn).send().await;
            }
            .boxed()
        }
    });
    env.proxy.clear();
    let start = Instant::now();
    env.block_on(futures::stream::iter(reads).buffer_unordered(64).collect::<Vec<()>>());
    (start.elapsed(), env.proxy.calls().len())
}

/// The provider mirror this machine has, if any.
fn provider_mirror() -> Option<PathBuf> {
    ["/opt/tf-plugins", "/usr/share/terraform/plugins"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.join("registry.terraform.io/hashicorp/aws").is_dir())
}

/// `terraform` and the provider mirror, when this machine has both.
fn terraform_available() -> Option<PathBuf> {
    let has_terraform = std::process::Command::new("terraform").arg("version").output().is_ok_and(|o| o.status.success());
    provider_mirror().filter(|_| has_terraform)
}

/// benches/terraform's modules copied into a scratch directory with a CLI configuration
/// naming the provider mirror and the agents' package: Terraform runs there against the
/// emulator behind `endpoint`.
struct Terraform {
    work: tempfile::TempDir,
    cli_config: PathBuf,
    endpoint: String,
}

impl Terraform {
    fn new(mirror: &Path, endpoint: &str) -> Terraform {
        let work = tempfile::tempdir().unwrap();
        let cli_config = work.path().join("terraformrc");
        std::fs::write(
            &cli_config,
            format!("provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n", mirror.display()),
        )
        .unwrap();
        write_code_zip(&work.path().join("code.zip"));
        for module in ["5_database", "6_agents"] {
            harness::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/terraform").join(module), &work.path().join(module));
        }
        Terraform { work, cli_config, endpoint: endpoint.to_string() }
    }

    fn run(&self, module: &str, args: &[&str]) -> Duration {
        let dir = self.work.path().join(module);
        let start = Instant::now();
        let out = std::process::Command::new("terraform")
            .args(args)
            .current_dir(&dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("TF_VAR_endpoint", &self.endpoint)
            .env("TF_VAR_code_zip", self.work.path().join("code.zip"))
            .output()
            .expect("run terraform");
        assert!(
            out.status.success() || out.status.code() == Some(2),
            "terraform {args:?} in {module}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        start.elapsed()
    }
}

fn terraform_section() {
    println!("## Terraform beside infra (Alex modules 5 and 6, 50 ms per request)\n");
    let Some(mirror) = terraform_available() else {
        println!("Skipped: `terraform` or the hashicorp/aws provider mirror is not on this machine.\n");
        return;
    };
    let env = Env::new();
    warm(&env);
    // The upstream modules the agents read, by infra (not timed).
    run(&env, &["up", "2_sagemaker", "3_ingestion"]);
    env.proxy.set_latency(Duration::from_millis(50));
    // As the HCL does: no final snapshot of the database.
    const NO_SNAPSHOT: &str = "5_database.skip_final_snapshot=true";
    let db = run(&env, &["up", "5_database", "--var", NO_SNAPSHOT]);
    let agents = run(&env, &["up", "6_agents"]);
    let plan_db = run(&env, &["plan", "5_database", "--var", NO_SNAPSHOT]);
    let plan_agents = run(&env, &["plan", "6_agents"]);
    let down_agents = run(&env, &["down", "6_agents", "--yes"]);
    let down_db = run(&env, &["down", "5_database", "--yes"]);

    // The same in HCL, against the same emulator and proxy.
    let tf = Terraform::new(&mirror, &env.proxy.url);
    let mut rows = Vec::new();
    for module in ["5_database", "6_agents"] {
        env.proxy.set_latency(Duration::ZERO);
        tf.run(module, &["init", "-input=false", "-no-color"]);
        env.proxy.set_latency(Duration::from_millis(50));
        let apply = tf.run(module, &["apply", "-auto-approve", "-input=false", "-no-color"]);
        let plan = tf.run(module, &["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
        rows.push((module, apply, plan));
    }
    let destroy_agents = tf.run("6_agents", &["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let destroy_db = tf.run("5_database", &["destroy", "-auto-approve", "-input=false", "-no-color"]);
    println!("| Module | Step | infra | Terraform 1.11 + AWS provider | Terraform / infra |");
    println!("|---|---|---:|---:|---:|");
    let cmp = |a: Duration, b: Duration| format!("{:.0}x", b.as_secs_f64() / a.as_secs_f64().max(1e-6));
    let (db_apply, db_plan) = (rows[0].1, rows[0].2);
    let (ag_apply, ag_plan) = (rows[1].1, rows[1].2);
    println!("| 5_database | create | {} | {} | {} |", secs(db.wall), secs(db_apply), cmp(db.wall, db_apply));
    println!("| 6_agents | create | {} | {} | {} |", secs(agents.wall), secs(ag_apply), cmp(agents.wall, ag_apply));
    println!("| 5_database | no-op plan | {} | {} | {} |", secs(plan_db.wall), secs(db_plan), cmp(plan_db.wall, db_plan));
    println!("| 6_agents | no-op plan | {} | {} | {} |", secs(plan_agents.wall), secs(ag_plan), cmp(plan_agents.wall, ag_plan));
    println!("| 6_agents | destroy | {} | {} | {} |", secs(down_agents.wall), secs(destroy_agents), cmp(down_agents.wall, destroy_agents));
    println!("| 5_database | destroy | {} | {} | {} |", secs(down_db.wall), secs(destroy_db), cmp(down_db.wall, destroy_db));
    println!();
}

/// AWS's durations are divided by this in the `clock` section (`BENCH_CLOCK_FACTOR`
/// overrides it): Aurora's 10-minute instance takes 20 s, CloudFront's 15-minute
/// deployment 30 s, and the section runs in a few minutes. The lower the factor, the
/// smaller the share of the emulator's own request time, which is not scaled.
const CLOCK_FACTOR: u32 = 30;

/// What a `--timings` document says of a run: the plan phase, the apply, the longest
/// chain of the run's own step durations (and its steps), and the longest chain of AWS's
/// typical durations through the same plan (what `plan --estimate` computes).
struct RunTimings {
    plan: Duration,
    apply: Duration,
    taken: Duration,
    taken_path: Vec<String>,
    expected: Duration,
    expected_path: Vec<String>,
    /// Each step's address, start and end.
    steps: Vec<(String, Duration, Duration)>,
}

fn run_timings(path: &Path) -> RunTimings {
    let text = std::fs::read_to_string(path).expect("the run wrote its --timings");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("--timings is JSON");
    let ms = |v: &serde_json::Value| Duration::from_secs_f64(v.as_f64().unwrap_or(0.0) / 1000.0);
    let strings = |v: &serde_json::Value| v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect();
    assert!(doc.get("estimate_ms").is_some(), "this binary's --timings has no estimate_ms");
    RunTimings {
        plan: ms(&doc["plan_ms"]),
        apply: ms(&doc["apply_ms"]),
        taken: ms(&doc["critical_path_ms"]),
        taken_path: strings(&doc["critical_path"]),
        expected: ms(&doc["estimate_ms"]),
        expected_path: strings(&doc["estimate_path"]),
        steps: doc["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| (s["address"].as_str().unwrap_or_default().to_string(), ms(&s["start_ms"]), ms(&s["end_ms"])))
            .collect(),
    }
}

/// A timed run on the clock: its wall time and what its `--timings` says.
fn clock_run(env: &Env, poll: &str, args: &[&str]) -> (Measure, RunTimings) {
    let t = tempfile::NamedTempFile::new().expect("temp file");
    let mut args = args.to_vec();
    let path = t.path().to_string_lossy().to_string();
    args.extend(["--timings", path.as_str()]);
    let m = run_with(env, &[("INFRA_POLL_INTERVAL_MS", poll)], &args);
    let timings = run_timings(t.path());
    (m, timings)
}

/// The Alex stack on an emulator that keeps AWS's clock (scripts/moto_clock.py), against
/// the longest chain of AWS waits through its plan; and, where Terraform is present,
/// Terraform's apply and destroy of modules 5 and 6 beside infra's on the same clock.
fn clock_section() {
    let factor: u32 = std::env::var("BENCH_CLOCK_FACTOR").ok().and_then(|v| v.parse().ok()).unwrap_or(CLOCK_FACTOR);
    println!("## On AWS's clock (`INFRA_EMULATOR_CLOCK={factor}`: AWS's durations divided by {factor})\n");
    if !supports("--timings", "up") {
        println!("Skipped: this binary has no `--timings`.\n");
        return;
    }
    let scaled = |d: Duration| d / factor;
    // infra's polling on the same clock: its first delay (1 s on AWS) and its longest
    // (15 s) divided by the factor, so that a wait overshoots here what it would on AWS.
    let poll = (1000 / factor).max(1).to_string();
    let env = Env::clock(factor);
    harness::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("modules"), &env.path("modules"));
    warm(&env);
    let estimate = run_with(&env, &[("INFRA_POLL_INTERVAL_MS", &poll)], &["plan", "--all", "--estimate"]);
    let (up, up_t) = clock_run(&env, &poll, &["up", "--all"]);
    let (down, down_t) = clock_run(&env, &poll, &["down", "--all", "--yes"]);

    println!(
        "The Alex stack (`modules/`), no added latency (AWS's round trips divided by {factor} are shorter than the emulator's own).\n"
    );
    println!("| Command | Wall | Planning | Longest chain of AWS waits ÷ {factor} | Wall / chain | The run's own longest chain |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (what, m, t) in [("`up --all`", &up, &up_t), ("`down --all --yes`", &down, &down_t)] {
        let chain = scaled(t.expected);
        println!(
            "| {what} | {} | {} | {} | **{:.2}x** | {} |",
            secs(m.wall),
            secs(t.plan),
            secs(chain),
            m.wall.as_secs_f64() / chain.as_secs_f64().max(1e-6),
            secs(t.taken)
        );
    }
    let line = |prefix: &str| estimate.stdout.lines().find(|l| l.starts_with(prefix)).unwrap_or("").to_string();
    println!("\n`infra plan --all --estimate` (real-AWS durations): {}\n", line("Estimated time on AWS").trim_end_matches(':'));
    for (what, t) in [("up", &up_t), ("down", &down_t)] {
        println!("- `{what}`, the longest chain of AWS waits ({} on AWS): {}", secs(t.expected), t.expected_path.join(" -> "));
        let taken: Vec<String> = t
            .taken_path
            .iter()
            .map(|a| {
                let span = t.steps.iter().find(|(s, ..)| s == a).map(|(_, start, end)| secs(end.saturating_sub(*start)));
                format!("{a} ({})", span.unwrap_or_default())
            })
            .collect();
        println!("- `{what}`, the chain the run took ({} of {} applying): {}", secs(t.taken), secs(t.apply), taken.join(" -> "));
    }
    println!();

    // Reset and handed back: the next environment reuses this emulator.
    drop(env);
    println!("### Terraform beside infra on the same clock (Alex modules 5 and 6)\n");
    let Some(mirror) = terraform_available() else {
        println!("Skipped: `terraform` or the hashicorp/aws provider mirror is not on this machine.\n");
        return;
    };
    let env = Env::clock(factor);
    harness::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("modules"), &env.path("modules"));
    warm(&env);
    // The upstream modules the agents read, by infra (not timed).
    run_with(&env, &[("INFRA_POLL_INTERVAL_MS", &poll)], &["up", "2_sagemaker", "3_ingestion"]);
    const NO_SNAPSHOT: &str = "5_database.skip_final_snapshot=true";
    let (db, db_t) = clock_run(&env, &poll, &["up", "5_database", "--var", NO_SNAPSHOT]);
    let (agents, agents_t) = clock_run(&env, &poll, &["up", "6_agents"]);
    let (down_agents, down_agents_t) = clock_run(&env, &poll, &["down", "6_agents", "--yes"]);
    let (down_db, down_db_t) = clock_run(&env, &poll, &["down", "5_database", "--yes"]);
    let tf = Terraform::new(&mirror, &env.proxy.url);
    let mut applies = Vec::new();
    for module in ["5_database", "6_agents"] {
        tf.run(module, &["init", "-input=false", "-no-color"]);
        applies.push(tf.run(module, &["apply", "-auto-approve", "-input=false", "-no-color"]));
    }
    let destroy_agents = tf.run("6_agents", &["destroy", "-auto-approve", "-input=false", "-no-color"]);
    let destroy_db = tf.run("5_database", &["destroy", "-auto-approve", "-input=false", "-no-color"]);
    println!("| Module | Step | Longest chain ÷ {factor} | infra | Terraform 1.11 + AWS provider | Terraform / infra |");
    println!("|---|---|---:|---:|---:|---:|");
    let rows = [
        ("5_database", "create", &db, &db_t, applies[0]),
        ("6_agents", "create", &agents, &agents_t, applies[1]),
        ("6_agents", "destroy", &down_agents, &down_agents_t, destroy_agents),
        ("5_database", "destroy", &down_db, &down_db_t, destroy_db),
    ];
    for (module, step, m, t, terraform) in rows {
        println!(
            "| {module} | {step} | {} | {} | {} | {:.1}x |",
            secs(scaled(t.expected)),
            secs(m.wall),
            secs(terraform),
            terraform.as_secs_f64() / m.wall.as_secs_f64().max(1e-6)
        );
    }
    println!();
}

/// The agents' placeholder package, for Terraform's `filename`.
fn write_code_zip(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("modules/code/placeholder");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        use std::io::Write;
        zip.start_file(entry.file_name().to_string_lossy(), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&std::fs::read(entry.path()).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = args.is_empty();
    let want = |s: &str| all || args.iter().any(|a| a == s);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("Binary: {}; machine: {cores} cores, {cpu}\n", harness::infra_binary().display());
    if want("alex") {
        alex();
    }
    if want("state") {
        state_section();
    }
    if want("synthetic") {
        synthetic_section();
    }
    if want("terraform") {
        terraform_section();
    }
    if want("clock") {
        clock_section();
    }
}
