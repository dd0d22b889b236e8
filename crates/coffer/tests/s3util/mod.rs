//! Small helpers shared by the S3 black-box tests (on top of `common`).
#![allow(dead_code, clippy::unwrap_used)]

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use md5::{Digest as _, Md5};

/// MD5 of `data`.
pub fn md5(data: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&Md5::digest(data));
    out
}

/// Lower-case hex.
pub fn hex(data: &[u8]) -> String {
    use std::fmt::Write as _;
    data.iter()
        .fold(String::with_capacity(data.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The ETag S3 gives a single-PUT object: the quoted MD5 hex.
pub fn etag_of(data: &[u8]) -> String {
    format!("\"{}\"", hex(&md5(data)))
}

/// Standard base64.
pub fn b64(data: &[u8]) -> String {
    aws_smithy_types::base64::encode(data)
}

/// HTTP status and S3 error code of a failed SDK call; panics if it succeeded.
pub fn s3_err<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E>>,
) -> (u16, String) {
    let e = r.expect_err("the request should have failed");
    let status = e.raw_response().map_or(0, |r| r.status().as_u16());
    let code = ProvideErrorMetadata::code(&e).unwrap_or("").to_owned();
    (status, code)
}

pub async fn create_bucket(client: &Client, bucket: &str) {
    client.create_bucket().bucket(bucket).send().await.unwrap();
}

pub async fn put(
    client: &Client,
    bucket: &str,
    key: &str,
    body: &[u8],
) -> aws_sdk_s3::operation::put_object::PutObjectOutput {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap()
}

pub async fn get(client: &Client, bucket: &str, key: &str) -> Vec<u8> {
    let out = client.get_object().bucket(bucket).key(key).send().await.unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

/// Whether HeadObject says the key exists (404 → false, anything else fails the test).
pub async fn exists(client: &Client, bucket: &str, key: &str) -> bool {
    match client.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => true,
        Err(e) => {
            let status = e.raw_response().map_or(0, |r| r.status().as_u16());
            assert_eq!(status, 404, "HeadObject {bucket}/{key}: {e:?}");
            false
        }
    }
}

/// Puts `keys` with `body_of(key)`, `parallel` requests at a time.
pub async fn put_many(client: &Client, bucket: &str, keys: &[String], parallel: usize) {
    let keys = std::sync::Arc::new(keys.to_vec());
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..parallel {
        let (client, bucket, keys) = (client.clone(), bucket.to_owned(), keys.clone());
        tasks.spawn(async move {
            for key in keys.iter().skip(worker).step_by(parallel) {
                client
                    .put_object()
                    .bucket(&bucket)
                    .key(key)
                    .body(ByteStream::from(key.as_bytes().to_vec()))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("PutObject {key}: {e:?}"));
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
}

/// Percent-encodes everything but unreserved characters and '/', as for `x-amz-copy-source`.
pub fn url_encode_path(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and, like boto3 for `encoding-type=url` listings, `+` as a space.
pub fn url_decode_plus(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(h, 16).unwrap_or_else(|_| panic!("bad escape in {s:?}")));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
