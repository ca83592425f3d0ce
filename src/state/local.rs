//! The local backend, `state/<environment>.json`: atomic writes (temp file, fsync,
//! rename), a backup of the version a run started from, owner-only permissions, and
//! an exclusive lock (`flock`, via `File::try_lock`) so two runs cannot interleave.
//!
//! During a run each finished step appends one [`Edit`] to `<env>.journal`; the run's
//! end writes the whole document again and removes the journal; a journal found when
//! loading (the run died) is replayed onto the document first.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::journal::Journal;
use super::{Edit, LockInfo, State, StateError, Unlocked};

/// Held for the whole run; the operating system releases it if the process dies.
/// A clean exit empties the lock file, so content found on taking it means the last
/// holder died holding it.
#[derive(Debug)]
pub struct LocalLock {
    file: File,
    /// The run that held the lock last and died without releasing it.
    pub abandoned_by: Option<LockInfo>,
}

impl Drop for LocalLock {
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

#[derive(Debug)]
pub struct LocalStore {
    dir: PathBuf,
    environment: String,
    backed_up: AtomicBool,
    /// This run's, open once the document was written.
    journal: Journal,
}

impl LocalStore {
    pub fn new(dir: impl Into<PathBuf>, environment: &str) -> Self {
        let dir = dir.into();
        let journal = Journal::new(dir.join(format!("{environment}.journal")));
        LocalStore { dir, environment: environment.to_string(), backed_up: AtomicBool::new(false), journal }
    }

    pub fn journal_path(&self) -> PathBuf {
        self.journal.path().to_path_buf()
    }

    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// Record one step's change: the first of a run writes the whole document (with the
    /// backup) and starts a journal; later ones append a line and fsync it.
    pub fn record(&self, state: &mut State, edit: Edit) -> Result<(), StateError> {
        if !self.journal.is_open() {
            // Everything up to and with this edit, in the document itself.
            state.apply(&edit);
            self.save(state)?;
            return self.journal.open(None);
        }
        state.apply(&edit);
        state.serial += 1;
        self.journal.append(state.serial, edit)
    }

    /// The end of a run: the whole document written again, the journal removed.
    pub fn compact(&self, state: &mut State) -> Result<(), StateError> {
        if !self.journal.is_open() {
            return Ok(());
        }
        state.serial -= 1;
        self.save(state)?;
        self.journal.finish().map(|_| ())
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.environment))
    }

    pub fn backup_path(&self) -> PathBuf {
        self.dir.join(format!("{}.json.backup", self.environment))
    }

    pub fn lock_path(&self) -> PathBuf {
        self.dir.join(format!("{}.lock", self.environment))
    }

    /// The current state; an absent file is an empty state.
    pub fn load(&self) -> Result<State, StateError> {
        let path = self.path();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::new()),
            Err(source) => return Err(StateError::Read { path, source }),
        };
        let backup = Some(self.backup_path()).filter(|b| b.exists());
        let mut state = super::decode(text.as_bytes(), &path.display().to_string(), backup)?;
        self.replay(&mut state)?;
        Ok(state)
    }

    /// Apply what a run that died left in the journal.
    fn replay(&self, state: &mut State) -> Result<(), StateError> {
        if let Some(contents) = self.journal.read()? {
            contents.replay(state);
        }
        Ok(())
    }

    /// Write the state atomically, bumping its serial. The first write of a run keeps
    /// the file it replaces as `<env>.json.backup`.
    pub fn save(&self, state: &mut State) -> Result<(), StateError> {
        let path = self.path();
        let werr = |source| StateError::Write { path: path.clone(), source };
        std::fs::create_dir_all(&self.dir).map_err(werr)?;
        if !self.backed_up.swap(true, Ordering::SeqCst) && path.exists() {
            atomic_write(&self.dir, &self.backup_path(), &std::fs::read(&path).map_err(werr)?).map_err(werr)?;
        }
        state.serial += 1;
        atomic_write(&self.dir, &path, &super::encode(state)).map_err(werr)
    }

    /// Write a document exactly as given (a migration keeps its serial and bytes).
    pub fn write_exact(&self, bytes: &[u8]) -> Result<(), StateError> {
        let path = self.path();
        let werr = |source| StateError::Write { path: path.clone(), source };
        std::fs::create_dir_all(&self.dir).map_err(werr)?;
        atomic_write(&self.dir, &path, bytes).map_err(werr)
    }

    /// Take the lock, waiting up to `wait` for another run to release it.
    pub fn lock(&self, wait: Duration, command: &str) -> Result<LocalLock, StateError> {
        let path = self.lock_path();
        let lerr = |source| StateError::Lock { path: path.clone(), source };
        std::fs::create_dir_all(&self.dir).map_err(lerr)?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // The holder record names the host and command: owner only, like the state.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(lerr)?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    if start.elapsed() >= wait {
                        return Err(StateError::Locked {
                            what: self.path().display().to_string(),
                            holder: read_holder(&mut file),
                            dead: false,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(lerr(e)),
            }
        }
        let abandoned_by = read_info(&mut file);
        let info = LockInfo::mine(command);
        let text = serde_json::to_string(&info).unwrap_or_default();
        file.set_len(0).map_err(lerr)?;
        file.rewind().map_err(lerr)?;
        file.write_all(text.as_bytes()).and_then(|_| file.sync_all()).map_err(lerr)?;
        Ok(LocalLock { file, abandoned_by })
    }

    /// Who holds the lock, or who died holding it.
    pub fn holder(&self) -> Option<LockInfo> {
        let mut file = OpenOptions::new().read(true).write(true).open(self.lock_path()).ok()?;
        let info = read_info(&mut file);
        if file.try_lock().is_ok() {
            let _ = file.unlock();
        }
        info
    }

    /// Break the lock: clear what a dead run left, or with `force` remove the lock of
    /// a live one (which then no longer excludes a new run: only when it is stuck).
    pub fn unlock(&self, force: bool) -> Result<Unlocked, StateError> {
        let path = self.lock_path();
        let lerr = |source| StateError::Lock { path: path.clone(), source };
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Unlocked::NotLocked),
            Err(e) => return Err(lerr(e)),
        };
        match file.try_lock() {
            Ok(()) => {
                let info = read_info(&mut file);
                file.set_len(0).map_err(lerr)?;
                let _ = file.unlock();
                Ok(info.map(Unlocked::Abandoned).unwrap_or(Unlocked::NotLocked))
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file);
                if !force {
                    return Err(StateError::Locked { what: self.path().display().to_string(), holder, dead: false });
                }
                std::fs::remove_file(&path).map_err(lerr)?;
                Ok(Unlocked::Forced(holder))
            }
            Err(std::fs::TryLockError::Error(e)) => Err(lerr(e)),
        }
    }
}

fn read_info(file: &mut File) -> Option<LockInfo> {
    let mut text = String::new();
    file.rewind().and_then(|_| file.read_to_string(&mut text)).ok()?;
    serde_json::from_str(&text).ok()
}

fn read_holder(file: &mut File) -> String {
    read_info(file).map(|i| i.to_string()).unwrap_or_else(|| "another infra process".into())
}

/// temp file in the same directory, fsync, rename, fsync the directory. The temp file
/// is created owner-only, so the result is too.
pub(super) fn atomic_write(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::Builder::new().prefix(".state-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_left_by_a_dead_run_is_replayed_and_a_torn_line_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path(), "dev");
        let mut s = store.load().unwrap();
        let out = |v: &str| Edit::Output { module: "m".into(), name: "o".into(), value: serde_json::json!(v) };
        store.record(&mut s, out("first")).unwrap();
        store.record(&mut s, out("second")).unwrap();
        store.record(&mut s, Edit::ClearOutputs { module: "x".into() }).unwrap();
        // The run dies here: the document holds the first edit, the journal the rest.
        let mut journal = std::fs::OpenOptions::new().append(true).open(store.journal_path()).unwrap();
        journal.write_all(b"{\"serial\": 99, \"edit\": \"out").unwrap();
        let again = LocalStore::new(dir.path(), "dev").load().unwrap();
        assert_eq!(again.output("m", "o"), Some(&serde_json::json!("second")));
        assert_eq!(again.serial, s.serial);
        // A run ending normally leaves the document only.
        store.compact(&mut s).unwrap();
        assert!(!store.journal_path().exists());
        assert_eq!(LocalStore::new(dir.path(), "dev").load().unwrap().serial, s.serial);
    }

    #[test]
    fn save_is_atomic_backed_up_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path(), "dev");
        let mut s = store.load().unwrap();
        assert_eq!(s.serial, 0);
        store.save(&mut s).unwrap();
        store.save(&mut s).unwrap();
        assert_eq!(store.load().unwrap().serial, 2);
        let store2 = LocalStore::new(dir.path(), "dev");
        store2.save(&mut s).unwrap();
        let backup: State = serde_json::from_str(&std::fs::read_to_string(store.backup_path()).unwrap()).unwrap();
        assert_eq!(backup.serial, 2);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
        let _lock = store.lock(Duration::ZERO, "test").unwrap();
        let mode = std::fs::metadata(store.lock_path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "lock file mode {mode:o}");
    }

    #[test]
    fn corrupt_state_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path(), "dev");
        std::fs::write(store.path(), "{\"version\": 1, \"serial\": 3,").unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains("not valid"), "{err}");
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "{\"version\": 1, \"serial\": 3,");
    }

    #[test]
    fn second_lock_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path(), "dev");
        let held = store.lock(Duration::ZERO, "infra up").unwrap();
        let err = store.lock(Duration::ZERO, "infra down").unwrap_err().to_string();
        assert!(err.contains(&format!("pid {}", std::process::id())) && err.contains("infra up"), "{err}");
        drop(held);
        let again = store.lock(Duration::ZERO, "infra down").unwrap();
        assert!(again.abandoned_by.is_none(), "a clean release leaves nothing behind");
    }

    #[test]
    fn a_lock_left_by_a_dead_run_is_reported_and_can_be_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path(), "dev");
        let dead = LockInfo { pid: 999_999, host: "h".into(), since: "t".into(), command: "infra up".into(), ..LockInfo::mine("x") };
        std::fs::write(store.lock_path(), serde_json::to_string(&dead).unwrap()).unwrap();
        let lock = store.lock(Duration::ZERO, "infra up").unwrap();
        assert_eq!(lock.abandoned_by.as_ref().map(|i| i.pid), Some(999_999));
        drop(lock);
        std::fs::write(store.lock_path(), serde_json::to_string(&dead).unwrap()).unwrap();
        assert!(matches!(store.unlock(false).unwrap(), Unlocked::Abandoned(_)));
        assert!(matches!(store.unlock(false).unwrap(), Unlocked::NotLocked));
    }
}
