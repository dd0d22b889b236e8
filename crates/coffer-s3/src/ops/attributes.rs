//! GetObjectAttributes.

use coffer_core::checksum_type_of;
use coffer_core::meta::ObjectData;
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use crate::convert::{
    checksum_fields, checksum_type_out, customer_key_of, etag, storage_class_out, timestamp,
};
use crate::error::CoreResultExt as _;
use crate::service::Coffer;

/// The most parts one answer lists, as AWS.
const MAX_PARTS: usize = 1000;

pub(crate) async fn get_object_attributes(
    s: &Coffer,
    req: S3Request<GetObjectAttributesInput>,
) -> S3Result<S3Response<GetObjectAttributesOutput>> {
    let customer_key = customer_key_of!(req.input, &req.extensions, s.allow_sse_c_over_http)?;
    let input = req.input;
    if input.version_id.as_deref().is_some_and(|v| v != "null") {
        return Err(s3_error!(NoSuchVersion, "The specified version does not exist."));
    }
    // Clients send one comma-separated header; s3s may hand it over as one item.
    let asked: Vec<&str> = input
        .object_attributes
        .iter()
        .flat_map(|a| a.as_str().split(','))
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    let wants = |name: &str| asked.contains(&name);
    if asked.is_empty() {
        return Err(s3_error!(
            InvalidArgument,
            "Invalid attribute name specified: the x-amz-object-attributes header must name at least one attribute."
        ));
    }
    if let Some(bad) = asked.iter().find(|a| {
        ![
            ObjectAttributes::CHECKSUM,
            ObjectAttributes::ETAG,
            ObjectAttributes::OBJECT_PARTS,
            ObjectAttributes::OBJECT_SIZE,
            ObjectAttributes::STORAGE_CLASS,
        ]
        .contains(a)
    }) {
        return Err(s3_error!(
            InvalidArgument,
            "Invalid attribute name specified: {bad}"
        ));
    }
    // As HeadObject: an SSE-C object's attributes need its key.
    let read = coffer_core::ReadRequest {
        customer_key,
        ..Default::default()
    };
    let v = s
        .store
        .head_object_with(&input.bucket, &input.key, &read)
        .await
        .s3()?
        .version;

    let checksum = (wants(ObjectAttributes::CHECKSUM) && !v.meta.checksums.is_empty()).then(|| {
        // GetObjectAttributes writes a COMPOSITE checksum without its `-N` part count,
        // unlike HeadObject and CompleteMultipartUpload.
        let bare = |c: Option<String>| c.map(|c| c.split_once('-').map_or(c.clone(), |(b, _)| b.to_owned()));
        let sums = checksum_fields(&v.meta.checksums);
        let sums = crate::convert::ChecksumFields {
            crc32: bare(sums.crc32),
            crc32c: bare(sums.crc32c),
            crc64nvme: bare(sums.crc64nvme),
            sha1: bare(sums.sha1),
            sha256: bare(sums.sha256),
        };
        Checksum {
            checksum_crc32: sums.crc32,
            checksum_crc32c: sums.crc32c,
            checksum_crc64nvme: sums.crc64nvme,
            checksum_sha1: sums.sha1,
            checksum_sha256: sums.sha256,
            checksum_type: checksum_type_of(&v).map(checksum_type_out),
        }
    });
    let object_parts = match (&v.data, wants(ObjectAttributes::OBJECT_PARTS)) {
        (ObjectData::Parts(parts), true) => {
            let max = input
                .max_parts
                .map_or(MAX_PARTS, |m| usize::try_from(m).unwrap_or(0).min(MAX_PARTS));
            let marker = input.part_number_marker.unwrap_or(0);
            let after: Vec<_> = parts
                .iter()
                .filter(|p| i64::from(p.number) > i64::from(marker))
                .collect();
            let truncated = after.len() > max;
            let page: Vec<ObjectPart> = after
                .iter()
                .take(max)
                .map(|p| {
                    let sums = checksum_fields(&p.checksums);
                    ObjectPart {
                        part_number: i32::try_from(p.number).ok(),
                        size: i64::try_from(p.size).ok(),
                        checksum_crc32: sums.crc32,
                        checksum_crc32c: sums.crc32c,
                        checksum_crc64nvme: sums.crc64nvme,
                        checksum_sha1: sums.sha1,
                        checksum_sha256: sums.sha256,
                    }
                })
                .collect();
            let next = truncated
                .then(|| page.last().and_then(|p| p.part_number))
                .flatten();
            Some(GetObjectAttributesParts {
                is_truncated: Some(truncated),
                max_parts: i32::try_from(max).ok(),
                next_part_number_marker: next,
                part_number_marker: Some(marker),
                parts: Some(page),
                total_parts_count: i32::try_from(parts.len()).ok(),
            })
        }
        _ => None,
    };
    Ok(S3Response::new(GetObjectAttributesOutput {
        checksum,
        e_tag: wants(ObjectAttributes::ETAG).then(|| etag(&v.etag)),
        last_modified: Some(timestamp(v.last_modified_ms)),
        object_parts,
        object_size: wants(ObjectAttributes::OBJECT_SIZE)
            .then(|| i64::try_from(v.size).ok())
            .flatten(),
        storage_class: wants(ObjectAttributes::STORAGE_CLASS).then(|| storage_class_out(&v.storage_class)),
        ..Default::default()
    }))
}
