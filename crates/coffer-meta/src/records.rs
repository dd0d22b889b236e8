//! The records a [`crate::MetaStore`] keeps.
//!
//! Scalar fields a query filters or sorts on are columns in every backend; the rest of an
//! object's description travels as [`ObjectMeta`], a JSON document carrying its own format
//! version (`v`). New optional fields may be added to it with `#[serde(default)]`; a
//! change that old readers would misread bumps `v` and adds a migration.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The version id of an object written while versioning was never enabled (S3's `null`).
pub const NULL_VERSION: &str = "null";

/// The current format version of [`ObjectMeta`] documents.
pub const OBJECT_META_FORMAT: u32 = 1;

/// A random, opaque name of one blob file. Never derived from an object key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlobId(pub String);

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a bucket keeps versions. Stored now so that the versioning issue needs no
/// schema change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    /// Never enabled: every write replaces the `null` version.
    #[default]
    Unversioned,
    /// Every write adds a version.
    Enabled,
    /// Was enabled; writes now replace the `null` version, old versions stay.
    Suspended,
}

impl Versioning {
    /// The stable text stored in the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unversioned => "",
            Self::Enabled => "Enabled",
            Self::Suspended => "Suspended",
        }
    }

    /// Parses the stored text; unknown text is corruption.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" => Some(Self::Unversioned),
            "Enabled" => Some(Self::Enabled),
            "Suspended" => Some(Self::Suspended),
            _ => None,
        }
    }
}

/// One bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketRecord {
    /// The bucket name (already validated against AWS's rules).
    pub name: String,
    /// The `LocationConstraint` it was created with (`us-east-1` when none was given).
    pub region: String,
    /// The id of the account that owns it.
    pub owner: String,
    /// Creation time, Unix milliseconds.
    pub created_ms: i64,
    /// Versioning state.
    pub versioning: Versioning,
}

/// Checksums of object or part data, each base64 of the big-endian digest as S3 sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checksums {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32c: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64nvme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Checksums {
    /// True when no checksum is recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Server-side encryption parameters of an object (set by the encryption issue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SseParams {
    /// `AES256` or `aws:kms`.
    pub algorithm: String,
    /// The KMS key id, for `aws:kms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The object's random data key, sealed (base64) by the key `sealed_by` names. The
    /// stored bytes are in the encrypted body format of `coffer_blob::crypt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_key: Option<String>,
    /// The id of the key that sealed `sealed_key` (a master key's fingerprint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_by: Option<String>,
}

/// Object Lock state of a version (set by the object-lock issue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    /// `GOVERNANCE` or `COMPLIANCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// Retain-until time, Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retain_until_ms: Option<i64>,
    /// Legal hold on.
    #[serde(default)]
    pub legal_hold: bool,
}

/// Everything about an object version that no query filters on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// Format version of this document; see [`OBJECT_META_FORMAT`].
    pub v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    /// The `Expires` header exactly as the client sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// `x-amz-meta-*` pairs, names lower-cased without the prefix.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user: BTreeMap<String, String>,
    /// Checksums of the whole object, as S3 reports them.
    #[serde(default, skip_serializing_if = "Checksums::is_empty")]
    pub checksums: Checksums,
    /// `COMPOSITE` or `FULL_OBJECT`: how `checksums` covers the object. `None` reads as
    /// `FULL_OBJECT` when there are checksums (single PUTs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_type: Option<String>,
    /// The checksum algorithm a multipart upload was created with (uploads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_algorithm: Option<String>,
    /// Object tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Encryption at rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse: Option<SseParams>,
    /// Object Lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockState>,
    /// A canned ACL granting others (`public-read`...); `None` is the owner's full control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<String>,
}

impl Default for ObjectMeta {
    fn default() -> Self {
        Self {
            v: OBJECT_META_FORMAT,
            content_type: None,
            content_encoding: None,
            content_disposition: None,
            content_language: None,
            cache_control: None,
            expires: None,
            user: BTreeMap::new(),
            checksums: Checksums::default(),
            checksum_type: None,
            checksum_algorithm: None,
            tags: BTreeMap::new(),
            sse: None,
            lock: None,
            acl: None,
        }
    }
}

impl ObjectMeta {
    /// Encodes the document for storage.
    pub fn encode(&self) -> Result<String, crate::MetaError> {
        serde_json::to_string(self).map_err(|e| crate::MetaError::Corrupt(e.to_string()))
    }

    /// Decodes a stored document, refusing formats newer than this build knows.
    pub fn decode(s: &str) -> Result<Self, crate::MetaError> {
        let meta: Self = serde_json::from_str(s).map_err(|e| crate::MetaError::Corrupt(e.to_string()))?;
        if meta.v > OBJECT_META_FORMAT {
            return Err(crate::MetaError::Corrupt(format!(
                "object metadata format {} is newer than this build ({OBJECT_META_FORMAT})",
                meta.v
            )));
        }
        Ok(meta)
    }
}

/// One part of a completed multipart object, in object order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartData {
    /// The part number the client uploaded it as.
    pub number: u32,
    /// Bytes in the part.
    pub size: u64,
    /// MD5 hex of the part (no quotes).
    pub etag: String,
    /// Where its bytes are.
    pub blob: BlobId,
    /// The part's own checksums.
    pub checksums: Checksums,
}

/// Where an object version's bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectData {
    /// Small objects live in the metadata row itself: one durable write.
    Inline(Vec<u8>),
    /// One blob file.
    Blob(BlobId),
    /// A completed multipart upload: its parts' blobs, in order, never copied.
    Parts(Vec<PartData>),
}

impl ObjectData {
    /// The blobs this data refers to.
    #[must_use]
    pub fn blobs(&self) -> Vec<BlobId> {
        match self {
            Self::Inline(_) => Vec::new(),
            Self::Blob(id) => vec![id.clone()],
            Self::Parts(parts) => parts.iter().map(|p| p.blob.clone()).collect(),
        }
    }
}

/// One version of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectVersion {
    pub bucket: String,
    pub key: String,
    /// [`NULL_VERSION`] in unversioned buckets.
    pub version_id: String,
    /// A delete marker has no data.
    pub delete_marker: bool,
    /// Bytes in the object.
    pub size: u64,
    /// The ETag without quotes: MD5 hex, or `md5-of-md5s-N` for multipart.
    pub etag: String,
    /// Unix milliseconds.
    pub last_modified_ms: i64,
    /// `STANDARD` unless the client asked for another class.
    pub storage_class: String,
    pub meta: ObjectMeta,
    pub data: ObjectData,
}

/// What a conditional write requires of the current (latest) version of the key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WriteCondition {
    /// Unconditional.
    #[default]
    None,
    /// `If-None-Match: *`: the key must not exist.
    IfNoneMatch,
    /// `If-Match: etag`: the key must exist with this ETag (no quotes).
    IfMatch(String),
}

/// The listing fields of an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectSummary {
    pub key: String,
    pub size: u64,
    pub etag: String,
    pub last_modified_ms: i64,
    pub storage_class: String,
}

/// A request for one page of the latest, non-deleted objects of a bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub bucket: String,
    /// Only keys starting with this.
    pub prefix: String,
    /// Roll keys up into common prefixes at the first occurrence after the prefix.
    pub delimiter: Option<String>,
    /// Only entries strictly after this key. When it names a common prefix (it
    /// contains the delimiter after the prefix), that whole prefix is skipped.
    pub after: Option<String>,
    /// At most this many entries (objects plus common prefixes).
    pub limit: usize,
}

/// One entry of a listing page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListEntry {
    Object(ObjectSummary),
    CommonPrefix(String),
}

impl ListEntry {
    /// The key or the prefix: what a continuation starts after.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Object(o) => &o.key,
            Self::CommonPrefix(p) => p,
        }
    }
}

/// A page of a listing, in UTF-8 byte order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListPage {
    pub entries: Vec<ListEntry>,
    /// More entries follow the last one.
    pub truncated: bool,
}

/// A multipart upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRecord {
    pub upload_id: String,
    pub bucket: String,
    pub key: String,
    /// Unix milliseconds.
    pub initiated_ms: i64,
    pub storage_class: String,
    /// Content headers and user metadata given at creation.
    pub meta: ObjectMeta,
}

/// One uploaded part of a multipart upload in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartRecord {
    pub number: u32,
    pub size: u64,
    /// MD5 hex, no quotes.
    pub etag: String,
    /// Unix milliseconds.
    pub last_modified_ms: i64,
    pub blob: BlobId,
    pub checksums: Checksums,
}

impl PartRecord {
    /// The part as it becomes part of a completed object.
    #[must_use]
    pub fn to_part_data(&self) -> PartData {
        PartData {
            number: self.number,
            size: self.size,
            etag: self.etag.clone(),
            blob: self.blob.clone(),
            checksums: self.checksums.clone(),
        }
    }
}

/// A request for a page of multipart uploads in progress, ordered by key, then
/// initiation time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadQuery {
    pub bucket: String,
    pub prefix: String,
    /// Only uploads after this key (and after `upload_id_marker` within it).
    pub key_marker: Option<String>,
    pub upload_id_marker: Option<String>,
    pub limit: usize,
}

/// A record whose `meta` document may hold a sealed data key: an object version or a
/// multipart upload in progress. Ordered: every object version (by bucket, key, version),
/// then every upload (by id).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MetaTarget {
    Object {
        bucket: String,
        key: String,
        version_id: String,
    },
    Upload {
        upload_id: String,
    },
}

/// A key of the built-in key service (SSE-KMS). Its material is sealed by a master key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsKeyRecord {
    /// The key id (also usable as `alias/NAME` and in an ARN).
    pub name: String,
    pub description: String,
    /// The key material, sealed (base64) by the master key `sealed_by` names.
    pub sealed_material: String,
    pub sealed_by: String,
    /// A disabled key encrypts and decrypts nothing.
    pub enabled: bool,
    /// Unix milliseconds.
    pub created_ms: i64,
}
