//! The S3 requests a workload is made of, each returning what it moved or why it failed.

use bytes::Bytes;
use http::Method;
use http_body_util::BodyExt as _;
use md5::Digest as _;

use super::client::{Failure, S3, encode, full, read_all, xml_text, xml_texts};
use super::payload::Pattern;
use super::stats::Done;

fn object_path(bucket: &str, key: &str) -> String {
    format!("/{bucket}/{}", encode(key, true))
}

pub async fn create_bucket(s3: &S3, bucket: &str) -> Result<(), Failure> {
    let response = s3
        .send(Method::PUT, &format!("/{bucket}"), &[], super::client::empty())
        .await?;
    let status = response.status();
    let body = read_all(response).await?;
    // An existing bucket of ours is fine: the run uses its own prefix.
    let code = xml_text(&body, "Code").unwrap_or_default();
    if status.is_success() || code == "BucketAlreadyOwnedByYou" {
        Ok(())
    } else {
        Err(Failure::new(format!("{} {code}", status.as_u16())))
    }
}

pub async fn put(
    s3: &S3,
    bucket: &str,
    key: &str,
    pattern: &Pattern,
    id: u64,
    size: u64,
) -> Result<Done, Failure> {
    let length = size.to_string();
    let response = s3
        .send_ok(
            Method::PUT,
            &object_path(bucket, key),
            &[("content-length", &length)],
            pattern.body(id, 0, size).boxed(),
        )
        .await?;
    read_all(response).await?;
    Ok(Done::bytes(size))
}

/// GETs the object and checks every byte against what `put` wrote.
pub async fn get(
    s3: &S3,
    bucket: &str,
    key: &str,
    pattern: &Pattern,
    id: u64,
    size: u64,
) -> Result<Done, Failure> {
    let response = s3
        .send_ok(
            Method::GET,
            &object_path(bucket, key),
            &[],
            super::client::empty(),
        )
        .await?;
    let mut verifier = pattern.verifier(id, size);
    let mut body = response.into_body();
    let mut intact = true;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::new(format!("transport: body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            intact &= verifier.check(&data);
        }
    }
    if !intact {
        return Err(Failure::new("body differs from what was written"));
    }
    if !verifier.complete() {
        return Err(Failure::new("body shorter than what was written"));
    }
    Ok(Done::bytes(size))
}

pub async fn stat(s3: &S3, bucket: &str, key: &str, size: u64) -> Result<Done, Failure> {
    let response = s3
        .send_ok(
            Method::HEAD,
            &object_path(bucket, key),
            &[],
            super::client::empty(),
        )
        .await?;
    let length = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if length != Some(size) {
        return Err(Failure::new("HEAD Content-Length differs from what was written"));
    }
    Ok(Done::default())
}

pub async fn delete(s3: &S3, bucket: &str, key: &str) -> Result<Done, Failure> {
    let response = s3
        .send_ok(
            Method::DELETE,
            &object_path(bucket, key),
            &[],
            super::client::empty(),
        )
        .await?;
    read_all(response).await?;
    Ok(Done::items(1))
}

/// DeleteObjects in quiet mode; a key the server reports as failed is a failure.
pub async fn delete_batch(s3: &S3, bucket: &str, keys: &[String]) -> Result<Done, Failure> {
    let mut xml = String::from("<Delete><Quiet>true</Quiet>");
    for key in keys {
        xml.push_str("<Object><Key>");
        xml.push_str(&quick_xml::escape::escape(key.as_str()));
        xml.push_str("</Key></Object>");
    }
    xml.push_str("</Delete>");
    let md5 = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        md5::Md5::digest(xml.as_bytes()),
    );
    let length = xml.len().to_string();
    let response = s3
        .send_ok(
            Method::POST,
            &format!("/{bucket}?delete="),
            &[("content-md5", &md5), ("content-length", &length)],
            full(Bytes::from(xml)),
        )
        .await?;
    let body = read_all(response).await?;
    let failed = xml_texts(&body, "Code");
    if let Some(code) = failed.first() {
        return Err(Failure::new(format!(
            "DeleteObjects: {} keys failed, first {code}",
            failed.len()
        )));
    }
    Ok(Done::items(keys.len() as u64))
}

/// One ListObjectsV2 page.
pub struct Page {
    pub keys: Vec<String>,
    pub prefixes: Vec<String>,
    pub next: Option<String>,
}

pub async fn list_page(
    s3: &S3,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    token: Option<&str>,
) -> Result<Page, Failure> {
    // Query parameters in byte order, as the signature's canonical form sorts them.
    let mut target = format!("/{bucket}?");
    if let Some(t) = token {
        target.push_str(&format!("continuation-token={}&", encode(t, false)));
    }
    if let Some(d) = delimiter {
        target.push_str(&format!("delimiter={}&", encode(d, false)));
    }
    target.push_str(&format!(
        "list-type=2&max-keys=1000&prefix={}",
        encode(prefix, false)
    ));
    let response = s3
        .send_ok(Method::GET, &target, &[], super::client::empty())
        .await?;
    let body = read_all(response).await?;
    let truncated = xml_text(&body, "IsTruncated").as_deref() == Some("true");
    let next = xml_text(&body, "NextContinuationToken");
    if truncated && next.is_none() {
        return Err(Failure::new("truncated listing without NextContinuationToken"));
    }
    let prefixes = match body.windows(16).position(|w| w == b"<CommonPrefixes>") {
        Some(at) => xml_texts(&body[at..], "Prefix"),
        None => Vec::new(),
    };
    Ok(Page {
        keys: xml_texts(&body, "Key"),
        prefixes,
        next: next.filter(|_| truncated),
    })
}

pub async fn create_multipart(s3: &S3, bucket: &str, key: &str) -> Result<String, Failure> {
    let response = s3
        .send_ok(
            Method::POST,
            &format!("{}?uploads=", object_path(bucket, key)),
            &[],
            super::client::empty(),
        )
        .await?;
    let body = read_all(response).await?;
    xml_text(&body, "UploadId").ok_or_else(|| Failure::new("CreateMultipartUpload answered no UploadId"))
}

#[allow(clippy::too_many_arguments)]
pub async fn upload_part(
    s3: &S3,
    bucket: &str,
    key: &str,
    upload_id: &str,
    number: u32,
    pattern: &Pattern,
    id: u64,
    offset: u64,
    len: u64,
) -> Result<String, Failure> {
    let length = len.to_string();
    let response = s3
        .send_ok(
            Method::PUT,
            &format!(
                "{}?partNumber={number}&uploadId={}",
                object_path(bucket, key),
                encode(upload_id, false)
            ),
            &[("content-length", &length)],
            pattern.body(id, offset, len).boxed(),
        )
        .await?;
    let etag = response
        .headers()
        .get(http::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| Failure::new("UploadPart answered no ETag"))?;
    read_all(response).await?;
    Ok(etag)
}

pub async fn complete_multipart(
    s3: &S3,
    bucket: &str,
    key: &str,
    upload_id: &str,
    etags: &[String],
) -> Result<(), Failure> {
    let mut xml = String::from("<CompleteMultipartUpload>");
    for (i, etag) in etags.iter().enumerate() {
        xml.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>",
            i + 1,
            quick_xml::escape::escape(etag.as_str())
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    let length = xml.len().to_string();
    let response = s3
        .send_ok(
            Method::POST,
            &format!(
                "{}?uploadId={}",
                object_path(bucket, key),
                encode(upload_id, false)
            ),
            &[("content-length", &length)],
            full(Bytes::from(xml)),
        )
        .await?;
    // Complete can answer 200 with an error in the body.
    let body = read_all(response).await?;
    match xml_text(&body, "Code") {
        Some(code) => Err(Failure::new(format!("200 {code}"))),
        None => Ok(()),
    }
}
