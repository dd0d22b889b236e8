//! PutObject, GetObject, HeadObject, DeleteObject, CopyObject.

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;

use bytes::Bytes;
use coffer_blob::crypt::SecretKey;

use crate::kms::RequestedSse;
use coffer_blob::{ChecksumAlgorithm, Encryption, IngestOptions, Ingested, Stored};
use coffer_meta::{Checksums, NULL_VERSION, ObjectData, ObjectMeta, ObjectVersion, PartData, WriteCondition};
use futures::{Stream, StreamExt as _, TryStreamExt as _};

use crate::conditions::Preconditions;
use crate::error::{CoreError, CoreResult};
use crate::integrity::Integrity;
use crate::names::{validate_key, validate_metadata, validate_storage_class};
use crate::{BodyError, BodyStream, Store, now_ms};

/// An object's bytes as they are read.
pub type ObjectBody = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// A PutObject.
pub struct PutObjectRequest {
    pub bucket: String,
    pub key: String,
    pub meta: ObjectMeta,
    /// `None` means `STANDARD`.
    pub storage_class: Option<String>,
    pub body: BodyStream,
    pub integrity: Integrity,
    pub condition: WriteCondition,
    /// SSE-C: encrypt under this customer key instead of the master key.
    pub customer_key: Option<SecretKey>,
    /// The encryption the request names (`None`: the bucket's default).
    pub sse: Option<RequestedSse>,
}

/// What a PutObject or CopyObject wrote.
#[derive(Clone, Debug)]
pub struct PutResult {
    /// ETag without quotes.
    pub etag: String,
    pub last_modified_ms: i64,
    /// The checksums recorded for the object.
    pub checksums: Checksums,
    /// How it is encrypted at rest (the object's metadata, for response headers).
    pub meta: ObjectMeta,
}

/// The source of a copy.
#[derive(Clone, Debug)]
pub struct CopySource {
    pub bucket: String,
    pub key: String,
    /// Only `None` or `null` until versioning exists.
    pub version_id: Option<String>,
    /// `x-amz-copy-source-if-*`.
    pub conditions: Preconditions,
    /// SSE-C: the key of an SSE-C source.
    pub customer_key: Option<SecretKey>,
}

/// A CopyObject.
pub struct CopyObjectRequest {
    pub source: CopySource,
    pub bucket: String,
    pub key: String,
    /// Replaces the source's metadata (REPLACE); `None` keeps it (COPY).
    pub new_meta: Option<ObjectMeta>,
    /// Replaces the source's tags (`x-amz-tagging-directive: REPLACE`); `None` keeps them.
    pub new_tags: Option<BTreeMap<String, String>>,
    pub storage_class: Option<String>,
    /// `If-None-Match` / `If-Match` on the destination.
    pub condition: WriteCondition,
    /// SSE-C: encrypt the copy under this customer key.
    pub customer_key: Option<SecretKey>,
    /// The encryption the request names for the copy (`None`: the bucket's default).
    pub sse: Option<RequestedSse>,
}

/// `STANDARD` unless the client chose a class.
pub(crate) fn storage_class_or_default(class: Option<String>) -> String {
    class
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "STANDARD".to_owned())
}

impl Store {
    /// Streams a body into storage and checks it against what the client declared.
    /// Nothing is visible yet; on error nothing is left behind.
    pub(crate) async fn stage(
        &self,
        body: BodyStream,
        integrity: Integrity,
        inline: bool,
        encryption: Option<Encryption>,
    ) -> CoreResult<Ingested> {
        let opts = IngestOptions {
            algorithms: integrity.algorithms(),
            inline_threshold: if inline { self.config.inline_threshold } else { 0 },
            max_size: self.config.max_object_size,
            encryption,
        };
        let ingested = self.blobs.ingest(body, &opts).await?;
        if let Err(e) = integrity.verify(&ingested.digests) {
            self.discard(&ingested).await;
            return Err(e);
        }
        Ok(ingested)
    }

    /// The outcome a write condition would have now (not atomic: the commit decides).
    pub(crate) async fn precheck(
        &self,
        bucket: &str,
        key: &str,
        condition: &WriteCondition,
    ) -> CoreResult<()> {
        let current = match condition {
            WriteCondition::None => return Ok(()),
            _ => self.meta.get_object(bucket, key, None).await?,
        };
        let current = current.filter(|v| !v.delete_marker);
        match (condition, current) {
            (WriteCondition::IfNoneMatch, Some(_)) => Err(CoreError::PreconditionFailed),
            (WriteCondition::IfMatch(_), None) => Err(CoreError::NoSuchKey),
            (WriteCondition::IfMatch(etag), Some(v)) if *etag != v.etag => Err(CoreError::PreconditionFailed),
            _ => Ok(()),
        }
    }

    /// Drops a staged body that will not be committed.
    pub(crate) async fn discard(&self, staged: &Ingested) {
        if let Stored::Blob(id) = &staged.stored {
            self.release(vec![id.clone()]).await;
        }
    }

    /// Commits a version whose data was staged, releasing what it replaced. On a failed
    /// commit the staged data is dropped.
    async fn commit_version(
        &self,
        staged: &Ingested,
        version: ObjectVersion,
        condition: WriteCondition,
    ) -> CoreResult<()> {
        match self.meta.put_object(version, condition).await {
            Ok(released) => {
                self.release(released).await;
                Ok(())
            }
            Err(e) => {
                self.discard(staged).await;
                Err(e.into())
            }
        }
    }

    /// Writes an object. Durable when it returns.
    pub async fn put_object(&self, req: PutObjectRequest) -> CoreResult<PutResult> {
        validate_key(&req.key)?;
        validate_storage_class(req.storage_class.as_deref())?;
        validate_metadata(&req.meta)?;
        // Fail fast, before reading a body into a bucket that is not there or a key the
        // condition already refuses.
        self.bucket(&req.bucket).await?;
        self.precheck(&req.bucket, &req.key, &req.condition).await?;
        let sse = self
            .new_sse(&req.bucket, req.customer_key.as_ref(), req.sse.as_ref())
            .await?;
        let encryption = sse.as_ref().map(|(key, _)| Encryption {
            key: key.clone(),
            part: 0,
        });
        let staged = self.stage(req.body, req.integrity, true, encryption).await?;
        let mut meta = req.meta;
        meta.checksums = staged.digests.checksums.clone();
        meta.sse = sse.map(|(_, params)| params);
        let version = new_version(req.bucket, req.key, &staged, meta, req.storage_class);
        let result = PutResult {
            etag: version.etag.clone(),
            last_modified_ms: version.last_modified_ms,
            checksums: version.meta.checksums.clone(),
            meta: version.meta.clone(),
        };
        self.commit_version(&staged, version, req.condition).await?;
        Ok(result)
    }

    /// Streams `len` bytes of a version's data from `start`.
    pub(crate) async fn open_body(
        &self,
        version: &ObjectVersion,
        start: u64,
        len: u64,
        customer: Option<&SecretKey>,
    ) -> CoreResult<ObjectBody> {
        match &version.data {
            ObjectData::Inline(data) => {
                let slice = match self.encryption_of(&version.meta, 0, customer).await? {
                    Some(enc) => {
                        coffer_blob::open_inline(&enc, version.size, data, start, len).map_err(|e| {
                            CoreError::Internal(format!("{}/{}: {e}", version.bucket, version.key))
                        })?
                    }
                    None => {
                        let from = usize::try_from(start).map_err(|_| CoreError::InvalidRange)?;
                        let to = usize::try_from(start + len).map_err(|_| CoreError::InvalidRange)?;
                        Bytes::copy_from_slice(data.get(from..to).ok_or_else(|| {
                            CoreError::Internal(format!(
                                "inline data of {}/{} is shorter than its size",
                                version.bucket, version.key
                            ))
                        })?)
                    }
                };
                Ok(Box::pin(futures::stream::once(async move { Ok(slice) })))
            }
            ObjectData::Blob(id) => match self.encryption_of(&version.meta, 0, customer).await? {
                Some(enc) => Ok(self.blobs.read_sealed(id, &enc, version.size, start, len).await?),
                None => Ok(self.blobs.read(id, start, len).await?),
            },
            ObjectData::Parts(parts) => {
                let sizes: std::collections::HashMap<u32, u64> =
                    parts.iter().map(|p| (p.number, p.size)).collect();
                let segments = segments_of(parts, start, len);
                // The parts share the upload's data key; each is its own stream.
                let key = self
                    .encryption_of(&version.meta, 0, customer)
                    .await?
                    .map(|e| e.key);
                let blobs = self.blobs.clone();
                let body = futures::stream::iter(segments)
                    .then(move |(id, number, offset, n)| {
                        let blobs = blobs.clone();
                        let key = key.clone();
                        let size = sizes.get(&number).copied().unwrap_or_default();
                        async move {
                            match key {
                                Some(key) => {
                                    let enc = Encryption { key, part: number };
                                    blobs.read_sealed(&id, &enc, size, offset, n).await
                                }
                                None => blobs.read(&id, offset, n).await,
                            }
                        }
                    })
                    .try_flatten();
                Ok(Box::pin(body))
            }
        }
    }

    /// Deletes the latest version of a key. Deleting a missing key succeeds, as in S3.
    pub async fn delete_object(&self, bucket: &str, key: &str) -> CoreResult<()> {
        let released = self.meta.delete_object(bucket, key, None).await?;
        self.release(released).await;
        Ok(())
    }

    /// The version a copy reads, once its `x-amz-copy-source-if-*` conditions hold.
    pub(crate) async fn copy_source_version(&self, source: &CopySource) -> CoreResult<ObjectVersion> {
        if source.version_id.as_deref().is_some_and(|v| v != NULL_VERSION) {
            return Err(CoreError::NoSuchKey);
        }
        let src = self.head_object(&source.bucket, &source.key).await?;
        source.conditions.check_copy_source(&src)?;
        // An SSE-C source needs its key (and a key for another source is refused).
        self.encryption_of(&src.meta, 0, source.customer_key.as_ref())
            .await?;
        Ok(src)
    }

    /// Copies an object. The bytes are copied, so the two objects are independent.
    pub async fn copy_object(&self, req: CopyObjectRequest) -> CoreResult<PutResult> {
        let CopyObjectRequest {
            source,
            bucket,
            key,
            new_meta,
            new_tags,
            storage_class,
            condition,
            customer_key,
            sse: requested,
        } = req;
        validate_key(&key)?;
        validate_storage_class(storage_class.as_deref())?;
        let src = self.copy_source_version(&source).await?;
        if source.bucket == bucket
            && source.key == key
            && new_meta.is_none()
            && new_tags.is_none()
            && storage_class.is_none()
            && customer_key.is_none()
            && requested.is_none()
        {
            return Err(CoreError::InvalidRequest(
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.".into(),
            ));
        }
        if src.size > self.config.max_object_size {
            return Err(CoreError::InvalidRequest(format!(
                "The specified copy source is larger than the maximum allowable size for a copy source: {}",
                self.config.max_object_size
            )));
        }
        let mut meta = new_meta.unwrap_or_else(|| src.meta.clone());
        meta.tags = new_tags.unwrap_or_else(|| src.meta.tags.clone());
        validate_metadata(&meta)?;
        self.bucket(&bucket).await?;
        // Refuse early what the commit would refuse, before copying up to 5 GiB; the
        // commit checks again atomically.
        self.precheck(&bucket, &key, &condition).await?;
        let algorithms: Vec<ChecksumAlgorithm> = ChecksumAlgorithm::ALL
            .into_iter()
            .filter(|a| a.get(&src.meta.checksums).is_some())
            .collect();
        let integrity = Integrity {
            content_md5: None,
            checksum: algorithms.first().map(|&algorithm| crate::ExpectedChecksum {
                algorithm,
                value: crate::ExpectedValue::ComputeOnly,
            }),
        };
        let body = self
            .open_body(&src, 0, src.size, source.customer_key.as_ref())
            .await?;
        let sse = self
            .new_sse(&bucket, customer_key.as_ref(), requested.as_ref())
            .await?;
        let encryption = sse.as_ref().map(|(key, _)| Encryption {
            key: key.clone(),
            part: 0,
        });
        let staged = self.stage(io_to_body(body), integrity, true, encryption).await?;
        meta.checksums = staged.digests.checksums.clone();
        meta.checksum_type = None;
        meta.sse = sse.map(|(_, params)| params);
        let class = storage_class.or_else(|| Some(src.storage_class.clone()));
        let version = new_version(bucket, key, &staged, meta, class);
        let result = PutResult {
            etag: version.etag.clone(),
            last_modified_ms: version.last_modified_ms,
            checksums: version.meta.checksums.clone(),
            meta: version.meta.clone(),
        };
        self.commit_version(&staged, version, condition).await?;
        Ok(result)
    }
}

/// A stored object's bytes as a body to ingest (copies).
pub(crate) fn io_to_body(body: ObjectBody) -> BodyStream {
    Box::pin(body.map_err(|e| BodyError::Io(format!("reading the copy source: {e}"))))
}

fn new_version(
    bucket: String,
    key: String,
    staged: &Ingested,
    meta: ObjectMeta,
    storage_class: Option<String>,
) -> ObjectVersion {
    let data = match &staged.stored {
        Stored::Inline(bytes) => ObjectData::Inline(bytes.to_vec()),
        Stored::Blob(id) => ObjectData::Blob(id.clone()),
    };
    ObjectVersion {
        bucket,
        key,
        version_id: NULL_VERSION.to_owned(),
        delete_marker: false,
        size: staged.digests.size,
        etag: hex::encode(staged.digests.md5),
        last_modified_ms: now_ms(),
        storage_class: storage_class_or_default(storage_class),
        meta,
        data,
    }
}

/// The `(blob, part number, offset, length)` pieces of parts that cover
/// `[start, start + len)`.
fn segments_of(parts: &[PartData], start: u64, len: u64) -> Vec<(coffer_meta::BlobId, u32, u64, u64)> {
    let end = start + len;
    let mut out = Vec::new();
    let mut part_start = 0u64;
    for part in parts {
        let part_end = part_start + part.size;
        if part_end > start && part_start < end && part.size > 0 {
            let from = start.max(part_start);
            let to = end.min(part_end);
            out.push((part.blob.clone(), part.number, from - part_start, to - from));
        }
        part_start = part_end;
        if part_start >= end {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_meta::BlobId;

    fn part(n: u32, size: u64) -> PartData {
        PartData {
            number: n,
            size,
            etag: String::new(),
            blob: BlobId(format!("{n}")),
            checksums: Checksums::default(),
        }
    }

    #[test]
    fn segments_cross_part_boundaries() {
        let parts = [part(1, 10), part(2, 10), part(3, 5)];
        let ids = |v: Vec<(BlobId, u32, u64, u64)>| {
            v.into_iter()
                .map(|(id, _, o, n)| (id.0, o, n))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(segments_of(&parts, 0, 25)),
            [("1".into(), 0, 10), ("2".into(), 0, 10), ("3".into(), 0, 5)]
        );
        assert_eq!(
            ids(segments_of(&parts, 8, 4)),
            [("1".into(), 8, 2), ("2".into(), 0, 2)]
        );
        assert_eq!(ids(segments_of(&parts, 20, 5)), [("3".into(), 0, 5)]);
        assert!(segments_of(&parts, 0, 0).is_empty());
    }
}
