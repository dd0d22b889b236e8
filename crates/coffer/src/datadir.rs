//! The data directory and its format marker.
//!
//! Layout: `FORMAT` (this marker), `meta.sqlite` (+ `-wal`, `-shm`), `blobs/`,
//! `root-credentials.toml`. The marker lets a future release recognise, and migrate or
//! refuse, data written by this one.

use std::path::Path;

use anyhow::{Context as _, bail};

/// The data-dir layout version this build writes.
pub const FORMAT: u32 = 1;
const MARKER: &str = "FORMAT";

/// Held for as long as a process uses the data dir: one `serve` or `rotate-master-key`
/// at a time, so a rotation never runs under a server that keeps sealing with the old key.
pub struct DataDirLock {
    _file: std::fs::File,
}

/// Takes the data dir's lock, or explains who holds it.
pub fn lock(dir: &Path) -> anyhow::Result<DataDirLock> {
    let path = dir.join("LOCK");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(DataDirLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another coffer process (a server, or a key rotation) is using {}; stop it first",
            dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Creates the data dir if needed and checks its format marker.
pub fn prepare(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data dir {}", dir.display()))?;
    let marker = dir.join(MARKER);
    match std::fs::read_to_string(&marker) {
        Ok(text) => {
            let found: u32 = text
                .trim()
                .strip_prefix("coffer-data ")
                .and_then(|v| v.parse().ok())
                .with_context(|| format!("{} is not a Coffer format marker", marker.display()))?;
            if found > FORMAT {
                bail!(
                    "{} holds data format {found}, newer than this coffer ({FORMAT}); run a newer coffer",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::write(&marker, format!("coffer-data {FORMAT}\n"))?;
            std::fs::File::open(&marker)?.sync_all()?;
            std::fs::File::open(dir)?.sync_all()?;
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", marker.display())),
    }
}
