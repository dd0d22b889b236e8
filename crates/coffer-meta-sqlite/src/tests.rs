//! Unit tests of the SQL the backend relies on for its cost model.

#![allow(clippy::unwrap_used)]

use rusqlite::{Connection, params};

use crate::{read, schema};

fn migrated() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = schema::open_writer(&dir.path().join("meta.db"), coffer_meta::Durability::Fsync).unwrap();
    schema::migrate(&mut conn).unwrap();
    (dir, conn)
}

fn plan(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    stmt.query_map(params, |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn listing_scan_is_an_index_range_scan_without_sorting() {
    let (_dir, conn) = migrated();
    let steps = plan(
        &conn,
        read::SCAN_SQL,
        params!["b", b"a".as_slice(), b"b".as_slice(), 10],
    );
    assert!(steps.iter().any(|s| s.contains("objects_listing")), "{steps:?}");
    assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{steps:?}");
}

#[test]
fn blob_reference_checks_use_indexes() {
    let (_dir, conn) = migrated();
    let steps = plan(
        &conn,
        "SELECT 1 FROM objects WHERE blob_id = ?1 \
         UNION ALL SELECT 1 FROM object_parts WHERE blob_id = ?1 \
         UNION ALL SELECT 1 FROM parts WHERE blob_id = ?1 LIMIT 1",
        params!["x"],
    );
    for index in ["objects_blob", "object_parts_blob", "parts_blob"] {
        assert!(steps.iter().any(|s| s.contains(index)), "{index}: {steps:?}");
    }
}
