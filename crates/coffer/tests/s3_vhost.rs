//! Virtual-hosted-style requests (`bucket.<domain>`) with `--domain`, beside path style.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::net::SocketAddr;
use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use common::{ACCESS_KEY, SECRET_KEY, Server};
use s3util::{create_bucket, get};

const DOMAIN: &str = "s3.coffer.test";

/// A virtual-hosted-style SDK client for `http://s3.coffer.test:<port>`: it only presigns,
/// since the name resolves nowhere; requests go out through `http()`.
fn vhost_client(port: u16) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "test");
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .endpoint_url(format!("http://{DOMAIN}:{port}"))
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .force_path_style(false)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// An HTTP client that resolves the test domain and its subdomains to the server.
fn http(addr: SocketAddr, buckets: &[&str]) -> reqwest::Client {
    let mut b = reqwest::Client::builder().no_proxy().resolve(DOMAIN, addr);
    for bucket in buckets {
        b = b.resolve(&format!("{bucket}.{DOMAIN}"), addr);
    }
    b.build().unwrap()
}

fn presign() -> PresigningConfig {
    PresigningConfig::expires_in(Duration::from_secs(300)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_in_the_host_name_and_path_style_side_by_side() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path(), &["--domain", "other.example", "--domain", DOMAIN]);
    let addr: SocketAddr = server.endpoint.trim_start_matches("http://").parse().unwrap();
    let s3 = server.client();
    create_bucket(&s3, "photos").await;
    let vh = vhost_client(addr.port());
    let web = http(addr, &["photos", "missing"]);

    // PUT and GET through photos.s3.coffer.test.
    let put = vh
        .put_object()
        .bucket("photos")
        .key("2026/cat.jpg")
        .presigned(presign())
        .await
        .unwrap();
    assert!(
        put.uri().starts_with(&format!("http://photos.{DOMAIN}:")),
        "{}",
        put.uri()
    );
    let resp = web.put(put.uri()).body("meow").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.text().await);
    // Path style sees the same object.
    assert_eq!(get(&s3, "photos", "2026/cat.jpg").await, b"meow");
    let got = vh
        .get_object()
        .bucket("photos")
        .key("2026/cat.jpg")
        .presigned(presign())
        .await
        .unwrap();
    let resp = web.get(got.uri()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"meow");

    // A bucket host for a missing bucket: NoSuchBucket, naming it.
    let head = vh
        .get_object()
        .bucket("missing")
        .key("k")
        .presigned(presign())
        .await
        .unwrap();
    let resp = web.get(head.uri()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(resp.text().await.unwrap().contains("<Code>NoSuchBucket</Code>"));

    // The base domain itself is the service: path style under it.
    let path_style = client_on(&format!("http://{DOMAIN}:{}", addr.port()));
    let url = path_style
        .get_object()
        .bucket("photos")
        .key("2026/cat.jpg")
        .presigned(presign())
        .await
        .unwrap();
    assert!(
        url.uri().contains(&format!("{DOMAIN}:{}/photos/", addr.port())),
        "{}",
        url.uri()
    );
    let resp = web.get(url.uri()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"meow");

    // A host that is not under a configured domain stays path style (it never becomes a
    // bucket name).
    let localhost = client_on(&format!("http://localhost:{}", addr.port()));
    let url = localhost
        .get_object()
        .bucket("photos")
        .key("2026/cat.jpg")
        .presigned(presign())
        .await
        .unwrap();
    let resp = web.get(url.uri()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"meow");
}

/// A path-style client for an endpoint (used only to presign).
fn client_on(endpoint: &str) -> aws_sdk_s3::Client {
    common::client_with(endpoint, ACCESS_KEY, SECRET_KEY)
}
