use std::collections::HashSet;

use async_trait::async_trait;

use crate::{
    BlobId, BucketRecord, IdentityChange, IdentitySnapshot, KmsKeyRecord, ListPage, ListQuery, MetaError,
    MetaTarget, ObjectMeta, ObjectVersion, PartRecord, SseParams, UploadQuery, UploadRecord, WriteCondition,
};

/// Coffer's metadata operations.
///
/// Every write is atomic and durable when it returns `Ok` (durable only against a process
/// kill when the backend was opened with [`crate::Durability::NoFsync`]). Writes that
/// make blobs unreferenced return their ids ("released"); the caller deletes those files
/// after the call returns, and the garbage collector catches any it did not get to.
#[async_trait]
pub trait MetaStore: Send + Sync + 'static {
    /// Creates a bucket. `BucketExists` if the name is taken.
    async fn create_bucket(&self, bucket: BucketRecord) -> Result<(), MetaError>;

    /// The bucket, if it exists.
    async fn get_bucket(&self, name: &str) -> Result<Option<BucketRecord>, MetaError>;

    /// All buckets, by name.
    async fn list_buckets(&self) -> Result<Vec<BucketRecord>, MetaError>;

    /// Deletes an empty bucket. `NoSuchBucket`, or `BucketNotEmpty` if any object version or
    /// multipart upload remains.
    async fn delete_bucket(&self, name: &str) -> Result<(), MetaError>;

    /// Sets (`Some`) or removes (`None`) the bucket setting `name`, a document the core
    /// defines. `NoSuchBucket` if the bucket does not exist. Deleting the bucket deletes
    /// its settings.
    async fn put_bucket_setting(
        &self,
        bucket: &str,
        name: &str,
        document: Option<String>,
    ) -> Result<(), MetaError>;

    /// The bucket setting `name`, if set. `NoSuchBucket` if the bucket does not exist.
    async fn get_bucket_setting(&self, bucket: &str, name: &str) -> Result<Option<String>, MetaError>;

    /// Writes a version, replacing the key's version with the same version id (in an
    /// unversioned bucket, the `null` version). Checks `condition` against the latest
    /// version in the same transaction. Returns the blobs the replaced version held.
    async fn put_object(
        &self,
        version: ObjectVersion,
        condition: WriteCondition,
    ) -> Result<Vec<BlobId>, MetaError>;

    /// The latest version of a key (`version_id: None`) or a given version. Delete
    /// markers are returned as such; the caller decides what they mean.
    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Option<ObjectVersion>, MetaError>;

    /// Removes one version of a key (the latest when `version_id` is `None`). Deleting
    /// what does not exist succeeds with nothing released. `NoSuchBucket` if the bucket
    /// is gone.
    async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Vec<BlobId>, MetaError>;

    /// One page of the latest non-deleted objects. Cost grows with the page, not the
    /// bucket. `NoSuchBucket` if the bucket does not exist.
    async fn list_objects(&self, query: &ListQuery) -> Result<ListPage, MetaError>;

    /// Records a new multipart upload. `NoSuchBucket` if the bucket is gone.
    async fn create_upload(&self, upload: UploadRecord) -> Result<(), MetaError>;

    /// The upload, if it is in progress in that bucket under that key.
    async fn get_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Option<UploadRecord>, MetaError>;

    /// Records a part, replacing one with the same number. Returns the replaced part's
    /// blob. `NoSuchUpload` if the upload is no longer in progress.
    async fn put_part(&self, upload_id: &str, part: PartRecord) -> Result<Vec<BlobId>, MetaError>;

    /// All parts of an upload, by number. `NoSuchUpload` if it is not in progress.
    async fn list_parts(&self, upload_id: &str) -> Result<Vec<PartRecord>, MetaError>;

    /// Turns an upload into an object version in one transaction: checks that every part
    /// in `version.data` is still recorded with the same ETag and blob (`InvalidPart`
    /// otherwise), checks `condition`, writes the version, removes the upload. Returns
    /// the blobs of unused parts and of the replaced version.
    async fn complete_upload(
        &self,
        upload_id: &str,
        version: ObjectVersion,
        condition: WriteCondition,
    ) -> Result<Vec<BlobId>, MetaError>;

    /// Removes an upload and its parts, returning their blobs. `NoSuchUpload` if it is
    /// not in progress.
    async fn abort_upload(&self, upload_id: &str) -> Result<Vec<BlobId>, MetaError>;

    /// A page of uploads in progress, and whether more follow.
    async fn list_uploads(&self, query: &UploadQuery) -> Result<(Vec<UploadRecord>, bool), MetaError>;

    /// Which of `ids` are referenced by any object version or part. The garbage collector
    /// deletes the others once they are older than its grace period.
    async fn referenced_blobs(&self, ids: &[BlobId]) -> Result<HashSet<BlobId>, MetaError>;

    /// Up to `limit` object versions and uploads after `after`, with their `meta`
    /// documents, in [`MetaTarget`] order: one pass over everything (master-key rotation).
    async fn scan_metas(
        &self,
        after: Option<MetaTarget>,
        limit: usize,
    ) -> Result<Vec<(MetaTarget, ObjectMeta)>, MetaError>;

    /// Replaces the SSE record of `target` if its sealed key is still `expected_sealed_key`;
    /// a record replaced or deleted meanwhile is left alone.
    async fn reseal(
        &self,
        target: MetaTarget,
        expected_sealed_key: String,
        sse: SseParams,
    ) -> Result<(), MetaError>;

    /// Sets (`Some`) or clears the canned ACL of the latest version of a key (or of the
    /// given version). `NoSuchKey` if there is no such version (or it is a delete marker).
    async fn set_object_acl(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
        acl: Option<String>,
    ) -> Result<(), MetaError>;

    /// Records a new KMS key. `KmsKeyExists` if the name is taken.
    async fn create_kms_key(&self, key: KmsKeyRecord) -> Result<(), MetaError>;

    /// The KMS key of that name, if any.
    async fn get_kms_key(&self, name: &str) -> Result<Option<KmsKeyRecord>, MetaError>;

    /// Every KMS key, by name.
    async fn list_kms_keys(&self) -> Result<Vec<KmsKeyRecord>, MetaError>;

    /// Enables or disables a KMS key. `NoSuchKmsKey` if there is none of that name.
    async fn set_kms_key_enabled(&self, name: &str, enabled: bool) -> Result<(), MetaError>;

    /// Replaces a KMS key's sealed material if it is still `expected` (master-key
    /// rotation). `NoSuchKmsKey` if there is no such key.
    async fn reseal_kms_key(
        &self,
        name: &str,
        expected: &str,
        sealed_material: String,
        sealed_by: String,
    ) -> Result<(), MetaError>;

    /// Every identity record (accounts, users, access keys) in one consistent read.
    async fn load_identities(&self) -> Result<IdentitySnapshot, MetaError>;

    /// Applies one identity change with its checks, atomically and durably, and bumps
    /// the identity generation.
    async fn apply_identity_change(&self, change: IdentityChange) -> Result<(), MetaError>;

    /// Flushes and closes the store; later calls fail with `Backend`.
    async fn close(&self) -> Result<(), MetaError>;
}
