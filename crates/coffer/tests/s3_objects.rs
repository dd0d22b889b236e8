//! Object round trips, ranges, metadata and deletes against the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::collections::HashMap;
use std::io::Write as _;

use aws_sdk_s3::primitives::{ByteStream, DateTime, DateTimeFormat};
use aws_sdk_s3::types::{Delete, ObjectIdentifier, StorageClass};
use common::{Server, bytes};
use md5::{Digest as _, Md5};
use s3util::{create_bucket, etag_of, exists, get, hex, put, put_many, s3_err};

const MIB: usize = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_round_trips() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "rt").await;
    for (i, len) in [0usize, 1, 5 * MIB].into_iter().enumerate() {
        let key = format!("obj-{len}");
        let data = bytes(len, i as u64 + 1);
        let out = put(&s3, "rt", &key, &data).await;
        assert_eq!(out.e_tag(), Some(etag_of(&data).as_str()), "{key}");

        let got = s3.get_object().bucket("rt").key(&key).send().await.unwrap();
        assert_eq!(got.content_length(), Some(len as i64));
        assert_eq!(got.e_tag(), Some(etag_of(&data).as_str()));
        assert!(got.last_modified().is_some());
        let body = got.body.collect().await.unwrap().into_bytes();
        assert!(body[..] == data[..], "{key}: body differs");

        let head = s3.head_object().bucket("rt").key(&key).send().await.unwrap();
        assert_eq!(head.content_length(), Some(len as i64));
        assert_eq!(head.e_tag(), Some(etag_of(&data).as_str()));
    }
    // The empty object's ETag is the MD5 of nothing.
    assert_eq!(etag_of(b""), "\"d41d8cd98f00b204e9800998ecf8427e\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overwrite_replaces_the_object() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "ow").await;
    put(&s3, "ow", "k", b"first version").await;
    put(&s3, "ow", "k", b"second").await;
    assert_eq!(get(&s3, "ow", "k").await, b"second");
    let listed = s3.list_objects_v2().bucket("ow").send().await.unwrap();
    assert_eq!(listed.key_count(), Some(1));
    assert_eq!(listed.contents()[0].size(), Some(6));
    assert_eq!(listed.contents()[0].e_tag(), Some(etag_of(b"second").as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_mib_streamed_round_trip() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "big").await;

    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.bin");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut hasher = Md5::new();
    for i in 0..100 {
        let chunk = bytes(MIB, 1000 + i);
        hasher.update(&chunk);
        file.write_all(&chunk).unwrap();
    }
    file.into_inner().unwrap().sync_all().unwrap();
    let expected = hex(&hasher.finalize());

    let body = ByteStream::from_path(&path).await.unwrap();
    let out = s3
        .put_object()
        .bucket("big")
        .key("big.bin")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(out.e_tag(), Some(format!("\"{expected}\"").as_str()));

    let mut got = s3.get_object().bucket("big").key("big.bin").send().await.unwrap();
    assert_eq!(got.content_length(), Some(100 * MIB as i64));
    let mut hasher = Md5::new();
    let mut len = 0usize;
    while let Some(chunk) = got.body.next().await {
        let chunk = chunk.unwrap();
        len += chunk.len();
        hasher.update(&chunk);
    }
    assert_eq!(len, 100 * MIB);
    assert_eq!(hex(&hasher.finalize()), expected);

    // A range deep inside the big object.
    let start = 77 * MIB + 12345;
    let got = s3
        .get_object()
        .bucket("big")
        .key("big.bin")
        .range(format!("bytes={start}-{}", start + 99))
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.content_range(),
        Some(format!("bytes {start}-{}/{}", start + 99, 100 * MIB).as_str())
    );
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], &bytes(MIB, 1077)[12345..12445]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "rng").await;
    let data = bytes(100, 7);
    put(&s3, "rng", "k", &data).await;

    for (range, content_range, slice) in [
        ("bytes=0-9", "bytes 0-9/100", 0..10),
        ("bytes=-5", "bytes 95-99/100", 95..100),
        ("bytes=10-", "bytes 10-99/100", 10..100),
        ("bytes=99-99", "bytes 99-99/100", 99..100),
        ("bytes=50-1000", "bytes 50-99/100", 50..100),
        ("bytes=-1000", "bytes 0-99/100", 0..100),
        ("bytes=0-", "bytes 0-99/100", 0..100),
    ] {
        let got = s3
            .get_object()
            .bucket("rng")
            .key("k")
            .range(range)
            .send()
            .await
            .unwrap();
        assert_eq!(got.content_range(), Some(content_range), "{range}");
        assert_eq!(got.content_length(), Some(slice.len() as i64), "{range}");
        assert_eq!(got.e_tag(), Some(etag_of(&data).as_str()), "{range}");
        let body = got.body.collect().await.unwrap().into_bytes();
        assert_eq!(&body[..], &data[slice], "{range}");
    }

    for range in ["bytes=100-", "bytes=100-200", "bytes=1000-1001"] {
        assert_eq!(
            s3_err(s3.get_object().bucket("rng").key("k").range(range).send().await),
            (416, "InvalidRange".to_owned()),
            "{range}"
        );
    }

    // Any range of an empty object is unsatisfiable.
    put(&s3, "rng", "empty", b"").await;
    assert_eq!(
        s3_err(
            s3.get_object()
                .bucket("rng")
                .key("empty")
                .range("bytes=0-0")
                .send()
                .await
        ),
        (416, "InvalidRange".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_status_and_headers_on_the_wire() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "wire").await;
    let data = bytes(100, 8);
    put(&s3, "wire", "k", &data).await;
    // Presign to look at the raw response with reqwest.
    let cfg =
        aws_sdk_s3::presigning::PresigningConfig::expires_in(std::time::Duration::from_secs(60)).unwrap();
    let url = s3
        .get_object()
        .bucket("wire")
        .key("k")
        .presigned(cfg)
        .await
        .unwrap()
        .uri()
        .to_owned();
    let http = reqwest::Client::new();
    let resp = http.get(&url).header("range", "bytes=0-9").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.headers()["content-range"], "bytes 0-9/100");
    assert_eq!(resp.headers()["content-length"], "10");
    assert_eq!(&resp.bytes().await.unwrap()[..], &data[..10]);

    let resp = http.get(&url).header("range", "bytes=100-").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 416);
    assert!(resp.headers().contains_key("x-amz-request-id"));
    let text = resp.text().await.unwrap();
    assert!(text.contains("<Code>InvalidRange</Code>"), "{text}");

    let resp = http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-length"], "100");
    assert_eq!(resp.headers()["etag"], etag_of(&data).as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_round_trip() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "meta").await;
    let expires = DateTime::from_secs(2_100_000_000);
    s3.put_object()
        .bucket("meta")
        .key("doc")
        .body(ByteStream::from_static(b"not really gzip"))
        .content_type("text/x-coffer; charset=utf-8")
        .content_encoding("gzip")
        .content_disposition("attachment; filename=\"resume.txt\"")
        .content_language("fr-CA")
        .cache_control("max-age=3600, must-revalidate")
        .expires(expires)
        .metadata("Color", "Blue")
        .metadata("multi-Word-Name", "a value with  spaces")
        .metadata("lower", "x")
        .storage_class(StorageClass::StandardIa)
        .send()
        .await
        .unwrap();

    let expected_meta: HashMap<String, String> = [
        ("color", "Blue"),
        ("multi-word-name", "a value with  spaces"),
        ("lower", "x"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let http_date = expires.fmt(DateTimeFormat::HttpDate).unwrap();

    let head = s3.head_object().bucket("meta").key("doc").send().await.unwrap();
    assert_eq!(head.content_type(), Some("text/x-coffer; charset=utf-8"));
    assert_eq!(head.content_encoding(), Some("gzip"));
    assert_eq!(
        head.content_disposition(),
        Some("attachment; filename=\"resume.txt\"")
    );
    assert_eq!(head.content_language(), Some("fr-CA"));
    assert_eq!(head.cache_control(), Some("max-age=3600, must-revalidate"));
    assert_eq!(head.expires_string(), Some(http_date.as_str()));
    assert_eq!(head.metadata(), Some(&expected_meta));
    assert_eq!(head.storage_class(), Some(&StorageClass::StandardIa));
    assert_eq!(head.content_length(), Some(15));

    let got = s3.get_object().bucket("meta").key("doc").send().await.unwrap();
    assert_eq!(got.content_type(), Some("text/x-coffer; charset=utf-8"));
    assert_eq!(got.content_encoding(), Some("gzip"));
    assert_eq!(
        got.content_disposition(),
        Some("attachment; filename=\"resume.txt\"")
    );
    assert_eq!(got.content_language(), Some("fr-CA"));
    assert_eq!(got.cache_control(), Some("max-age=3600, must-revalidate"));
    assert_eq!(got.expires_string(), Some(http_date.as_str()));
    assert_eq!(got.metadata(), Some(&expected_meta));
    assert_eq!(got.storage_class(), Some(&StorageClass::StandardIa));
    assert_eq!(
        &got.body.collect().await.unwrap().into_bytes()[..],
        b"not really gzip"
    );

    let listed = s3.list_objects_v2().bucket("meta").send().await.unwrap();
    assert_eq!(
        listed.contents()[0].storage_class(),
        Some(&aws_sdk_s3::types::ObjectStorageClass::StandardIa)
    );

    // Without metadata: no user metadata, a default content type, STANDARD (AWS omits the header).
    put(&s3, "meta", "plain", b"x").await;
    let head = s3.head_object().bucket("meta").key("plain").send().await.unwrap();
    assert!(
        head.metadata().is_none_or(HashMap::is_empty),
        "{:?}",
        head.metadata()
    );
    assert!(head.content_encoding().is_none());
    assert!(head.cache_control().is_none());
    assert!(
        matches!(head.storage_class(), None | Some(StorageClass::Standard)),
        "{:?}",
        head.storage_class()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_missing_key_and_delete_semantics() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "del").await;
    assert_eq!(
        s3_err(s3.get_object().bucket("del").key("nope").send().await),
        (404, "NoSuchKey".to_owned())
    );
    assert_eq!(
        s3_err(s3.head_object().bucket("del").key("nope").send().await).0,
        404
    );
    // Deleting a missing key succeeds, as on AWS.
    s3.delete_object().bucket("del").key("nope").send().await.unwrap();

    put(&s3, "del", "k", b"v").await;
    assert!(exists(&s3, "del", "k").await);
    s3.delete_object().bucket("del").key("k").send().await.unwrap();
    assert!(!exists(&s3, "del", "k").await);
    assert_eq!(
        s3_err(s3.get_object().bucket("del").key("k").send().await),
        (404, "NoSuchKey".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_objects_quiet_thousand() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "many").await;
    let keys: Vec<String> = (0..1000).map(|i| format!("k/{i:04}")).collect();
    put_many(&s3, "many", &keys, 32).await;
    assert_eq!(
        s3.list_objects_v2()
            .bucket("many")
            .send()
            .await
            .unwrap()
            .key_count(),
        Some(1000)
    );

    let ids: Vec<ObjectIdentifier> = keys
        .iter()
        .map(|k| ObjectIdentifier::builder().key(k).build().unwrap())
        .collect();
    let delete = Delete::builder()
        .set_objects(Some(ids))
        .quiet(true)
        .build()
        .unwrap();
    let out = s3
        .delete_objects()
        .bucket("many")
        .delete(delete)
        .send()
        .await
        .unwrap();
    assert!(out.deleted().is_empty(), "{:?}", out.deleted());
    assert!(out.errors().is_empty(), "{:?}", out.errors());
    let listed = s3.list_objects_v2().bucket("many").send().await.unwrap();
    assert_eq!(listed.key_count(), Some(0));
    assert!(listed.contents().is_empty());
    assert!(!exists(&s3, "many", "k/0500").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_objects_verbose() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "few").await;
    for k in ["a", "b c", "d+e", "keep"] {
        put(&s3, "few", k, k.as_bytes()).await;
    }
    let victims = ["a", "b c", "d+e", "never-existed"];
    let ids: Vec<ObjectIdentifier> = victims
        .iter()
        .map(|k| ObjectIdentifier::builder().key(*k).build().unwrap())
        .collect();
    let delete = Delete::builder().set_objects(Some(ids)).build().unwrap();
    let out = s3
        .delete_objects()
        .bucket("few")
        .delete(delete)
        .send()
        .await
        .unwrap();
    let mut deleted: Vec<&str> = out.deleted().iter().map(|d| d.key().unwrap()).collect();
    deleted.sort_unstable();
    assert_eq!(deleted, ["a", "b c", "d+e", "never-existed"]);
    assert!(out.errors().is_empty(), "{:?}", out.errors());
    let listed = s3.list_objects_v2().bucket("few").send().await.unwrap();
    let keys: Vec<&str> = listed.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(keys, ["keep"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_object_response_carries_request_ids() {
    use aws_sdk_s3::operation::RequestId as _;
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "ids").await;
    let out = put(&s3, "ids", "k", b"v").await;
    let id = out.request_id().unwrap();
    assert!(!id.is_empty());
    let err = s3
        .get_object()
        .bucket("ids")
        .key("nope")
        .send()
        .await
        .unwrap_err();
    let err_id = err.request_id().unwrap();
    assert!(!err_id.is_empty() && err_id != id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_objects_refuses_more_than_1000_keys() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "lim").await;
    put(&s3, "lim", "k0", b"v").await;
    let ids: Vec<ObjectIdentifier> = (0..1001)
        .map(|i| ObjectIdentifier::builder().key(format!("k{i}")).build().unwrap())
        .collect();
    let delete = Delete::builder()
        .set_objects(Some(ids))
        .quiet(true)
        .build()
        .unwrap();
    assert_eq!(
        s3_err(s3.delete_objects().bucket("lim").delete(delete).send().await),
        (400, "MalformedXML".to_owned())
    );
    assert!(exists(&s3, "lim", "k0").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_header_overrides() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "ovr").await;
    put(&s3, "ovr", "k", b"v").await;
    let got = s3
        .get_object()
        .bucket("ovr")
        .key("k")
        .response_content_type("text/csv")
        .response_content_disposition("attachment; filename=\"k.csv\"")
        .response_cache_control("no-cache")
        .response_content_language("de")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("text/csv"));
    assert_eq!(got.content_disposition(), Some("attachment; filename=\"k.csv\""));
    assert_eq!(got.cache_control(), Some("no-cache"));
    assert_eq!(got.content_language(), Some("de"));
    // Not stored.
    let head = s3.head_object().bucket("ovr").key("k").send().await.unwrap();
    assert!(head.cache_control().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_metadata_is_limited_to_2_kib() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mtl").await;
    let put_meta = |key: &'static str, value: String| {
        s3.put_object()
            .bucket("mtl")
            .key(key)
            .metadata("k", value)
            .body(ByteStream::from_static(b"x"))
            .send()
    };
    put_meta("fits", "v".repeat(2047)).await.unwrap();
    let r = put_meta("too-big", "v".repeat(2048)).await;
    assert_eq!(s3_err(r), (400, "MetadataTooLarge".into()));
    let r = s3
        .create_multipart_upload()
        .bucket("mtl")
        .key("mp")
        .metadata("k", "v".repeat(3000))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "MetadataTooLarge".into()));
    let r = s3
        .copy_object()
        .bucket("mtl")
        .key("copy")
        .copy_source("mtl/fits")
        .metadata_directive(aws_sdk_s3::types::MetadataDirective::Replace)
        .metadata("k", "v".repeat(3000))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "MetadataTooLarge".into()));
}
