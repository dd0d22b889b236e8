//! Coffer's object semantics: buckets, objects, ranges, listings and multipart uploads,
//! over a [`MetaStore`] and a [`BlobStore`]. Knows no HTTP and no database.
//!
//! Key decision: every write follows one order (see [`Store::put_object`] and the
//! private `stage` and `commit_version` it uses): stream the body into a durable blob (or
//! memory, when small), verify what the client declared, then commit the metadata row
//! that makes it visible, then delete the blobs the commit released. A crash before the commit leaves only an unreferenced blob,
//! which [`Store::collect_garbage`] removes; a crash after it loses nothing.

mod bucket;
mod bucket_access;
mod bucket_cache;
mod bucket_encryption;
mod conditions;
mod error;
mod gc;
mod integrity;
mod keyring;
mod kms;
mod list;
mod multipart;
mod names;
mod object;
mod range;
mod read;
mod rotation;
mod tags;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use coffer_meta::{BlobId, MetaStore};

pub use bucket_access::AccessSetting;
pub use bucket_encryption::BucketEncryption;
pub use coffer_blob::crypt::SecretKey;
pub use coffer_blob::{BlobStore, BodyError, BodyStream, ChecksumAlgorithm, ChecksumType, Hasher};
pub use coffer_meta as meta;
pub use coffer_meta::{
    BucketRecord, Checksums, KmsKeyRecord, ListEntry, ListPage, ObjectMeta, ObjectSummary, ObjectVersion,
    PartRecord, UploadRecord, WriteCondition,
};
pub use conditions::{ETagMatch, Preconditions};
pub use error::{CoreError, CoreResult};
pub use gc::GcReport;
pub use integrity::{ExpectedChecksum, ExpectedValue, Integrity};
pub use keyring::{Keyring, SSE_S3, SseKind, access_key_context, key_id, sse_kind};
pub use kms::{DEFAULT_KEY as DEFAULT_KMS_KEY, RequestedSse, SSE_KMS, key_arn, key_name};
pub use list::{ListObjectsRequest, UploadsPage};
pub use multipart::{CompletePart, CompletedUpload, UploadPartResult};
pub use names::{
    MAX_KEY_BYTES, MAX_USER_METADATA_BYTES, STORAGE_CLASSES, validate_bucket_name, validate_key,
    validate_metadata, validate_storage_class,
};
pub use object::{CopyObjectRequest, CopySource, ObjectBody, PutObjectRequest, PutResult};
pub use range::RangeSpec;
pub use read::{GetResult, HeadResult, ReadRequest, Selection, checksum_type_of};
pub use rotation::ResealReport;
pub use tags::{MAX_OBJECT_TAGS, validate_tags};

/// Limits and tuning of a [`Store`].
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// Bodies up to this many bytes are stored in the metadata row. Default 64 KiB: one
    /// durable write instead of three for the small objects that dominate counts.
    pub inline_threshold: usize,
    /// Largest single PUT and largest part. Default 5 GiB, as AWS.
    pub max_object_size: u64,
    /// The region written into KMS key ARNs.
    pub region: String,
    /// Smallest part other than the last in a completed upload. Default 5 MiB, as AWS.
    pub min_part_size: u64,
    /// Blobs younger than this are never collected. Default one hour: longer than any
    /// write stays between its last byte and its commit.
    pub gc_grace: Duration,
    /// Whether a write that names no encryption, into a bucket without a
    /// default-encryption configuration, is encrypted with SSE-S3. Default true, as AWS
    /// does since 2023. False (`--no-encryption`, for like-for-like benchmarks): such
    /// objects are stored in plaintext and the bucket reports no default encryption;
    /// explicit SSE requests and bucket configurations still encrypt.
    pub sse_s3_by_default: bool,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            inline_threshold: 64 * 1024,
            max_object_size: 5 * 1024 * 1024 * 1024,
            region: "us-east-1".to_owned(),
            min_part_size: 5 * 1024 * 1024,
            gc_grace: Duration::from_secs(3600),
            sse_s3_by_default: true,
        }
    }
}

/// The object store.
#[derive(Clone)]
pub struct Store {
    meta: Arc<dyn MetaStore>,
    blobs: BlobStore,
    config: StoreConfig,
    /// Master keys: with them new objects are encrypted at rest (SSE-S3), every one of
    /// them unless `config.sse_s3_by_default` is off.
    keyring: Option<Arc<Keyring>>,
    /// Bucket records and encryption settings (`bucket_cache.rs`).
    buckets: Arc<bucket_cache::BucketCache>,
}

impl Store {
    /// A store that writes plaintext (objects already encrypted cannot be read).
    #[must_use]
    pub fn new(meta: Arc<dyn MetaStore>, blobs: BlobStore, config: StoreConfig) -> Self {
        Self {
            meta,
            blobs,
            config,
            keyring: None,
            buckets: Arc::default(),
        }
    }

    /// Encrypts new objects at rest under data keys sealed by `keyring` (every one, unless
    /// `sse_s3_by_default` is off), and reads the objects it sealed.
    #[must_use]
    pub fn with_keyring(mut self, keyring: Keyring) -> Self {
        self.keyring = Some(Arc::new(keyring));
        self
    }

    /// The master keys, when encryption at rest is set up: they also seal the secrets of
    /// access keys (ADR 13).
    #[must_use]
    pub fn keyring(&self) -> Option<Arc<Keyring>> {
        self.keyring.clone()
    }

    /// The metadata store, which the identity layer shares.
    #[must_use]
    pub fn meta(&self) -> Arc<dyn MetaStore> {
        self.meta.clone()
    }

    /// Whether new objects that name no encryption are encrypted at rest (in a bucket
    /// without a default-encryption configuration).
    #[must_use]
    pub fn encrypts(&self) -> bool {
        self.keyring.is_some() && self.config.sse_s3_by_default
    }

    /// A data key and SSE record for a new object: sealed by the customer's key (SSE-C),
    /// or by a KMS key (SSE-KMS), or else by the master key when encryption is on.
    /// Without SSE headers, the bucket's default encryption decides (SSE-KMS when it
    /// names `aws:kms`; none, so plaintext, when the bucket has no configuration and
    /// `sse_s3_by_default` is off).
    async fn new_sse(
        &self,
        bucket: &str,
        customer: Option<&SecretKey>,
        requested: Option<&kms::RequestedSse>,
    ) -> CoreResult<Option<(SecretKey, coffer_meta::SseParams)>> {
        match (customer, requested) {
            (Some(customer), _) => Ok(Some(keyring::customer_data_key(customer))),
            (None, Some(kms::RequestedSse::Kms(key_id))) => Ok(Some(self.kms_data_key(key_id).await?)),
            (None, Some(kms::RequestedSse::S3)) => {
                self.keyring.as_deref().map(Keyring::new_data_key).transpose()
            }
            (None, None) => match self.bucket_encryption(bucket).await? {
                Some(default) if default.algorithm == kms::SSE_KMS => {
                    let key_id = default.kms_key_id.as_deref().unwrap_or(kms::DEFAULT_KEY);
                    Ok(Some(self.kms_data_key(key_id).await?))
                }
                Some(_) => self.keyring.as_deref().map(Keyring::new_data_key).transpose(),
                None => Ok(None),
            },
        }
    }

    /// How part `part` (0: a whole object) of an object with `meta` is encrypted.
    async fn encryption_of(
        &self,
        meta: &ObjectMeta,
        part: u32,
        customer: Option<&SecretKey>,
    ) -> CoreResult<Option<coffer_blob::Encryption>> {
        if keyring::sse_kind(meta) == SseKind::Kms {
            if customer.is_some() {
                return Err(CoreError::CustomerKeyNotApplicable);
            }
            let sse = meta
                .sse
                .as_ref()
                .ok_or_else(|| CoreError::Internal("an SSE-KMS object has no SSE record".into()))?;
            let key = self.open_kms_data_key(sse).await?;
            return Ok(Some(coffer_blob::Encryption { key, part }));
        }
        keyring::encryption_of(self.keyring.as_deref(), meta, part, customer)
    }

    /// The limits in force.
    #[must_use]
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Flushes and closes the metadata store.
    pub async fn close(&self) -> CoreResult<()> {
        Ok(self.meta.close().await?)
    }

    /// Deletes blobs a commit released. Failures only leak space until the GC runs.
    async fn release(&self, blobs: Vec<BlobId>) {
        for id in blobs {
            if let Err(e) = self.blobs.delete(&id).await {
                tracing::warn!(blob = %id, error = %e, "could not delete a released blob; the GC will");
            }
        }
    }
}

/// The current time in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
