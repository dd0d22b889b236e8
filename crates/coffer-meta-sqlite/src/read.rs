//! Reads: a small pool of read-only connections, used from `spawn_blocking`.
//!
//! In WAL mode a reader sees the database as of its transaction's first read and never
//! blocks the writer, so reads that take several statements (a listing page, an object
//! and its parts) run in one read transaction and see one consistent state.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use coffer_meta::listing::{list_page, prefix_successor};
use coffer_meta::{
    BlobId, BucketRecord, KmsKeyRecord, ListPage, ListQuery, MetaError, MetaTarget, ObjectMeta,
    ObjectSummary, ObjectVersion, PartRecord, UploadQuery, UploadRecord,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, Statement, params, params_from_iter};
use tokio::sync::Semaphore;

use crate::codec::{
    BUCKET_COLUMNS, OBJECT_COLUMNS, PART_COLUMNS, UPLOAD_COLUMNS, bucket_from_row, db, is_referenced,
    object_from_row, part_from_row, summary_from_row, upload_from_row,
};
use crate::schema;

/// Read-only connections, opened on first use, at most `size` in use at once.
pub(crate) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

fn closed() -> MetaError {
    MetaError::Backend("closed".into())
}

impl ReadPool {
    pub(crate) fn new(path: PathBuf, size: usize) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(size)),
        }
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub(crate) async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, MetaError>
    where
        F: FnOnce(&mut Connection) -> Result<T, MetaError> + Send + 'static,
        T: Send + 'static,
    {
        // Owned, so the connection stays counted until the blocking task ends even if
        // the caller stops waiting for it.
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| closed())?;
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = match pool.idle.lock().map_err(|_| closed())?.pop() {
                Some(conn) => conn,
                None => schema::open_reader(&pool.path)?,
            };
            let result = f(&mut conn);
            pool.give_back(conn);
            result
        })
        .await
        .map_err(|e| MetaError::Backend(format!("metadata read task failed: {e}")))?
    }

    fn give_back(&self, conn: Connection) {
        // A transaction left open would pin an old snapshot (and the WAL) forever.
        if !conn.is_autocommit() || self.permits.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    /// Refuses further reads and closes idle connections; busy ones close when done.
    pub(crate) fn close(&self) {
        self.permits.close();
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }
}

/// Runs `stmt` and decodes every row with `f`.
pub(crate) fn collect<T>(
    stmt: &mut Statement<'_>,
    params: impl rusqlite::Params,
    mut f: impl FnMut(&Row<'_>) -> Result<T, MetaError>,
) -> Result<Vec<T>, MetaError> {
    let mut rows = stmt.query(params).map_err(db)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        out.push(f(row)?);
    }
    Ok(out)
}

fn bucket_exists(conn: &Connection, name: &str) -> Result<bool, MetaError> {
    conn.prepare_cached("SELECT 1 FROM buckets WHERE name = ?1")
        .and_then(|mut s| s.exists(params![name]))
        .map_err(db)
}

pub(crate) fn get_bucket(conn: &mut Connection, name: &str) -> Result<Option<BucketRecord>, MetaError> {
    let sql = format!("SELECT {BUCKET_COLUMNS} FROM buckets WHERE name = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    Ok(collect(&mut stmt, params![name], bucket_from_row)?.pop())
}

pub(crate) fn list_buckets(conn: &mut Connection) -> Result<Vec<BucketRecord>, MetaError> {
    let sql = format!("SELECT {BUCKET_COLUMNS} FROM buckets ORDER BY name");
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    collect(&mut stmt, [], bucket_from_row)
}

pub(crate) fn get_object(
    conn: &mut Connection,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
) -> Result<Option<ObjectVersion>, MetaError> {
    let tx = conn.transaction().map_err(db)?;
    let found = match version_id {
        None => {
            let sql = format!(
                "SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ?1 AND key = ?2 AND is_latest = 1"
            );
            let mut stmt = tx.prepare_cached(&sql).map_err(db)?;
            collect(&mut stmt, params![bucket, key.as_bytes()], |row| {
                object_from_row(&tx, row)
            })?
        }
        Some(version_id) => {
            let sql = format!(
                "SELECT {OBJECT_COLUMNS} FROM objects WHERE bucket = ?1 AND key = ?2 AND version_id = ?3"
            );
            let mut stmt = tx.prepare_cached(&sql).map_err(db)?;
            collect(&mut stmt, params![bucket, key.as_bytes(), version_id], |row| {
                object_from_row(&tx, row)
            })?
        }
    };
    Ok(found.into_iter().next())
}

/// The listing's range scan: latest live objects with keys in `[start, end)`, by key.
/// Served by the `objects_listing` partial index.
pub(crate) const SCAN_SQL: &str = "SELECT key, size, etag, last_modified_ms, storage_class FROM objects \
     WHERE bucket = ?1 AND is_latest = 1 AND delete_marker = 0 AND key >= ?2 AND key < ?3 \
     ORDER BY key LIMIT ?4";
const SCAN_TO_END_SQL: &str = "SELECT key, size, etag, last_modified_ms, storage_class FROM objects \
     WHERE bucket = ?1 AND is_latest = 1 AND delete_marker = 0 AND key >= ?2 \
     ORDER BY key LIMIT ?3";

pub(crate) fn list_objects(conn: &mut Connection, query: &ListQuery) -> Result<ListPage, MetaError> {
    let tx = conn.transaction().map_err(db)?;
    if !bucket_exists(&tx, &query.bucket)? {
        return Err(MetaError::NoSuchBucket);
    }
    list_page(query, |start, end, n| -> Result<Vec<ObjectSummary>, MetaError> {
        let n = i64::try_from(n).unwrap_or(i64::MAX);
        match end {
            Some(end) => {
                let mut stmt = tx.prepare_cached(SCAN_SQL).map_err(db)?;
                collect(&mut stmt, params![query.bucket, start, end, n], summary_from_row)
            }
            None => {
                let mut stmt = tx.prepare_cached(SCAN_TO_END_SQL).map_err(db)?;
                collect(&mut stmt, params![query.bucket, start, n], summary_from_row)
            }
        }
    })
}

pub(crate) fn get_upload(
    conn: &mut Connection,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<Option<UploadRecord>, MetaError> {
    let sql =
        format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3");
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    Ok(collect(
        &mut stmt,
        params![upload_id, bucket, key.as_bytes()],
        upload_from_row,
    )?
    .pop())
}

pub(crate) fn list_parts(conn: &mut Connection, upload_id: &str) -> Result<Vec<PartRecord>, MetaError> {
    let tx = conn.transaction().map_err(db)?;
    let exists = tx
        .prepare_cached("SELECT 1 FROM uploads WHERE upload_id = ?1")
        .and_then(|mut s| s.exists(params![upload_id]))
        .map_err(db)?;
    if !exists {
        return Err(MetaError::NoSuchUpload);
    }
    let sql = format!("SELECT {PART_COLUMNS} FROM parts WHERE upload_id = ?1 ORDER BY part_number");
    let mut stmt = tx.prepare_cached(&sql).map_err(db)?;
    collect(&mut stmt, params![upload_id], part_from_row)
}

/// Uploads ordered by (key, initiated_ms, upload_id). A page resumes after the marker
/// upload; if that upload has meanwhile completed, the page restarts at the start of its
/// key (it may repeat uploads, it never skips one).
pub(crate) fn list_uploads(
    conn: &mut Connection,
    query: &UploadQuery,
) -> Result<(Vec<UploadRecord>, bool), MetaError> {
    let tx = conn.transaction().map_err(db)?;
    if !bucket_exists(&tx, &query.bucket)? {
        return Err(MetaError::NoSuchBucket);
    }
    if query.limit == 0 {
        return Ok((Vec::new(), false));
    }
    let mut sql = format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE bucket = ? AND key >= ?");
    let mut args = vec![
        Value::Text(query.bucket.clone()),
        Value::Blob(query.prefix.as_bytes().to_vec()),
    ];
    if let Some(end) = prefix_successor(query.prefix.as_bytes()) {
        sql.push_str(" AND key < ?");
        args.push(Value::Blob(end));
    }
    if let Some(key_marker) = &query.key_marker {
        let km = Value::Blob(key_marker.as_bytes().to_vec());
        let marker_ms = match &query.upload_id_marker {
            Some(id) => tx
                .prepare_cached(
                    "SELECT initiated_ms FROM uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3",
                )
                .and_then(|mut s| {
                    s.query_row(params![id, query.bucket, key_marker.as_bytes()], |r| {
                        r.get::<_, i64>(0)
                    })
                    .optional()
                })
                .map_err(db)?
                .map(|ms| (id.clone(), ms)),
            None => None,
        };
        match (&query.upload_id_marker, marker_ms) {
            (Some(_), Some((id, ms))) => {
                sql.push_str(
                    " AND (key > ? OR (key = ? AND (initiated_ms > ? OR (initiated_ms = ? AND upload_id > ?))))",
                );
                args.extend([
                    km.clone(),
                    km,
                    Value::Integer(ms),
                    Value::Integer(ms),
                    Value::Text(id),
                ]);
            }
            (Some(_), None) => {
                sql.push_str(" AND key >= ?");
                args.push(km);
            }
            (None, _) => {
                sql.push_str(" AND key > ?");
                args.push(km);
            }
        }
    }
    sql.push_str(" ORDER BY key, initiated_ms, upload_id LIMIT ?");
    args.push(Value::Integer(
        i64::try_from(query.limit).unwrap_or(i64::MAX - 1) + 1,
    ));
    let mut stmt = tx.prepare_cached(&sql).map_err(db)?;
    let mut uploads = collect(&mut stmt, params_from_iter(args), upload_from_row)?;
    let truncated = uploads.len() > query.limit;
    uploads.truncate(query.limit);
    Ok((uploads, truncated))
}

pub(crate) fn referenced_blobs(conn: &mut Connection, ids: &[BlobId]) -> Result<HashSet<BlobId>, MetaError> {
    let tx = conn.transaction().map_err(db)?;
    let mut found = HashSet::new();
    for id in ids {
        if is_referenced(&tx, id)? {
            found.insert(id.clone());
        }
    }
    Ok(found)
}

pub(crate) fn get_bucket_setting(
    conn: &mut Connection,
    bucket: &str,
    name: &str,
) -> Result<Option<String>, MetaError> {
    let tx = conn.transaction().map_err(db)?;
    if !bucket_exists(&tx, bucket)? {
        return Err(MetaError::NoSuchBucket);
    }
    tx.prepare_cached("SELECT document FROM bucket_settings WHERE bucket = ?1 AND name = ?2")
        .and_then(|mut s| s.query_row(params![bucket, name], |r| r.get(0)).optional())
        .map_err(db)
}

/// One page of every `meta` document: object versions, then uploads.
pub(crate) fn scan_metas(
    conn: &mut Connection,
    after: Option<&MetaTarget>,
    limit: usize,
) -> Result<Vec<(MetaTarget, ObjectMeta)>, MetaError> {
    let tx = conn.transaction().map_err(db)?;
    let mut out = Vec::new();
    let n = i64::try_from(limit).unwrap_or(i64::MAX);
    if !matches!(after, Some(MetaTarget::Upload { .. })) {
        let (sql, args): (&str, Vec<Value>) = match after {
            Some(MetaTarget::Object {
                bucket,
                key,
                version_id,
            }) => (
                "SELECT bucket, key, version_id, meta FROM objects \
                 WHERE (bucket, key, version_id) > (?1, ?2, ?3) ORDER BY bucket, key, version_id LIMIT ?4",
                vec![
                    Value::Text(bucket.clone()),
                    Value::Blob(key.as_bytes().to_vec()),
                    Value::Text(version_id.clone()),
                    Value::Integer(n),
                ],
            ),
            _ => (
                "SELECT bucket, key, version_id, meta FROM objects ORDER BY bucket, key, version_id LIMIT ?1",
                vec![Value::Integer(n)],
            ),
        };
        let mut stmt = tx.prepare_cached(sql).map_err(db)?;
        let mut rows = stmt.query(params_from_iter(args)).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let key: Vec<u8> = row.get(1).map_err(db)?;
            let target = MetaTarget::Object {
                bucket: row.get(0).map_err(db)?,
                key: String::from_utf8(key).map_err(|e| MetaError::Corrupt(e.to_string()))?,
                version_id: row.get(2).map_err(db)?,
            };
            let meta: String = row.get(3).map_err(db)?;
            out.push((target, ObjectMeta::decode(&meta)?));
        }
    }
    if out.len() < limit {
        let from = match after {
            Some(MetaTarget::Upload { upload_id }) => upload_id.clone(),
            _ => String::new(),
        };
        let left = i64::try_from(limit - out.len()).unwrap_or(i64::MAX);
        let mut stmt = tx
            .prepare_cached(
                "SELECT upload_id, meta FROM uploads WHERE upload_id > ?1 ORDER BY upload_id LIMIT ?2",
            )
            .map_err(db)?;
        let mut rows = stmt.query(params![from, left]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let target = MetaTarget::Upload {
                upload_id: row.get(0).map_err(db)?,
            };
            let meta: String = row.get(1).map_err(db)?;
            out.push((target, ObjectMeta::decode(&meta)?));
        }
    }
    Ok(out)
}

const KMS_COLUMNS: &str = "name, description, sealed_material, sealed_by, enabled, created_ms";

fn kms_key_from_row(row: &Row<'_>) -> rusqlite::Result<KmsKeyRecord> {
    Ok(KmsKeyRecord {
        name: row.get(0)?,
        description: row.get(1)?,
        sealed_material: row.get(2)?,
        sealed_by: row.get(3)?,
        enabled: row.get(4)?,
        created_ms: row.get(5)?,
    })
}

pub(crate) fn get_kms_key(conn: &mut Connection, name: &str) -> Result<Option<KmsKeyRecord>, MetaError> {
    conn.prepare_cached(&format!("SELECT {KMS_COLUMNS} FROM kms_keys WHERE name = ?1"))
        .and_then(|mut s| s.query_row(params![name], kms_key_from_row).optional())
        .map_err(db)
}

pub(crate) fn list_kms_keys(conn: &mut Connection) -> Result<Vec<KmsKeyRecord>, MetaError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {KMS_COLUMNS} FROM kms_keys ORDER BY name"))
        .map_err(db)?;
    let rows = stmt.query_map([], kms_key_from_row).map_err(db)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
}
