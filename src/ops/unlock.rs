//! `infra unlock`: clear a lock left by a run that died, or (`--force`) break the lock
//! of a run that is stuck.

use super::{GlobalOptions, OpsError, Workspace};
use crate::printer::Printer;
use crate::state::Unlocked;

pub fn unlock(global: &GlobalOptions, force: bool, printer: &Printer) -> Result<(), OpsError> {
    let ws = Workspace::open(global)?;
    let message = match ws.store.unlock(force)? {
        Unlocked::NotLocked => format!("{} is not locked.", ws.store.path().display()),
        Unlocked::Abandoned(dead) => format!("Cleared the lock left by {dead}, which is no longer running."),
        Unlocked::Forced(holder) => {
            format!("Broke the lock held by {holder}. If that run is still going, stop it before starting another.")
        }
    };
    printer.out(&message);
    Ok(())
}
