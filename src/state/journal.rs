//! The run's journal, `state/<env>.journal`: one fsynced JSON line per finished step,
//! so that saving costs what the step changed and a crash loses at most the step in
//! flight. Both backends keep one on the machine doing the run; a journal found when
//! loading belongs to a run that died and is replayed.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{Edit, State, StateError};

/// First line of a journal whose document lives elsewhere (S3): which document and
/// version it continues, so that it is only replayed onto that one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub lineage: String,
    /// The document's serial when the run started.
    pub base: u64,
    /// The run that wrote it (also recorded with every upload of that run).
    pub run: String,
}

/// One edit with the serial it gave the state.
#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub serial: u64,
    #[serde(flatten)]
    pub edit: Edit,
}

/// What a journal on disk holds. A torn last line (the step in flight when the run
/// died) is left out: that step never finished.
#[derive(Debug)]
pub struct Contents {
    pub header: Option<Header>,
    pub entries: Vec<Entry>,
}

impl Contents {
    pub fn last_serial(&self) -> Option<u64> {
        self.entries.last().map(|e| e.serial)
    }

    /// Apply the entries newer than the state's serial.
    pub fn replay(&self, state: &mut State) -> usize {
        let mut applied = 0;
        let from = state.serial;
        for entry in self.entries.iter().filter(|e| e.serial > from) {
            state.apply(&entry.edit);
            state.serial = entry.serial;
            applied += 1;
        }
        applied
    }
}

#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl Journal {
    pub fn new(path: PathBuf) -> Self {
        Journal { path, file: Mutex::new(None) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn werr(&self, source: std::io::Error) -> StateError {
        StateError::Write { path: self.path.clone(), source }
    }

    pub fn is_open(&self) -> bool {
        self.file.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }

    /// Start this run's journal, empty but for the header.
    pub fn open(&self, header: Option<&Header>) -> Result<(), StateError> {
        let mut options = OpenOptions::new();
        options.create(true).write(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.werr(e))?;
        }
        let mut file = options.open(&self.path).map_err(|e| self.werr(e))?;
        if let Some(header) = header {
            let mut line = serde_json::to_vec(header).map_err(|e| self.werr(std::io::Error::other(e)))?;
            line.push(b'\n');
            file.write_all(&line).and_then(|_| file.sync_data()).map_err(|e| self.werr(e))?;
        }
        *self.file.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
        Ok(())
    }

    pub fn append(&self, serial: u64, edit: Edit) -> Result<(), StateError> {
        let mut guard = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = guard.as_mut() else { return Err(self.werr(std::io::Error::other("journal not open"))) };
        let mut line = serde_json::to_vec(&Entry { serial, edit }).map_err(|e| self.werr(std::io::Error::other(e)))?;
        line.push(b'\n');
        file.write_all(&line).and_then(|_| file.sync_data()).map_err(|e| self.werr(e))
    }

    /// Close and delete; whether this run had one open.
    pub fn finish(&self) -> Result<bool, StateError> {
        let was_open = self.file.lock().unwrap_or_else(|e| e.into_inner()).take().is_some();
        self.remove()?;
        Ok(was_open)
    }

    pub fn remove(&self) -> Result<(), StateError> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(self.werr(e)),
            _ => Ok(()),
        }
    }

    /// The journal a previous run left, if any.
    pub fn read(&self) -> Result<Option<Contents>, StateError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StateError::Read { path: self.path.clone(), source }),
        };
        let mut lines = text.lines().peekable();
        let header = lines.peek().and_then(|l| serde_json::from_str::<Header>(l).ok());
        if header.is_some() {
            lines.next();
        }
        let entries = lines.map_while(|l| serde_json::from_str::<Entry>(l).ok()).collect();
        Ok(Some(Contents { header, entries }))
    }

    /// Keep a journal that cannot be replayed beside the state, under a name saying so.
    pub fn set_aside(&self) -> Result<PathBuf, StateError> {
        let aside = self.path.with_extension(format!("journal.unreplayed-{}", std::process::id()));
        std::fs::rename(&self.path, &aside).map_err(|e| self.werr(e))?;
        Ok(aside)
    }
}
