//! Bucket operations against the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use common::Server;
use s3util::{create_bucket, put, s3_err};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_head_and_location() {
    let server = Server::start();
    let s3 = server.client();

    let cfg = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::UsWest2)
        .build();
    s3.create_bucket()
        .bucket("west")
        .create_bucket_configuration(cfg)
        .send()
        .await
        .unwrap();
    s3.head_bucket().bucket("west").send().await.unwrap();
    let loc = s3.get_bucket_location().bucket("west").send().await.unwrap();
    assert_eq!(
        loc.location_constraint(),
        Some(&BucketLocationConstraint::UsWest2)
    );

    let cfg = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::EuCentral1)
        .build();
    s3.create_bucket()
        .bucket("central")
        .create_bucket_configuration(cfg)
        .send()
        .await
        .unwrap();
    let loc = s3.get_bucket_location().bucket("central").send().await.unwrap();
    assert_eq!(
        loc.location_constraint(),
        Some(&BucketLocationConstraint::EuCentral1)
    );

    // Short names are accepted on purpose.
    create_bucket(&s3, "ab").await;
    create_bucket(&s3, "a").await;
    create_bucket(&s3, &"x".repeat(63)).await;
    create_bucket(&s3, "1.2-3").await;
    s3.head_bucket().bucket("ab").send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_twice_is_already_owned_by_you() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "twice").await;
    assert_eq!(
        s3_err(s3.create_bucket().bucket("twice").send().await),
        (409, "BucketAlreadyOwnedByYou".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bucket_names() {
    let server = Server::start();
    let s3 = server.client();
    for name in [
        "Bad_Name",
        "UPPER",
        "-leading-dash",
        "trailing-dash-",
        "two..dots",
        "192.168.1.1",
        &"x".repeat(64),
    ] {
        assert_eq!(
            s3_err(s3.create_bucket().bucket(name).send().await),
            (400, "InvalidBucketName".to_owned()),
            "{name}"
        );
    }
    let listed = s3.list_buckets().send().await.unwrap();
    assert!(listed.buckets().is_empty(), "{listed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_buckets_sorted() {
    let server = Server::start();
    let s3 = server.client();
    for b in ["zeta", "alpha", "mid-bucket", "alpha.beta"] {
        create_bucket(&s3, b).await;
    }
    let out = s3.list_buckets().send().await.unwrap();
    let names: Vec<&str> = out.buckets().iter().map(|b| b.name().unwrap()).collect();
    assert_eq!(names, ["alpha", "alpha.beta", "mid-bucket", "zeta"]);
    assert!(out.buckets().iter().all(|b| b.creation_date().is_some()));
    assert!(out.owner().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_bucket_not_empty_then_success() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "full").await;
    put(&s3, "full", "k", b"v").await;
    assert_eq!(
        s3_err(s3.delete_bucket().bucket("full").send().await),
        (409, "BucketNotEmpty".to_owned())
    );
    s3.head_bucket().bucket("full").send().await.unwrap();

    s3.delete_object().bucket("full").key("k").send().await.unwrap();
    s3.delete_bucket().bucket("full").send().await.unwrap();
    assert_eq!(s3_err(s3.head_bucket().bucket("full").send().await).0, 404);
    assert!(s3.list_buckets().send().await.unwrap().buckets().is_empty());
    assert_eq!(
        s3_err(s3.delete_bucket().bucket("full").send().await),
        (404, "NoSuchBucket".to_owned())
    );

    // The name is free again.
    create_bucket(&s3, "full").await;
    assert!(
        s3.list_objects_v2()
            .bucket("full")
            .send()
            .await
            .unwrap()
            .contents()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_with_an_unfinished_upload_is_not_empty() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "mpu").await;
    let up = s3
        .create_multipart_upload()
        .bucket("mpu")
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(
        s3_err(s3.delete_bucket().bucket("mpu").send().await),
        (409, "BucketNotEmpty".to_owned())
    );
    s3.abort_multipart_upload()
        .bucket("mpu")
        .key("k")
        .upload_id(up.upload_id().unwrap())
        .send()
        .await
        .unwrap();
    s3.delete_bucket().bucket("mpu").send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_on_a_missing_bucket() {
    let server = Server::start();
    let s3 = server.client();
    let nsb = (404, "NoSuchBucket".to_owned());
    assert_eq!(s3_err(s3.head_bucket().bucket("nope").send().await).0, 404);
    assert_eq!(s3_err(s3.get_bucket_location().bucket("nope").send().await), nsb);
    assert_eq!(s3_err(s3.put_object().bucket("nope").key("k").send().await), nsb);
    assert_eq!(s3_err(s3.get_object().bucket("nope").key("k").send().await), nsb);
    assert_eq!(
        s3_err(s3.head_object().bucket("nope").key("k").send().await).0,
        404
    );
    assert_eq!(
        s3_err(s3.delete_object().bucket("nope").key("k").send().await),
        nsb
    );
    assert_eq!(s3_err(s3.list_objects_v2().bucket("nope").send().await), nsb);
    assert_eq!(s3_err(s3.list_objects().bucket("nope").send().await), nsb);
    assert_eq!(
        s3_err(s3.create_multipart_upload().bucket("nope").key("k").send().await),
        nsb
    );
    assert_eq!(
        s3_err(s3.list_multipart_uploads().bucket("nope").send().await),
        nsb
    );
    assert_eq!(s3_err(s3.delete_bucket().bucket("nope").send().await), nsb);
    create_bucket(&s3, "src").await;
    put(&s3, "src", "k", b"v").await;
    assert_eq!(
        s3_err(
            s3.copy_object()
                .bucket("nope")
                .key("k")
                .copy_source("src/k")
                .send()
                .await
        ),
        nsb
    );
    assert_eq!(
        s3_err(
            s3.copy_object()
                .bucket("src")
                .key("k2")
                .copy_source("nope/k")
                .send()
                .await
        ),
        nsb
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_bucket_reports_the_region() {
    let server = Server::start();
    let s3 = server.client();
    let cfg = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::UsWest2)
        .build();
    s3.create_bucket()
        .bucket("west")
        .create_bucket_configuration(cfg)
        .send()
        .await
        .unwrap();
    let head = s3.head_bucket().bucket("west").send().await.unwrap();
    assert_eq!(head.bucket_region(), Some("us-west-2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_objects_on_a_missing_bucket() {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    let server = Server::start();
    let s3 = server.client();
    let ids = vec![ObjectIdentifier::builder().key("k").build().unwrap()];
    let delete = Delete::builder().set_objects(Some(ids)).build().unwrap();
    assert_eq!(
        s3_err(s3.delete_objects().bucket("nope").delete(delete).send().await),
        (404, "NoSuchBucket".to_owned())
    );
}
