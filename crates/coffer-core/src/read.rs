//! GetObject and HeadObject: preconditions, ranges and `partNumber`.

use coffer_blob::ChecksumType;
use coffer_blob::crypt::SecretKey;
use coffer_meta::{Checksums, ObjectData, ObjectVersion};

use crate::Store;
use crate::conditions::Preconditions;
use crate::error::{CoreError, CoreResult};
use crate::multipart::MAX_PART_NUMBER;
use crate::object::ObjectBody;
use crate::range::RangeSpec;

/// What a GET or HEAD asks for beyond the key.
#[derive(Clone, Debug, Default)]
pub struct ReadRequest {
    pub range: Option<RangeSpec>,
    /// `partNumber`: one part of a multipart object (part 1 is all of any other object).
    pub part_number: Option<u32>,
    pub conditions: Preconditions,
    /// SSE-C: the customer's key, which an SSE-C object requires.
    pub customer_key: Option<SecretKey>,
}

/// The bytes a read selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// `(start, length)` when a range or part was selected (HTTP 206). The length is 0
    /// only for an empty part.
    pub range: Option<(u64, u64)>,
    /// The parts of a multipart object, when `partNumber` was asked for.
    pub parts_count: Option<u32>,
    /// The checksums that describe exactly the selected bytes: the object's for a whole
    /// object, a part's for a part, none for an arbitrary range.
    pub checksums: Checksums,
    /// How `checksums` covers the object (whole-object selections only).
    pub checksum_type: Option<ChecksumType>,
}

/// How an object's stored checksum covers it: as recorded at completion, else
/// FULL_OBJECT for any object with a checksum (single PUTs and copies).
#[must_use]
pub fn checksum_type_of(v: &ObjectVersion) -> Option<ChecksumType> {
    if v.meta.checksums.is_empty() {
        return None;
    }
    Some(
        v.meta
            .checksum_type
            .as_deref()
            .and_then(ChecksumType::parse)
            .unwrap_or(ChecksumType::FullObject),
    )
}

fn whole(v: &ObjectVersion, range: Option<(u64, u64)>) -> Selection {
    Selection {
        range,
        parts_count: None,
        checksums: v.meta.checksums.clone(),
        checksum_type: checksum_type_of(v),
    }
}

/// A HeadObject's answer.
pub struct HeadResult {
    pub version: ObjectVersion,
    pub selection: Selection,
}

/// A GetObject's answer: the version, what was selected, and its bytes.
pub struct GetResult {
    pub version: ObjectVersion,
    pub selection: Selection,
    pub body: ObjectBody,
}

/// The bytes of `v` that `req` selects. Preconditions are checked first, as AWS does:
/// a 304 or 412 wins over a 416.
fn select(v: &ObjectVersion, req: &ReadRequest) -> CoreResult<Selection> {
    req.conditions.check_read(v)?;
    match (req.range, req.part_number) {
        (Some(_), Some(_)) => Err(CoreError::InvalidRequest(
            "Cannot specify both Range header and partNumber query parameter".into(),
        )),
        (Some(range), None) => {
            let (start, len) = range.resolve(v.size)?;
            if start == 0 && len == v.size {
                return Ok(whole(v, Some((start, len))));
            }
            Ok(Selection {
                range: Some((start, len)),
                parts_count: None,
                checksums: Checksums::default(),
                checksum_type: None,
            })
        }
        (None, Some(n)) => select_part(v, n),
        (None, None) => Ok(whole(v, None)),
    }
}

fn select_part(v: &ObjectVersion, n: u32) -> CoreResult<Selection> {
    if !(1..=MAX_PART_NUMBER).contains(&n) {
        return Err(CoreError::InvalidArgument(format!(
            "Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive"
        )));
    }
    match &v.data {
        ObjectData::Parts(parts) => {
            let index = usize::try_from(n - 1).map_err(|_| CoreError::InvalidPartNumber)?;
            let part = parts.get(index).ok_or(CoreError::InvalidPartNumber)?;
            let start = parts[..index].iter().map(|p| p.size).sum();
            Ok(Selection {
                range: Some((start, part.size)),
                parts_count: u32::try_from(parts.len()).ok(),
                checksums: part.checksums.clone(),
                checksum_type: None,
            })
        }
        _ if n == 1 => Ok(whole(v, (v.size > 0).then_some((0, v.size)))),
        _ => Err(CoreError::InvalidPartNumber),
    }
}

impl Store {
    /// The latest version of a key, or `NoSuchKey` / `NoSuchBucket`.
    pub async fn head_object(&self, bucket: &str, key: &str) -> CoreResult<ObjectVersion> {
        match self.meta.get_object(bucket, key, None).await? {
            Some(v) if !v.delete_marker => Ok(v),
            _ => {
                self.bucket(bucket).await?;
                Err(CoreError::NoSuchKey)
            }
        }
    }

    /// HeadObject: the version and what a GET with the same request would select.
    pub async fn head_object_with(
        &self,
        bucket: &str,
        key: &str,
        req: &ReadRequest,
    ) -> CoreResult<HeadResult> {
        let version = self.head_object(bucket, key).await?;
        // HEAD reads no bytes, but an SSE-C object demands its key, before any
        // precondition or range is answered.
        self.encryption_of(&version.meta, 0, req.customer_key.as_ref())
            .await?;
        let selection = select(&version, req)?;
        Ok(HeadResult { version, selection })
    }

    /// GetObject: the selected bytes, streamed.
    pub async fn get_object(&self, bucket: &str, key: &str, req: &ReadRequest) -> CoreResult<GetResult> {
        let version = self.head_object(bucket, key).await?;
        let customer = crate::keyring::sse_kind(&version.meta) == crate::keyring::SseKind::Customer;
        if customer || req.customer_key.is_some() {
            // The key is checked before any precondition or range is answered.
            self.encryption_of(&version.meta, 0, req.customer_key.as_ref())
                .await?;
        }
        let selection = select(&version, req)?;
        let (start, len) = selection.range.unwrap_or((0, version.size));
        let body = self
            .open_body(&version, start, len, req.customer_key.as_ref())
            .await?;
        Ok(GetResult {
            version,
            selection,
            body,
        })
    }
}
