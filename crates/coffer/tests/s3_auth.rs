//! SigV4 authentication: header signatures, presigned URLs and every failure.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::primitives::ByteStream;
use common::{ACCESS_KEY, SECRET_KEY, Server, bytes, client_with};
use s3util::{create_bucket, exists, get, put, s3_err};

/// A client with a chosen region and, optionally, a frozen clock; no retries.
fn client_for(endpoint: &str, region: &str, now: Option<SystemTime>) -> Client {
    let creds = aws_sdk_s3::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test");
    let mut config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_s3::config::Region::new(region.to_owned()))
        .credentials_provider(creds)
        .force_path_style(true)
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled());
    if let Some(now) = now {
        config = config.time_source(aws_smithy_async::time::StaticTimeSource::new(now));
    }
    Client::from_conf(config.build())
}

struct Raw {
    status: u16,
    request_id: Option<String>,
    body: String,
}

fn xml_field<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    body.split(&format!("<{tag}>"))
        .nth(1)?
        .split(&format!("</{tag}>"))
        .next()
}

async fn send(req: reqwest::RequestBuilder) -> Raw {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let request_id = resp
        .headers()
        .get("x-amz-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = resp.text().await.unwrap();
    Raw {
        status,
        request_id,
        body,
    }
}

/// Asserts a complete S3 error: status, code, message, request id in header and body alike.
fn assert_s3_error(raw: &Raw, status: u16, code: &str) {
    assert_eq!(raw.status, status, "{}", raw.body);
    assert_eq!(xml_field(&raw.body, "Code"), Some(code), "{}", raw.body);
    assert!(
        xml_field(&raw.body, "Message").is_some_and(|m| !m.is_empty()),
        "{}",
        raw.body
    );
    let id = raw.request_id.as_deref().expect("x-amz-request-id header");
    assert!(!id.is_empty());
    assert_eq!(xml_field(&raw.body, "RequestId"), Some(id), "{}", raw.body);
}

fn request(http: &reqwest::Client, p: &PresignedRequest) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(p.method().as_bytes()).unwrap();
    let mut req = http.request(method, p.uri());
    for (name, value) in p.headers() {
        req = req.header(name, value);
    }
    req
}

fn tamper(url: &str) -> String {
    let at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len() + 10;
    let mut s = url.to_owned();
    let c = if &url[at..=at] == "a" { "b" } else { "a" };
    s.replace_range(at..=at, c);
    assert_ne!(s, url);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_requests_are_denied() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "priv").await;
    put(&s3, "priv", "secret", b"classified").await;
    let http = reqwest::Client::new();
    let ep = &server.endpoint;

    let raw = send(http.get(format!("{ep}/"))).await;
    assert_s3_error(&raw, 403, "AccessDenied");
    let raw = send(http.get(format!("{ep}/priv/secret"))).await;
    assert_s3_error(&raw, 403, "AccessDenied");
    assert!(!raw.body.contains("classified"));
    assert_eq!(xml_field(&raw.body, "Resource"), Some("/priv/secret"));
    let raw = send(http.get(format!("{ep}/priv?list-type=2"))).await;
    assert_s3_error(&raw, 403, "AccessDenied");
    let raw = send(http.put(format!("{ep}/priv/planted")).body("evil")).await;
    assert_s3_error(&raw, 403, "AccessDenied");
    let raw = send(http.delete(format!("{ep}/priv/secret"))).await;
    assert_s3_error(&raw, 403, "AccessDenied");
    let raw = send(http.put(format!("{ep}/newbucket"))).await;
    assert_s3_error(&raw, 403, "AccessDenied");

    let resp = http.head(format!("{ep}/priv/secret")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert!(resp.headers().contains_key("x-amz-request-id"));

    assert!(!exists(&s3, "priv", "planted").await);
    assert_eq!(get(&s3, "priv", "secret").await, b"classified");
    let buckets = s3.list_buckets().send().await.unwrap();
    assert_eq!(buckets.buckets().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_and_unknown_key() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "b").await;

    let wrong = client_with(
        &server.endpoint,
        ACCESS_KEY,
        "not-the-secret-key-at-all-0000000000000",
    );
    let sdm = (403, "SignatureDoesNotMatch".to_owned());
    assert_eq!(s3_err(wrong.list_buckets().send().await), sdm);
    assert_eq!(
        s3_err(
            wrong
                .put_object()
                .bucket("b")
                .key("k")
                .body(ByteStream::from_static(b"x"))
                .send()
                .await
        ),
        sdm
    );
    assert_eq!(s3_err(wrong.get_object().bucket("b").key("k").send().await), sdm);
    assert_eq!(s3_err(wrong.create_bucket().bucket("c").send().await), sdm);

    let unknown = client_with(&server.endpoint, "AKIAUNKNOWNUNKNOWN00", SECRET_KEY);
    let iak = (403, "InvalidAccessKeyId".to_owned());
    assert_eq!(s3_err(unknown.list_buckets().send().await), iak);
    assert_eq!(
        s3_err(
            unknown
                .put_object()
                .bucket("b")
                .key("k")
                .body(ByteStream::from_static(b"x"))
                .send()
                .await
        ),
        iak
    );

    assert!(!exists(&s3, "b", "k").await);
    assert_eq!(s3.list_buckets().send().await.unwrap().buckets().len(), 1);

    // The same failures, raw, carry complete error bodies.
    let http = reqwest::Client::new();
    let cfg = PresigningConfig::expires_in(Duration::from_secs(60)).unwrap();
    let p = wrong
        .get_object()
        .bucket("b")
        .key("k")
        .presigned(cfg.clone())
        .await
        .unwrap();
    assert_s3_error(&send(request(&http, &p)).await, 403, "SignatureDoesNotMatch");
    let p = unknown
        .get_object()
        .bucket("b")
        .key("k")
        .presigned(cfg)
        .await
        .unwrap();
    assert_s3_error(&send(request(&http, &p)).await, 403, "InvalidAccessKeyId");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_signing_region_is_accepted() {
    let server = Server::start();
    let eu = client_for(&server.endpoint, "eu-central-1", None);
    create_bucket(&eu, "eu").await;
    put(&eu, "eu", "k", b"guten tag").await;
    assert_eq!(get(&eu, "eu", "k").await, b"guten tag");
    let s3 = server.client();
    assert_eq!(get(&s3, "eu", "k").await, b"guten tag");
    let ap = client_for(&server.endpoint, "ap-southeast-2", None);
    assert_eq!(ap.list_buckets().send().await.unwrap().buckets().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_is_refused() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "b").await;
    let skewed = (403, "RequestTimeTooSkewed".to_owned());
    for offset in [-3600i64, 3600, -16 * 60] {
        let t = if offset < 0 {
            SystemTime::now() - Duration::from_secs(offset.unsigned_abs())
        } else {
            SystemTime::now() + Duration::from_secs(offset.unsigned_abs())
        };
        // A fresh client per request: the SDK learns the skew from a failed response's Date.
        let c = || client_for(&server.endpoint, "us-east-1", Some(t));
        assert_eq!(
            s3_err(c().list_buckets().send().await),
            skewed,
            "offset {offset}s"
        );
        assert_eq!(
            s3_err(
                c().put_object()
                    .bucket("b")
                    .key("k")
                    .body(ByteStream::from_static(b"x"))
                    .send()
                    .await
            ),
            skewed,
            "offset {offset}s"
        );
        assert_eq!(
            s3_err(c().get_object().bucket("b").key("k").send().await),
            skewed,
            "offset {offset}s"
        );
    }
    assert!(!exists(&s3, "b", "k").await);
    // A few minutes off is tolerated.
    let c = client_for(
        &server.endpoint,
        "us-east-1",
        Some(SystemTime::now() - Duration::from_secs(4 * 60)),
    );
    c.list_buckets().send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_get_and_put() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "pre").await;
    let data = bytes(300_000, 5);
    put(&s3, "pre", "dir/file name+1.bin", &data).await;
    let http = reqwest::Client::new();
    let cfg = PresigningConfig::expires_in(Duration::from_secs(300)).unwrap();

    let p = s3
        .get_object()
        .bucket("pre")
        .key("dir/file name+1.bin")
        .presigned(cfg.clone())
        .await
        .unwrap();
    let resp = request(&http, &p).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().contains_key("x-amz-request-id"));
    assert!(resp.bytes().await.unwrap()[..] == data[..]);

    let p = s3
        .head_object()
        .bucket("pre")
        .key("dir/file name+1.bin")
        .presigned(cfg.clone())
        .await
        .unwrap();
    let resp = request(&http, &p).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-length"], "300000");

    let upload = bytes(123_456, 6);
    let p = s3
        .put_object()
        .bucket("pre")
        .key("uploaded/ü.bin")
        .presigned(cfg.clone())
        .await
        .unwrap();
    let resp = request(&http, &p).body(upload.clone()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.text().await);
    assert!(get(&s3, "pre", "uploaded/ü.bin").await == upload);

    // The signature covers the key: the URL does not open another object.
    let other = p.uri().replace("uploaded/", "elsewhere/");
    let raw = send(http.put(other).body("x")).await;
    assert_s3_error(&raw, 403, "SignatureDoesNotMatch");
    assert!(!exists(&s3, "pre", "elsewhere/ü.bin").await);

    // Presigned DELETE.
    let p = s3
        .delete_object()
        .bucket("pre")
        .key("uploaded/ü.bin")
        .presigned(cfg)
        .await
        .unwrap();
    assert_eq!(request(&http, &p).send().await.unwrap().status().as_u16(), 204);
    assert!(!exists(&s3, "pre", "uploaded/ü.bin").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_expired_and_tampered() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "pre").await;
    put(&s3, "pre", "k", b"value").await;
    let http = reqwest::Client::new();

    let short = PresigningConfig::expires_in(Duration::from_secs(1)).unwrap();
    let get_p = s3
        .get_object()
        .bucket("pre")
        .key("k")
        .presigned(short.clone())
        .await
        .unwrap();
    let put_p = s3
        .put_object()
        .bucket("pre")
        .key("late")
        .presigned(short)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let raw = send(request(&http, &get_p)).await;
    assert_s3_error(&raw, 403, "AccessDenied");
    assert!(!raw.body.contains("value"));
    assert_s3_error(&send(request(&http, &put_p).body("x")).await, 403, "AccessDenied");
    assert!(!exists(&s3, "pre", "late").await);

    let cfg = PresigningConfig::expires_in(Duration::from_secs(300)).unwrap();
    let p = s3
        .get_object()
        .bucket("pre")
        .key("k")
        .presigned(cfg.clone())
        .await
        .unwrap();
    let raw = send(http.get(tamper(p.uri()))).await;
    assert_s3_error(&raw, 403, "SignatureDoesNotMatch");
    let p = s3
        .put_object()
        .bucket("pre")
        .key("tampered")
        .presigned(cfg)
        .await
        .unwrap();
    let raw = send(http.put(tamper(p.uri())).body("x")).await;
    assert_s3_error(&raw, 403, "SignatureDoesNotMatch");
    assert!(!exists(&s3, "pre", "tampered").await);

    // Signed far ahead of now: not valid yet.
    let future = PresigningConfig::builder()
        .start_time(SystemTime::now() + Duration::from_secs(3600))
        .expires_in(Duration::from_secs(300))
        .build()
        .unwrap();
    let p = s3
        .get_object()
        .bucket("pre")
        .key("k")
        .presigned(future)
        .await
        .unwrap();
    let raw = send(request(&http, &p)).await;
    assert_eq!(raw.status, 403, "{}", raw.body);
    assert!(!raw.body.contains("value"));
}
