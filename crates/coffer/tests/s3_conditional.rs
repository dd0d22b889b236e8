//! Conditional reads (GET/HEAD 304/412), conditional writes (PUT, Complete, Copy) and
//! `x-amz-copy-source-if-*`, against the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use common::Server;
use s3util::{create_bucket, etag_of, get, put, s3_err};

/// Seconds since the epoch of the object's Last-Modified.
async fn last_modified(s3: &Client, bucket: &str, key: &str) -> i64 {
    let head = s3.head_object().bucket(bucket).key(key).send().await.unwrap();
    head.last_modified().unwrap().secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_head_preconditions_follow_aws_precedence() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "cond").await;
    put(&s3, "cond", "k", b"hello").await;
    let tag = etag_of(b"hello");
    let lm = last_modified(&s3, "cond", "k").await;
    let before = DateTime::from_secs(lm - 60);
    let after = DateTime::from_secs(lm + 60);
    let at = DateTime::from_secs(lm);

    // Each condition alone, on GET and on HEAD.
    let get_ok = |r: Result<_, _>| {
        r.map(|_: aws_sdk_s3::operation::get_object::GetObjectOutput| ())
            .unwrap()
    };
    get_ok(
        s3.get_object()
            .bucket("cond")
            .key("k")
            .if_match(&tag)
            .send()
            .await,
    );
    get_ok(s3.get_object().bucket("cond").key("k").if_match("*").send().await);
    get_ok(
        s3.get_object()
            .bucket("cond")
            .key("k")
            .if_none_match("\"other\"")
            .send()
            .await,
    );
    get_ok(
        s3.get_object()
            .bucket("cond")
            .key("k")
            .if_modified_since(before)
            .send()
            .await,
    );
    get_ok(
        s3.get_object()
            .bucket("cond")
            .key("k")
            .if_unmodified_since(after)
            .send()
            .await,
    );
    get_ok(
        s3.get_object()
            .bucket("cond")
            .key("k")
            .if_unmodified_since(at)
            .send()
            .await,
    );
    assert_eq!(
        s3_err(
            s3.get_object()
                .bucket("cond")
                .key("k")
                .if_match("\"other\"")
                .send()
                .await
        ),
        (412, "PreconditionFailed".into())
    );
    assert_eq!(
        s3_err(
            s3.get_object()
                .bucket("cond")
                .key("k")
                .if_unmodified_since(before)
                .send()
                .await
        )
        .0,
        412
    );
    assert_eq!(
        s3_err(
            s3.get_object()
                .bucket("cond")
                .key("k")
                .if_none_match(&tag)
                .send()
                .await
        )
        .0,
        304
    );
    assert_eq!(
        s3_err(
            s3.get_object()
                .bucket("cond")
                .key("k")
                .if_modified_since(at)
                .send()
                .await
        )
        .0,
        304
    );
    // A date in the future is ignored (RFC 7232 3.3), as AWS does.
    s3.get_object()
        .bucket("cond")
        .key("k")
        .if_modified_since(after)
        .send()
        .await
        .unwrap();
    assert_eq!(
        s3_err(
            s3.head_object()
                .bucket("cond")
                .key("k")
                .if_none_match(&tag)
                .send()
                .await
        )
        .0,
        304
    );
    assert_eq!(
        s3_err(
            s3.head_object()
                .bucket("cond")
                .key("k")
                .if_match("\"x\"")
                .send()
                .await
        )
        .0,
        412
    );

    // AWS's precedence: If-Match true beats If-Unmodified-Since false (200);
    // If-None-Match false beats If-Modified-Since true (304).
    let got = s3
        .get_object()
        .bucket("cond")
        .key("k")
        .if_match(&tag)
        .if_unmodified_since(before)
        .send()
        .await
        .unwrap();
    assert_eq!(got.body.collect().await.unwrap().into_bytes().as_ref(), b"hello");
    let r = s3
        .get_object()
        .bucket("cond")
        .key("k")
        .if_none_match(&tag)
        .if_modified_since(before)
        .send()
        .await;
    assert_eq!(s3_err(r).0, 304);
    // A precondition failure wins over an unsatisfiable range.
    let r = s3
        .get_object()
        .bucket("cond")
        .key("k")
        .if_match("\"x\"")
        .range("bytes=100-")
        .send()
        .await;
    assert_eq!(s3_err(r).0, 412);
    // A missing key is 404 whatever the conditions.
    let r = s3
        .get_object()
        .bucket("cond")
        .key("nope")
        .if_match(&tag)
        .send()
        .await;
    assert_eq!(s3_err(r), (404, "NoSuchKey".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_modified_has_validators_and_no_body() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "nm").await;
    put(&s3, "nm", "k", b"cached").await;
    let tag = etag_of(b"cached");
    let url = s3
        .get_object()
        .bucket("nm")
        .key("k")
        .presigned(
            aws_sdk_s3::presigning::PresigningConfig::expires_in(std::time::Duration::from_secs(60)).unwrap(),
        )
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .get(url.uri())
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 304);
    assert_eq!(resp.headers()["etag"], tag.as_str());
    assert!(resp.headers().contains_key("last-modified"));
    assert!(resp.headers().contains_key("x-amz-request-id"));
    assert!(resp.bytes().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_put_if_match_and_if_none_match() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "cw").await;
    let first = s3
        .put_object()
        .bucket("cw")
        .key("lock")
        .if_none_match("*")
        .body(ByteStream::from_static(b"v1"))
        .send()
        .await
        .unwrap();
    let r = s3
        .put_object()
        .bucket("cw")
        .key("lock")
        .if_none_match("*")
        .body(ByteStream::from_static(b"v2"))
        .send()
        .await;
    assert_eq!(s3_err(r), (412, "PreconditionFailed".into()));
    let r = s3
        .put_object()
        .bucket("cw")
        .key("lock")
        .if_match("\"0123\"")
        .body(ByteStream::from_static(b"v2"))
        .send()
        .await;
    assert_eq!(s3_err(r), (412, "PreconditionFailed".into()));
    assert_eq!(get(&s3, "cw", "lock").await, b"v1");
    s3.put_object()
        .bucket("cw")
        .key("lock")
        .if_match(first.e_tag().unwrap())
        .body(ByteStream::from_static(b"v2"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, "cw", "lock").await, b"v2");
    // If-Match on a key that does not exist: 404, as AWS.
    let r = s3
        .put_object()
        .bucket("cw")
        .key("absent")
        .if_match("\"0123\"")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (404, "NoSuchKey".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_if_none_match_puts_have_exactly_one_winner() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "race").await;
    for round in 0..5 {
        let key = format!("lock-{round}");
        let mut tasks = tokio::task::JoinSet::new();
        for writer in 0..24u8 {
            let (s3, key) = (s3.clone(), key.clone());
            // Half the writers send bodies large enough to be blobs, so staging takes time.
            let body = if writer % 2 == 0 {
                vec![writer; 10]
            } else {
                vec![writer; 200_000]
            };
            tasks.spawn(async move {
                let r = s3
                    .put_object()
                    .bucket("race")
                    .key(&key)
                    .if_none_match("*")
                    .body(ByteStream::from(body.clone()))
                    .send()
                    .await;
                match r {
                    Ok(_) => Some(body),
                    Err(e) => {
                        let status = e.raw_response().map_or(0, |r| r.status().as_u16());
                        assert_eq!(status, 412, "{e:?}");
                        None
                    }
                }
            });
        }
        let mut winners = Vec::new();
        while let Some(r) = tasks.join_next().await {
            winners.extend(r.unwrap());
        }
        assert_eq!(winners.len(), 1, "round {round}: exactly one PUT may win");
        assert_eq!(get(&s3, "race", &key).await, winners[0]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_complete_multipart_upload() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "cmp").await;
    put(&s3, "cmp", "taken", b"already here").await;
    for (key, if_none_match, expect) in [("taken", true, Some(412)), ("free", true, None)] {
        let up = s3
            .create_multipart_upload()
            .bucket("cmp")
            .key(key)
            .send()
            .await
            .unwrap();
        let id = up.upload_id().unwrap();
        let part = s3
            .upload_part()
            .bucket("cmp")
            .key(key)
            .upload_id(id)
            .part_number(1)
            .body(ByteStream::from_static(b"part"))
            .send()
            .await
            .unwrap();
        let mut req = s3
            .complete_multipart_upload()
            .bucket("cmp")
            .key(key)
            .upload_id(id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .parts(
                        CompletedPart::builder()
                            .part_number(1)
                            .e_tag(part.e_tag().unwrap())
                            .build(),
                    )
                    .build(),
            );
        if if_none_match {
            req = req.if_none_match("*");
        }
        match expect {
            Some(status) => assert_eq!(s3_err(req.send().await).0, status),
            None => {
                req.send().await.unwrap();
                assert_eq!(get(&s3, "cmp", key).await, b"part");
            }
        }
    }
    assert_eq!(get(&s3, "cmp", "taken").await, b"already here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_source_conditions_and_destination_conditions() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "copycond").await;
    put(&s3, "copycond", "src", b"source bytes").await;
    let tag = etag_of(b"source bytes");
    let lm = last_modified(&s3, "copycond", "src").await;
    let copy = |dst: &str| {
        s3.copy_object()
            .bucket("copycond")
            .key(dst)
            .copy_source("copycond/src")
    };

    copy("a").copy_source_if_match(&tag).send().await.unwrap();
    copy("b")
        .copy_source_if_none_match("\"zz\"")
        .send()
        .await
        .unwrap();
    copy("c")
        .copy_source_if_modified_since(DateTime::from_secs(lm - 60))
        .send()
        .await
        .unwrap();
    copy("d")
        .copy_source_if_unmodified_since(DateTime::from_secs(lm + 60))
        .send()
        .await
        .unwrap();
    for r in [
        copy("x").copy_source_if_match("\"zz\"").send().await,
        copy("x").copy_source_if_none_match(&tag).send().await,
        copy("x")
            .copy_source_if_modified_since(DateTime::from_secs(lm + 60))
            .send()
            .await,
        copy("x")
            .copy_source_if_unmodified_since(DateTime::from_secs(lm - 60))
            .send()
            .await,
    ] {
        assert_eq!(s3_err(r), (412, "PreconditionFailed".into()));
    }
    // AWS: if-match true with if-unmodified-since false copies.
    copy("e")
        .copy_source_if_match(&tag)
        .copy_source_if_unmodified_since(DateTime::from_secs(lm - 60))
        .send()
        .await
        .unwrap();
    // ... and if-none-match false with if-modified-since true is refused.
    let r = copy("x")
        .copy_source_if_none_match(&tag)
        .copy_source_if_modified_since(DateTime::from_secs(lm - 60))
        .send()
        .await;
    assert_eq!(s3_err(r).0, 412);
    let r = s3.head_object().bucket("copycond").key("x").send().await;
    assert_eq!(s3_err(r).0, 404, "a refused copy wrote nothing");

    // Destination conditions.
    let r = copy("a").if_none_match("*").send().await;
    assert_eq!(s3_err(r), (412, "PreconditionFailed".into()));
    copy("fresh").if_none_match("*").send().await.unwrap();
    copy("a").if_match(&tag).send().await.unwrap();
    let r = copy("a").if_match("\"zz\"").send().await;
    assert_eq!(s3_err(r).0, 412);

    // UploadPartCopy honours the source conditions too.
    let up = s3
        .create_multipart_upload()
        .bucket("copycond")
        .key("mp")
        .send()
        .await
        .unwrap();
    let r = s3
        .upload_part_copy()
        .bucket("copycond")
        .key("mp")
        .upload_id(up.upload_id().unwrap())
        .part_number(1)
        .copy_source("copycond/src")
        .copy_source_if_none_match(&tag)
        .send()
        .await;
    assert_eq!(s3_err(r), (412, "PreconditionFailed".into()));
    s3.upload_part_copy()
        .bucket("copycond")
        .key("mp")
        .upload_id(up.upload_id().unwrap())
        .part_number(1)
        .copy_source("copycond/src")
        .copy_source_if_match(&tag)
        .send()
        .await
        .unwrap();
}
