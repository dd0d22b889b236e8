use thiserror::Error;

/// Why a metadata operation failed.
#[derive(Debug, Error)]
pub enum MetaError {
    /// The named bucket does not exist.
    #[error("bucket does not exist")]
    NoSuchBucket,
    /// A bucket with that name exists already (any owner).
    #[error("bucket already exists")]
    BucketExists,
    /// The bucket still holds objects or multipart uploads.
    #[error("bucket is not empty")]
    BucketNotEmpty,
    /// The multipart upload does not exist (never created, completed or aborted).
    #[error("multipart upload does not exist")]
    NoSuchUpload,
    /// A part named in a completion is missing or its ETag changed meanwhile.
    #[error("part {0} is missing or was replaced")]
    InvalidPart(u32),
    /// A write conditioned on the key's ETag (`IfMatch`) found no such key.
    #[error("key does not exist")]
    NoSuchKey,
    /// A conditional write found the current state different from what it required.
    #[error("precondition failed")]
    PreconditionFailed,
    /// A KMS key of that name exists already.
    #[error("KMS key already exists")]
    KmsKeyExists,
    /// No KMS key has that name.
    #[error("no such KMS key")]
    NoSuchKmsKey,
    /// An account, user or access key of that name or id exists already.
    #[error("{0} already exists")]
    IdentityExists(String),
    /// No account, user or access key of that name or id.
    #[error("{0} does not exist")]
    NoSuchIdentity(String),
    /// The identity cannot be deleted while something depends on it.
    #[error("{0}")]
    IdentityInUse(String),
    /// A quota (keys per user) would be exceeded.
    #[error("{0}")]
    IdentityLimit(String),
    /// A stored record could not be decoded (corruption or a format from the future).
    #[error("corrupt metadata record: {0}")]
    Corrupt(String),
    /// The backend failed (I/O, database engine, connection).
    #[error("metadata backend: {0}")]
    Backend(String),
}
