//! `infra completions` and `infra man`: generated from the command line's own clap
//! definition (handed in by the CLI layer), so they cannot disagree with what the
//! binary accepts.

use std::path::{Path, PathBuf};

use super::OpsError;
use crate::printer::Printer;

pub use clap_complete::Shell;

/// The completion script for `shell`, on stdout.
pub fn completions(mut cli: clap::Command, shell: Shell, printer: &Printer) -> Result<(), OpsError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli, "infra", &mut script);
    printer.out(String::from_utf8_lossy(&script).trim_end());
    Ok(())
}

/// The man page (roff) on stdout; with `out`, `infra.1` and one page per command and
/// subcommand written there, each path printed.
pub fn man(cli: clap::Command, out: Option<&Path>, printer: &Printer) -> Result<(), OpsError> {
    let Some(dir) = out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cli).render(&mut page).map_err(|source| OpsError::Io {
            action: "render",
            path: "the man page".into(),
            source,
        })?;
        printer.out(String::from_utf8_lossy(&page).trim_end());
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|source| OpsError::Io { action: "create", path: dir.to_path_buf(), source })?;
    // `help` documents nothing a page would not; building sets each subcommand's
    // display name (`infra-state-list`), which names its page.
    let mut cli = cli.disable_help_subcommand(true);
    cli.build();
    let mut written = Vec::new();
    write_pages(cli, dir, &mut written)?;
    for path in &written {
        printer.out(&path.display().to_string());
    }
    printer.status("Wrote", crate::printer::Style::Green, &format!("{} man pages to {}", written.len(), dir.display()));
    Ok(())
}

fn write_pages(cmd: clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<(), OpsError> {
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let path = man.generate_to(dir).map_err(|source| OpsError::Io { action: "write", path, source })?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub.clone(), dir, written)?;
    }
    Ok(())
}
