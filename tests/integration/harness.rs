//! Test harness: a private moto server per test (on a free loopback port, reset and
//! reused by a later test of the same thread pool), a recording
//! proxy in front of it, a copy of the project in a temp dir, the real `infra` binary
//! run against them with dummy credentials, and SDK clients to read the emulator back.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::Credentials;

use crate::proxy::Proxy;

pub const ACCOUNT: &str = "123456789012";

/// The emulator as the project's own install script (`scripts/install-moto.sh`) put it
/// in `.venv`, started through `scripts/moto_server.py` (moto plus the one state
/// transition it lacks), or `MOTO_SERVER` (a `moto_server` executable). A missing
/// emulator fails the test: CI must never skip these silently.
pub fn moto_command() -> Command {
    if let Some(p) = std::env::var_os("MOTO_SERVER") {
        return Command::new(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(python.exists(), "moto not found in {} and MOTO_SERVER is not set; run scripts/install-moto.sh first", python.display());
    let mut cmd = Command::new(python);
    cmd.arg(root.join("scripts/moto_server.py"));
    cmd
}

/// The `infra` binary under test: cargo's for tests, `INFRA_BIN` or the debug build for
/// the benchmark (which may measure a release build).
pub fn infra_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("INFRA_BIN") {
        return PathBuf::from(p);
    }
    match option_env!("CARGO_BIN_EXE_infra") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debug/infra"),
    }
}

pub struct Moto {
    child: Child,
    pub url: String,
    /// `INFRA_EMULATOR_CLOCK`: AWS's durations divided by this (scripts/moto_clock.py),
    /// or none (everything instant).
    clock: Option<u32>,
}

/// Emulators whose tests have finished, reset and waiting for the next test in this
/// process. Starting moto costs one to two seconds of CPU (it imports every service);
/// a reset costs milliseconds. With the suite's threads (`.cargo/config.toml`), that many
/// emulator processes serve it at once, each one test at a time.
static IDLE: std::sync::Mutex<Vec<Moto>> = std::sync::Mutex::new(Vec::new());

impl Moto {
    fn start(clock: Option<u32>) -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::env::temp_dir().join(format!("infra-moto-{port}.log"));
        let mut command = moto_command();
        if let Some(factor) = clock {
            command.env("INFRA_EMULATOR_CLOCK", factor.to_string());
        }
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            // ACM issues a requested certificate after this many seconds (AWS: once
            // the DNS records exist), so waiting for validation can be tested.
            .env("MOTO_ACM_VALIDATION_WAIT", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).map(Stdio::from).unwrap_or(Stdio::null()))
            .spawn()
            .expect("start moto_server");
        let moto = Moto { child, url: format!("http://127.0.0.1:{port}"), clock };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            // Importing moto takes a few seconds of CPU; several starting at once beside a
            // build on two cores have taken over 30.
            assert!(start.elapsed() < Duration::from_secs(90), "moto_server did not start; see {}", log.display());
            std::thread::sleep(Duration::from_millis(50));
        }
        moto
    }

    /// An emulator holding nothing: a reset one from an earlier test, or a new one.
    pub fn lease() -> Lease {
        Moto::lease_with(None)
    }

    /// The same, keeping AWS's clock with every duration divided by `factor`; such
    /// emulators are a pool of their own.
    pub fn lease_clock(factor: u32) -> Lease {
        Moto::lease_with(Some(factor))
    }

    fn lease_with(clock: Option<u32>) -> Lease {
        let idle = {
            let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
            idle.iter().position(|m| m.clock == clock).map(|i| idle.swap_remove(i))
        };
        Lease(Some(idle.unwrap_or_else(|| Moto::start(clock))))
    }

    /// Forget everything (moto's own `POST /moto-api/reset`); false if it did not answer so.
    fn reset(&self) -> bool {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let Ok(mut stream) = std::net::TcpStream::connect(addr) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let mut answer = String::new();
        if write!(stream, "POST /moto-api/reset HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n").is_err()
            || stream.read_to_string(&mut answer).is_err()
        {
            return false;
        }
        answer.split_whitespace().nth(1) == Some("200")
    }
}

/// A test's emulator: reset and put back for the next test when the test is done, unless
/// the test failed (its emulator is left to die with it, as evidence in its log).
pub struct Lease(Option<Moto>);

impl std::ops::Deref for Lease {
    type Target = Moto;
    fn deref(&self) -> &Moto {
        self.0.as_ref().expect("leased emulator")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(moto) = self.0.take() else { return };
        if !std::thread::panicking() && moto.reset() {
            IDLE.lock().unwrap_or_else(|e| e.into_inner()).push(moto);
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// The App Runner stand-in (`scripts/apprunner_standin.py`): moto has no App Runner.
pub struct AppRunnerStandIn {
    child: Child,
    pub url: String,
}

impl AppRunnerStandIn {
    pub fn start() -> AppRunnerStandIn {
        use std::io::BufRead;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/apprunner_standin.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the App Runner stand-in (python3)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").expect("stand-in announces its address").to_string();
        AppRunnerStandIn { child, url }
    }
}

impl Drop for AppRunnerStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Env {
    /// Reset and returned to the pool when the environment is dropped.
    pub moto: Lease,
    pub apprunner: AppRunnerStandIn,
    pub proxy: Proxy,
    pub dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    pub sdk: SdkConfig,
    started: Instant,
}

/// `INFRA_TEST_TIMES=FILE` appends each test's name and seconds to FILE: which tests
/// bound the suite's wall time (docs/performance.md, "The test suite").
impl Drop for Env {
    fn drop(&mut self) {
        let Some(file) = std::env::var_os("INFRA_TEST_TIMES") else { return };
        let name = std::thread::current().name().unwrap_or("?").to_string();
        let line = format!("{:7.1} {name}\n", self.started.elapsed().as_secs_f64());
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl Env {
    /// Emulator, proxy and a copy of the repository's modules.
    pub fn new() -> Env {
        let env = Self::empty();
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("modules"), &env.dir.path().join("modules"));
        env
    }

    /// Emulator and proxy, with an empty `modules/`.
    pub fn empty() -> Env {
        Env::on(Moto::lease())
    }

    /// The same on an emulator that keeps AWS's clock, every duration divided by `factor`.
    pub fn clock(factor: u32) -> Env {
        Env::on(Moto::lease_clock(factor))
    }

    fn on(moto: Lease) -> Env {
        let started = Instant::now();
        let apprunner = AppRunnerStandIn::start();
        let proxy = Proxy::start(&moto.url);
        // App Runner calls go through the proxy too (recorded, faults injected), then to the stand-in.
        proxy.route("apprunner", &apprunner.url);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("modules")).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let sdk = rt.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .http_client(infra::aws::https_client())
                .endpoint_url(&moto.url)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
                .load(),
        );
        Env { moto, apprunner, proxy, dir, rt, sdk, started }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// The command, with the emulator's endpoint and dummy credentials only.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_wrapped(&[], args)
    }

    /// The same, run by a wrapper program (`/usr/bin/time -f ...`) given first.
    pub fn command_wrapped(&self, wrapper: &[&str], args: &[&str]) -> Command {
        let mut cmd = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut c = Command::new(program);
                c.args(rest).arg(infra_binary());
                c
            }
            None => Command::new(infra_binary()),
        };
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("AWS_ENDPOINT_URL", &self.proxy.url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "3")
            .env("INFRA_POLL_INTERVAL_MS", "20")
            .env("NO_COLOR", "1")
            .arg("-C")
            .arg(self.dir.path())
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    pub fn infra(&self, args: &[&str]) -> Run {
        self.infra_with(&[], args)
    }

    /// The same with extra environment variables (`INFRA_VAR_...`).
    pub fn infra_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        cmd.envs(vars.iter().copied());
        let out = cmd.output().expect("run infra");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The library's AWS clients, through the proxy (App Runner included), for calling a
    /// resource type directly: what "outside infra" means in the conformance test.
    pub fn aws(&self) -> infra::aws::Aws {
        let config = self.sdk.clone().into_builder().endpoint_url(&self.proxy.url).build();
        infra::aws::Aws::from_config(config, "default".into())
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn state(&self) -> serde_json::Value {
        self.state_of("dev")
    }

    /// The state as infra itself loads it (the document, and the journal of a run still
    /// going or killed).
    pub fn state_of(&self, environment: &str) -> serde_json::Value {
        assert!(self.path(&format!("state/{environment}.json")).exists(), "state file");
        let state = infra::state::LocalStore::new(self.path("state"), environment).load().expect("state loads");
        serde_json::to_value(state).expect("state is JSON")
    }

    /// The state's text (document and journal), if it exists yet.
    pub fn state_text_opt(&self) -> Option<String> {
        let doc = std::fs::read_to_string(self.path("state/dev.json")).ok()?;
        Some(doc + &std::fs::read_to_string(self.path("state/dev.journal")).unwrap_or_default())
    }

    pub fn state_text(&self) -> String {
        let mut all = String::new();
        for entry in std::fs::read_dir(self.path("state")).unwrap() {
            all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default());
        }
        all
    }

    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.sdk)
    }
    pub fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.sdk)
    }
    pub fn secrets(&self) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk)
    }
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk)
    }
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk)
    }
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk)
    }
    pub fn sagemaker(&self) -> aws_sdk_sagemaker::Client {
        aws_sdk_sagemaker::Client::new(&self.sdk)
    }
    pub fn apigateway(&self) -> aws_sdk_apigateway::Client {
        aws_sdk_apigateway::Client::new(&self.sdk)
    }
    pub fn ecr(&self) -> aws_sdk_ecr::Client {
        aws_sdk_ecr::Client::new(&self.sdk)
    }
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        aws_sdk_cloudfront::Client::new(&self.sdk)
    }
    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.sdk)
    }
    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.sdk)
    }
    pub fn apprunner(&self) -> aws_sdk_apprunner::Client {
        let conf = aws_sdk_apprunner::config::Builder::from(&self.sdk).endpoint_url(&self.apprunner.url).build();
        aws_sdk_apprunner::Client::from_conf(conf)
    }

    /// An unsigned GET against the emulator, for answers the SDK cannot decode from moto
    /// (its GetBucketVersioning root element differs from AWS's).
    pub fn raw_get(&self, path: &str) -> String {
        use std::io::{Read, Write};
        let addr = self.moto.url.trim_start_matches("http://").to_string();
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    }

    /// An unsigned POST of JSON to the emulator's own API (`/moto-api/...`), e.g. to
    /// queue the Cost Explorer answers moto cannot compute.
    #[allow(dead_code)]
    pub fn moto_post(&self, path: &str, json: &str) -> String {
        use std::io::{Read, Write};
        let addr = self.moto.url.trim_start_matches("http://").to_string();
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        )
        .unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).unwrap();
        out
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(true).build())
    }
}
