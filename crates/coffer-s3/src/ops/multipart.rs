//! CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
//! AbortMultipartUpload, ListParts.

use coffer_core::{CompletePart, RangeSpec};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use crate::body::request_body;
use crate::convert::{
    checksum_choice_in, checksum_fields, checksum_type_out, checksums_in, customer_key_of, etag, kms_key_out,
    object_meta_of, sse_c_echo, sse_of, sse_out, sse_request, storage_class_in, tags_in, timestamp,
};
use crate::error::CoreResultExt as _;
use crate::integrity::integrity;
use crate::ops::object::{copy_source_of, refuse_oversized, write_condition};
use crate::service::Coffer;

fn part_number(n: i32) -> S3Result<u32> {
    u32::try_from(n).map_err(|_| {
        s3_error!(
            InvalidArgument,
            "Part number must be an integer between 1 and 10000, inclusive"
        )
    })
}

pub(crate) async fn create_multipart_upload(
    s: &Coffer,
    req: S3Request<CreateMultipartUploadInput>,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    let acl = crate::ops::acl::check_request_acl(&req, req.input.acl.as_ref().map(ObjectCannedACL::as_str))?;
    let input = req.input;
    let requested_sse = sse_request(
        input.server_side_encryption.as_ref(),
        input.sse_customer_algorithm.as_deref(),
        input.ssekms_key_id.as_deref(),
    )?;
    let tags = tags_in(input.tagging.as_deref())?;
    let mut meta = object_meta_of!(input);
    meta.tags = tags;
    meta.acl = acl;
    let checksum = checksum_choice_in(
        input.checksum_algorithm.as_ref().map(ChecksumAlgorithm::as_str),
        input.checksum_type.as_ref().map(ChecksumType::as_str),
    )?;
    let upload = s
        .store
        .create_upload(
            &input.bucket,
            &input.key,
            meta,
            storage_class_in(input.storage_class),
            checksum,
            customer_key.as_ref(),
            requested_sse.as_ref(),
        )
        .await
        .s3()?;
    let (sse_customer_algorithm, sse_customer_key_md5) =
        sse_c_echo(customer_key.is_some(), input.sse_customer_key_md5.as_ref());
    Ok(S3Response::new(CreateMultipartUploadOutput {
        server_side_encryption: sse_out(&upload.meta),
        ssekms_key_id: kms_key_out(&upload.meta),
        sse_customer_algorithm,
        sse_customer_key_md5,
        checksum_algorithm: upload
            .meta
            .checksum_algorithm
            .clone()
            .map(ChecksumAlgorithm::from),
        checksum_type: upload.meta.checksum_type.clone().map(ChecksumType::from),
        bucket: Some(upload.bucket),
        key: Some(upload.key),
        upload_id: Some(upload.upload_id),
        ..Default::default()
    }))
}

pub(crate) async fn upload_part(
    s: &Coffer,
    req: S3Request<UploadPartInput>,
) -> S3Result<S3Response<UploadPartOutput>> {
    let integrity = integrity(&req.headers, req.trailing_headers.clone())?;
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    let input = req.input;
    refuse_oversized(s, input.content_length)?;
    let number = part_number(input.part_number)?;
    let part = s
        .store
        .upload_part(
            &input.bucket,
            &input.key,
            &input.upload_id,
            number,
            request_body(input.body),
            integrity,
            customer_key.as_ref(),
        )
        .await
        .s3()?;
    let sums = checksum_fields(&part.checksums);
    let (sse_customer_algorithm, sse_customer_key_md5) =
        sse_c_echo(customer_key.is_some(), input.sse_customer_key_md5.as_ref());
    Ok(S3Response::new(UploadPartOutput {
        server_side_encryption: sse_of(part.sse.as_ref()).0,
        ssekms_key_id: sse_of(part.sse.as_ref()).1,
        sse_customer_algorithm,
        sse_customer_key_md5,
        e_tag: Some(etag(&part.etag)),
        checksum_crc32: sums.crc32,
        checksum_crc32c: sums.crc32c,
        checksum_crc64nvme: sums.crc64nvme,
        checksum_sha1: sums.sha1,
        checksum_sha256: sums.sha256,
        ..Default::default()
    }))
}

/// `bytes=first-last`, the only form `x-amz-copy-source-range` takes.
fn copy_range(range: Option<&str>) -> S3Result<Option<RangeSpec>> {
    let Some(range) = range else { return Ok(None) };
    let bad = || {
        s3_error!(
            InvalidArgument,
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy"
        )
    };
    let (first, last) = range
        .strip_prefix("bytes=")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(bad)?;
    let first: u64 = first.parse().map_err(|_| bad())?;
    let last: u64 = last.parse().map_err(|_| bad())?;
    if last < first {
        return Err(bad());
    }
    Ok(Some(RangeSpec::FromTo {
        first,
        last: Some(last),
    }))
}

pub(crate) async fn upload_part_copy(
    s: &Coffer,
    req: S3Request<UploadPartCopyInput>,
) -> S3Result<S3Response<UploadPartCopyOutput>> {
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    let input = req.input;
    let number = part_number(input.part_number)?;
    let source = copy_source_of!(input, &req.extensions, s.allow_sse_c_over_http)?;
    let range = copy_range(input.copy_source_range.as_deref())?;
    let part = s
        .store
        .upload_part_copy(
            &input.bucket,
            &input.key,
            &input.upload_id,
            number,
            &source,
            range,
            customer_key.as_ref(),
        )
        .await
        .s3()?;
    Ok(S3Response::new(UploadPartCopyOutput {
        server_side_encryption: sse_of(part.sse.as_ref()).0,
        ssekms_key_id: sse_of(part.sse.as_ref()).1,
        copy_part_result: Some(CopyPartResult {
            e_tag: Some(etag(&part.etag)),
            last_modified: Some(timestamp(part.last_modified_ms)),
            ..Default::default()
        }),
        ..Default::default()
    }))
}

pub(crate) async fn complete_multipart_upload(
    s: &Coffer,
    req: S3Request<CompleteMultipartUploadInput>,
) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
    let input = req.input;
    let condition = write_condition(input.if_none_match.as_ref(), input.if_match.as_ref());
    let mut parts = Vec::new();
    for p in input.multipart_upload.and_then(|m| m.parts).unwrap_or_default() {
        let number = p
            .part_number
            .ok_or_else(|| s3_error!(MalformedXML, "Each part needs a PartNumber"))?;
        parts.push(CompletePart {
            number: part_number(number)?,
            etag: p.e_tag.map(|t| t.value().to_owned()).unwrap_or_default(),
            checksums: checksums_in(
                p.checksum_crc32,
                p.checksum_crc32c,
                p.checksum_crc64nvme,
                p.checksum_sha1,
                p.checksum_sha256,
            ),
        });
    }
    if parts.is_empty() {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ));
    }
    let expected = checksums_in(
        input.checksum_crc32,
        input.checksum_crc32c,
        input.checksum_crc64nvme,
        input.checksum_sha1,
        input.checksum_sha256,
    );
    let done = s
        .store
        .complete_upload(
            &input.bucket,
            &input.key,
            &input.upload_id,
            &parts,
            &expected,
            condition,
        )
        .await
        .s3()?;
    let sums = checksum_fields(&done.checksums);
    Ok(S3Response::new(CompleteMultipartUploadOutput {
        server_side_encryption: sse_of(done.sse.as_ref()).0,
        ssekms_key_id: sse_of(done.sse.as_ref()).1,
        checksum_crc32: sums.crc32,
        checksum_crc32c: sums.crc32c,
        checksum_crc64nvme: sums.crc64nvme,
        checksum_sha1: sums.sha1,
        checksum_sha256: sums.sha256,
        checksum_type: done.checksum_type.map(checksum_type_out),
        location: Some(format!("/{}/{}", input.bucket, input.key)),
        bucket: Some(input.bucket),
        key: Some(input.key),
        e_tag: Some(etag(&done.etag)),
        ..Default::default()
    }))
}

pub(crate) async fn abort_multipart_upload(
    s: &Coffer,
    req: S3Request<AbortMultipartUploadInput>,
) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
    let input = req.input;
    s.store
        .abort_upload(&input.bucket, &input.key, &input.upload_id)
        .await
        .s3()?;
    Ok(S3Response::new(AbortMultipartUploadOutput::default()))
}

pub(crate) async fn list_parts(
    s: &Coffer,
    req: S3Request<ListPartsInput>,
) -> S3Result<S3Response<ListPartsOutput>> {
    let input = req.input;
    let max_parts = match input.max_parts {
        None => 1000,
        Some(n) => usize::try_from(n)
            .map_err(|_| s3_error!(InvalidArgument, "max-parts must be non-negative"))?
            .min(1000),
    };
    let marker = input
        .part_number_marker
        .map(part_number)
        .transpose()?
        .unwrap_or(0);
    let (upload, all) = s
        .store
        .list_parts(&input.bucket, &input.key, &input.upload_id)
        .await
        .s3()?;
    let after: Vec<_> = all.into_iter().filter(|p| p.number > marker).collect();
    let truncated = after.len() > max_parts;
    let page: Vec<_> = after.into_iter().take(max_parts).collect();
    let next = if truncated {
        page.last().and_then(|p| i32::try_from(p.number).ok())
    } else {
        None
    };
    let parts = page
        .into_iter()
        .map(|p| {
            let sums = checksum_fields(&p.checksums);
            Part {
                part_number: i32::try_from(p.number).ok(),
                e_tag: Some(etag(&p.etag)),
                size: i64::try_from(p.size).ok(),
                last_modified: Some(timestamp(p.last_modified_ms)),
                checksum_crc32: sums.crc32,
                checksum_crc32c: sums.crc32c,
                checksum_crc64nvme: sums.crc64nvme,
                checksum_sha1: sums.sha1,
                checksum_sha256: sums.sha256,
            }
        })
        .collect();
    Ok(S3Response::new(ListPartsOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(input.upload_id),
        part_number_marker: input.part_number_marker,
        next_part_number_marker: next,
        max_parts: i32::try_from(max_parts).ok(),
        is_truncated: Some(truncated),
        parts: Some(parts),
        storage_class: Some(StorageClass::from(upload.storage_class)),
        checksum_algorithm: upload
            .meta
            .checksum_algorithm
            .clone()
            .map(ChecksumAlgorithm::from),
        checksum_type: upload.meta.checksum_type.clone().map(ChecksumType::from),
        ..Default::default()
    }))
}
