//! Content-MD5 and x-amz-checksum-* verification: good digests are stored and returned,
//! bad ones are refused with BadDigest and leave nothing behind.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use common::{Server, bytes};
use s3util::{b64, create_bucket, etag_of, exists, get, md5, put, s3_err};

/// "hello world" under each algorithm, base64 of the big-endian digest.
const HELLO: &[u8] = b"hello world";
const HELLO_SUMS: [(ChecksumAlgorithm, &str); 5] = [
    (ChecksumAlgorithm::Crc32, "DUoRhQ=="),
    (ChecksumAlgorithm::Crc32C, "yZRlqg=="),
    (ChecksumAlgorithm::Crc64Nvme, "jSnVw/bqjr4="),
    (ChecksumAlgorithm::Sha1, "Kq5sNclPz7QV2+lfQIuc6R7oRu0="),
    (
        ChecksumAlgorithm::Sha256,
        "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
    ),
];
/// SHA-256 of "goodbye world".
const OTHER_SHA256: &str = "kVDgJyfinKhSLCmtSqWoNDwhzPkJtA9zxBv0eN9+b8M=";

fn pick<'a>(algo: &ChecksumAlgorithm, sums: [Option<&'a str>; 5]) -> Option<&'a str> {
    let i = HELLO_SUMS.iter().position(|(a, _)| a == algo).unwrap();
    sums[i]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_md5_good_and_bad() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "md5").await;
    let data = bytes(200_000, 9);

    let out = s3
        .put_object()
        .bucket("md5")
        .key("good")
        .body(ByteStream::from(data.clone()))
        .content_md5(b64(&md5(&data)))
        .send()
        .await
        .unwrap();
    assert_eq!(out.e_tag(), Some(etag_of(&data).as_str()));
    assert!(get(&s3, "md5", "good").await == data);

    let wrong = b64(&md5(b"a different body"));
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("md5")
                .key("bad")
                .body(ByteStream::from(data.clone()))
                .content_md5(&wrong)
                .send()
                .await
        ),
        (400, "BadDigest".to_owned())
    );
    assert!(!exists(&s3, "md5", "bad").await);

    // A refused overwrite leaves the old object in place.
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("md5")
                .key("good")
                .body(ByteStream::from_static(b"new"))
                .content_md5(&wrong)
                .send()
                .await
        ),
        (400, "BadDigest".to_owned())
    );
    assert!(get(&s3, "md5", "good").await == data);

    // Not an MD5 at all.
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("md5")
                .key("bad")
                .body(ByteStream::from_static(b"x"))
                .content_md5("bm90IGFuIG1kNQ==")
                .send()
                .await
        ),
        (400, "InvalidDigest".to_owned())
    );
    assert!(!exists(&s3, "md5", "bad").await);
    let listed = s3.list_objects_v2().bucket("md5").send().await.unwrap();
    assert_eq!(listed.key_count(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_checksum_algorithms_are_verified_and_returned() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;
    for (algo, want) in HELLO_SUMS {
        let key = format!("hello-{}", algo.as_str());
        let out = s3
            .put_object()
            .bucket("sums")
            .key(&key)
            .body(ByteStream::from_static(HELLO))
            .checksum_algorithm(algo.clone())
            .send()
            .await
            .unwrap();
        let sums = [
            out.checksum_crc32(),
            out.checksum_crc32_c(),
            out.checksum_crc64_nvme(),
            out.checksum_sha1(),
            out.checksum_sha256(),
        ];
        assert_eq!(pick(&algo, sums), Some(want), "PutObject {algo:?}");
        assert_eq!(out.e_tag(), Some(etag_of(HELLO).as_str()));

        let head = s3
            .head_object()
            .bucket("sums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let sums = [
            head.checksum_crc32(),
            head.checksum_crc32_c(),
            head.checksum_crc64_nvme(),
            head.checksum_sha1(),
            head.checksum_sha256(),
        ];
        assert_eq!(pick(&algo, sums), Some(want), "HeadObject {algo:?}");

        // The SDK checks the returned checksum against the body it reads.
        let got = s3
            .get_object()
            .bucket("sums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let sums = [
            got.checksum_crc32(),
            got.checksum_crc32_c(),
            got.checksum_crc64_nvme(),
            got.checksum_sha1(),
            got.checksum_sha256(),
        ];
        assert_eq!(pick(&algo, sums), Some(want), "GetObject {algo:?}");
        assert_eq!(&got.body.collect().await.unwrap().into_bytes()[..], HELLO);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_checksums_on_a_larger_streamed_body() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;
    let data = bytes(3 * 1024 * 1024 + 17, 10);
    for (algo, _) in HELLO_SUMS {
        let key = format!("big-{}", algo.as_str());
        let out = s3
            .put_object()
            .bucket("sums")
            .key(&key)
            .body(ByteStream::from(data.clone()))
            .checksum_algorithm(algo.clone())
            .send()
            .await
            .unwrap();
        let put_sums = [
            out.checksum_crc32(),
            out.checksum_crc32_c(),
            out.checksum_crc64_nvme(),
            out.checksum_sha1(),
            out.checksum_sha256(),
        ];
        let sent = pick(&algo, put_sums).expect("the checksum is echoed");
        let head = s3
            .head_object()
            .bucket("sums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        let sums = [
            head.checksum_crc32(),
            head.checksum_crc32_c(),
            head.checksum_crc64_nvme(),
            head.checksum_sha1(),
            head.checksum_sha256(),
        ];
        assert_eq!(pick(&algo, sums), Some(sent), "{algo:?}");
        let got = s3
            .get_object()
            .bucket("sums")
            .key(&key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert!(
            got.body.collect().await.unwrap().into_bytes()[..] == data[..],
            "{algo:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_checksum_values_good_and_bad() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;

    // A correct value given by hand.
    s3.put_object()
        .bucket("sums")
        .key("given")
        .body(ByteStream::from_static(HELLO))
        .checksum_sha256(HELLO_SUMS[4].1)
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket("sums")
        .key("given")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_sha256(), Some(HELLO_SUMS[4].1));

    let bad_digest = (400, "BadDigest".to_owned());
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("sums")
                .key("bad")
                .body(ByteStream::from_static(HELLO))
                .checksum_sha256(OTHER_SHA256)
                .send()
                .await
        ),
        bad_digest
    );
    assert!(!exists(&s3, "sums", "bad").await);
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("sums")
                .key("bad")
                .body(ByteStream::from_static(HELLO))
                .checksum_crc32("AAAAAA==")
                .send()
                .await
        ),
        bad_digest
    );
    assert!(!exists(&s3, "sums", "bad").await);
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("sums")
                .key("bad")
                .body(ByteStream::from_static(HELLO))
                .checksum_crc64_nvme("AAAAAAAAAAA=")
                .send()
                .await
        ),
        bad_digest
    );
    assert!(!exists(&s3, "sums", "bad").await);

    // A refused overwrite keeps the old object.
    put(&s3, "sums", "kept", b"old").await;
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("sums")
                .key("kept")
                .body(ByteStream::from_static(HELLO))
                .checksum_sha256(OTHER_SHA256)
                .send()
                .await
        ),
        bad_digest
    );
    assert_eq!(get(&s3, "sums", "kept").await, b"old");
    let keys: Vec<String> = s3
        .list_objects_v2()
        .bucket("sums")
        .send()
        .await
        .unwrap()
        .contents()
        .iter()
        .map(|o| o.key().unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["given", "kept"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_part_digests() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mp").await;
    let id = s3
        .create_multipart_upload()
        .bucket("mp")
        .key("k")
        .send()
        .await
        .unwrap()
        .upload_id()
        .unwrap()
        .to_owned();
    let data = bytes(100_000, 11);
    let part = |n: i32| {
        s3.upload_part()
            .bucket("mp")
            .key("k")
            .upload_id(&id)
            .part_number(n)
            .body(ByteStream::from(data.clone()))
    };

    part(1).content_md5(b64(&md5(&data))).send().await.unwrap();
    assert_eq!(
        s3_err(part(2).content_md5(b64(&md5(b"other"))).send().await),
        (400, "BadDigest".to_owned())
    );
    assert_eq!(
        s3_err(part(3).checksum_sha256(OTHER_SHA256).send().await),
        (400, "BadDigest".to_owned())
    );
    let listed = s3
        .list_parts()
        .bucket("mp")
        .key("k")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    let numbers: Vec<i32> = listed.parts().iter().map(|p| p.part_number().unwrap()).collect();
    assert_eq!(numbers, [1]);
}
