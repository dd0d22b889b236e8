//! PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject.

use coffer_core::{
    CopyObjectRequest, CopySource as CoreCopySource, ETagMatch, ObjectVersion, Preconditions,
    PutObjectRequest, RangeSpec, ReadRequest, Selection, WriteCondition,
};
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use crate::body::{request_body, response_body};
use crate::convert::{
    checksum_fields, checksum_type_out, customer_key_of, etag, kms_key_out, object_meta_of, parse_http_date,
    sse_c_echo, sse_out, sse_request, storage_class_in, storage_class_out, tags_in, timestamp, user_metadata,
};
use crate::error::CoreResultExt as _;
use crate::integrity::integrity;
use crate::service::Coffer;

/// The most keys one DeleteObjects may name, as AWS.
const MAX_DELETE_KEYS: usize = 1000;

/// `If-None-Match: *` / `If-Match: etag` of a write, as the core checks them.
pub(crate) fn write_condition(
    if_none_match: Option<&ETagCondition>,
    if_match: Option<&ETagCondition>,
) -> WriteCondition {
    match (if_none_match, if_match) {
        (Some(ETagCondition::Any), _) => WriteCondition::IfNoneMatch,
        (_, Some(ETagCondition::ETag(tag))) => WriteCondition::IfMatch(tag.value().to_owned()),
        _ => WriteCondition::None,
    }
}

pub(crate) async fn put_object(
    s: &Coffer,
    req: S3Request<PutObjectInput>,
) -> S3Result<S3Response<PutObjectOutput>> {
    let integrity = integrity(&req.headers, req.trailing_headers.clone())?;
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    let acl = crate::ops::acl::check_request_acl(&req, req.input.acl.as_ref().map(ObjectCannedACL::as_str))?;
    let input = req.input;
    refuse_oversized(s, input.content_length)?;
    let requested_sse = sse_request(
        input.server_side_encryption.as_ref(),
        input.sse_customer_algorithm.as_deref(),
        input.ssekms_key_id.as_deref(),
    )?;
    let condition = write_condition(input.if_none_match.as_ref(), input.if_match.as_ref());
    let tags = tags_in(input.tagging.as_deref())?;
    let mut meta = object_meta_of!(input);
    meta.tags = tags;
    meta.acl = acl;
    let customer = customer_key.is_some();
    let (sse_customer_algorithm, sse_customer_key_md5) =
        sse_c_echo(customer, input.sse_customer_key_md5.as_ref());
    let put = PutObjectRequest {
        bucket: input.bucket,
        key: input.key,
        meta,
        storage_class: storage_class_in(input.storage_class),
        body: request_body(input.body),
        integrity,
        condition,
        customer_key,
        sse: requested_sse,
    };
    let written = s.store.put_object(put).await.s3()?;
    let sums = checksum_fields(&written.checksums);
    Ok(S3Response::new(PutObjectOutput {
        checksum_type: (!written.checksums.is_empty())
            .then(|| checksum_type_out(coffer_core::ChecksumType::FullObject)),
        e_tag: Some(etag(&written.etag)),
        server_side_encryption: sse_out(&written.meta),
        ssekms_key_id: kms_key_out(&written.meta),
        sse_customer_algorithm,
        sse_customer_key_md5,
        checksum_crc32: sums.crc32,
        checksum_crc32c: sums.crc32c,
        checksum_crc64nvme: sums.crc64nvme,
        checksum_sha1: sums.sha1,
        checksum_sha256: sums.sha256,
        ..Default::default()
    }))
}

/// A declared body larger than a single PUT (or part) may be is refused before a byte of
/// it is read, as AWS does.
pub(crate) fn refuse_oversized(s: &Coffer, content_length: Option<i64>) -> S3Result<()> {
    let max = s.store.config().max_object_size;
    if content_length.is_some_and(|n| u64::try_from(n).is_ok_and(|n| n > max)) {
        return Err(s3_error!(
            EntityTooLarge,
            "Your proposed upload exceeds the maximum allowed object size."
        ));
    }
    Ok(())
}

fn range_spec(range: Option<Range>) -> Option<RangeSpec> {
    range.map(|r| match r {
        Range::Int { first, last } => RangeSpec::FromTo { first, last },
        Range::Suffix { length } => RangeSpec::Suffix { length },
    })
}

/// GetObject and HeadObject answer the same headers, but s3s gives them distinct types.
/// Checksums are reported only when asked for, and only those describing exactly the
/// selected bytes.
macro_rules! object_output {
    ($ty:ident { $($field:ident: $value:expr),* $(,)? }, $v:expr, $selection:expr, $checksum_mode:expr, $key_md5:expr) => {{
        let v: &ObjectVersion = $v;
        let selection: &Selection = $selection;
        let (length, content_range) = match selection.range {
            Some((_, 0)) => (0, None),
            Some((start, len)) => (len, Some(format!("bytes {start}-{}/{}", start + len - 1, v.size))),
            None => (v.size, None),
        };
        let none = coffer_core::Checksums::default();
        let sums = checksum_fields(if $checksum_mode { &selection.checksums } else { &none });
        $ty {
            $($field: $value,)*
            accept_ranges: Some("bytes".into()),
            content_length: i64::try_from(length).ok(),
            content_range,
            content_type: v.meta.content_type.clone(),
            content_encoding: v.meta.content_encoding.clone(),
            content_disposition: v.meta.content_disposition.clone(),
            content_language: v.meta.content_language.clone(),
            cache_control: v.meta.cache_control.clone(),
            expires: v.meta.expires.as_deref().and_then(parse_http_date),
            e_tag: Some(etag(&v.etag)),
            last_modified: Some(timestamp(v.last_modified_ms)),
            metadata: user_metadata(&v.meta),
            storage_class: (v.storage_class != "STANDARD").then(|| storage_class_out(&v.storage_class)),
            parts_count: selection.parts_count.and_then(|n| i32::try_from(n).ok()),
            checksum_crc32: sums.crc32,
            checksum_crc32c: sums.crc32c,
            checksum_crc64nvme: sums.crc64nvme,
            checksum_sha1: sums.sha1,
            checksum_sha256: sums.sha256,
            checksum_type: if $checksum_mode { selection.checksum_type.map(checksum_type_out) } else { None },
            server_side_encryption: sse_out(&v.meta),
            ssekms_key_id: kms_key_out(&v.meta),
            sse_customer_algorithm: sse_c_echo(coffer_core::sse_kind(&v.meta) == coffer_core::SseKind::Customer, $key_md5).0,
            sse_customer_key_md5: sse_c_echo(coffer_core::sse_kind(&v.meta) == coffer_core::SseKind::Customer, $key_md5).1,
            ..Default::default()
        }
    }};
}

fn only_null_version(version_id: Option<&str>) -> S3Result<()> {
    if version_id.is_some_and(|v| v != "null") {
        return Err(s3_error!(NoSuchVersion, "The specified version does not exist."));
    }
    Ok(())
}

fn checksum_mode(mode: Option<&ChecksumMode>) -> bool {
    mode.is_some_and(|m| m.as_str() == "ENABLED")
}

/// An ETag condition header as the core compares it.
pub(crate) fn etag_match(c: Option<&ETagCondition>) -> Option<ETagMatch> {
    c.map(|c| match c {
        ETagCondition::Any => ETagMatch::Any,
        ETagCondition::ETag(tag) => ETagMatch::Tags(vec![tag.value().to_owned()]),
    })
}

/// An HTTP date as Unix seconds.
pub(crate) fn unix_secs(t: Option<&Timestamp>) -> Option<i64> {
    t.map(|t| time::OffsetDateTime::from(t.clone()).unix_timestamp())
}

/// `partNumber` as the core takes it; out-of-range values get AWS's message.
fn read_part_number(n: Option<i32>) -> S3Result<Option<u32>> {
    n.map(|n| {
        u32::try_from(n).map_err(|_| {
            s3_error!(
                InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive"
            )
        })
    })
    .transpose()
}

/// The request fields GetObject and HeadObject share.
macro_rules! read_request {
    ($input:expr, $customer_key:expr) => {
        ReadRequest {
            customer_key: $customer_key,
            range: range_spec($input.range),
            part_number: read_part_number($input.part_number)?,
            conditions: Preconditions {
                if_match: etag_match($input.if_match.as_ref()),
                if_none_match: etag_match($input.if_none_match.as_ref()),
                if_modified_since: unix_secs($input.if_modified_since.as_ref()),
                if_unmodified_since: unix_secs($input.if_unmodified_since.as_ref()),
            },
        }
    };
}

pub(crate) async fn get_object(
    s: &Coffer,
    req: S3Request<GetObjectInput>,
) -> S3Result<S3Response<GetObjectOutput>> {
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    let input = req.input;
    only_null_version(input.version_id.as_deref())?;
    let read = read_request!(input, customer_key);
    let got = s.store.get_object(&input.bucket, &input.key, &read).await.s3()?;
    let output = object_output!(
        GetObjectOutput {
            body: Some(response_body(got.body)),
            tag_count: i32::try_from(got.version.meta.tags.len()).ok().filter(|&n| n > 0)
        },
        &got.version,
        &got.selection,
        checksum_mode(input.checksum_mode.as_ref()),
        input.sse_customer_key_md5.as_ref()
    );
    Ok(S3Response::new(output))
}

pub(crate) async fn head_object(
    s: &Coffer,
    req: S3Request<HeadObjectInput>,
) -> S3Result<S3Response<HeadObjectOutput>> {
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    let input = req.input;
    only_null_version(input.version_id.as_deref())?;
    let read = read_request!(input, customer_key);
    let head = s
        .store
        .head_object_with(&input.bucket, &input.key, &read)
        .await
        .s3()?;
    let output = object_output!(
        HeadObjectOutput {},
        &head.version,
        &head.selection,
        checksum_mode(input.checksum_mode.as_ref()),
        input.sse_customer_key_md5.as_ref()
    );
    // A Content-Range makes this a 206 on the wire (`endpoint::partial_head`).
    Ok(S3Response::new(output))
}

pub(crate) async fn delete_object(
    s: &Coffer,
    req: S3Request<DeleteObjectInput>,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    let input = req.input;
    if input.version_id.as_deref().is_some_and(|v| v != "null") {
        // Versions other than null do not exist yet; deleting what is absent succeeds.
        s.store.bucket(&input.bucket).await.s3()?;
        return Ok(S3Response::new(DeleteObjectOutput::default()));
    }
    s.store.delete_object(&input.bucket, &input.key).await.s3()?;
    Ok(S3Response::new(DeleteObjectOutput::default()))
}

pub(crate) async fn delete_objects(
    s: &Coffer,
    req: S3Request<DeleteObjectsInput>,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    // Each key is authorized on its own (s3:DeleteObject on bucket/key, as AWS); a
    // refused key is an AccessDenied entry of the answer, not a failed request.
    let caller = crate::access::caller(&req).cloned();
    let facts = crate::access::facts(&req).cloned();
    let input = req.input;
    let objects = input.delete.objects;
    if objects.len() > MAX_DELETE_KEYS {
        return Err(S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema",
        ));
    }
    s.store.bucket(&input.bucket).await.s3()?;
    let quiet = input.delete.quiet.unwrap_or(false);
    let mut deleted = Vec::new();
    let mut errors = Vec::new();
    for object in objects {
        let action = if object.version_id.is_some() {
            "s3:DeleteObjectVersion"
        } else {
            "s3:DeleteObject"
        };
        let allowed = facts
            .as_ref()
            .is_some_and(|f| s.iam.authorize_s3_action(caller.as_ref(), f, action, &object.key));
        if !allowed {
            errors.push(Error {
                code: Some("AccessDenied".to_owned()),
                key: Some(object.key),
                message: Some("Access Denied".to_owned()),
                version_id: object.version_id,
            });
            continue;
        }
        match s.store.delete_object(&input.bucket, &object.key).await {
            Ok(()) => {
                if !quiet {
                    deleted.push(DeletedObject {
                        key: Some(object.key),
                        version_id: object.version_id,
                        ..Default::default()
                    });
                }
            }
            Err(e) => {
                let e = crate::error::to_s3(e);
                errors.push(Error {
                    code: Some(e.code().as_str().to_owned()),
                    key: Some(object.key),
                    message: e.message().map(str::to_owned),
                    version_id: object.version_id,
                });
            }
        }
    }
    Ok(S3Response::new(DeleteObjectsOutput {
        deleted: Some(deleted),
        errors: (!errors.is_empty()).then_some(errors),
        ..Default::default()
    }))
}

/// The source of a copy, its `x-amz-copy-source-if-*` conditions and its SSE-C key
/// (`x-amz-copy-source-server-side-encryption-customer-*`), as the core names them.
/// CopyObject and UploadPartCopy share the field names.
macro_rules! copy_source_of {
    ($input:expr, $extensions:expr, $allow_sse_c:expr) => {
        $crate::ops::object::copy_source(
            &$input.copy_source,
            $crate::sse_c::customer_key(
                &$crate::sse_c::CustomerHeaders {
                    algorithm: $input.copy_source_sse_customer_algorithm.as_deref(),
                    key: $input.copy_source_sse_customer_key.as_deref(),
                    key_md5: $input.copy_source_sse_customer_key_md5.as_deref(),
                },
                $extensions,
                $allow_sse_c,
            )?,
            coffer_core::Preconditions {
                if_match: $crate::ops::object::etag_match($input.copy_source_if_match.as_ref()),
                if_none_match: $crate::ops::object::etag_match($input.copy_source_if_none_match.as_ref()),
                if_modified_since: $crate::ops::object::unix_secs(
                    $input.copy_source_if_modified_since.as_ref(),
                ),
                if_unmodified_since: $crate::ops::object::unix_secs(
                    $input.copy_source_if_unmodified_since.as_ref(),
                ),
            },
        )
    };
}
pub(crate) use copy_source_of;

pub(crate) fn copy_source(
    source: &CopySource,
    customer_key: Option<coffer_core::SecretKey>,
    conditions: Preconditions,
) -> S3Result<CoreCopySource> {
    match source {
        CopySource::Bucket {
            bucket,
            key,
            version_id,
        } => Ok(CoreCopySource {
            bucket: bucket.to_string(),
            key: key.to_string(),
            version_id: version_id.as_deref().map(str::to_owned),
            conditions,
            customer_key,
        }),
        _ => Err(s3_error!(
            NotImplemented,
            "Copying from an access point is not supported"
        )),
    }
}

/// A COPY/REPLACE directive: absent means COPY; anything else is refused, as AWS does.
fn is_replace(header: &str, value: Option<&str>) -> S3Result<bool> {
    match value {
        None | Some("COPY") => Ok(false),
        Some("REPLACE") => Ok(true),
        Some(other) => Err(s3_error!(
            InvalidArgument,
            "Unknown {header} value: {other}; it must be COPY or REPLACE"
        )),
    }
}

/// `If-Match` / `If-None-Match` on CopyObject's destination: s3s's CopyObjectInput has no
/// fields for them, so they are read from the headers.
fn copy_destination_condition(headers: &http::HeaderMap) -> S3Result<WriteCondition> {
    let parse = |name: http::header::HeaderName| -> S3Result<Option<ETagCondition>> {
        headers
            .get(name)
            .map(|v| {
                ETagCondition::parse_http_header(v.as_bytes())
                    .map_err(|_| s3_error!(InvalidArgument, "The ETag condition header is not valid"))
            })
            .transpose()
    };
    let if_none_match = parse(http::header::IF_NONE_MATCH)?;
    let if_match = parse(http::header::IF_MATCH)?;
    Ok(write_condition(if_none_match.as_ref(), if_match.as_ref()))
}

pub(crate) async fn copy_object(
    s: &Coffer,
    req: S3Request<CopyObjectInput>,
) -> S3Result<S3Response<CopyObjectOutput>> {
    let condition = copy_destination_condition(&req.headers)?;
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    if crate::ops::acl::check_request_acl(&req, req.input.acl.as_ref().map(ObjectCannedACL::as_str))?
        .is_some()
    {
        return Err(s3s::s3_error!(
            NotImplemented,
            "A copy with an ACL granting others is not implemented; set it with PutObjectAcl afterwards"
        ));
    }
    let input = req.input;
    let requested_sse = sse_request(
        input.server_side_encryption.as_ref(),
        input.sse_customer_algorithm.as_deref(),
        input.ssekms_key_id.as_deref(),
    )?;
    let source = copy_source_of!(input, &req.extensions, s.allow_sse_c_over_http)?;
    let customer = customer_key.is_some();
    let (sse_customer_algorithm, sse_customer_key_md5) =
        sse_c_echo(customer, input.sse_customer_key_md5.as_ref());
    let replace = is_replace(
        "x-amz-metadata-directive",
        input.metadata_directive.as_ref().map(MetadataDirective::as_str),
    )?;
    let storage_class = storage_class_in(input.storage_class.clone());
    let replace_tags = is_replace(
        "x-amz-tagging-directive",
        input.tagging_directive.as_ref().map(TaggingDirective::as_str),
    )?;
    let new_tags = if replace_tags {
        Some(tags_in(input.tagging.as_deref())?)
    } else {
        None
    };
    let new_meta = replace.then(|| object_meta_of!(input));
    let written = s
        .store
        .copy_object(CopyObjectRequest {
            source,
            bucket: input.bucket,
            key: input.key,
            new_meta,
            new_tags,
            storage_class,
            condition,
            customer_key,
            sse: requested_sse,
        })
        .await
        .s3()?;
    let sums = checksum_fields(&written.checksums);
    Ok(S3Response::new(CopyObjectOutput {
        server_side_encryption: sse_out(&written.meta),
        ssekms_key_id: kms_key_out(&written.meta),
        sse_customer_algorithm,
        sse_customer_key_md5,
        copy_object_result: Some(CopyObjectResult {
            e_tag: Some(etag(&written.etag)),
            last_modified: Some(timestamp(written.last_modified_ms)),
            checksum_crc32: sums.crc32,
            checksum_crc32c: sums.crc32c,
            checksum_crc64nvme: sums.crc64nvme,
            checksum_sha1: sums.sha1,
            checksum_sha256: sums.sha256,
            ..Default::default()
        }),
        ..Default::default()
    }))
}
