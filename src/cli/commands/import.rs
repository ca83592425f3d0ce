//! `infra import ADDRESS ID`, `infra import MODULE...|--all [--yes]` and
//! `infra import --from-terraform TFSTATE [--keep-manifests | --generate [--module NAME]]`.

use super::{parse_duration, Concurrency};
use crate::ops::{self, Exit, GlobalOptions, ImportOptions, OpsError};
use crate::printer::Printer;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `MODULE.NAME ID` (one resource by its id in AWS), or module names to look up
    /// every resource the state lacks by its name.
    pub targets: Vec<String>,
    /// Every module.
    #[arg(long)]
    pub all: bool,
    /// Record what the lookup of modules found (without it, only list it).
    #[arg(short, long)]
    pub yes: bool,
    /// Map and import the resources of a Terraform state file (format version 4).
    #[arg(long, value_name = "TFSTATE", conflicts_with_all = ["targets", "all"])]
    pub from_terraform: Option<std::path::PathBuf>,
    /// With --from-terraform: do not write live values into the manifests where they
    /// would otherwise replace an imported resource; only list them.
    #[arg(long, requires = "from_terraform")]
    pub keep_manifests: bool,
    /// With --from-terraform: write a module manifest per Terraform module from what the
    /// state holds (references, for_each, no defaults, no secrets), then import it all.
    #[arg(long, requires = "from_terraform", conflicts_with = "keep_manifests")]
    pub generate: bool,
    /// Find resources (tagged KEY=VALUE, named with a prefix, or all of some types in the
    /// region), write a module manifest for them and record them.
    #[arg(long, conflicts_with_all = ["targets", "all", "from_terraform"])]
    pub discover: bool,
    /// With --discover: the tag, KEY=VALUE.
    #[arg(long, value_name = "KEY=VALUE", requires = "discover")]
    pub tag: Option<String>,
    /// With --discover: only resources whose name starts with this.
    #[arg(long, value_name = "PREFIX", requires = "discover")]
    pub name_prefix: Option<String>,
    /// With --discover: only these types, or services (`sqs.queue`, `dynamodb`); repeat
    /// or separate with commas.
    #[arg(long = "type", value_name = "TYPE", requires = "discover", value_delimiter = ',')]
    pub types: Vec<String>,
    /// With --discover and --type: every resource of those types in the region, whatever
    /// its tags and name.
    #[arg(long, requires = "discover")]
    pub all_in_region: bool,
    /// With --discover: one module per service (`imported_dynamodb`, `imported_s3`, ...).
    #[arg(long, requires = "discover")]
    pub split: bool,
    /// With --discover: the module to write (modules/NAME.toml; `imported`). With
    /// --generate: the module for the Terraform root module's resources (the state
    /// file's directory name).
    #[arg(long)]
    pub module: Option<String>,
    /// With --discover or --generate: print the manifests and what would be recorded;
    /// change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub concurrency: Concurrency,
    /// Wait this long for another run's lock (e.g. 30s) instead of failing at once.
    #[arg(long, value_parser = parse_duration)]
    pub lock_timeout: Option<std::time::Duration>,
}

pub async fn run(args: Args, global: &GlobalOptions, printer: &Printer) -> Result<Exit, OpsError> {
    // An address has a dot; module names do not.
    let one = match args.targets.as_slice() {
        [address, id] if address.contains('.') && !args.all => Some((address.clone(), id.clone())),
        [address] if address.contains('.') => {
            return Err(OpsError::Usage(format!("`infra import {address} ID`: give the resource's id in AWS too")));
        }
        _ => None,
    };
    let tag = match &args.tag {
        Some(tag) => match tag.split_once('=') {
            Some((k, v)) if !k.is_empty() => Some((k.to_string(), v.to_string())),
            _ => return Err(OpsError::Usage(format!("--tag `{tag}`: write KEY=VALUE"))),
        },
        None => None,
    };
    let discover = args.discover.then_some(ops::DiscoverFilter {
        tag,
        prefix: args.name_prefix,
        types: args.types,
        all_in_region: args.all_in_region,
    });
    if let Some(filter) = &discover {
        filter.rtypes().map_err(OpsError::Usage)?;
    }
    let opts = ImportOptions {
        modules: if one.is_some() { Vec::new() } else { args.targets },
        one,
        all: args.all,
        yes: args.yes,
        lock_timeout: args.lock_timeout,
        parallelism: args.concurrency.parallelism,
        from_terraform: args.from_terraform,
        keep_manifests: args.keep_manifests,
        generate: args.generate,
        discover,
        split: args.split,
        module: args.module,
        dry_run: args.dry_run,
    };
    ops::import(global, &opts, printer).await
}
