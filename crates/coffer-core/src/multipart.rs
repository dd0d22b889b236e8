//! CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
//! AbortMultipartUpload, ListParts.
//!
//! Parts are separate blobs; completion writes metadata only (the object's data is the
//! list of its parts' blobs), so completing a 5 TiB upload copies nothing.

use coffer_blob::crypt::SecretKey;
use coffer_blob::{ChecksumAlgorithm, ChecksumType, Stored};
use coffer_meta::{
    NULL_VERSION, ObjectData, ObjectMeta, ObjectVersion, PartData, PartRecord, UploadRecord, WriteCondition,
};
use md5::{Digest as _, Md5};

use crate::error::{CoreError, CoreResult};
use crate::integrity::{ExpectedChecksum, ExpectedValue, Integrity};
use crate::names::{validate_key, validate_metadata, validate_storage_class};
use crate::object::{CopySource, io_to_body, storage_class_or_default};
use crate::range::RangeSpec;
use crate::{BodyStream, Checksums, Store, now_ms};

/// The highest part number S3 allows.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// What an UploadPart wrote.
#[derive(Clone, Debug)]
pub struct UploadPartResult {
    /// MD5 hex, no quotes.
    pub etag: String,
    pub last_modified_ms: i64,
    pub checksums: Checksums,
    /// The upload's encryption at rest (for response headers).
    pub sse: Option<coffer_meta::SseParams>,
}

/// One entry of a CompleteMultipartUpload request.
#[derive(Clone, Debug)]
pub struct CompletePart {
    pub number: u32,
    /// As the client sent it; quotes are ignored.
    pub etag: String,
    /// The part checksums the client listed; each must match the stored one.
    pub checksums: Checksums,
}

/// A completed upload.
#[derive(Clone, Debug)]
pub struct CompletedUpload {
    /// `md5-of-part-md5s-N`, no quotes.
    pub etag: String,
    pub size: u64,
    /// The whole-object checksum, when the upload was created with an algorithm.
    pub checksums: Checksums,
    pub checksum_type: Option<ChecksumType>,
    /// The upload was encrypted under a customer key (SSE-C).
    pub customer_key: bool,
    /// The object's encryption at rest (for response headers).
    pub sse: Option<coffer_meta::SseParams>,
}

/// The checksum algorithm and type an upload was created with.
fn upload_checksum(upload: &UploadRecord) -> Option<(ChecksumAlgorithm, ChecksumType)> {
    let algorithm = ChecksumAlgorithm::parse(upload.meta.checksum_algorithm.as_deref()?)?;
    let kind = upload
        .meta
        .checksum_type
        .as_deref()
        .and_then(ChecksumType::parse)
        .unwrap_or_else(|| ChecksumType::default_for(algorithm));
    Some((algorithm, kind))
}

/// Checks the algorithm/type pair of a CreateMultipartUpload as S3 does.
fn check_checksum_choice(
    algorithm: Option<ChecksumAlgorithm>,
    kind: Option<ChecksumType>,
) -> CoreResult<Option<(ChecksumAlgorithm, ChecksumType)>> {
    match (algorithm, kind) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(CoreError::InvalidRequest(
            "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header."
                .into(),
        )),
        (Some(a), kind) => {
            let kind = kind.unwrap_or_else(|| ChecksumType::default_for(a));
            if kind.supports(a) {
                Ok(Some((a, kind)))
            } else {
                Err(CoreError::InvalidRequest(format!(
                    "The {} checksum type cannot be used with the {} checksum algorithm.",
                    kind.as_str(),
                    a.as_str().to_ascii_lowercase()
                )))
            }
        }
    }
}

fn check_part_number(number: u32) -> CoreResult<()> {
    if (1..=MAX_PART_NUMBER).contains(&number) {
        Ok(())
    } else {
        Err(CoreError::InvalidArgument(format!(
            "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
        )))
    }
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    /// Starts an upload. With a checksum algorithm, every part's checksum is computed and
    /// completion records the object's checksum of the given type.
    pub async fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        mut meta: ObjectMeta,
        storage_class: Option<String>,
        checksum: (Option<ChecksumAlgorithm>, Option<ChecksumType>),
        customer: Option<&SecretKey>,
        requested: Option<&crate::kms::RequestedSse>,
    ) -> CoreResult<UploadRecord> {
        validate_key(key)?;
        validate_storage_class(storage_class.as_deref())?;
        validate_metadata(&meta)?;
        if let Some((algorithm, kind)) = check_checksum_choice(checksum.0, checksum.1)? {
            meta.checksum_algorithm = Some(algorithm.as_str().to_owned());
            meta.checksum_type = Some(kind.as_str().to_owned());
        }
        // One data key for the whole upload; each part is its own encrypted stream.
        meta.sse = self
            .new_sse(bucket, customer, requested)
            .await?
            .map(|(_, params)| params);
        let upload = UploadRecord {
            upload_id: uuid::Uuid::new_v4().simple().to_string(),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            initiated_ms: now_ms(),
            storage_class: storage_class_or_default(storage_class),
            meta,
        };
        self.meta.create_upload(upload.clone()).await?;
        Ok(upload)
    }

    /// The upload, or `NoSuchUpload` (`NoSuchBucket` if the bucket is gone).
    pub async fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> CoreResult<UploadRecord> {
        match self.meta.get_upload(bucket, key, upload_id).await? {
            Some(u) => Ok(u),
            None => {
                self.bucket(bucket).await?;
                Err(CoreError::NoSuchUpload)
            }
        }
    }

    /// Stores one part, replacing an earlier part with the same number.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        number: u32,
        body: BodyStream,
        mut integrity: Integrity,
        customer: Option<&SecretKey>,
    ) -> CoreResult<UploadPartResult> {
        check_part_number(number)?;
        let upload = self.upload(bucket, key, upload_id).await?;
        if let Some((algorithm, _)) = upload_checksum(&upload) {
            match &integrity.checksum {
                Some(c) if c.algorithm != algorithm => {
                    return Err(CoreError::InvalidRequest(format!(
                        "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: {}",
                        algorithm.as_str().to_ascii_lowercase(),
                        c.algorithm.as_str().to_ascii_lowercase()
                    )));
                }
                Some(_) => {}
                None => {
                    integrity.checksum = Some(ExpectedChecksum {
                        algorithm,
                        value: ExpectedValue::ComputeOnly,
                    });
                }
            }
        }
        let encryption = self.encryption_of(&upload.meta, number, customer).await?;
        let staged = self.stage(body, integrity, false, encryption).await?;
        let Stored::Blob(blob) = staged.stored.clone() else {
            return Err(CoreError::Internal("a part was not stored as a blob".into()));
        };
        let part = PartRecord {
            number,
            size: staged.digests.size,
            etag: hex::encode(staged.digests.md5),
            last_modified_ms: now_ms(),
            blob,
            checksums: staged.digests.checksums.clone(),
        };
        let result = UploadPartResult {
            etag: part.etag.clone(),
            last_modified_ms: part.last_modified_ms,
            checksums: part.checksums.clone(),
            sse: upload.meta.sse.clone(),
        };
        match self.meta.put_part(upload_id, part).await {
            Ok(released) => self.release(released).await,
            Err(e) => {
                self.discard(&staged).await;
                return Err(e.into());
            }
        }
        Ok(result)
    }

    /// Stores a part copied from (a range of) an existing object.
    #[allow(clippy::too_many_arguments)]
    pub async fn upload_part_copy(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        number: u32,
        source: &CopySource,
        range: Option<RangeSpec>,
        customer: Option<&SecretKey>,
    ) -> CoreResult<UploadPartResult> {
        check_part_number(number)?;
        let src = self.copy_source_version(source).await?;
        // Unlike GET ranges, a copy range is never clipped to the object: it must lie
        // wholly inside it.
        let (start, len) = match range {
            Some(RangeSpec::FromTo {
                first,
                last: Some(last),
            }) if first <= last && last < src.size => (first, last - first + 1),
            Some(_) => {
                return Err(CoreError::InvalidArgument(format!(
                    "Range specified is not valid for source object of size: {}",
                    src.size
                )));
            }
            None => (0, src.size),
        };
        if len > self.config.max_object_size {
            return Err(CoreError::InvalidRequest(format!(
                "The specified copy range is larger than the maximum allowable size for a part: {}",
                self.config.max_object_size
            )));
        }
        let body = self
            .open_body(&src, start, len, source.customer_key.as_ref())
            .await?;
        self.upload_part(
            bucket,
            key,
            upload_id,
            number,
            io_to_body(body),
            Integrity::default(),
            customer,
        )
        .await
    }

    /// The upload and its parts so far.
    pub async fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> CoreResult<(UploadRecord, Vec<PartRecord>)> {
        let upload = self.upload(bucket, key, upload_id).await?;
        let parts = self.meta.list_parts(upload_id).await?;
        Ok((upload, parts))
    }

    /// Abandons an upload and deletes its parts.
    pub async fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> CoreResult<()> {
        self.upload(bucket, key, upload_id).await?;
        let released = self.meta.abort_upload(upload_id).await?;
        self.release(released).await;
        Ok(())
    }

    /// Turns the listed parts into the object. Metadata only: no byte is copied.
    pub async fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        requested: &[CompletePart],
        expected: &Checksums,
        condition: WriteCondition,
    ) -> CoreResult<CompletedUpload> {
        let mut upload = self.upload(bucket, key, upload_id).await?;
        if requested.is_empty() {
            return Err(CoreError::InvalidRequest(
                "You must specify at least one part".into(),
            ));
        }
        if requested.windows(2).any(|w| w[0].number >= w[1].number) {
            return Err(CoreError::InvalidPartOrder);
        }
        let uploaded = self.meta.list_parts(upload_id).await?;
        let mut chosen = Vec::with_capacity(requested.len());
        for (i, want) in requested.iter().enumerate() {
            let etag = want.etag.trim().trim_matches('"');
            let part = uploaded
                .iter()
                .find(|p| p.number == want.number && p.etag.eq_ignore_ascii_case(etag))
                .ok_or(CoreError::InvalidPart(want.number))?;
            let is_last = i + 1 == requested.len();
            if !is_last && part.size < self.config.min_part_size {
                return Err(CoreError::EntityTooSmall(part.number));
            }
            check_listed_checksums(want, part, upload_checksum(&upload))?;
            chosen.push(part.to_part_data());
        }
        let checksum = upload_checksum(&upload);
        // A whole-object checksum the upload cannot verify must not pass silently.
        if let Some(sent) = ChecksumAlgorithm::ALL
            .into_iter()
            .find(|a| a.get(expected).is_some())
            && checksum.is_none_or(|(algorithm, _)| algorithm != sent)
        {
            return Err(CoreError::InvalidRequest(format!(
                "The upload was created {}; a {} checksum of the whole object cannot be verified.",
                checksum.map_or_else(
                    || "without a checksum algorithm".to_owned(),
                    |(a, _)| format!("with the {} checksum algorithm", a.as_str())
                ),
                sent.as_str()
            )));
        }
        let checksums = match checksum {
            Some((algorithm, kind)) => {
                // Combining 10,000 CRCs is CPU work: keep it off the async threads.
                let (parts, expected) = (chosen.clone(), expected.clone());
                tokio::task::spawn_blocking(move || object_checksum(algorithm, kind, &parts, &expected))
                    .await
                    .map_err(|e| CoreError::Internal(format!("checksum task: {e}")))??
            }
            None => Checksums::default(),
        };
        upload.meta.checksums = checksums.clone();
        upload.meta.checksum_algorithm = None;
        let mut md5 = Md5::new();
        for part in &chosen {
            let raw =
                hex::decode(&part.etag).map_err(|e| CoreError::Internal(format!("stored part ETag: {e}")))?;
            md5.update(&raw);
        }
        let etag = format!("{}-{}", hex::encode(md5.finalize()), chosen.len());
        let size = chosen.iter().map(|p| p.size).sum();
        let version = ObjectVersion {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            version_id: NULL_VERSION.to_owned(),
            delete_marker: false,
            size,
            etag: etag.clone(),
            last_modified_ms: now_ms(),
            storage_class: upload.storage_class.clone(),
            meta: upload.meta,
            data: ObjectData::Parts(chosen),
        };
        let customer_key = crate::keyring::sse_kind(&version.meta) == crate::keyring::SseKind::Customer;
        let sse = version.meta.sse.clone();
        let released = self.meta.complete_upload(upload_id, version, condition).await?;
        self.release(released).await;
        Ok(CompletedUpload {
            etag,
            size,
            customer_key,
            sse,
            checksums,
            checksum_type: checksum.map(|(_, kind)| kind),
        })
    }
}

/// The part checksums a completion lists must be the stored ones; a COMPOSITE upload
/// must list them all, as S3 requires.
fn check_listed_checksums(
    want: &CompletePart,
    part: &PartRecord,
    upload: Option<(ChecksumAlgorithm, ChecksumType)>,
) -> CoreResult<()> {
    for algorithm in ChecksumAlgorithm::ALL {
        if let Some(listed) = algorithm.get(&want.checksums)
            && algorithm.get(&part.checksums) != Some(listed.trim())
        {
            return Err(CoreError::InvalidPart(want.number));
        }
    }
    if let Some((algorithm, ChecksumType::Composite)) = upload
        && algorithm.get(&want.checksums).is_none()
    {
        return Err(CoreError::InvalidRequest(format!(
            "The upload was created using a {} checksum. The complete request must include the checksum for each part. It was missing for part {} in the request.",
            algorithm.as_str().to_ascii_lowercase(),
            want.number
        )));
    }
    Ok(())
}

/// The whole-object checksum of the chosen parts, checked against the one the client
/// sent with the completion, if any.
fn object_checksum(
    algorithm: ChecksumAlgorithm,
    kind: ChecksumType,
    parts: &[PartData],
    expected: &Checksums,
) -> CoreResult<Checksums> {
    let mut sums = Vec::with_capacity(parts.len());
    for p in parts {
        let value = algorithm.get(&p.checksums).ok_or_else(|| {
            CoreError::InvalidRequest(format!(
                "Part {} was uploaded without a {} checksum.",
                p.number,
                algorithm.as_str().to_ascii_lowercase()
            ))
        })?;
        sums.push((value, p.size));
    }
    let combined = match kind {
        ChecksumType::Composite => {
            let values: Vec<&str> = sums.iter().map(|(v, _)| *v).collect();
            coffer_blob::composite(algorithm, &values)
        }
        ChecksumType::FullObject => coffer_blob::full_object(algorithm, &sums),
    }
    .map_err(|e| CoreError::Internal(format!("stored part checksum: {e}")))?;
    if let Some(sent) = algorithm.get(expected) {
        // A COMPOSITE value may be sent with or without its `-N` suffix.
        let bare = combined.split_once('-').map_or(combined.as_str(), |(b, _)| b);
        if sent.trim() != combined && sent.trim() != bare {
            return Err(CoreError::BadDigest(format!(
                "The {} you specified did not match the calculated checksum.",
                algorithm.as_str()
            )));
        }
    }
    let mut out = Checksums::default();
    algorithm.set(&mut out, combined);
    Ok(out)
}
