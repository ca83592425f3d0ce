//! Ctrl-C and SIGTERM, for every command: the first stops the run at a safe point
//! (before any change while planning; no new steps once applying, with running steps
//! finishing and being recorded) and exits 130; the second leaves at once.

use std::future::Future;
use std::sync::OnceLock;

use tokio_util::sync::CancellationToken;

use super::OpsError;
use crate::printer::Printer;

static TOKEN: OnceLock<CancellationToken> = OnceLock::new();

/// Cancelled by the first interrupt.
pub fn token() -> CancellationToken {
    TOKEN.get_or_init(CancellationToken::new).clone()
}

/// Start listening (once per process, inside the runtime).
pub fn watch(printer: &'static Printer) {
    let cancel = token();
    tokio::spawn(async move {
        let mut count = 0;
        while wait_signal().await {
            count += 1;
            if count == 1 {
                printer.warn(
                    "interrupted: no new step will start; steps already running finish and are recorded (interrupt again to exit now)",
                );
                cancel.cancel();
            } else {
                printer.error("interrupted twice: exiting; steps still running were not recorded");
                std::process::exit(130);
            }
        }
    });
}

/// Run `work` (planning, reading) unless an interrupt comes first.
pub async fn unless_interrupted<T>(work: impl Future<Output = T>) -> Result<T, OpsError> {
    let cancel = token();
    tokio::select! {
        out = work => Ok(out),
        _ = cancel.cancelled() => Err(OpsError::Interrupted),
    }
}

async fn wait_signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else { return tokio::signal::ctrl_c().await.is_ok() };
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.is_ok(),
            r = term.recv() => r.is_some(),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
