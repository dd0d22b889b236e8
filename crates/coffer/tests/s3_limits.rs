//! AWS's limits and malformed input: 5 GiB single PUT and part (EntityTooLarge before the
//! body is read), malformed XML bodies, against the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::io::{Read as _, Write as _};
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use common::Server;
use s3util::{create_bucket, exists};

fn presign() -> PresigningConfig {
    PresigningConfig::expires_in(Duration::from_secs(300)).unwrap()
}

/// Sends a request head declaring `content_length` bytes, and a few of them, then reads
/// the answer: the server must answer without waiting for the rest.
fn declare_and_read(endpoint: &str, method: &str, path_and_query: &str, content_length: u64) -> String {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "{method} {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {content_length}\r\n\r\nsome bytes"
    )
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let mut out = Vec::new();
    while !String::from_utf8_lossy(&out).contains("</Error>") {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn path_of(uri: &str) -> String {
    let rest = uri.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_5_gib_is_entity_too_large_before_the_body_is_read() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "limits").await;
    let over = 5 * 1024 * 1024 * 1024 + 1;

    let put = s3
        .put_object()
        .bucket("limits")
        .key("huge")
        .presigned(presign())
        .await
        .unwrap();
    let answer = declare_and_read(&server.endpoint, "PUT", &path_of(put.uri()), over);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("<Code>EntityTooLarge</Code>"), "{answer}");
    assert!(!exists(&s3, "limits", "huge").await);

    let up = s3
        .create_multipart_upload()
        .bucket("limits")
        .key("mp")
        .send()
        .await
        .unwrap();
    let part = s3
        .upload_part()
        .bucket("limits")
        .key("mp")
        .upload_id(up.upload_id().unwrap())
        .part_number(1)
        .presigned(presign())
        .await
        .unwrap();
    let answer = declare_and_read(&server.endpoint, "PUT", &path_of(part.uri()), over);
    assert!(answer.contains("<Code>EntityTooLarge</Code>"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_xml_bodies_are_malformed_xml() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "xml").await;
    let up = s3
        .create_multipart_upload()
        .bucket("xml")
        .key("k")
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap();
    // The SDK cannot send bad XML, so the body goes on a query-signed request whose
    // signature does not cover the payload.
    let url = format!("{}/xml/k?uploadId={id}", server.endpoint);
    let signed = presign_post(&url);
    for body in ["<CompleteMultipartUpload><Part>", "not xml at all", ""] {
        let resp = reqwest::Client::new()
            .post(&signed)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 400, "{body:?}: {text}");
        assert!(text.contains("<Code>MalformedXML</Code>"), "{body:?}: {text}");
    }
}

/// A SigV4 query-signed POST URL (UNSIGNED-PAYLOAD), built with the SDK's signer.
fn presign_post(url: &str) -> String {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let identity =
        aws_credential_types::Credentials::new(common::ACCESS_KEY, common::SECRET_KEY, None, None, "t")
            .into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(300));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("s3")
        .time(std::time::SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable =
        SignableRequest::new("POST", url, std::iter::empty(), SignableBody::UnsignedPayload).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut req = http::Request::builder().method("POST").uri(url).body(()).unwrap();
    instructions.apply_to_request_http1x(&mut req);
    req.uri().to_string()
}
