//! The writes, each run by the writer thread inside its own savepoint.
//!
//! Each function checks its preconditions and writes in the same savepoint, so a check
//! and the write it guards can never interleave with another request. Blobs a write
//! unlinks are returned only if no row refers to them any more ("released").

use std::collections::{BTreeMap, BTreeSet};

use coffer_meta::{
    BlobId, BucketRecord, KmsKeyRecord, MetaError, MetaTarget, ObjectData, ObjectVersion, PartRecord,
    UploadRecord, WriteCondition,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::codec::{db, encode_checksums, is_referenced, to_sql_int};
use crate::writer::WriteOp;

/// Applies one write; the caller owns the savepoint.
pub(crate) fn apply(conn: &Connection, op: WriteOp) -> Result<Vec<BlobId>, MetaError> {
    match op {
        WriteOp::CreateBucket(bucket) => create_bucket(conn, &bucket).map(|()| Vec::new()),
        WriteOp::DeleteBucket(name) => delete_bucket(conn, &name).map(|()| Vec::new()),
        WriteOp::PutBucketSetting {
            bucket,
            name,
            document,
        } => put_bucket_setting(conn, &bucket, &name, document.as_deref()).map(|()| Vec::new()),
        WriteOp::PutObject(version, condition) => put_object(conn, &version, &condition),
        WriteOp::DeleteObject {
            bucket,
            key,
            version_id,
        } => delete_object(conn, &bucket, &key, version_id.as_deref()),
        WriteOp::CreateUpload(upload) => create_upload(conn, &upload).map(|()| Vec::new()),
        WriteOp::PutPart(upload_id, part) => put_part(conn, &upload_id, &part),
        WriteOp::CompleteUpload(upload_id, version, condition) => {
            complete_upload(conn, &upload_id, &version, &condition)
        }
        WriteOp::AbortUpload(upload_id) => abort_upload(conn, &upload_id),
        WriteOp::CreateKmsKey(key) => create_kms_key(conn, &key).map(|()| Vec::new()),
        WriteOp::SetKmsKeyEnabled(name, enabled) => {
            set_kms_key_enabled(conn, &name, enabled).map(|()| Vec::new())
        }
        WriteOp::ResealKmsKey {
            name,
            expected,
            sealed_material,
            sealed_by,
        } => reseal_kms_key(conn, &name, &expected, &sealed_material, &sealed_by).map(|()| Vec::new()),
        WriteOp::Identity(change) => crate::identity::apply(conn, &change).map(|()| Vec::new()),
        WriteOp::SetObjectAcl {
            bucket,
            key,
            version_id,
            acl,
        } => set_object_acl(conn, &bucket, &key, version_id.as_deref(), acl.as_deref()).map(|()| Vec::new()),
        WriteOp::Reseal {
            target,
            expected_sealed_key,
            sse,
        } => reseal(conn, &target, &expected_sealed_key, &sse).map(|()| Vec::new()),
    }
}

fn bucket_exists(conn: &Connection, name: &str) -> Result<bool, MetaError> {
    let mut stmt = conn
        .prepare_cached("SELECT 1 FROM buckets WHERE name = ?1")
        .map_err(db)?;
    stmt.exists(params![name]).map_err(db)
}

fn require_bucket(conn: &Connection, name: &str) -> Result<(), MetaError> {
    if bucket_exists(conn, name)? {
        Ok(())
    } else {
        Err(MetaError::NoSuchBucket)
    }
}

fn create_bucket(conn: &Connection, b: &BucketRecord) -> Result<(), MetaError> {
    if bucket_exists(conn, &b.name)? {
        return Err(MetaError::BucketExists);
    }
    conn.prepare_cached(
        "INSERT INTO buckets (name, region, owner, created_ms, versioning) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            b.name,
            b.region,
            b.owner,
            b.created_ms,
            b.versioning.as_str()
        ])
    })
    .map_err(db)?;
    Ok(())
}

fn delete_bucket(conn: &Connection, name: &str) -> Result<(), MetaError> {
    require_bucket(conn, name)?;
    let has_objects = conn
        .prepare_cached("SELECT 1 FROM objects WHERE bucket = ?1 LIMIT 1")
        .and_then(|mut s| s.exists(params![name]))
        .map_err(db)?;
    let has_uploads = conn
        .prepare_cached("SELECT 1 FROM uploads WHERE bucket = ?1 LIMIT 1")
        .and_then(|mut s| s.exists(params![name]))
        .map_err(db)?;
    if has_objects || has_uploads {
        return Err(MetaError::BucketNotEmpty);
    }
    conn.prepare_cached("DELETE FROM buckets WHERE name = ?1")
        .and_then(|mut s| s.execute(params![name]))
        .map_err(db)?;
    conn.prepare_cached("DELETE FROM bucket_settings WHERE bucket = ?1")
        .and_then(|mut s| s.execute(params![name]))
        .map_err(db)?;
    Ok(())
}

fn put_bucket_setting(
    conn: &Connection,
    bucket: &str,
    name: &str,
    document: Option<&str>,
) -> Result<(), MetaError> {
    require_bucket(conn, bucket)?;
    match document {
        Some(doc) => conn
            .prepare_cached(
                "INSERT INTO bucket_settings (bucket, name, document) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (bucket, name) DO UPDATE SET document = excluded.document",
            )
            .and_then(|mut s| s.execute(params![bucket, name, doc])),
        None => conn
            .prepare_cached("DELETE FROM bucket_settings WHERE bucket = ?1 AND name = ?2")
            .and_then(|mut s| s.execute(params![bucket, name])),
    }
    .map_err(db)?;
    Ok(())
}

/// Checks `condition` against the latest version of the key that is not a delete marker.
fn check_condition(
    conn: &Connection,
    bucket: &str,
    key: &str,
    condition: &WriteCondition,
) -> Result<(), MetaError> {
    if *condition == WriteCondition::None {
        return Ok(());
    }
    let current: Option<String> = conn
        .prepare_cached(
            "SELECT etag FROM objects \
             WHERE bucket = ?1 AND key = ?2 AND is_latest = 1 AND delete_marker = 0",
        )
        .and_then(|mut s| {
            s.query_row(params![bucket, key.as_bytes()], |r| r.get(0))
                .optional()
        })
        .map_err(db)?;
    match (condition, current) {
        (WriteCondition::None, _) | (WriteCondition::IfNoneMatch, None) => Ok(()),
        (WriteCondition::IfMatch(_), None) => Err(MetaError::NoSuchKey),
        (WriteCondition::IfMatch(etag), Some(current)) if *etag == current => Ok(()),
        _ => Err(MetaError::PreconditionFailed),
    }
}

fn put_object(
    conn: &Connection,
    version: &ObjectVersion,
    condition: &WriteCondition,
) -> Result<Vec<BlobId>, MetaError> {
    require_bucket(conn, &version.bucket)?;
    check_condition(conn, &version.bucket, &version.key, condition)?;
    let replaced = write_version(conn, version)?;
    release(conn, replaced)
}

/// Writes `v` as the latest version of its key, replacing the row with the same version
/// id. Returns the blobs the replaced row held (not yet filtered for other references).
fn write_version(conn: &Connection, v: &ObjectVersion) -> Result<Vec<BlobId>, MetaError> {
    let key = v.key.as_bytes();
    let replaced = remove_version(conn, &v.bucket, key, &v.version_id)?.map(|(blobs, _)| blobs);
    conn.prepare_cached("UPDATE objects SET is_latest = 0 WHERE bucket = ?1 AND key = ?2 AND is_latest = 1")
        .and_then(|mut s| s.execute(params![v.bucket, key]))
        .map_err(db)?;
    let seq: i64 = conn
        .prepare_cached("UPDATE counters SET value = value + 1 WHERE name = 'object_seq' RETURNING value")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(db)?;
    let size = to_sql_int(v.size)?;
    let meta = v.meta.encode()?;
    let (inline, blob) = match &v.data {
        ObjectData::Inline(bytes) => (Some(bytes.as_slice()), None),
        ObjectData::Blob(id) => (None, Some(id.0.as_str())),
        ObjectData::Parts(_) => (None, None),
    };
    conn.prepare_cached(
        "INSERT INTO objects (bucket, key, version_id, seq, is_latest, delete_marker, size, etag, \
         last_modified_ms, storage_class, meta, inline_data, blob_id) \
         VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .and_then(|mut s| {
        s.execute(params![
            v.bucket,
            key,
            v.version_id,
            seq,
            i64::from(v.delete_marker),
            size,
            v.etag,
            v.last_modified_ms,
            v.storage_class,
            meta,
            inline,
            blob,
        ])
    })
    .map_err(db)?;
    if let ObjectData::Parts(parts) = &v.data {
        let mut stmt = conn
            .prepare_cached(
                "INSERT INTO object_parts (bucket, key, version_id, part_number, size, etag, blob_id, \
                 checksums) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(db)?;
        for p in parts {
            stmt.execute(params![
                v.bucket,
                key,
                v.version_id,
                i64::from(p.number),
                to_sql_int(p.size)?,
                p.etag,
                p.blob.0,
                encode_checksums(&p.checksums)?,
            ])
            .map_err(db)?;
        }
    }
    Ok(replaced.unwrap_or_default())
}

/// Deletes one version row and its parts. Returns the blobs it held and whether it was
/// the latest version, or `None` if there was no such row.
fn remove_version(
    conn: &Connection,
    bucket: &str,
    key: &[u8],
    version_id: &str,
) -> Result<Option<(Vec<BlobId>, bool)>, MetaError> {
    let row: Option<(Option<String>, i64)> = conn
        .prepare_cached(
            "SELECT blob_id, is_latest FROM objects WHERE bucket = ?1 AND key = ?2 AND version_id = ?3",
        )
        .and_then(|mut s| {
            s.query_row(params![bucket, key, version_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(db)?;
    let Some((blob, is_latest)) = row else {
        return Ok(None);
    };
    let mut blobs: Vec<BlobId> = blob.into_iter().map(BlobId).collect();
    {
        let mut stmt = conn
            .prepare_cached(
                "SELECT blob_id FROM object_parts WHERE bucket = ?1 AND key = ?2 AND version_id = ?3",
            )
            .map_err(db)?;
        let ids = stmt
            .query_map(params![bucket, key, version_id], |r| r.get(0))
            .map_err(db)?;
        for id in ids {
            blobs.push(BlobId(id.map_err(db)?));
        }
    }
    conn.prepare_cached("DELETE FROM object_parts WHERE bucket = ?1 AND key = ?2 AND version_id = ?3")
        .and_then(|mut s| s.execute(params![bucket, key, version_id]))
        .map_err(db)?;
    conn.prepare_cached("DELETE FROM objects WHERE bucket = ?1 AND key = ?2 AND version_id = ?3")
        .and_then(|mut s| s.execute(params![bucket, key, version_id]))
        .map_err(db)?;
    Ok(Some((blobs, is_latest != 0)))
}

fn delete_object(
    conn: &Connection,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
) -> Result<Vec<BlobId>, MetaError> {
    require_bucket(conn, bucket)?;
    let key = key.as_bytes();
    let version_id = match version_id {
        Some(v) => v.to_owned(),
        None => {
            let latest: Option<String> = conn
                .prepare_cached(
                    "SELECT version_id FROM objects WHERE bucket = ?1 AND key = ?2 AND is_latest = 1",
                )
                .and_then(|mut s| s.query_row(params![bucket, key], |r| r.get(0)).optional())
                .map_err(db)?;
            match latest {
                Some(v) => v,
                None => return Ok(Vec::new()),
            }
        }
    };
    let Some((blobs, was_latest)) = remove_version(conn, bucket, key, &version_id)? else {
        return Ok(Vec::new());
    };
    if was_latest {
        // The newest remaining version, if any, becomes the latest.
        conn.prepare_cached(
            "UPDATE objects SET is_latest = 1 WHERE bucket = ?1 AND key = ?2 \
             AND seq = (SELECT MAX(seq) FROM objects WHERE bucket = ?1 AND key = ?2)",
        )
        .and_then(|mut s| s.execute(params![bucket, key]))
        .map_err(db)?;
    }
    release(conn, blobs)
}

fn create_upload(conn: &Connection, u: &UploadRecord) -> Result<(), MetaError> {
    require_bucket(conn, &u.bucket)?;
    let meta = u.meta.encode()?;
    conn.prepare_cached(
        "INSERT INTO uploads (upload_id, bucket, key, initiated_ms, storage_class, meta) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            u.upload_id,
            u.bucket,
            u.key.as_bytes(),
            u.initiated_ms,
            u.storage_class,
            meta,
        ])
    })
    .map_err(db)?;
    Ok(())
}

/// The bucket and key of an upload in progress.
fn upload_target(conn: &Connection, upload_id: &str) -> Result<(String, Vec<u8>), MetaError> {
    conn.prepare_cached("SELECT bucket, key FROM uploads WHERE upload_id = ?1")
        .and_then(|mut s| {
            s.query_row(params![upload_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(db)?
        .ok_or(MetaError::NoSuchUpload)
}

fn put_part(conn: &Connection, upload_id: &str, part: &PartRecord) -> Result<Vec<BlobId>, MetaError> {
    upload_target(conn, upload_id)?;
    let number = i64::from(part.number);
    let old: Option<String> = conn
        .prepare_cached("SELECT blob_id FROM parts WHERE upload_id = ?1 AND part_number = ?2")
        .and_then(|mut s| s.query_row(params![upload_id, number], |r| r.get(0)).optional())
        .map_err(db)?;
    conn.prepare_cached(
        "INSERT INTO parts (upload_id, part_number, size, etag, last_modified_ms, blob_id, checksums) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, etag = excluded.etag, \
         last_modified_ms = excluded.last_modified_ms, blob_id = excluded.blob_id, \
         checksums = excluded.checksums",
    )
    .map_err(db)?
    .execute(params![
        upload_id,
        number,
        to_sql_int(part.size)?,
        part.etag,
        part.last_modified_ms,
        part.blob.0,
        encode_checksums(&part.checksums)?,
    ])
    .map_err(db)?;
    release(conn, old.into_iter().map(BlobId).collect())
}

fn complete_upload(
    conn: &Connection,
    upload_id: &str,
    version: &ObjectVersion,
    condition: &WriteCondition,
) -> Result<Vec<BlobId>, MetaError> {
    let (bucket, key) = upload_target(conn, upload_id)?;
    if bucket != version.bucket || key != version.key.as_bytes() {
        // The upload exists, but not for this object: to the caller it does not exist.
        return Err(MetaError::NoSuchUpload);
    }
    let ObjectData::Parts(wanted) = &version.data else {
        return Err(MetaError::Backend(
            "complete_upload needs ObjectData::Parts".into(),
        ));
    };
    let recorded = upload_parts(conn, upload_id)?;
    let mut used = BTreeSet::new();
    for part in wanted {
        match recorded.get(&part.number) {
            Some(r) if r.etag == part.etag && r.blob == part.blob => {
                used.insert(part.number);
            }
            _ => return Err(MetaError::InvalidPart(part.number)),
        }
    }
    check_condition(conn, &version.bucket, &version.key, condition)?;
    let mut candidates = write_version(conn, version)?;
    candidates.extend(
        recorded
            .into_iter()
            .filter(|(n, _)| !used.contains(n))
            .map(|(_, p)| p.blob),
    );
    remove_upload(conn, upload_id)?;
    release(conn, candidates)
}

fn abort_upload(conn: &Connection, upload_id: &str) -> Result<Vec<BlobId>, MetaError> {
    upload_target(conn, upload_id)?;
    let blobs = upload_parts(conn, upload_id)?
        .into_values()
        .map(|p| p.blob)
        .collect();
    remove_upload(conn, upload_id)?;
    release(conn, blobs)
}

/// The recorded parts of an upload, by number.
fn upload_parts(conn: &Connection, upload_id: &str) -> Result<BTreeMap<u32, PartRecord>, MetaError> {
    let sql = format!(
        "SELECT {} FROM parts WHERE upload_id = ?1",
        crate::codec::PART_COLUMNS
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    let mut rows = stmt.query(params![upload_id]).map_err(db)?;
    let mut parts = BTreeMap::new();
    while let Some(row) = rows.next().map_err(db)? {
        let part = crate::codec::part_from_row(row)?;
        parts.insert(part.number, part);
    }
    Ok(parts)
}

fn remove_upload(conn: &Connection, upload_id: &str) -> Result<(), MetaError> {
    conn.prepare_cached("DELETE FROM parts WHERE upload_id = ?1")
        .and_then(|mut s| s.execute(params![upload_id]))
        .map_err(db)?;
    conn.prepare_cached("DELETE FROM uploads WHERE upload_id = ?1")
        .and_then(|mut s| s.execute(params![upload_id]))
        .map_err(db)?;
    Ok(())
}

/// Of `candidates`, the blobs no row refers to any more, each once.
fn release(conn: &Connection, mut candidates: Vec<BlobId>) -> Result<Vec<BlobId>, MetaError> {
    candidates.sort_unstable();
    candidates.dedup();
    let mut released = Vec::with_capacity(candidates.len());
    for id in candidates {
        if !is_referenced(conn, &id)? {
            released.push(id);
        }
    }
    Ok(released)
}

/// Swaps the SSE record inside a `meta` document, guarded by the sealed key it replaces.
fn set_object_acl(
    conn: &Connection,
    bucket: &str,
    key: &str,
    version_id: Option<&str>,
    acl: Option<&str>,
) -> Result<(), MetaError> {
    // json_remove when clearing keeps documents that never had an ACL unchanged.
    let n = conn
        .prepare_cached(
            "UPDATE objects SET meta = CASE WHEN ?4 IS NULL THEN json_remove(meta, '$.acl') \
             ELSE json_set(meta, '$.acl', ?4) END \
             WHERE bucket = ?1 AND key = ?2 AND delete_marker = 0 \
             AND (version_id = ?3 OR (?3 IS NULL AND is_latest = 1))",
        )
        .and_then(|mut s| s.execute(params![bucket, key.as_bytes(), version_id, acl]))
        .map_err(db)?;
    if n == 0 {
        return Err(MetaError::NoSuchKey);
    }
    Ok(())
}

fn reseal(conn: &Connection, target: &MetaTarget, expected: &str, sse: &str) -> Result<(), MetaError> {
    match target {
        MetaTarget::Object {
            bucket,
            key,
            version_id,
        } => conn
            .prepare_cached(
                "UPDATE objects SET meta = json_set(meta, '$.sse', json(?1)) \
                 WHERE bucket = ?2 AND key = ?3 AND version_id = ?4 \
                 AND json_extract(meta, '$.sse.sealed_key') = ?5",
            )
            .and_then(|mut s| s.execute(params![sse, bucket, key.as_bytes(), version_id, expected])),
        MetaTarget::Upload { upload_id } => conn
            .prepare_cached(
                "UPDATE uploads SET meta = json_set(meta, '$.sse', json(?1)) \
                 WHERE upload_id = ?2 AND json_extract(meta, '$.sse.sealed_key') = ?3",
            )
            .and_then(|mut s| s.execute(params![sse, upload_id, expected])),
    }
    .map_err(db)?;
    Ok(())
}

fn create_kms_key(conn: &Connection, k: &KmsKeyRecord) -> Result<(), MetaError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM kms_keys WHERE name = ?1")
        .and_then(|mut s| s.exists(params![k.name]))
        .map_err(db)?;
    if exists {
        return Err(MetaError::KmsKeyExists);
    }
    conn.prepare_cached(
        "INSERT INTO kms_keys (name, description, sealed_material, sealed_by, enabled, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            k.name,
            k.description,
            k.sealed_material,
            k.sealed_by,
            k.enabled,
            k.created_ms
        ])
    })
    .map_err(db)?;
    Ok(())
}

fn set_kms_key_enabled(conn: &Connection, name: &str, enabled: bool) -> Result<(), MetaError> {
    let changed = conn
        .prepare_cached("UPDATE kms_keys SET enabled = ?2 WHERE name = ?1")
        .and_then(|mut s| s.execute(params![name, enabled]))
        .map_err(db)?;
    if changed == 0 {
        return Err(MetaError::NoSuchKmsKey);
    }
    Ok(())
}

fn reseal_kms_key(
    conn: &Connection,
    name: &str,
    expected: &str,
    sealed: &str,
    by: &str,
) -> Result<(), MetaError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM kms_keys WHERE name = ?1")
        .and_then(|mut s| s.exists(params![name]))
        .map_err(db)?;
    if !exists {
        return Err(MetaError::NoSuchKmsKey);
    }
    conn.prepare_cached(
        "UPDATE kms_keys SET sealed_material = ?3, sealed_by = ?4 WHERE name = ?1 AND sealed_material = ?2",
    )
    .and_then(|mut s| s.execute(params![name, expected, sealed, by]))
    .map_err(db)?;
    Ok(())
}
