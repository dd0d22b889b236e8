//! Row <-> record conversions: the one place that knows how a record maps to columns.
//!
//! Keys travel as BLOBs of their UTF-8 bytes (so SQL comparison is memcmp, S3's order)
//! and come back through `String::from_utf8`; unsigned sizes and part numbers are stored
//! as SQL integers. A value that does not decode is `Corrupt`; an engine error is
//! `Backend`.

use coffer_meta::{
    BlobId, BucketRecord, Checksums, MetaError, ObjectData, ObjectMeta, ObjectSummary, ObjectVersion,
    PartData, PartRecord, UploadRecord, Versioning,
};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// An engine error, as the trait reports it.
pub(crate) fn db(e: rusqlite::Error) -> MetaError {
    MetaError::Backend(e.to_string())
}

/// A stored key back to text.
pub(crate) fn key_from_bytes(bytes: Vec<u8>) -> Result<String, MetaError> {
    String::from_utf8(bytes).map_err(|e| MetaError::Corrupt(format!("object key is not UTF-8: {e}")))
}

/// An unsigned quantity as an SQL integer.
pub(crate) fn to_sql_int(n: u64) -> Result<i64, MetaError> {
    i64::try_from(n).map_err(|_| MetaError::Backend(format!("{n} does not fit a 64-bit SQL integer")))
}

/// An SQL integer back to an unsigned quantity.
pub(crate) fn from_sql_int<T: TryFrom<i64>>(n: i64, what: &str) -> Result<T, MetaError> {
    T::try_from(n).map_err(|_| MetaError::Corrupt(format!("{what} out of range: {n}")))
}

pub(crate) fn encode_checksums(c: &Checksums) -> Result<String, MetaError> {
    serde_json::to_string(c).map_err(|e| MetaError::Corrupt(e.to_string()))
}

pub(crate) fn decode_checksums(s: &str) -> Result<Checksums, MetaError> {
    serde_json::from_str(s).map_err(|e| MetaError::Corrupt(format!("checksums: {e}")))
}

/// Reads a column, mapping engine errors.
pub(crate) fn col<T: rusqlite::types::FromSql>(row: &Row<'_>, i: usize) -> Result<T, MetaError> {
    row.get(i).map_err(db)
}

/// Columns: `name, region, owner, created_ms, versioning`.
pub(crate) const BUCKET_COLUMNS: &str = "name, region, owner, created_ms, versioning";

pub(crate) fn bucket_from_row(row: &Row<'_>) -> Result<BucketRecord, MetaError> {
    let versioning: String = col(row, 4)?;
    Ok(BucketRecord {
        name: col(row, 0)?,
        region: col(row, 1)?,
        owner: col(row, 2)?,
        created_ms: col(row, 3)?,
        versioning: Versioning::parse(&versioning)
            .ok_or_else(|| MetaError::Corrupt(format!("unknown versioning state {versioning:?}")))?,
    })
}

/// Columns of an object version row, in the order `object_from_row` reads them.
pub(crate) const OBJECT_COLUMNS: &str = "bucket, key, version_id, delete_marker, size, etag, \
     last_modified_ms, storage_class, meta, inline_data, blob_id";

/// Decodes an object row; multipart data is read from `object_parts` on `conn`.
pub(crate) fn object_from_row(conn: &Connection, row: &Row<'_>) -> Result<ObjectVersion, MetaError> {
    let bucket: String = col(row, 0)?;
    let key_bytes: Vec<u8> = col(row, 1)?;
    let version_id: String = col(row, 2)?;
    let meta: String = col(row, 8)?;
    let inline: Option<Vec<u8>> = col(row, 9)?;
    let blob: Option<String> = col(row, 10)?;
    let data = match (inline, blob) {
        (Some(bytes), None) => ObjectData::Inline(bytes),
        (None, Some(id)) => ObjectData::Blob(BlobId(id)),
        (None, None) => ObjectData::Parts(object_parts(conn, &bucket, &key_bytes, &version_id)?),
        (Some(_), Some(_)) => return Err(MetaError::Corrupt("object row has inline data and a blob".into())),
    };
    Ok(ObjectVersion {
        key: key_from_bytes(key_bytes)?,
        bucket,
        version_id,
        delete_marker: col::<i64>(row, 3)? != 0,
        size: from_sql_int(col(row, 4)?, "object size")?,
        etag: col(row, 5)?,
        last_modified_ms: col(row, 6)?,
        storage_class: col(row, 7)?,
        meta: ObjectMeta::decode(&meta)?,
        data,
    })
}

/// The parts of a multipart object version, by number.
fn object_parts(
    conn: &Connection,
    bucket: &str,
    key: &[u8],
    version_id: &str,
) -> Result<Vec<PartData>, MetaError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT part_number, size, etag, blob_id, checksums FROM object_parts \
             WHERE bucket = ?1 AND key = ?2 AND version_id = ?3 ORDER BY part_number",
        )
        .map_err(db)?;
    let mut rows = stmt.query(params![bucket, key, version_id]).map_err(db)?;
    let mut parts = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        let checksums: String = col(row, 4)?;
        parts.push(PartData {
            number: from_sql_int(col(row, 0)?, "part number")?,
            size: from_sql_int(col(row, 1)?, "part size")?,
            etag: col(row, 2)?,
            blob: BlobId(col(row, 3)?),
            checksums: decode_checksums(&checksums)?,
        });
    }
    Ok(parts)
}

/// Columns: `key, size, etag, last_modified_ms, storage_class`.
pub(crate) fn summary_from_row(row: &Row<'_>) -> Result<ObjectSummary, MetaError> {
    Ok(ObjectSummary {
        key: key_from_bytes(col(row, 0)?)?,
        size: from_sql_int(col(row, 1)?, "object size")?,
        etag: col(row, 2)?,
        last_modified_ms: col(row, 3)?,
        storage_class: col(row, 4)?,
    })
}

/// Columns of an upload row, in the order `upload_from_row` reads them.
pub(crate) const UPLOAD_COLUMNS: &str = "upload_id, bucket, key, initiated_ms, storage_class, meta";

pub(crate) fn upload_from_row(row: &Row<'_>) -> Result<UploadRecord, MetaError> {
    let meta: String = col(row, 5)?;
    Ok(UploadRecord {
        upload_id: col(row, 0)?,
        bucket: col(row, 1)?,
        key: key_from_bytes(col(row, 2)?)?,
        initiated_ms: col(row, 3)?,
        storage_class: col(row, 4)?,
        meta: ObjectMeta::decode(&meta)?,
    })
}

/// Columns of a part row, in the order `part_from_row` reads them.
pub(crate) const PART_COLUMNS: &str = "part_number, size, etag, last_modified_ms, blob_id, checksums";

pub(crate) fn part_from_row(row: &Row<'_>) -> Result<PartRecord, MetaError> {
    let checksums: String = col(row, 5)?;
    Ok(PartRecord {
        number: from_sql_int(col(row, 0)?, "part number")?,
        size: from_sql_int(col(row, 1)?, "part size")?,
        etag: col(row, 2)?,
        last_modified_ms: col(row, 3)?,
        blob: BlobId(col(row, 4)?),
        checksums: decode_checksums(&checksums)?,
    })
}

/// Whether any object version, object part or upload part refers to `id`.
pub(crate) fn is_referenced(conn: &Connection, id: &BlobId) -> Result<bool, MetaError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT 1 FROM objects WHERE blob_id = ?1 \
             UNION ALL SELECT 1 FROM object_parts WHERE blob_id = ?1 \
             UNION ALL SELECT 1 FROM parts WHERE blob_id = ?1 LIMIT 1",
        )
        .map_err(db)?;
    let found: Option<i64> = stmt
        .query_row(params![id.0], |r| r.get(0))
        .optional()
        .map_err(db)?;
    Ok(found.is_some())
}
