use coffer_blob::{BodyError, IngestError};
use coffer_meta::MetaError;
use thiserror::Error;

/// Why an object-store operation failed. The protocol crates map each variant to its
/// wire error in one exhaustive `match`.
#[derive(Debug, Error)]
pub enum CoreError {
    /// The bucket does not exist.
    #[error("The specified bucket does not exist")]
    NoSuchBucket,
    /// The caller already owns a bucket of that name.
    #[error("Your previous request to create the named bucket succeeded and you already own it.")]
    BucketAlreadyOwnedByYou,
    /// Someone else owns a bucket of that name.
    #[error("The requested bucket name is not available.")]
    BucketAlreadyExists,
    /// The bucket still holds objects or uploads.
    #[error("The bucket you tried to delete is not empty")]
    BucketNotEmpty,
    /// The bucket name breaks AWS's naming rules.
    #[error("The specified bucket is not valid: {0}")]
    InvalidBucketName(String),
    /// The key (or version) does not exist.
    #[error("The specified key does not exist.")]
    NoSuchKey,
    /// The storage class is not one S3 defines.
    #[error("The storage class you specified is not valid")]
    InvalidStorageClass,
    /// The key is longer than 1024 bytes.
    #[error("Your key is too long")]
    KeyTooLong,
    /// A tag set breaks AWS's limits.
    #[error("{0}")]
    InvalidTag(String),
    /// User metadata exceeds 2 KiB.
    #[error("Your metadata headers exceed the maximum allowed metadata size.")]
    MetadataTooLarge,
    /// An argument is out of its allowed range or malformed.
    #[error("{0}")]
    InvalidArgument(String),
    /// The request is not valid as a whole.
    #[error("{0}")]
    InvalidRequest(String),
    /// The multipart upload does not exist.
    #[error(
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
    )]
    NoSuchUpload,
    /// A part in a completion list was not uploaded or its ETag does not match.
    #[error(
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag. (part {0})"
    )]
    InvalidPart(u32),
    /// The completion list is not in ascending part-number order.
    #[error("The list of parts was not in ascending order. Parts must be ordered by part number.")]
    InvalidPartOrder,
    /// A part other than the last is smaller than the minimum part size.
    #[error("Your proposed upload is smaller than the minimum allowed object size. (part {0})")]
    EntityTooSmall(u32),
    /// The body exceeds the maximum object or part size.
    #[error("Your proposed upload exceeds the maximum allowed object size.")]
    EntityTooLarge,
    /// The body's digest differs from the one the client declared.
    #[error("{0}")]
    BadDigest(String),
    /// A declared digest is not a valid encoding.
    #[error("{0}")]
    InvalidDigest(String),
    /// The range does not overlap the object.
    #[error("The requested range is not satisfiable")]
    InvalidRange,
    /// `partNumber` names a part the object does not have.
    #[error("The requested partnumber is not satisfiable")]
    InvalidPartNumber,
    /// A conditional write or read found a different state.
    #[error("At least one of the pre-conditions you specified did not hold")]
    PreconditionFailed,
    /// A read precondition (`If-None-Match`, `If-Modified-Since`) says the client's copy
    /// is current: HTTP 304, which carries the object's validators.
    #[error("Not Modified")]
    NotModified { etag: String, last_modified_ms: i64 },
    /// An SSE-C object was read or written to without the customer's key.
    #[error(
        "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."
    )]
    CustomerKeyRequired,
    /// The customer key given does not open the object (SSE-C).
    #[error("The provided customer key does not match the key the object was encrypted with.")]
    CustomerKeyMismatch,
    /// A customer key was given for an object that is not SSE-C.
    #[error("The encryption parameters are not applicable to this object.")]
    CustomerKeyNotApplicable,
    /// A KMS key of that name exists already.
    #[error("A key with that name already exists.")]
    KmsKeyExists,
    /// No KMS key has that id (`KMS.NotFoundException`).
    #[error("Invalid keyId {0}")]
    KmsKeyNotFound(String),
    /// The KMS key is disabled (`KMS.DisabledException`).
    #[error("{0} is disabled.")]
    KmsKeyDisabled(String),
    /// The request asks for a feature Coffer has not built yet.
    #[error("{0}")]
    NotImplemented(String),
    /// The client's body stream failed.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// Storage failed; the details are for the log, not the client.
    #[error("internal storage error: {0}")]
    Internal(String),
}

impl From<MetaError> for CoreError {
    fn from(e: MetaError) -> Self {
        match e {
            MetaError::NoSuchBucket => Self::NoSuchBucket,
            MetaError::BucketExists => Self::BucketAlreadyExists,
            MetaError::BucketNotEmpty => Self::BucketNotEmpty,
            MetaError::NoSuchUpload => Self::NoSuchUpload,
            MetaError::InvalidPart(n) => Self::InvalidPart(n),
            MetaError::PreconditionFailed => Self::PreconditionFailed,
            MetaError::NoSuchKey => Self::NoSuchKey,
            MetaError::KmsKeyExists => Self::KmsKeyExists,
            MetaError::NoSuchKmsKey => Self::KmsKeyNotFound(String::new()),
            // Identity changes go through coffer-iam, which maps these itself.
            e @ (MetaError::IdentityExists(_)
            | MetaError::NoSuchIdentity(_)
            | MetaError::IdentityInUse(_)
            | MetaError::IdentityLimit(_)) => Self::Internal(format!("metadata: {e}")),
            MetaError::Corrupt(m) | MetaError::Backend(m) => Self::Internal(format!("metadata: {m}")),
        }
    }
}

impl From<IngestError> for CoreError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Body(b) => Self::Body(b),
            IngestError::TooLarge { .. } => Self::EntityTooLarge,
            IngestError::Io(io) => Self::Internal(format!("blob: {io}")),
        }
    }
}

impl From<std::io::Error> for CoreError {
    fn from(e: std::io::Error) -> Self {
        Self::Internal(format!("blob: {e}"))
    }
}

/// Shorthand for core results.
pub type CoreResult<T> = Result<T, CoreError>;
