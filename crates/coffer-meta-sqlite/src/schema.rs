//! Opening connections and migrating the schema.
//!
//! Migrations are append-only SQL files under `migrations/`, applied in order inside one
//! transaction each and recorded in `schema_migrations`. A database whose recorded version
//! is newer than this build knows is refused: an old binary must not write a newer format.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use coffer_meta::{Durability, MetaError};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, params};

use crate::codec::db;

/// How long a connection waits on a lock held by another connection before failing.
/// The writer is the only writer, so this covers checkpoints and external tools (the
/// `sqlite3` shell) rather than our own traffic.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Every migration, in order. Released entries are never edited or removed.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_bucket_settings.sql")),
    (3, include_str!("../migrations/0003_kms_keys.sql")),
    (4, include_str!("../migrations/0004_identity.sql")),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// Opens (creating if needed) the read-write connection the writer thread owns.
pub(crate) fn open_writer(path: &Path, durability: Durability) -> Result<Connection, MetaError> {
    let conn = Connection::open(path).map_err(db)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    // WAL: readers see a consistent snapshot and never block the writer.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(db)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(MetaError::Backend(format!(
            "could not enable WAL (journal_mode is {mode})"
        )));
    }
    // FULL: every COMMIT fsyncs the WAL, so an acknowledged write survives power loss.
    // OFF (benchmarks only): no fsync at all; a COMMIT survives a process kill (the OS
    // has the pages) but not an OS crash or power failure.
    let synchronous = match durability {
        Durability::Fsync => "FULL",
        Durability::NoFsync => "OFF",
    };
    conn.pragma_update(None, "synchronous", synchronous).map_err(db)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
    Ok(conn)
}

/// Opens a read-only connection; the database must exist (the writer opened it first).
pub(crate) fn open_reader(path: &Path) -> Result<Connection, MetaError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(db)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db)?;
    // A delimiter listing runs one short range scan per common prefix. Without the
    // planner stability guarantee SQLite re-plans the cached statement each time its
    // parameters are rebound, which was half the cost of such a page
    // (docs/benchmarks.md); the plan does not depend on the values.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(db)?;
    // 16 MiB of page cache per reader holds the index and table pages a 1000-entry
    // skip-scan page touches (~2000 pages); the default 2 MiB does not.
    conn.pragma_update(None, "cache_size", -16_384).map_err(db)?;
    Ok(conn)
}

/// Brings the schema up to [`SCHEMA_VERSION`], refusing a newer database.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), MetaError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER NOT NULL PRIMARY KEY,
             applied_at INTEGER NOT NULL
         )",
    )
    .map_err(db)?;
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(db)?;
    if current > SCHEMA_VERSION {
        return Err(MetaError::Backend(format!(
            "database schema version {current} is newer than this build ({SCHEMA_VERSION})"
        )));
    }
    for &(version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        // One transaction per migration: a crash leaves the database at a known version.
        let tx = conn.transaction().map_err(db)?;
        tx.execute_batch(sql).map_err(db)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
            params![version, now_ms()],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        tracing::info!(version, "applied metadata schema migration");
    }
    Ok(())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn durability_sets_synchronous() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.db");
        // PRAGMA synchronous: 0 = OFF, 2 = FULL. It is per connection, so it is read on
        // the connection that was opened.
        for (durability, expected) in [(Durability::Fsync, 2), (Durability::NoFsync, 0)] {
            let conn = open_writer(&path, durability).unwrap();
            let got: i64 = conn
                .pragma_query_value(None, "synchronous", |r| r.get(0))
                .unwrap();
            assert_eq!(got, expected, "{durability:?}");
            let mode: String = conn
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal", "{durability:?} keeps WAL");
        }
    }

    #[test]
    fn migrations_are_numbered_in_order() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i64::try_from(i).unwrap() + 1);
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.0), Some(SCHEMA_VERSION));
    }
}
