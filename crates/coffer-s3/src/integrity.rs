//! Reading what a request declares about its body: `Content-MD5`, and one
//! `x-amz-checksum-*` from a header or from the trailer named in `x-amz-trailer`.
//! s3s parses these but verifies none of them; the core verifies before committing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_core::{ChecksumAlgorithm, ExpectedChecksum, ExpectedValue, Integrity};
use http::HeaderMap;
use s3s::{S3Error, S3ErrorCode, S3Result, TrailingHeaders};

fn header_name(algorithm: ChecksumAlgorithm) -> String {
    format!("x-amz-checksum-{}", algorithm.as_str().to_ascii_lowercase())
}

fn invalid(code: S3ErrorCode, msg: &str) -> S3Error {
    S3Error::with_message(code, msg.to_owned())
}

/// The body declarations of a request.
pub(crate) fn integrity(headers: &HeaderMap, trailers: Option<TrailingHeaders>) -> S3Result<Integrity> {
    let content_md5 = match headers.get(http::header::HeaderName::from_static("content-md5")) {
        None => None,
        Some(v) => {
            let bad = || {
                invalid(
                    S3ErrorCode::InvalidDigest,
                    "The Content-MD5 you specified was invalid.",
                )
            };
            let raw = STANDARD.decode(v.as_bytes()).map_err(|_| bad())?;
            Some(<[u8; 16]>::try_from(raw.as_slice()).map_err(|_| bad())?)
        }
    };

    let mut declared = Vec::new();
    for algorithm in ChecksumAlgorithm::ALL {
        if let Some(v) = headers.get(header_name(algorithm).as_str()) {
            let v = v
                .to_str()
                .map_err(|_| invalid(S3ErrorCode::InvalidRequest, "Invalid checksum header"))?;
            declared.push((algorithm, v.to_owned()));
        }
    }
    if declared.len() > 1 {
        return Err(invalid(
            S3ErrorCode::InvalidRequest,
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
        ));
    }
    let checksum = if let Some((algorithm, value)) = declared.pop() {
        Some(ExpectedChecksum {
            algorithm,
            value: ExpectedValue::Header(value),
        })
    } else if let Some(trailer) = headers.get("x-amz-trailer") {
        let name = trailer.to_str().unwrap_or_default().trim().to_ascii_lowercase();
        let algorithm = name
            .strip_prefix("x-amz-checksum-")
            .and_then(ChecksumAlgorithm::parse)
            .ok_or_else(|| {
                invalid(
                    S3ErrorCode::InvalidRequest,
                    "The value specified in the x-amz-trailer header is not supported",
                )
            })?;
        let trailers = trailers.ok_or_else(|| {
            invalid(
                S3ErrorCode::InvalidRequest,
                "x-amz-trailer requires a streaming (aws-chunked) body",
            )
        })?;
        let read = move || {
            trailers
                .read(|h| {
                    h.get(name.as_str())
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                })
                .flatten()
        };
        Some(ExpectedChecksum {
            algorithm,
            value: ExpectedValue::Trailer(Box::new(read)),
        })
    } else if let Some(name) = headers.get("x-amz-sdk-checksum-algorithm") {
        let algorithm = name
            .to_str()
            .ok()
            .and_then(ChecksumAlgorithm::parse)
            .ok_or_else(|| {
                invalid(
                    S3ErrorCode::InvalidRequest,
                    "Checksum algorithm provided is unsupported.",
                )
            })?;
        Some(ExpectedChecksum {
            algorithm,
            value: ExpectedValue::ComputeOnly,
        })
    } else {
        None
    };
    Ok(Integrity {
        content_md5,
        checksum,
    })
}

/// The most bytes an XML request body may have when we buffer it to verify its digest.
/// AWS caps DeleteObjects at 1000 keys of 1 KiB: 2 MiB is above any valid body and stops
/// a client from making us buffer more.
const MAX_XML_BODY: usize = 2 * 1024 * 1024;

/// Verifies the declared digest of a small, non-streaming body (an XML request such as
/// DeleteObjects), which s3s consumes before any operation of ours sees it. Returns the
/// buffered body, or the S3 error to answer.
pub(crate) async fn verify_small_body<B>(headers: &HeaderMap, body: B) -> Result<bytes::Bytes, S3Error>
where
    B: http_body::Body<Data = bytes::Bytes>,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    use http_body_util::BodyExt as _;
    let declared = integrity(headers, None)?;
    let collected = http_body_util::Limited::new(body, MAX_XML_BODY)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                S3Error::with_message(
                    S3ErrorCode::MaxMessageLengthExceeded,
                    "Your request was too big.".to_owned(),
                )
            } else {
                S3Error::with_message(
                    S3ErrorCode::IncompleteBody,
                    "You did not provide the number of bytes specified by the Content-Length HTTP header."
                        .to_owned(),
                )
            }
        })?;
    let bytes = collected.to_bytes();
    let mut hasher = coffer_core::Hasher::new(&declared.algorithms());
    hasher.update(&bytes);
    declared
        .verify(&hasher.finish(bytes.len() as u64))
        .map_err(crate::error::to_s3)?;
    Ok(bytes)
}
