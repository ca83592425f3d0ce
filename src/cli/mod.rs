//! Command-line interface: argument definitions and dispatch. Each command file
//! parses its arguments and calls one operation.

mod commands;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::ops::{AwsOptions, Exit, GlobalOptions, OpsError, DEFAULT_ENVIRONMENT};
use crate::printer::{ColorChoice, Printer};

#[derive(Debug, Parser)]
#[command(name = "infra", version, about = "Provision AWS stacks from TOML modules, without Terraform", propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Directory holding modules/ and state/ (default: nearest from the current directory up).
    #[arg(short = 'C', long, global = true, env = "INFRA_PROJECT_DIR", value_name = "DIR")]
    pub project_dir: Option<PathBuf>,
    /// Environment: selects modules/env/NAME.toml and state/NAME.json.
    #[arg(short, long = "env", global = true, env = "INFRA_ENV", default_value = DEFAULT_ENVIRONMENT, value_name = "NAME", value_parser = parse_environment)]
    pub environment: String,
    /// Allow an environment infra does not know yet (no env file, no state): its first run.
    #[arg(long, global = true)]
    pub new_env: bool,
    /// Set a variable: NAME=VALUE, or MODULE.NAME=VALUE for one module.
    #[arg(long = "var", global = true, value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// AWS region (else AWS_REGION, the profile, or us-east-1).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// More detail (-v, -vv for AWS SDK logs, -vvv for everything).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only results and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every manifest: types, properties, references, cycles.
    Validate,
    /// Print the dependency graph (DOT, or Mermaid with --format mermaid).
    Graph(commands::graph::Args),
    /// Show what `up` would change.
    Plan(commands::plan::Args),
    /// Create or update modules (and re-wire deployed dependents), or apply a plan saved with `plan --out` (`up FILE`).
    Up(commands::up::Args),
    /// Delete modules' resources.
    Down(commands::down::Args),
    /// Adopt resources that already exist in AWS into the state (nothing changes in AWS).
    Import(commands::import::Args),
    /// Show what is deployed and what is stale.
    Status(commands::status::Args),
    /// Print outputs: every deployed module's, one module's, or one value raw.
    Output(commands::output::Args),
    /// Clear a lock left by a run that died (or break a stuck one with --force).
    Unlock(commands::unlock::Args),
    /// Read, repair, move the state: list, show, rm, mv, pull, history, restore, migrate, init-backend.
    State(commands::state::Args),
    /// Print the resource reference (docs/resources.md) for every type.
    Docs,
    /// Print one type's reference: properties, attributes, rules, example.
    Schema(commands::schema::Args),
    /// Start a project: infra.toml, an example module, list prices, .gitignore.
    Init(commands::init::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(commands::completions::Args),
    /// Print the man page (roff), or write one page per command with --out DIR.
    Man(commands::man::Args),
}

impl GlobalArgs {
    pub fn options(&self) -> GlobalOptions {
        GlobalOptions {
            project_dir: self.project_dir.clone(),
            environment: self.environment.clone(),
            new_env: self.new_env,
            vars: env_vars().into_iter().chain(self.vars.iter().cloned()).collect(),
            aws: AwsOptions { region: self.region.clone(), profile: self.profile.clone(), ..AwsOptions::default() },
        }
    }

    pub fn verbosity(&self) -> i8 {
        if self.quiet {
            -1
        } else {
            self.verbose.min(3) as i8
        }
    }
}

/// An environment name becomes a file name (`state/NAME.json`) and part of AWS names
/// (`${env}`): letters, digits, `-` and `_` only, so it can never point outside `state/`.
fn parse_environment(s: &str) -> Result<String, String> {
    crate::ops::check_environment_name(s).map(|()| s.to_string())
}

/// `INFRA_VAR_<NAME>=value` in the environment sets variable NAME (before `--var`),
/// which keeps secrets such as API keys out of shell history.
fn env_vars() -> Vec<String> {
    let mut vars: Vec<String> = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("INFRA_VAR_").filter(|n| !n.is_empty()).map(|n| format!("{}={v}", n.to_lowercase())))
        .collect();
    vars.sort();
    vars
}

pub async fn run(cli: Cli, printer: &'static Printer) -> Result<Exit, OpsError> {
    crate::ops::interrupt::watch(printer);
    let global = match cli.command {
        // These reach no AWS account: a broken infra.toml nearby does not stop them.
        Command::Docs | Command::Schema(_) | Command::Init(_) | Command::Completions(_) | Command::Man(_) => cli.global.options(),
        _ => cli.global.options().with_environment_settings()?,
    };
    match cli.command {
        Command::Validate => commands::validate::run(&global, printer),
        Command::Graph(args) => commands::graph::run(args, &global, printer),
        Command::Plan(args) => commands::plan::run(args, &global, printer).await,
        Command::Import(args) => commands::import::run(args, &global, printer).await,
        Command::Up(args) => commands::up::run(args, &global, printer).await,
        Command::Down(args) => commands::down::run(args, &global, printer).await,
        Command::Status(args) => commands::status::run(args, &global, printer).await,
        Command::Output(args) => commands::output::run(args, &global, printer).await,
        Command::Unlock(args) => commands::unlock::run(args, &global, printer).await,
        Command::State(args) => commands::state::run(args, &global, printer).await,
        Command::Docs => commands::docs::run(printer),
        Command::Schema(args) => commands::schema::run(args, printer),
        Command::Init(args) => commands::init::run(args, &global, printer),
        Command::Completions(args) => commands::completions::run(args, printer),
        Command::Man(args) => commands::man::run(args, printer),
    }
}

#[cfg(test)]
mod tests {
    /// clap checks argument names only when a command is built; this builds them all.
    #[test]
    fn every_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
