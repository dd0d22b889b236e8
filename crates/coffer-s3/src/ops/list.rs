//! ListObjectsV2, ListObjects (v1), ListMultipartUploads.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use coffer_core::meta::ListQuery;
use coffer_core::meta::UploadQuery;
use coffer_core::meta::listing::common_prefix_of;
use coffer_core::{ListEntry, ListPage};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use crate::convert::{etag, storage_class_out, timestamp};
use crate::error::CoreResultExt as _;
use crate::service::Coffer;

/// The most entries one page may hold, as AWS.
const MAX_KEYS: usize = 1000;

/// `max-keys` as AWS reads it: default and cap 1000, negatives refused.
fn page_size(max_keys: Option<i32>) -> S3Result<usize> {
    match max_keys {
        None => Ok(MAX_KEYS),
        Some(n) if n < 0 => Err(s3_error!(
            InvalidArgument,
            "max-keys must be a non-negative integer"
        )),
        Some(n) => Ok(usize::try_from(n).unwrap_or(MAX_KEYS).min(MAX_KEYS)),
    }
}

/// Percent-encodes a key for `encoding-type=url`: everything but unreserved characters
/// and `/`, so `+`, `%` and spaces survive clients that decode with `unquote_plus`.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Encoder(bool);

impl Encoder {
    fn new(encoding: Option<&EncodingType>) -> S3Result<Self> {
        match encoding.map(EncodingType::as_str) {
            None => Ok(Self(false)),
            Some(e) if e.eq_ignore_ascii_case("url") => Ok(Self(true)),
            Some(_) => Err(s3_error!(
                InvalidArgument,
                "Invalid Encoding Method specified in Request"
            )),
        }
    }
    fn apply(&self, s: String) -> String {
        if self.0 { url_encode(&s) } else { s }
    }
}

fn split_page(page: ListPage, enc: &Encoder, owner: Option<&Owner>) -> (Vec<Object>, Vec<CommonPrefix>) {
    let mut contents = Vec::new();
    let mut prefixes = Vec::new();
    for entry in page.entries {
        match entry {
            ListEntry::Object(o) => contents.push(Object {
                key: Some(enc.apply(o.key)),
                size: i64::try_from(o.size).ok(),
                e_tag: Some(etag(&o.etag)),
                last_modified: Some(timestamp(o.last_modified_ms)),
                storage_class: Some(ObjectStorageClass::from(
                    storage_class_out(&o.storage_class).as_str().to_owned(),
                )),
                owner: owner.cloned(),
                ..Default::default()
            }),
            ListEntry::CommonPrefix(p) => prefixes.push(CommonPrefix {
                prefix: Some(enc.apply(p)),
            }),
        }
    }
    (contents, prefixes)
}

fn decode_token(token: &str) -> S3Result<String> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| s3_error!(InvalidArgument, "The continuation token provided is incorrect"))
}

pub(crate) async fn list_objects_v2(
    s: &Coffer,
    req: S3Request<ListObjectsV2Input>,
) -> S3Result<S3Response<ListObjectsV2Output>> {
    let input = req.input;
    let limit = page_size(input.max_keys)?;
    let enc = Encoder::new(input.encoding_type.as_ref())?;
    let after = match input.continuation_token.as_deref() {
        Some(t) => Some(decode_token(t)?),
        None => input.start_after.clone().filter(|s| !s.is_empty()),
    };
    let prefix = input.prefix.clone().unwrap_or_default();
    let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
    let query = ListQuery {
        bucket: input.bucket.clone(),
        prefix,
        delimiter,
        after,
        limit,
    };
    let page = s.store.list_objects(&query).await.s3()?;
    let next = page
        .truncated
        .then(|| page.entries.last().map(|e| URL_SAFE_NO_PAD.encode(e.name())))
        .flatten();
    let owner = if input.fetch_owner.unwrap_or(false) {
        let bucket = s.store.bucket(&input.bucket).await.s3()?;
        Some(s.owner(&bucket.owner))
    } else {
        None
    };
    let truncated = page.truncated;
    let (contents, prefixes) = split_page(page, &enc, owner.as_ref());
    let key_count = i32::try_from(contents.len() + prefixes.len()).ok();
    Ok(S3Response::new(ListObjectsV2Output {
        name: Some(input.bucket),
        prefix: Some(enc.apply(input.prefix.unwrap_or_default())),
        delimiter: input.delimiter.map(|d| enc.apply(d)),
        start_after: input.start_after.map(|a| enc.apply(a)),
        continuation_token: input.continuation_token,
        next_continuation_token: next,
        max_keys: i32::try_from(limit).ok(),
        key_count,
        is_truncated: Some(truncated),
        encoding_type: input.encoding_type,
        contents: Some(contents),
        common_prefixes: Some(prefixes),
        ..Default::default()
    }))
}

pub(crate) async fn list_objects(
    s: &Coffer,
    req: S3Request<ListObjectsInput>,
) -> S3Result<S3Response<ListObjectsOutput>> {
    let input = req.input;
    let limit = page_size(input.max_keys)?;
    let enc = Encoder::new(input.encoding_type.as_ref())?;
    let prefix = input.prefix.clone().unwrap_or_default();
    let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
    let after = input.marker.clone().filter(|m| !m.is_empty());
    let query = ListQuery {
        bucket: input.bucket.clone(),
        prefix,
        delimiter: delimiter.clone(),
        after,
        limit,
    };
    let page = s.store.list_objects(&query).await.s3()?;
    // AWS returns NextMarker only when a delimiter was given.
    let next_marker = (page.truncated && delimiter.is_some())
        .then(|| page.entries.last().map(|e| enc.apply(e.name().to_owned())))
        .flatten();
    let bucket = s.store.bucket(&input.bucket).await.s3()?;
    let owner = s.owner(&bucket.owner);
    let truncated = page.truncated;
    let (contents, prefixes) = split_page(page, &enc, Some(&owner));
    Ok(S3Response::new(ListObjectsOutput {
        name: Some(input.bucket),
        prefix: Some(enc.apply(input.prefix.unwrap_or_default())),
        delimiter: input.delimiter.map(|d| enc.apply(d)),
        marker: Some(enc.apply(input.marker.unwrap_or_default())),
        next_marker,
        max_keys: i32::try_from(limit).ok(),
        is_truncated: Some(truncated),
        encoding_type: input.encoding_type,
        contents: Some(contents),
        common_prefixes: Some(prefixes),
        ..Default::default()
    }))
}

/// One entry of a ListMultipartUploads page.
enum UploadEntry {
    Upload(Box<coffer_core::UploadRecord>),
    Prefix(String),
}

pub(crate) async fn list_multipart_uploads(
    s: &Coffer,
    req: S3Request<ListMultipartUploadsInput>,
) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
    let input = req.input;
    let limit = page_size(input.max_uploads)?;
    let enc = Encoder::new(input.encoding_type.as_ref())?;
    let prefix = input.prefix.clone().unwrap_or_default();
    let delimiter = input.delimiter.clone().filter(|d| !d.is_empty());
    let key_marker = input.key_marker.clone().filter(|m| !m.is_empty());
    // A key marker that names a common prefix (a NextKeyMarker this answered) skips it.
    let mut skip: Option<String> = key_marker
        .as_deref()
        .and_then(|m| common_prefix_of(m, &prefix, delimiter.as_deref()))
        .filter(|cp| key_marker.as_deref() == Some(*cp))
        .map(str::to_owned);
    let mut query = UploadQuery {
        bucket: input.bucket.clone(),
        prefix: prefix.clone(),
        key_marker,
        upload_id_marker: input.upload_id_marker.clone().filter(|m| !m.is_empty()),
        limit: limit + 1,
    };
    let mut entries: Vec<UploadEntry> = Vec::new();
    let mut truncated = false;
    if limit == 0 {
        s.store.bucket(&input.bucket).await.s3()?;
        query.limit = 0;
    }
    // Uploads rolled into a common prefix are read and passed over: uploads in progress
    // are few, so this stays cheaper than a skip-scan index for them.
    'pages: loop {
        if query.limit == 0 {
            break;
        }
        let page = s.store.list_uploads(&query).await.s3()?;
        let exhausted = !page.truncated;
        for u in page.uploads {
            query.key_marker = Some(u.key.clone());
            query.upload_id_marker = Some(u.upload_id.clone());
            let cp = common_prefix_of(&u.key, &prefix, delimiter.as_deref()).map(str::to_owned);
            if cp.is_some() && cp == skip {
                continue;
            }
            if entries.len() == limit {
                truncated = true;
                break 'pages;
            }
            match cp {
                Some(cp) => {
                    // Jump past the uploads under this prefix (keys are at most 1024
                    // bytes; any that sort after this marker are still skipped above).
                    query.key_marker = Some(format!("{cp}{}", "\u{10FFFF}".repeat(256)));
                    query.upload_id_marker = None;
                    skip = Some(cp.clone());
                    entries.push(UploadEntry::Prefix(cp));
                }
                None => entries.push(UploadEntry::Upload(Box::new(u))),
            }
        }
        if exhausted {
            break;
        }
    }
    let (next_key, next_id) = match entries.last() {
        Some(UploadEntry::Upload(u)) if truncated => (Some(u.key.clone()), Some(u.upload_id.clone())),
        Some(UploadEntry::Prefix(p)) if truncated => (Some(p.clone()), None),
        _ => (None, None),
    };
    let bucket = s.store.bucket(&input.bucket).await.s3()?;
    let owner = s.owner(&bucket.owner);
    let mut uploads = Vec::new();
    let mut common_prefixes = Vec::new();
    for e in entries {
        match e {
            UploadEntry::Upload(u) => uploads.push(MultipartUpload {
                key: Some(enc.apply(u.key)),
                upload_id: Some(u.upload_id),
                initiated: Some(timestamp(u.initiated_ms)),
                storage_class: Some(StorageClass::from(u.storage_class)),
                owner: Some(owner.clone()),
                initiator: Some(Initiator {
                    display_name: owner.display_name.clone(),
                    id: owner.id.clone(),
                }),
                checksum_algorithm: u.meta.checksum_algorithm.map(ChecksumAlgorithm::from),
                checksum_type: u.meta.checksum_type.map(ChecksumType::from),
            }),
            UploadEntry::Prefix(p) => common_prefixes.push(CommonPrefix {
                prefix: Some(enc.apply(p)),
            }),
        }
    }
    Ok(S3Response::new(ListMultipartUploadsOutput {
        bucket: Some(input.bucket),
        prefix: input.prefix.map(|p| enc.apply(p)),
        delimiter: input.delimiter.map(|d| enc.apply(d)),
        key_marker: input.key_marker.map(|m| enc.apply(m)),
        upload_id_marker: input.upload_id_marker,
        next_key_marker: next_key.map(|k| enc.apply(k)),
        next_upload_id_marker: next_id,
        max_uploads: i32::try_from(limit).ok(),
        is_truncated: Some(truncated),
        encoding_type: input.encoding_type,
        uploads: Some(uploads),
        common_prefixes: (!common_prefixes.is_empty()).then_some(common_prefixes),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoding_keeps_slashes_and_escapes_plus_percent_space() {
        assert_eq!(url_encode("a b+c%d/é"), "a%20b%2Bc%25d/%C3%A9");
    }
}
