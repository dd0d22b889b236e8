//! Regression tests, each named after the bug it reproduces (found while building the
//! foundation issue, #2).
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::StorageClass;
use common::{Server, bytes};
use s3util::{create_bucket, put, s3_err};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_multipart_uploads_ignored_the_delimiter() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    for k in ["dir/b", "dir/sub/c", "dir/sub/d"] {
        s3.create_multipart_upload()
            .bucket("mp")
            .key(k)
            .send()
            .await
            .unwrap();
    }
    let out = s3
        .list_multipart_uploads()
        .bucket("mp")
        .prefix("dir/")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = out.uploads().iter().map(|u| u.key().unwrap()).collect();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!((keys, prefixes), (vec!["dir/b"], vec!["dir/sub/"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_part_copy_accepted_a_range_beyond_the_source() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "src").await;
    put(&s3, "src", "tail", &bytes(100_000, 1)).await;
    let id = s3
        .create_multipart_upload()
        .bucket("src")
        .key("m")
        .send()
        .await
        .unwrap();
    let id = id.upload_id().unwrap();
    let copy = |range: &'static str| {
        s3.upload_part_copy()
            .bucket("src")
            .key("m")
            .upload_id(id)
            .part_number(1)
            .copy_source("src/tail")
            .copy_source_range(range)
            .send()
    };
    assert_eq!(
        s3_err(copy("bytes=0-100000").await),
        (400, "InvalidArgument".to_owned())
    );
    copy("bytes=0-99999").await.unwrap();
    let parts = s3
        .list_parts()
        .bucket("src")
        .key("m")
        .upload_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(parts.parts()[0].size(), Some(100_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_storage_class_was_stored() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "r").await;
    let put = s3
        .put_object()
        .bucket("r")
        .key("k")
        .storage_class(StorageClass::from("FOO"))
        .body(ByteStream::from_static(b"v"))
        .send()
        .await;
    assert_eq!(s3_err(put), (400, "InvalidStorageClass".to_owned()));
    let head = s3.head_object().bucket("r").key("k").send().await;
    assert_eq!(s3_err(head).0, 404);
    let mpu = s3
        .create_multipart_upload()
        .bucket("r")
        .key("m")
        .storage_class(StorageClass::from("FOO"))
        .send()
        .await;
    assert_eq!(s3_err(mpu), (400, "InvalidStorageClass".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_objects_did_not_verify_its_body_digest() {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "d").await;
    put(&s3, "d", "keep", b"v").await;
    let delete = || {
        Delete::builder()
            .objects(ObjectIdentifier::builder().key("keep").build().unwrap())
            .build()
            .unwrap()
    };
    // The SDK sends a correct CRC32; a wrong one (or a wrong Content-MD5) must be refused
    // and must delete nothing.
    for (header, value) in [
        ("x-amz-checksum-crc32", "AAAAAA=="),
        ("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
    ] {
        let r = s3
            .delete_objects()
            .bucket("d")
            .delete(delete())
            .customize()
            .mutate_request(move |req| {
                req.headers_mut().insert(header, value);
            })
            .send()
            .await;
        assert_eq!(s3_err(r), (400, "BadDigest".to_owned()), "{header}");
        s3.head_object().bucket("d").key("keep").send().await.unwrap();
    }
    let out = s3
        .delete_objects()
        .bucket("d")
        .delete(delete())
        .send()
        .await
        .unwrap();
    assert_eq!(out.deleted().len(), 1);
    assert_eq!(
        s3_err(s3.head_object().bucket("d").key("keep").send().await).0,
        404
    );
}

/// boto3 sends uploads with `Expect: 100-continue`. Answering with an error without
/// reading the body left the body pending on a kept-alive connection, so the next
/// request's first bytes were read as that body (a DELETE arrived as method "TE").
#[test]
fn an_error_answer_to_expect_continue_left_the_connection_desynchronised() {
    use std::io::{Read as _, Write as _};
    let server = Server::start();
    let addr = server.endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(b"PUT /nosuch/k HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 4096];
    let n = s.read(&mut first).unwrap();
    let first = String::from_utf8_lossy(&first[..n]).to_ascii_lowercase();
    // An anonymous request for a bucket that does not exist: NoSuchBucket, as AWS.
    assert!(first.starts_with("http/1.1 404"), "{first}");
    assert!(first.contains("connection: close"), "{first}");
    // The server must not read the next request as the pending body.
    let _ = s.write_all(b"DELETE /nosuch HTTP/1.1\r\nHost: x\r\n\r\n");
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
}
