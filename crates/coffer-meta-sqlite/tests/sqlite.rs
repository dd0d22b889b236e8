//! Behaviour specific to the SQLite backend: persistence, migrations, group commit.

#![allow(clippy::unwrap_used)]

use coffer_meta::{
    BlobId, BucketRecord, ListQuery, MetaError, MetaStore, NULL_VERSION, ObjectData, ObjectMeta,
    ObjectVersion, PartRecord, UploadRecord, Versioning, WriteCondition,
};
use coffer_meta_sqlite::{SCHEMA_VERSION, SqliteMetaStore};
use futures::future::join_all;

fn bucket(name: &str) -> BucketRecord {
    BucketRecord {
        name: name.to_owned(),
        region: "us-east-1".to_owned(),
        owner: "owner".to_owned(),
        created_ms: 1,
        versioning: Versioning::Unversioned,
    }
}

fn object(bucket: &str, key: &str, data: ObjectData) -> ObjectVersion {
    ObjectVersion {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        version_id: NULL_VERSION.to_owned(),
        delete_marker: false,
        size: 3,
        etag: format!("etag-{key}"),
        last_modified_ms: 2,
        storage_class: "STANDARD".to_owned(),
        meta: ObjectMeta::default(),
        data,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.db");
    let inline = object("b", "inline", ObjectData::Inline(b"abc".to_vec()));
    let blob = object("b", "\u{65e5}/blob", ObjectData::Blob(BlobId("blob-1".into())));
    let upload = UploadRecord {
        upload_id: "up-1".into(),
        bucket: "b".into(),
        key: "multi".into(),
        initiated_ms: 5,
        storage_class: "STANDARD".into(),
        meta: ObjectMeta::default(),
    };
    let part = PartRecord {
        number: 1,
        size: 10,
        etag: "p".into(),
        last_modified_ms: 6,
        blob: BlobId("part-1".into()),
        checksums: Default::default(),
    };
    {
        let store = SqliteMetaStore::open(&path).unwrap();
        store.create_bucket(bucket("b")).await.unwrap();
        store
            .put_object(inline.clone(), WriteCondition::None)
            .await
            .unwrap();
        store
            .put_object(blob.clone(), WriteCondition::None)
            .await
            .unwrap();
        store.create_upload(upload.clone()).await.unwrap();
        store.put_part("up-1", part.clone()).await.unwrap();
        store.close().await.unwrap();
    }
    {
        // Dropped without close: Drop must shut down cleanly too.
        let store = SqliteMetaStore::open(&path).unwrap();
        store
            .put_object(
                object("b", "later", ObjectData::Inline(vec![])),
                WriteCondition::None,
            )
            .await
            .unwrap();
    }
    let store = SqliteMetaStore::open(&path).unwrap();
    assert_eq!(store.get_bucket("b").await.unwrap(), Some(bucket("b")));
    assert_eq!(store.get_object("b", "inline", None).await.unwrap(), Some(inline));
    assert_eq!(
        store.get_object("b", "\u{65e5}/blob", None).await.unwrap(),
        Some(blob)
    );
    assert!(store.get_object("b", "later", None).await.unwrap().is_some());
    assert_eq!(
        store.get_upload("b", "multi", "up-1").await.unwrap(),
        Some(upload)
    );
    assert_eq!(store.list_parts("up-1").await.unwrap(), vec![part]);
    let page = store
        .list_objects(&ListQuery {
            bucket: "b".into(),
            limit: 10,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn migration_table_records_every_version_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.db");
    SqliteMetaStore::open(&path).unwrap().close().await.unwrap();
    // Reopening applies nothing twice.
    SqliteMetaStore::open(&path).unwrap().close().await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: Vec<(i64, i64)> = conn
        .prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let versions: Vec<i64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r.1 > 0), "applied_at is a timestamp");
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.db");
    SqliteMetaStore::open(&path).unwrap().close().await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let r = SqliteMetaStore::open(&path);
    assert!(
        matches!(r, Err(MetaError::Backend(ref m)) if m.contains("newer")),
        "{:?}",
        r.err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_writes_share_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteMetaStore::open(&dir.path().join("meta.db")).unwrap();
    store.create_bucket(bucket("b")).await.unwrap();
    let before = store.writer_stats();
    let puts = (0..64).map(|i| {
        store.put_object(
            object("b", &format!("k{i}"), ObjectData::Inline(vec![1, 2, 3])),
            WriteCondition::None,
        )
    });
    for r in join_all(puts).await {
        r.unwrap();
    }
    let after = store.writer_stats();
    assert_eq!(after.requests - before.requests, 64);
    let commits = after.commits - before.commits;
    assert!(commits < 16, "64 concurrent puts took {commits} commits");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_request_does_not_fail_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteMetaStore::open(&dir.path().join("meta.db")).unwrap();
    store.create_bucket(bucket("b")).await.unwrap();
    // Interleave requests that must fail with ones that must succeed, in one batch.
    let puts = (0..32).map(|i| {
        let target = if i % 2 == 0 { "b" } else { "missing" };
        store.put_object(
            object(target, &format!("k{i}"), ObjectData::Inline(vec![])),
            WriteCondition::None,
        )
    });
    for (i, r) in join_all(puts).await.into_iter().enumerate() {
        if i % 2 == 0 {
            r.unwrap();
        } else {
            assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");
        }
    }
    let page = store
        .list_objects(&ListQuery {
            bucket: "b".into(),
            limit: 100,
            ..ListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 16);
}
