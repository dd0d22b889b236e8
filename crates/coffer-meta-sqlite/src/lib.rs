//! The embedded SQLite backend of [`coffer_meta::MetaStore`].
//!
//! Owns one database file (in WAL mode) and its schema: the tables `buckets`, `objects`
//! (one row per object version), `object_parts`, `uploads` and `parts`, migrated by
//! append-only SQL files under `migrations/` and recorded in `schema_migrations`.
//!
//! Invariants:
//! - Keys are stored as BLOBs of their UTF-8 bytes, so SQL order is memcmp: S3's order.
//! - `synchronous=FULL`: a write is acknowledged only after its COMMIT reached stable
//!   storage. Opened with [`Durability::NoFsync`] (benchmarks, scratch data) it is
//!   `synchronous=OFF` instead: still WAL, still safe against a process kill, but an OS
//!   crash or power failure can lose acknowledged writes or corrupt the database.
//! - Exactly one connection writes; at most one row per key has `is_latest = 1`.
//! - The data model is plain relational SQL so the PostgreSQL backend can share it.
//!
//! Key decision: **group commit**. Every write is sent to one writer thread, which runs
//! all requests waiting at that moment in one transaction, each in its own savepoint,
//! and commits once. N concurrent PUTs cost one fsync instead of N, and a check and the
//! write it guards (conditional PUT, complete-upload) can never interleave. The cost: a
//! write waits for the batch it joined (at most 256 requests), writes
//! are serialized on one core, and a failed COMMIT fails every request of its batch.
//! Reads do not queue behind writes: they run on a small pool of read-only connections
//! on tokio's blocking threads, each seeing a consistent WAL snapshot.

mod codec;
mod identity;
mod read;
mod schema;
mod write_ops;
mod writer;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use coffer_meta::{
    BlobId, BucketRecord, Durability, IdentityChange, IdentitySnapshot, KmsKeyRecord, ListPage, ListQuery,
    MetaError, MetaStore, MetaTarget, ObjectMeta, ObjectVersion, PartRecord, SseParams, UploadQuery,
    UploadRecord, WriteCondition,
};

use crate::read::ReadPool;
use crate::writer::{WriteOp, Writer};

pub use crate::schema::SCHEMA_VERSION;
pub use crate::writer::WriterStats;

/// Read-only connections kept for reads: enough to overlap a few listings on a small
/// machine without holding many file descriptors and page caches.
const READ_CONNECTIONS: usize = 4;

/// A [`MetaStore`] in one SQLite database file.
pub struct SqliteMetaStore {
    path: PathBuf,
    writer: Writer,
    reads: Arc<ReadPool>,
}

impl SqliteMetaStore {
    /// Opens the database at `path`, creating it if needed, and migrates it to
    /// [`SCHEMA_VERSION`]. Fails with `Backend` if it was written by a newer build.
    ///
    /// Blocking (file I/O and migrations): call it at startup or from a blocking thread.
    pub fn open(path: &Path) -> Result<Self, MetaError> {
        Self::open_with(path, Durability::Fsync)
    }

    /// [`SqliteMetaStore::open`] with a choice of durability: [`Durability::NoFsync`]
    /// commits without any fsync (`synchronous=OFF`).
    pub fn open_with(path: &Path, durability: Durability) -> Result<Self, MetaError> {
        let mut conn = schema::open_writer(path, durability)?;
        schema::migrate(&mut conn)?;
        let writer = Writer::start(conn)?;
        Ok(Self {
            path: path.to_path_buf(),
            writer,
            reads: Arc::new(ReadPool::new(path.to_path_buf(), READ_CONNECTIONS)),
        })
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the group-commit writer has done so far.
    #[must_use]
    pub fn writer_stats(&self) -> WriterStats {
        self.writer.stats()
    }

    async fn write(&self, op: WriteOp) -> Result<Vec<BlobId>, MetaError> {
        self.writer.submit(op).await
    }
}

#[async_trait]
impl MetaStore for SqliteMetaStore {
    async fn create_bucket(&self, bucket: BucketRecord) -> Result<(), MetaError> {
        self.write(WriteOp::CreateBucket(bucket)).await.map(drop)
    }

    async fn get_bucket(&self, name: &str) -> Result<Option<BucketRecord>, MetaError> {
        let name = name.to_owned();
        self.reads.run(move |c| read::get_bucket(c, &name)).await
    }

    async fn list_buckets(&self) -> Result<Vec<BucketRecord>, MetaError> {
        self.reads.run(read::list_buckets).await
    }

    async fn delete_bucket(&self, name: &str) -> Result<(), MetaError> {
        self.write(WriteOp::DeleteBucket(name.to_owned())).await.map(drop)
    }

    async fn put_bucket_setting(
        &self,
        bucket: &str,
        name: &str,
        document: Option<String>,
    ) -> Result<(), MetaError> {
        self.write(WriteOp::PutBucketSetting {
            bucket: bucket.to_owned(),
            name: name.to_owned(),
            document,
        })
        .await
        .map(drop)
    }

    async fn get_bucket_setting(&self, bucket: &str, name: &str) -> Result<Option<String>, MetaError> {
        let (bucket, name) = (bucket.to_owned(), name.to_owned());
        self.reads
            .run(move |c| read::get_bucket_setting(c, &bucket, &name))
            .await
    }

    async fn put_object(
        &self,
        version: ObjectVersion,
        condition: WriteCondition,
    ) -> Result<Vec<BlobId>, MetaError> {
        self.write(WriteOp::PutObject(version, condition)).await
    }

    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<ObjectVersion>, MetaError> {
        let (bucket, key, version_id) = (bucket.to_owned(), key.to_owned(), version_id.map(str::to_owned));
        self.reads
            .run(move |c| read::get_object(c, &bucket, &key, version_id.as_deref()))
            .await
    }

    async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Vec<BlobId>, MetaError> {
        self.write(WriteOp::DeleteObject {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            version_id: version_id.map(str::to_owned),
        })
        .await
    }

    async fn list_objects(&self, query: &ListQuery) -> Result<ListPage, MetaError> {
        let query = query.clone();
        self.reads.run(move |c| read::list_objects(c, &query)).await
    }

    async fn create_upload(&self, upload: UploadRecord) -> Result<(), MetaError> {
        self.write(WriteOp::CreateUpload(upload)).await.map(drop)
    }

    async fn get_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Option<UploadRecord>, MetaError> {
        let (bucket, key, upload_id) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.reads
            .run(move |c| read::get_upload(c, &bucket, &key, &upload_id))
            .await
    }

    async fn put_part(&self, upload_id: &str, part: PartRecord) -> Result<Vec<BlobId>, MetaError> {
        self.write(WriteOp::PutPart(upload_id.to_owned(), part)).await
    }

    async fn list_parts(&self, upload_id: &str) -> Result<Vec<PartRecord>, MetaError> {
        let upload_id = upload_id.to_owned();
        self.reads.run(move |c| read::list_parts(c, &upload_id)).await
    }

    async fn complete_upload(
        &self,
        upload_id: &str,
        version: ObjectVersion,
        condition: WriteCondition,
    ) -> Result<Vec<BlobId>, MetaError> {
        self.write(WriteOp::CompleteUpload(upload_id.to_owned(), version, condition))
            .await
    }

    async fn abort_upload(&self, upload_id: &str) -> Result<Vec<BlobId>, MetaError> {
        self.write(WriteOp::AbortUpload(upload_id.to_owned())).await
    }

    async fn list_uploads(&self, query: &UploadQuery) -> Result<(Vec<UploadRecord>, bool), MetaError> {
        let query = query.clone();
        self.reads.run(move |c| read::list_uploads(c, &query)).await
    }

    async fn referenced_blobs(&self, ids: &[BlobId]) -> Result<HashSet<BlobId>, MetaError> {
        let ids = ids.to_vec();
        self.reads.run(move |c| read::referenced_blobs(c, &ids)).await
    }

    async fn scan_metas(
        &self,
        after: Option<MetaTarget>,
        limit: usize,
    ) -> Result<Vec<(MetaTarget, ObjectMeta)>, MetaError> {
        self.reads
            .run(move |c| read::scan_metas(c, after.as_ref(), limit))
            .await
    }

    async fn reseal(
        &self,
        target: MetaTarget,
        expected_sealed_key: String,
        sse: SseParams,
    ) -> Result<(), MetaError> {
        let sse = serde_json::to_string(&sse).map_err(|e| MetaError::Corrupt(e.to_string()))?;
        self.write(WriteOp::Reseal {
            target,
            expected_sealed_key,
            sse,
        })
        .await
        .map(drop)
    }

    async fn set_object_acl(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        acl: Option<String>,
    ) -> Result<(), MetaError> {
        self.write(WriteOp::SetObjectAcl {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            version_id: version_id.map(str::to_owned),
            acl,
        })
        .await
        .map(drop)
    }

    async fn create_kms_key(&self, key: KmsKeyRecord) -> Result<(), MetaError> {
        self.write(WriteOp::CreateKmsKey(key)).await.map(drop)
    }

    async fn get_kms_key(&self, name: &str) -> Result<Option<KmsKeyRecord>, MetaError> {
        let name = name.to_owned();
        self.reads.run(move |c| read::get_kms_key(c, &name)).await
    }

    async fn list_kms_keys(&self) -> Result<Vec<KmsKeyRecord>, MetaError> {
        self.reads.run(read::list_kms_keys).await
    }

    async fn set_kms_key_enabled(&self, name: &str, enabled: bool) -> Result<(), MetaError> {
        self.write(WriteOp::SetKmsKeyEnabled(name.to_owned(), enabled))
            .await
            .map(drop)
    }

    async fn reseal_kms_key(
        &self,
        name: &str,
        expected: &str,
        sealed_material: String,
        sealed_by: String,
    ) -> Result<(), MetaError> {
        self.write(WriteOp::ResealKmsKey {
            name: name.to_owned(),
            expected: expected.to_owned(),
            sealed_material,
            sealed_by,
        })
        .await
        .map(drop)
    }

    async fn load_identities(&self) -> Result<IdentitySnapshot, MetaError> {
        self.reads.run(identity::load).await
    }

    async fn apply_identity_change(&self, change: IdentityChange) -> Result<(), MetaError> {
        self.write(WriteOp::Identity(change)).await.map(drop)
    }

    async fn close(&self) -> Result<(), MetaError> {
        self.reads.close();
        // The writer finishes every request already queued, then exits; join it so the
        // database file is closed when this returns.
        if let Some(thread) = self.writer.shut_down() {
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .map_err(|e| MetaError::Backend(format!("joining the metadata writer: {e}")))?
                .map_err(|_| MetaError::Backend("the metadata writer thread panicked".into()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
