//! The one mapping from Coffer's errors to S3 wire errors.

use coffer_core::{BodyError, CoreError};
use s3s::{S3Error, S3ErrorCode};

/// Maps a core error to its S3 error. Exhaustive: a new variant cannot compile without
/// a decision here. Internal errors are logged with their detail and answered with a
/// generic message.
pub(crate) fn to_s3(e: CoreError) -> S3Error {
    use S3ErrorCode as C;
    let code = match &e {
        CoreError::NoSuchBucket => C::NoSuchBucket,
        CoreError::BucketAlreadyOwnedByYou => C::BucketAlreadyOwnedByYou,
        CoreError::BucketAlreadyExists => C::BucketAlreadyExists,
        CoreError::BucketNotEmpty => C::BucketNotEmpty,
        CoreError::InvalidBucketName(_) => C::InvalidBucketName,
        CoreError::NoSuchKey => C::NoSuchKey,
        CoreError::KeyTooLong => C::KeyTooLongError,
        CoreError::InvalidStorageClass => C::InvalidStorageClass,
        CoreError::MetadataTooLarge => C::MetadataTooLarge,
        CoreError::InvalidTag(_) => C::InvalidTag,
        CoreError::InvalidArgument(_) => C::InvalidArgument,
        CoreError::NotImplemented(_) => C::NotImplemented,
        CoreError::KmsKeyExists | CoreError::KmsKeyNotFound(_) | CoreError::KmsKeyDisabled(_) => {
            let code = match &e {
                CoreError::KmsKeyExists => "AlreadyExistsException",
                CoreError::KmsKeyNotFound(_) => "KMS.NotFoundException",
                _ => "KMS.DisabledException",
            };
            let mut err = S3Error::with_message(C::Custom(code.into()), e.to_string());
            err.set_status_code(http::StatusCode::BAD_REQUEST);
            return err;
        }
        CoreError::CustomerKeyRequired | CoreError::CustomerKeyNotApplicable => C::InvalidRequest,
        CoreError::CustomerKeyMismatch => C::AccessDenied,
        CoreError::InvalidRequest(_) => C::InvalidRequest,
        CoreError::NoSuchUpload => C::NoSuchUpload,
        CoreError::InvalidPart(_) => C::InvalidPart,
        CoreError::InvalidPartOrder => C::InvalidPartOrder,
        CoreError::EntityTooSmall(_) => C::EntityTooSmall,
        CoreError::EntityTooLarge => C::EntityTooLarge,
        CoreError::BadDigest(_) => C::BadDigest,
        CoreError::InvalidDigest(_) => C::InvalidDigest,
        CoreError::InvalidRange => C::InvalidRange,
        CoreError::PreconditionFailed => C::PreconditionFailed,
        CoreError::InvalidPartNumber => {
            let mut err = S3Error::with_message(C::Custom("InvalidPartNumber".into()), e.to_string());
            err.set_status_code(http::StatusCode::RANGE_NOT_SATISFIABLE);
            return err;
        }
        CoreError::NotModified {
            etag,
            last_modified_ms,
        } => return not_modified(etag, *last_modified_ms),
        CoreError::Body(b) => return body_error(b),
        CoreError::Internal(detail) => {
            tracing::error!(error = %detail, "internal error");
            return S3Error::with_message(
                C::InternalError,
                "We encountered an internal error. Please try again.",
            );
        }
    };
    S3Error::with_message(code, e.to_string())
}

/// A 304 carries the validators a cache needs, and (see `endpoint::finish`) no body.
fn not_modified(etag: &str, last_modified_ms: i64) -> S3Error {
    let mut err = S3Error::new(S3ErrorCode::NotModified);
    let mut headers = http::HeaderMap::new();
    if let Ok(v) = http::HeaderValue::from_str(&format!("\"{etag}\"")) {
        headers.insert(http::header::ETAG, v);
    }
    if let Some(v) = crate::convert::http_date(&crate::convert::timestamp(last_modified_ms))
        .and_then(|d| http::HeaderValue::from_str(&d).ok())
    {
        headers.insert(http::header::LAST_MODIFIED, v);
    }
    err.set_headers(headers);
    err
}

fn body_error(e: &BodyError) -> S3Error {
    use S3ErrorCode as C;
    // The detail (library wording, socket errors) is for the log; the client gets AWS's.
    tracing::debug!(error = %e, "request body failed");
    let (code, message) = match e {
        BodyError::Incomplete | BodyError::Io(_) => (
            C::IncompleteBody,
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        ),
        BodyError::SignatureMismatch => (
            C::SignatureDoesNotMatch,
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        ),
        BodyError::PayloadHashMismatch => (
            C::Custom("XAmzContentSHA256Mismatch".into()),
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ),
        BodyError::Malformed(_) => (C::InvalidRequest, "The aws-chunked request body is malformed."),
    };
    let mut err = S3Error::with_message(code, message);
    if matches!(e, BodyError::PayloadHashMismatch) {
        err.set_status_code(http::StatusCode::BAD_REQUEST);
    }
    err
}

/// Shorthand used by every operation.
pub(crate) trait CoreResultExt<T> {
    fn s3(self) -> s3s::S3Result<T>;
}

impl<T> CoreResultExt<T> for Result<T, CoreError> {
    fn s3(self) -> s3s::S3Result<T> {
        self.map_err(to_s3)
    }
}
