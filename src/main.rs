//! The `infra` binary: parse arguments, set up output and logging, run one command,
//! turn the outcome into an exit code (0 ok, 1 any error, including a mistyped flag;
//! 2 only for changes with `plan --detailed-exitcode` and differences with `status
//! --detailed-exitcode`; 130 interrupted).

use clap::Parser;

use infra::cli::{self, Cli};
use infra::ops::{Exit, OpsError};
use infra::printer::{Printer, RedactingStderr};

fn init_logging(verbosity: i8, color: bool) {
    let filter = match verbosity {
        i8::MIN..=0 => "off",
        1 => "infra=debug",
        2 => "infra=trace,aws_config=debug,aws_smithy_runtime=debug",
        // Everything, except the SDK's wire-level trace lines: they print response
        // bodies, and a response can carry a secret (an API key's value) before infra
        // has seen it and can mask it. `INFRA_LOG` overrides this, at the user's risk.
        _ => {
            "trace,aws_smithy_runtime=debug,aws_smithy_runtime_api=debug,aws_smithy_http_client=debug,hyper=debug,hyper_util=debug,h2=debug"
        }
    };
    let filter = std::env::var("INFRA_LOG").unwrap_or_else(|_| filter.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(|| RedactingStderr)
        .with_ansi(color)
        .with_target(true)
        .try_init();
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => std::process::exit(usage_error(e)),
    };
    let verbosity = cli.global.verbosity();
    let printer: &'static Printer = Box::leak(Box::new(Printer::new(verbosity, cli.global.color)));
    init_logging(verbosity, printer.color());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            printer.error(&format!("cannot start the async runtime: {e}"));
            std::process::exit(1);
        }
    };
    let code = match runtime.block_on(cli::run(cli, printer)) {
        Ok(Exit::Ok) => 0,
        Ok(Exit::Changes) => 2,
        Err(e) => {
            report(printer, &e);
            e.exit_code()
        }
    };
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    std::process::exit(code);
}

/// clap exits 2 on a usage error, which `plan --detailed-exitcode` reserves for "there
/// are changes": a script would go on and apply. Every error exits 1; help and version 0.
fn usage_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    let _ = e.print();
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => 0,
        _ => 1,
    }
}

fn report(printer: &Printer, e: &OpsError) {
    if let OpsError::Manifest(diags) = e {
        for d in diags {
            printer.error(&d.to_string());
        }
    }
    printer.error(&e.to_string());
}
