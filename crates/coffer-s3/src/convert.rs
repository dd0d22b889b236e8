//! Conversions between s3s DTO fields and core records.

use coffer_core::{Checksums, ObjectMeta};
use s3s::dto::{Metadata, StorageClass, Timestamp, TimestampFormat};

/// Unix milliseconds as an S3 timestamp.
pub(crate) fn timestamp(ms: i64) -> Timestamp {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .into()
}

/// An HTTP-date string of a timestamp (how `Expires` is stored).
pub(crate) fn http_date(ts: &Timestamp) -> Option<String> {
    let mut buf = Vec::new();
    ts.format(TimestampFormat::HttpDate, &mut buf).ok()?;
    String::from_utf8(buf).ok()
}

/// A stored `Expires` back as a timestamp (dropped if it no longer parses).
pub(crate) fn parse_http_date(s: &str) -> Option<Timestamp> {
    Timestamp::parse(TimestampFormat::HttpDate, s).ok()
}

/// The content headers and user metadata of any write input (PutObject, CopyObject,
/// CreateMultipartUpload): s3s gives each its own type with the same field names.
macro_rules! object_meta_of {
    ($input:expr) => {
        $crate::convert::object_meta(
            $input.content_type,
            $input.content_encoding,
            $input.content_disposition,
            $input.content_language,
            $input.cache_control,
            $input.expires.as_ref(),
            $input.metadata,
        )
    };
}
pub(crate) use object_meta_of;

/// The content headers and user metadata a write carries.
#[allow(clippy::too_many_arguments)]
pub(crate) fn object_meta(
    content_type: Option<String>,
    content_encoding: Option<String>,
    content_disposition: Option<String>,
    content_language: Option<String>,
    cache_control: Option<String>,
    expires: Option<&Timestamp>,
    metadata: Option<Metadata>,
) -> ObjectMeta {
    ObjectMeta {
        content_type,
        content_encoding,
        content_disposition,
        content_language,
        cache_control,
        expires: expires.and_then(http_date),
        user: metadata
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
        ..ObjectMeta::default()
    }
}

/// User metadata for a response, or `None` when there is none.
pub(crate) fn user_metadata(meta: &ObjectMeta) -> Option<Metadata> {
    (!meta.user.is_empty()).then(|| meta.user.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// A storage class as the client named it.
pub(crate) fn storage_class_in(class: Option<StorageClass>) -> Option<String> {
    class.map(|c| c.as_str().to_owned())
}

/// A stored storage class for a response.
pub(crate) fn storage_class_out(class: &str) -> StorageClass {
    StorageClass::from(class.to_owned())
}

/// `"etag"` as S3 sends it.
pub(crate) fn etag(etag: &str) -> s3s::dto::ETag {
    s3s::dto::ETag::Strong(etag.to_owned())
}

/// The five checksum fields of a response, in s3s order.
pub(crate) struct ChecksumFields {
    pub crc32: Option<String>,
    pub crc32c: Option<String>,
    pub crc64nvme: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
}

pub(crate) fn checksum_fields(sums: &Checksums) -> ChecksumFields {
    ChecksumFields {
        crc32: sums.crc32.clone(),
        crc32c: sums.crc32c.clone(),
        crc64nvme: sums.crc64nvme.clone(),
        sha1: sums.sha1.clone(),
        sha256: sums.sha256.clone(),
    }
}

/// A checksum type for a response.
pub(crate) fn checksum_type_out(kind: coffer_core::ChecksumType) -> s3s::dto::ChecksumType {
    s3s::dto::ChecksumType::from(kind.as_str().to_owned())
}

/// The five checksum fields of a request (s3s order) as core checksums.
pub(crate) fn checksums_in(
    crc32: Option<String>,
    crc32c: Option<String>,
    crc64nvme: Option<String>,
    sha1: Option<String>,
    sha256: Option<String>,
) -> Checksums {
    Checksums {
        crc32,
        crc32c,
        crc64nvme,
        sha1,
        sha256,
    }
}

/// A checksum algorithm or type named in a request, or `InvalidRequest`.
pub(crate) fn checksum_choice_in(
    algorithm: Option<&str>,
    kind: Option<&str>,
) -> s3s::S3Result<(
    Option<coffer_core::ChecksumAlgorithm>,
    Option<coffer_core::ChecksumType>,
)> {
    let algorithm = algorithm
        .map(|a| {
            coffer_core::ChecksumAlgorithm::parse(a)
                .ok_or_else(|| s3s::s3_error!(InvalidRequest, "Checksum algorithm provided is unsupported."))
        })
        .transpose()?;
    let kind = kind
        .map(|k| {
            coffer_core::ChecksumType::parse(k).ok_or_else(|| {
                s3s::s3_error!(InvalidRequest, "Value for x-amz-checksum-type header is invalid.")
            })
        })
        .transpose()?;
    Ok((algorithm, kind))
}

/// The tag set of an `x-amz-tagging` header (`k1=v1&k2=v2`, URL-encoded).
pub(crate) fn tags_in(tagging: Option<&str>) -> s3s::S3Result<std::collections::BTreeMap<String, String>> {
    let mut tags = std::collections::BTreeMap::new();
    for (k, v) in form_urlencoded::parse(tagging.unwrap_or_default().as_bytes()) {
        if tags.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err(s3s::s3_error!(
                InvalidTag,
                "Cannot provide multiple Tags with the same key"
            ));
        }
    }
    Ok(tags)
}

/// `x-amz-server-side-encryption` for a response: the object's stored algorithm (none
/// for SSE-C objects, which answer with the customer-key headers instead).
pub(crate) fn sse_out(meta: &ObjectMeta) -> Option<s3s::dto::ServerSideEncryption> {
    match coffer_core::sse_kind(meta) {
        coffer_core::SseKind::S3 | coffer_core::SseKind::Kms => meta
            .sse
            .as_ref()
            .map(|s| s3s::dto::ServerSideEncryption::from(s.algorithm.clone())),
        _ => None,
    }
}

/// `x-amz-server-side-encryption-aws-kms-key-id` of an SSE-KMS object: its key's ARN.
pub(crate) fn kms_key_out(meta: &ObjectMeta) -> Option<String> {
    (coffer_core::sse_kind(meta) == coffer_core::SseKind::Kms)
        .then(|| meta.sse.as_ref().and_then(|s| s.key_id.clone()))
        .flatten()
}

/// `x-amz-server-side-encryption` and the KMS key id for a part or upload, from the SSE
/// record it was written under.
pub(crate) fn sse_of(
    sse: Option<&coffer_core::meta::SseParams>,
) -> (Option<s3s::dto::ServerSideEncryption>, Option<String>) {
    let meta = ObjectMeta {
        sse: sse.cloned(),
        ..ObjectMeta::default()
    };
    (sse_out(&meta), kms_key_out(&meta))
}

/// The SSE-C headers a response echoes: the algorithm and the key's MD5 as sent.
pub(crate) fn sse_c_echo(customer: bool, key_md5: Option<&String>) -> (Option<String>, Option<String>) {
    if customer {
        (Some(coffer_core::SSE_S3.to_owned()), key_md5.cloned())
    } else {
        (None, None)
    }
}

/// The encryption a write asks for: SSE-S3 (`AES256`, or nothing: what every object
/// gets unless its bucket defaults to SSE-KMS), SSE-KMS (the key id it names, or
/// `aws/s3`), or SSE-C (its own headers). `None`: the bucket's default decides.
pub(crate) fn sse_request(
    sse: Option<&s3s::dto::ServerSideEncryption>,
    customer_algorithm: Option<&str>,
    kms_key_id: Option<&str>,
) -> s3s::S3Result<Option<coffer_core::RequestedSse>> {
    match (
        sse.map(s3s::dto::ServerSideEncryption::as_str),
        customer_algorithm,
    ) {
        (Some(_), Some(_)) => Err(s3s::s3_error!(
            InvalidArgument,
            "Server Side Encryption with Customer provided key is incompatible with the encryption method specified"
        )),
        (Some("aws:kms"), None) => Ok(Some(coffer_core::RequestedSse::Kms(
            kms_key_id.unwrap_or(coffer_core::DEFAULT_KMS_KEY).to_owned(),
        ))),
        (_, _) if kms_key_id.is_some() => Err(s3s::s3_error!(
            InvalidArgument,
            "x-amz-server-side-encryption-aws-kms-key-id is only valid with x-amz-server-side-encryption: aws:kms"
        )),
        (None, _) => Ok(None),
        (Some("AES256"), None) => Ok(Some(coffer_core::RequestedSse::S3)),
        (Some("aws:kms:dsse"), None) => Err(s3s::s3_error!(
            NotImplemented,
            "Dual-layer server-side encryption (aws:kms:dsse) is not implemented"
        )),
        (Some(other), None) => Err(s3s::s3_error!(
            InvalidArgument,
            "The encryption method specified is not supported: {other}"
        )),
    }
}

/// The customer key (SSE-C) of a request's `x-amz-server-side-encryption-customer-*`
/// fields, which every s3s input type names alike.
macro_rules! customer_key_of {
    ($input:expr, $extensions:expr, $allow:expr) => {
        $crate::sse_c::customer_key(
            &$crate::sse_c::CustomerHeaders {
                algorithm: $input.sse_customer_algorithm.as_deref(),
                key: $input.sse_customer_key.as_deref(),
                key_md5: $input.sse_customer_key_md5.as_deref(),
            },
            $extensions,
            $allow,
        )
    };
}
pub(crate) use customer_key_of;
