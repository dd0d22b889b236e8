//! Multipart uploads against the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, StorageClass};
use common::{Server, bytes};
use s3util::{create_bucket, etag_of, exists, get, hex, md5, put, s3_err};

const MIB: usize = 1024 * 1024;

async fn create(s3: &Client, bucket: &str, key: &str) -> String {
    let out = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(out.bucket(), Some(bucket));
    assert_eq!(out.key(), Some(key));
    out.upload_id().unwrap().to_owned()
}

async fn upload(s3: &Client, bucket: &str, key: &str, id: &str, n: i32, data: &[u8]) -> String {
    let out = s3
        .upload_part()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .part_number(n)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap();
    let etag = out.e_tag().unwrap().to_owned();
    assert_eq!(etag, etag_of(data), "part {n}");
    etag
}

fn parts(list: &[(i32, &str)]) -> CompletedMultipartUpload {
    let parts = list
        .iter()
        .map(|(n, e)| CompletedPart::builder().part_number(*n).e_tag(*e).build())
        .collect();
    CompletedMultipartUpload::builder().set_parts(Some(parts)).build()
}

fn multipart_etag(datas: &[&[u8]]) -> String {
    let cat: Vec<u8> = datas.iter().flat_map(|d| md5(d)).collect();
    format!("\"{}-{}\"", hex(&md5(&cat)), datas.len())
}

async fn complete(
    s3: &Client,
    bucket: &str,
    key: &str,
    id: &str,
    list: &[(i32, &str)],
) -> Result<
    aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadOutput,
    aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadError,
    >,
> {
    s3.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(parts(list))
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_parts_etag_bytes_and_ranges_across_parts() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let (p1, p2, p3) = (bytes(5 * MIB, 11), bytes(5 * MIB, 12), bytes(MIB, 13));
    let id = create(&s3, "mp", "big/object").await;

    let uploads = s3.list_multipart_uploads().bucket("mp").send().await.unwrap();
    let listed: Vec<(&str, &str)> = uploads
        .uploads()
        .iter()
        .map(|u| (u.key().unwrap(), u.upload_id().unwrap()))
        .collect();
    assert_eq!(listed, [("big/object", id.as_str())]);

    // Parts may arrive in any order.
    let e3 = upload(&s3, "mp", "big/object", &id, 3, &p3).await;
    let e1 = upload(&s3, "mp", "big/object", &id, 1, &p1).await;
    let e2 = upload(&s3, "mp", "big/object", &id, 2, &p2).await;
    assert!(
        !exists(&s3, "mp", "big/object").await,
        "not visible before completion"
    );

    let out = complete(&s3, "mp", "big/object", &id, &[(1, &e1), (2, &e2), (3, &e3)])
        .await
        .unwrap();
    let want_etag = multipart_etag(&[&p1, &p2, &p3]);
    assert_eq!(out.e_tag(), Some(want_etag.as_str()));
    assert_eq!(out.bucket(), Some("mp"));
    assert_eq!(out.key(), Some("big/object"));

    let all: Vec<u8> = [&p1[..], &p2[..], &p3[..]].concat();
    let head = s3
        .head_object()
        .bucket("mp")
        .key("big/object")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(all.len() as i64));
    assert_eq!(head.e_tag(), Some(want_etag.as_str()));
    assert!(get(&s3, "mp", "big/object").await == all, "bytes differ");

    let listed = s3.list_objects_v2().bucket("mp").send().await.unwrap();
    assert_eq!(listed.contents()[0].e_tag(), Some(want_etag.as_str()));
    assert_eq!(listed.contents()[0].size(), Some(all.len() as i64));
    assert!(
        s3.list_multipart_uploads()
            .bucket("mp")
            .send()
            .await
            .unwrap()
            .uploads()
            .is_empty()
    );
    assert_eq!(
        s3_err(
            s3.list_parts()
                .bucket("mp")
                .key("big/object")
                .upload_id(&id)
                .send()
                .await
        ),
        (404, "NoSuchUpload".to_owned())
    );

    let total = all.len();
    let five = 5 * MIB;
    for (range, start, end) in [
        (format!("bytes={}-{}", five - 10, five + 9), five - 10, five + 9),
        (
            format!("bytes={}-{}", 2 * five - 10, 2 * five + 9),
            2 * five - 10,
            2 * five + 9,
        ),
        (
            format!("bytes={}-{}", five - 5, 2 * five + 5),
            five - 5,
            2 * five + 5,
        ),
        (format!("bytes=-{}", MIB + 20), total - MIB - 20, total - 1),
        (format!("bytes={}-", five - 1), five - 1, total - 1),
        (format!("bytes={five}-{five}"), five, five),
    ] {
        let got = s3
            .get_object()
            .bucket("mp")
            .key("big/object")
            .range(&range)
            .send()
            .await
            .unwrap();
        assert_eq!(
            got.content_range(),
            Some(format!("bytes {start}-{end}/{total}").as_str()),
            "{range}"
        );
        assert_eq!(got.content_length(), Some((end - start + 1) as i64), "{range}");
        let body = got.body.collect().await.unwrap().into_bytes();
        assert!(body[..] == all[start..=end], "{range}: bytes differ");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_part_and_part_order_then_success() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let (p1, p2) = (bytes(5 * MIB, 21), bytes(1000, 22));
    let id = create(&s3, "mp", "k").await;
    let e1 = upload(&s3, "mp", "k", &id, 1, &p1).await;
    let e2 = upload(&s3, "mp", "k", &id, 2, &p2).await;

    let invalid_part = (400, "InvalidPart".to_owned());
    let wrong = etag_of(b"something else");
    assert_eq!(
        s3_err(complete(&s3, "mp", "k", &id, &[(1, &e1), (2, &wrong)]).await),
        invalid_part
    );
    assert_eq!(
        s3_err(complete(&s3, "mp", "k", &id, &[(1, &e1), (3, &e2)]).await),
        invalid_part
    );
    assert_eq!(
        s3_err(complete(&s3, "mp", "k", &id, &[(2, &e2), (1, &e1)]).await),
        (400, "InvalidPartOrder".to_owned())
    );
    assert!(!exists(&s3, "mp", "k").await);

    // The failures left the upload intact. ETags may be given without quotes.
    let unquoted = e2.trim_matches('"').to_owned();
    let out = complete(&s3, "mp", "k", &id, &[(1, &e1), (2, &unquoted)])
        .await
        .unwrap();
    assert_eq!(out.e_tag(), Some(multipart_etag(&[&p1, &p2]).as_str()));
    assert!(get(&s3, "mp", "k").await == [&p1[..], &p2[..]].concat());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subset_of_parts_can_be_completed() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let (p1, p2, p3) = (bytes(5 * MIB, 31), bytes(7, 32), bytes(5 * MIB, 33));
    let id = create(&s3, "mp", "k").await;
    let e1 = upload(&s3, "mp", "k", &id, 1, &p1).await;
    upload(&s3, "mp", "k", &id, 2, &p2).await;
    let e3 = upload(&s3, "mp", "k", &id, 3, &p3).await;
    let out = complete(&s3, "mp", "k", &id, &[(1, &e1), (3, &e3)])
        .await
        .unwrap();
    assert_eq!(out.e_tag(), Some(multipart_etag(&[&p1, &p3]).as_str()));
    assert!(get(&s3, "mp", "k").await == [&p1[..], &p3[..]].concat());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_too_small() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let (p1, p2) = (bytes(MIB, 41), bytes(MIB, 42));
    let id = create(&s3, "mp", "small").await;
    let e1 = upload(&s3, "mp", "small", &id, 1, &p1).await;
    let e2 = upload(&s3, "mp", "small", &id, 2, &p2).await;
    assert_eq!(
        s3_err(complete(&s3, "mp", "small", &id, &[(1, &e1), (2, &e2)]).await),
        (400, "EntityTooSmall".to_owned())
    );
    assert!(!exists(&s3, "mp", "small").await);

    // A lone small part is fine: the last part has no minimum.
    let id = create(&s3, "mp", "lone").await;
    let e1 = upload(&s3, "mp", "lone", &id, 1, &p1).await;
    let out = complete(&s3, "mp", "lone", &id, &[(1, &e1)]).await.unwrap();
    assert_eq!(out.e_tag(), Some(multipart_etag(&[&p1]).as_str()));
    assert!(get(&s3, "mp", "lone").await == p1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_then_everything_is_no_such_upload() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let id = create(&s3, "mp", "k").await;
    let e1 = upload(&s3, "mp", "k", &id, 1, b"data").await;
    s3.abort_multipart_upload()
        .bucket("mp")
        .key("k")
        .upload_id(&id)
        .send()
        .await
        .unwrap();

    let nsu = (404, "NoSuchUpload".to_owned());
    assert_eq!(
        s3_err(
            s3.upload_part()
                .bucket("mp")
                .key("k")
                .upload_id(&id)
                .part_number(2)
                .body(ByteStream::from_static(b"late"))
                .send()
                .await
        ),
        nsu
    );
    assert_eq!(
        s3_err(s3.list_parts().bucket("mp").key("k").upload_id(&id).send().await),
        nsu
    );
    assert_eq!(s3_err(complete(&s3, "mp", "k", &id, &[(1, &e1)]).await), nsu);
    assert_eq!(
        s3_err(
            s3.abort_multipart_upload()
                .bucket("mp")
                .key("k")
                .upload_id(&id)
                .send()
                .await
        ),
        nsu
    );
    assert!(
        s3.list_multipart_uploads()
            .bucket("mp")
            .send()
            .await
            .unwrap()
            .uploads()
            .is_empty()
    );
    assert!(!exists(&s3, "mp", "k").await);

    // A made-up upload id, too.
    assert_eq!(
        s3_err(
            s3.upload_part()
                .bucket("mp")
                .key("k")
                .upload_id("no-such-upload-id")
                .part_number(1)
                .body(ByteStream::from_static(b"x"))
                .send()
                .await
        ),
        nsu
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_parts_with_paging_and_overwrite() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let id = create(&s3, "mp", "k").await;
    let datas = [bytes(100, 51), bytes(200, 52), bytes(300, 53)];
    for (i, d) in datas.iter().enumerate() {
        upload(&s3, "mp", "k", &id, i as i32 + 1, d).await;
    }
    let replaced = bytes(250, 54);
    upload(&s3, "mp", "k", &id, 2, &replaced).await;
    let want = [
        (1, etag_of(&datas[0]), 100),
        (2, etag_of(&replaced), 250),
        (3, etag_of(&datas[2]), 300),
    ];

    let out = s3
        .list_parts()
        .bucket("mp")
        .key("k")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    let got: Vec<(i32, String, i64)> = out
        .parts()
        .iter()
        .map(|p| {
            (
                p.part_number().unwrap(),
                p.e_tag().unwrap().to_owned(),
                p.size().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(out.is_truncated(), Some(false));
    assert_eq!(out.upload_id(), Some(id.as_str()));
    assert_eq!(out.key(), Some("k"));
    assert!(out.parts().iter().all(|p| p.last_modified().is_some()));

    let page = s3
        .list_parts()
        .bucket("mp")
        .key("k")
        .upload_id(&id)
        .max_parts(2)
        .send()
        .await
        .unwrap();
    let numbers: Vec<i32> = page.parts().iter().map(|p| p.part_number().unwrap()).collect();
    assert_eq!(numbers, [1, 2]);
    assert_eq!(page.is_truncated(), Some(true));
    assert_eq!(page.next_part_number_marker(), Some("2"));
    let page = s3
        .list_parts()
        .bucket("mp")
        .key("k")
        .upload_id(&id)
        .max_parts(2)
        .part_number_marker("2")
        .send()
        .await
        .unwrap();
    let numbers: Vec<i32> = page.parts().iter().map(|p| p.part_number().unwrap()).collect();
    assert_eq!(numbers, [3]);
    assert_eq!(page.is_truncated(), Some(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_multipart_uploads() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let a = create(&s3, "mp", "a").await;
    let b1 = create(&s3, "mp", "dir/b").await;
    let b2 = create(&s3, "mp", "dir/b").await;
    let c = create(&s3, "mp", "dir/sub/c").await;
    assert_ne!(b1, b2);

    let out = s3.list_multipart_uploads().bucket("mp").send().await.unwrap();
    let mut got: Vec<(String, String)> = out
        .uploads()
        .iter()
        .map(|u| (u.key().unwrap().to_owned(), u.upload_id().unwrap().to_owned()))
        .collect();
    let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["a", "dir/b", "dir/b", "dir/sub/c"], "sorted by key");
    got.sort();
    let mut want = vec![
        ("a".to_owned(), a),
        ("dir/b".to_owned(), b1),
        ("dir/b".to_owned(), b2),
        ("dir/sub/c".to_owned(), c),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(out.uploads().iter().all(|u| u.initiated().is_some()));

    let out = s3
        .list_multipart_uploads()
        .bucket("mp")
        .prefix("dir/s")
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = out.uploads().iter().map(|u| u.key().unwrap()).collect();
    assert_eq!(keys, ["dir/sub/c"]);
    assert_eq!(out.prefix(), Some("dir/s"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_part_copy_with_source_range() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "src").await;
    create_bucket(&s3, "mp").await;
    let source = bytes(6 * MIB + 333, 61);
    put(&s3, "src", "source object", &source).await;
    let tail = bytes(100_000, 62);
    put(&s3, "src", "tail", &tail).await;

    let id = create(&s3, "mp", "assembled").await;
    let first = 5 * MIB + 7;
    let out = s3
        .upload_part_copy()
        .bucket("mp")
        .key("assembled")
        .upload_id(&id)
        .part_number(1)
        .copy_source("src/source%20object")
        .copy_source_range(format!("bytes=7-{}", first + 6))
        .send()
        .await
        .unwrap();
    let e1 = out.copy_part_result().unwrap().e_tag().unwrap().to_owned();
    assert_eq!(e1, etag_of(&source[7..first + 7]));
    // Without a range: the whole source.
    let out = s3
        .upload_part_copy()
        .bucket("mp")
        .key("assembled")
        .upload_id(&id)
        .part_number(2)
        .copy_source("src/tail")
        .send()
        .await
        .unwrap();
    let e2 = out.copy_part_result().unwrap().e_tag().unwrap().to_owned();
    assert_eq!(e2, etag_of(&tail));

    let parts_listed = s3
        .list_parts()
        .bucket("mp")
        .key("assembled")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    let sizes: Vec<i64> = parts_listed.parts().iter().map(|p| p.size().unwrap()).collect();
    assert_eq!(sizes, [first as i64, 100_000]);

    let out = complete(&s3, "mp", "assembled", &id, &[(1, &e1), (2, &e2)])
        .await
        .unwrap();
    assert_eq!(
        out.e_tag(),
        Some(multipart_etag(&[&source[7..first + 7], &tail]).as_str())
    );
    let want = [&source[7..first + 7], &tail[..]].concat();
    assert!(get(&s3, "mp", "assembled").await == want, "bytes differ");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn part_numbers_and_upload_ids_are_checked() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let id = create(&s3, "mp", "k").await;
    for n in [0, 10_001] {
        let r = s3
            .upload_part()
            .bucket("mp")
            .key("k")
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await;
        assert_eq!(s3_err(r), (400, "InvalidArgument".to_owned()), "part {n}");
    }
    upload(&s3, "mp", "k", &id, 10_000, b"last possible part").await;
    // The upload id belongs to another key.
    assert_eq!(
        s3_err(
            s3.list_parts()
                .bucket("mp")
                .key("other")
                .upload_id(&id)
                .send()
                .await
        ),
        (404, "NoSuchUpload".to_owned())
    );
    let r = s3
        .upload_part()
        .bucket("mp")
        .key("other")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (404, "NoSuchUpload".to_owned()));
    let listed = s3
        .list_parts()
        .bucket("mp")
        .key("k")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    let numbers: Vec<i32> = listed.parts().iter().map(|p| p.part_number().unwrap()).collect();
    assert_eq!(numbers, [10_000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completed_object_keeps_the_metadata_given_at_create() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let out = s3
        .create_multipart_upload()
        .bucket("mp")
        .key("m")
        .content_type("video/mp4")
        .cache_control("no-store")
        .metadata("Camera", "x100")
        .storage_class(StorageClass::StandardIa)
        .send()
        .await
        .unwrap();
    let id = out.upload_id().unwrap().to_owned();
    let data = bytes(1000, 71);
    let e1 = upload(&s3, "mp", "m", &id, 1, &data).await;
    complete(&s3, "mp", "m", &id, &[(1, &e1)]).await.unwrap();
    let head = s3.head_object().bucket("mp").key("m").send().await.unwrap();
    assert_eq!(head.content_type(), Some("video/mp4"));
    assert_eq!(head.cache_control(), Some("no-store"));
    let meta: std::collections::HashMap<String, String> = [("camera".to_owned(), "x100".to_owned())].into();
    assert_eq!(head.metadata(), Some(&meta));
    assert_eq!(head.storage_class(), Some(&StorageClass::StandardIa));
    assert!(get(&s3, "mp", "m").await == data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_head_by_part_number() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "pn").await;
    let datas = [bytes(5 * MIB, 1), bytes(5 * MIB + 7, 2), bytes(1000, 3)];
    let id = create(&s3, "pn", "mp").await;
    let mut tags = Vec::new();
    for (i, d) in datas.iter().enumerate() {
        tags.push(upload(&s3, "pn", "mp", &id, i32::try_from(i + 1).unwrap(), d).await);
    }
    let list: Vec<(i32, &str)> = tags
        .iter()
        .enumerate()
        .map(|(i, t)| (i32::try_from(i + 1).unwrap(), t.as_str()))
        .collect();
    complete(&s3, "pn", "mp", &id, &list).await.unwrap();
    let total: usize = datas.iter().map(Vec::len).sum();

    let mut start = 0;
    for (i, d) in datas.iter().enumerate() {
        let n = i32::try_from(i + 1).unwrap();
        let got = s3
            .get_object()
            .bucket("pn")
            .key("mp")
            .part_number(n)
            .send()
            .await
            .unwrap();
        assert_eq!(got.parts_count(), Some(3));
        assert_eq!(got.content_length(), Some(i64::try_from(d.len()).unwrap()));
        let range = format!("bytes {start}-{}/{total}", start + d.len() - 1);
        assert_eq!(got.content_range(), Some(range.as_str()));
        assert_eq!(
            got.e_tag(),
            Some(multipart_etag(&[&datas[0], &datas[1], &datas[2]]).as_str())
        );
        assert!(
            got.body.collect().await.unwrap().into_bytes().as_ref() == d.as_slice(),
            "part {n} bytes"
        );
        let head = s3
            .head_object()
            .bucket("pn")
            .key("mp")
            .part_number(n)
            .send()
            .await
            .unwrap();
        assert_eq!(head.parts_count(), Some(3));
        assert_eq!(head.content_length(), Some(i64::try_from(d.len()).unwrap()));
        start += d.len();
    }
    // HEAD of a part is 206 on the wire, as AWS (s3s alone would say 200).
    let url = s3
        .head_object()
        .bucket("pn")
        .key("mp")
        .part_number(2)
        .presigned(
            aws_sdk_s3::presigning::PresigningConfig::expires_in(std::time::Duration::from_secs(60)).unwrap(),
        )
        .await
        .unwrap();
    let resp = reqwest::Client::new().head(url.uri()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 206);
    assert_eq!(resp.headers()["x-amz-mp-parts-count"], "3");
    // Without partNumber there is no parts count, as AWS.
    let head = s3.head_object().bucket("pn").key("mp").send().await.unwrap();
    assert_eq!(head.parts_count(), None);
    assert_eq!(head.content_length(), Some(i64::try_from(total).unwrap()));

    let r = s3.get_object().bucket("pn").key("mp").part_number(4).send().await;
    assert_eq!(s3_err(r), (416, "InvalidPartNumber".into()));
    let r = s3
        .get_object()
        .bucket("pn")
        .key("mp")
        .part_number(1)
        .range("bytes=0-1")
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
    let r = s3
        .get_object()
        .bucket("pn")
        .key("mp")
        .part_number(10_001)
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidArgument".into()));

    // A single-PUT object is one part.
    put(&s3, "pn", "single", b"whole object").await;
    let got = s3
        .get_object()
        .bucket("pn")
        .key("single")
        .part_number(1)
        .send()
        .await
        .unwrap();
    assert_eq!(got.parts_count(), None);
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"whole object"
    );
    let r = s3
        .get_object()
        .bucket("pn")
        .key("single")
        .part_number(2)
        .send()
        .await;
    assert_eq!(s3_err(r), (416, "InvalidPartNumber".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_multipart_uploads_pages_with_markers_delimiter_and_encoding() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mpl").await;
    // Two uploads of "k", then keys in two directories and a key needing encoding.
    let mut ids = Vec::new();
    for key in ["k", "k", "a dir/1", "a dir/2", "a dir/3", "z/1", "plus+key"] {
        ids.push((key, create(&s3, "mpl", key).await));
    }
    // Flat paging, two at a time: every (key, id) exactly once, in key order.
    let mut seen = Vec::new();
    let (mut key_marker, mut id_marker) = (None::<String>, None::<String>);
    loop {
        let out = s3
            .list_multipart_uploads()
            .bucket("mpl")
            .max_uploads(2)
            .set_key_marker(key_marker.clone())
            .set_upload_id_marker(id_marker.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(out.max_uploads(), Some(2));
        assert!(out.uploads().len() <= 2);
        for u in out.uploads() {
            seen.push((u.key().unwrap().to_owned(), u.upload_id().unwrap().to_owned()));
            assert!(u.initiator().is_some() && u.owner().is_some());
        }
        if out.is_truncated() != Some(true) {
            break;
        }
        key_marker = out.next_key_marker().map(str::to_owned);
        id_marker = out.next_upload_id_marker().map(str::to_owned);
    }
    let keys: Vec<&str> = seen.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["a dir/1", "a dir/2", "a dir/3", "k", "k", "plus+key", "z/1"]
    );
    let mut got_ids: Vec<&str> = seen.iter().map(|(_, id)| id.as_str()).collect();
    let mut want_ids: Vec<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
    got_ids.sort_unstable();
    want_ids.sort_unstable();
    assert_eq!(got_ids, want_ids);

    // With a delimiter, one entry per directory, and paging skips a whole directory.
    let out = s3
        .list_multipart_uploads()
        .bucket("mpl")
        .delimiter("/")
        .max_uploads(1)
        .send()
        .await
        .unwrap();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(prefixes, ["a dir/"]);
    assert!(out.uploads().is_empty());
    assert_eq!(out.is_truncated(), Some(true));
    assert_eq!(out.next_key_marker(), Some("a dir/"));
    let out = s3
        .list_multipart_uploads()
        .bucket("mpl")
        .delimiter("/")
        .key_marker("a dir/")
        .max_uploads(3)
        .send()
        .await
        .unwrap();
    let keys: Vec<&str> = out.uploads().iter().map(|u| u.key().unwrap()).collect();
    assert_eq!(keys, ["k", "k", "plus+key"]);
    assert_eq!(out.is_truncated(), Some(true));
    let out = s3
        .list_multipart_uploads()
        .bucket("mpl")
        .delimiter("/")
        .key_marker(out.next_key_marker().unwrap())
        .upload_id_marker(out.next_upload_id_marker().unwrap())
        .send()
        .await
        .unwrap();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(prefixes, ["z/"]);
    assert_eq!(out.is_truncated(), Some(false));

    // encoding-type=url applies to keys and prefixes.
    let out = s3
        .list_multipart_uploads()
        .bucket("mpl")
        .delimiter("/")
        .encoding_type(aws_sdk_s3::types::EncodingType::Url)
        .send()
        .await
        .unwrap();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(prefixes, ["a%20dir/", "z/"]);
    let keys: Vec<&str> = out.uploads().iter().map(|u| u.key().unwrap()).collect();
    assert_eq!(keys, ["k", "k", "plus%2Bkey"]);

    // Many uploads under one prefix roll into one entry; max-uploads=0 is an empty page.
    for i in 0..30 {
        create(&s3, "mpl", &format!("a dir/many-{i:02}")).await;
    }
    let out = s3
        .list_multipart_uploads()
        .bucket("mpl")
        .delimiter("/")
        .max_uploads(2)
        .send()
        .await
        .unwrap();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    let keys: Vec<&str> = out.uploads().iter().map(|u| u.key().unwrap()).collect();
    assert_eq!((prefixes, keys), (vec!["a dir/"], vec!["k"]));
    let out = s3
        .list_multipart_uploads()
        .bucket("mpl")
        .max_uploads(0)
        .send()
        .await
        .unwrap();
    assert!(out.uploads().is_empty());
    assert_eq!(out.is_truncated(), Some(false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_last_part_reads_as_empty() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "ep").await;
    let first = bytes(5 * MIB, 4);
    let id = create(&s3, "ep", "k").await;
    let e1 = upload(&s3, "ep", "k", &id, 1, &first).await;
    let e2 = upload(&s3, "ep", "k", &id, 2, b"").await;
    complete(&s3, "ep", "k", &id, &[(1, &e1), (2, &e2)])
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("ep")
        .key("k")
        .part_number(2)
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_length(), Some(0));
    assert_eq!(got.parts_count(), Some(2));
    assert!(got.body.collect().await.unwrap().into_bytes().is_empty());
    assert!(get(&s3, "ep", "k").await == first);
}
