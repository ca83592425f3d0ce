//! `infra unlock`: clear a lock left by a run that died, or (`--force`) break the lock
//! of a run that is stuck. On S3, where nothing releases a dead run's lock by itself,
//! the holder and its age are shown and confirmed first.

use super::{GlobalOptions, OpsError};
use crate::printer::Printer;
use crate::state::{StateStore, Unlocked};

pub async fn unlock(global: &GlobalOptions, force: bool, yes: bool, printer: &Printer) -> Result<(), OpsError> {
    let root = super::find_root(global.project_dir.as_deref())?;
    let store = super::open_store(&root, global)?;
    if let StateStore::S3(_) = &store {
        let Some(holder) = store.holder().await? else {
            printer.out(&format!("{} is not locked.", store.describe()));
            return Ok(());
        };
        let state = if holder.is_dead() { "is no longer running" } else { "may still be running" };
        printer.out(&format!("{} is locked by {holder}, which {state}.", store.describe()));
        let clear = || "pass --yes to clear the lock in a non-interactive run".to_string();
        if (holder.is_dead() || force) && !super::confirm(printer, yes, "Remove the lock?", clear)? {
            printer.note("Cancelled; the lock stays.");
            return Ok(());
        }
    }
    let message = match store.unlock(force).await? {
        Unlocked::NotLocked => format!("{} is not locked.", store.describe()),
        Unlocked::Abandoned(dead) => format!("Cleared the lock left by {dead}, which is no longer running."),
        Unlocked::Forced(holder) => {
            format!("Broke the lock held by {holder}. If that run is still going, stop it before starting another.")
        }
    };
    printer.out(&message);
    Ok(())
}
