//! Request and response bodies between s3s and the core.

use std::error::Error as StdError;

use coffer_core::{BodyError, BodyStream, ObjectBody};
use futures::TryStreamExt as _;
use s3s::dto::StreamingBlob;

/// Classifies an s3s body-stream failure. s3s keeps its stream error types private, so
/// this reads their stable `Display` names; anything unknown is a broken connection.
pub(crate) fn classify(e: &(dyn StdError + 'static)) -> BodyError {
    let text = e.to_string();
    if text.contains("SignatureMismatch") {
        BodyError::SignatureMismatch
    } else if text.contains("Sha256Mismatch") {
        BodyError::PayloadHashMismatch
    } else if text.contains("LengthMismatch") || text.contains("Incomplete") {
        BodyError::Incomplete
    } else if text.contains("FormatError") || text.contains("TooLarge") || text.contains("TooMany") {
        BodyError::Malformed(text)
    } else {
        BodyError::Io(text)
    }
}

/// The request body as the core reads it; a missing body is an empty one.
pub(crate) fn request_body(body: Option<StreamingBlob>) -> BodyStream {
    match body {
        Some(blob) => Box::pin(blob.map_err(|e| classify(e.as_ref()))),
        None => Box::pin(futures::stream::empty()),
    }
}

/// An object's bytes as a response body.
pub(crate) fn response_body(body: ObjectBody) -> StreamingBlob {
    StreamingBlob::wrap(sync_wrapper::SyncStream::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct E(&'static str);
    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for E {}

    #[test]
    fn classifies_s3s_stream_errors() {
        assert_eq!(
            classify(&E("AwsChunkedStreamError: SignatureMismatch")),
            BodyError::SignatureMismatch
        );
        assert_eq!(
            classify(&E("UploadStreamError: Sha256Mismatch")),
            BodyError::PayloadHashMismatch
        );
        assert_eq!(
            classify(&E("AwsChunkedStreamError: Incomplete")),
            BodyError::Incomplete
        );
        assert!(matches!(
            classify(&E("AwsChunkedStreamError: FormatError")),
            BodyError::Malformed(_)
        ));
        assert!(matches!(classify(&E("connection reset")), BodyError::Io(_)));
    }
}
