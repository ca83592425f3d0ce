//! `infra state list|show|rm|mv|pull|history|restore|migrate|init-backend`.

use crate::ops::{self, Exit, GlobalOptions, OpsError, StateCommand};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
    /// Wait this long for another run's lock (e.g. 30s) instead of failing at once.
    #[arg(long, value_parser = super::parse_duration, global = true)]
    pub lock_timeout: Option<std::time::Duration>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// Every recorded resource: address, type, physical id.
    List {
        /// Only this module's.
        module: Option<String>,
    },
    /// One resource's record (MODULE.NAME).
    Show { address: String },
    /// Forget resources: they stay in AWS, the state no longer manages them.
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Rename a resource in the state (after renaming it in its manifest): no AWS change.
    Mv { from: String, to: String },
    /// Print the state document (or an earlier version of it).
    #[command(disable_version_flag = true)]
    Pull {
        /// An S3 version id from `infra state history` (local backend: `backup`).
        #[arg(long = "version", id = "at_version", value_name = "VERSION")]
        version: Option<String>,
    },
    /// The stored versions: serial, time, who, command.
    History {
        /// Also the versions saved after each step, not only each run's last.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Make an earlier version current again, after showing what differs.
    Restore {
        /// The S3 version id to make current (from `infra state history`).
        #[arg(id = "restore_version", value_name = "VERSION")]
        version: String,
        #[arg(short, long)]
        yes: bool,
    },
    /// Move every environment's state to the other backend (the target must be empty).
    Migrate {
        /// `s3` (from state/ to infra.toml's bucket) or `local` (back).
        #[arg(long, value_parser = ["s3", "local"])]
        to: String,
        #[arg(short, long)]
        yes: bool,
    },
    /// Create the S3 bucket infra.toml names: versioned, encrypted, private, TLS only.
    InitBackend,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    let command = match args.command {
        Sub::List { module } => StateCommand::List { module },
        Sub::Show { address } => StateCommand::Show { address },
        Sub::Rm { addresses } => StateCommand::Rm { addresses },
        Sub::Mv { from, to } => StateCommand::Mv { from, to },
        Sub::Pull { version } => StateCommand::Pull { version },
        Sub::History { all, limit } => StateCommand::History { all, limit },
        Sub::Restore { version, yes } => StateCommand::Restore { version, yes },
        Sub::Migrate { to, yes } => StateCommand::Migrate { to, yes },
        Sub::InitBackend => StateCommand::InitBackend,
    };
    ops::state(global, command, args.lock_timeout, printer).await.map(|_| Exit::Ok)
}
