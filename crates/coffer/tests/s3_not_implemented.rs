//! Operations not built yet answer `NotImplemented` (501), never a silent success.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use aws_sdk_s3::types::{BucketVersioningStatus, Tag, Tagging, VersioningConfiguration};
use common::Server;
use s3util::{create_bucket, put, s3_err};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbuilt_operations_answer_not_implemented() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "ni").await;
    put(&s3, "ni", "k", b"v").await;
    let not_implemented = (501, "NotImplemented".to_owned());

    let versioning = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::Enabled)
        .build();
    let r = s3
        .put_bucket_versioning()
        .bucket("ni")
        .versioning_configuration(versioning)
        .send()
        .await;
    assert_eq!(s3_err(r), not_implemented);
    assert_eq!(
        s3_err(s3.get_bucket_cors().bucket("ni").send().await),
        not_implemented
    );
    let tagging = Tagging::builder()
        .tag_set(Tag::builder().key("a").value("b").build().unwrap())
        .build()
        .unwrap();
    let r = s3
        .put_object_tagging()
        .bucket("ni")
        .key("k")
        .tagging(tagging)
        .send()
        .await;
    assert_eq!(s3_err(r), not_implemented);
    assert_eq!(
        s3_err(s3.list_object_versions().bucket("ni").send().await),
        not_implemented
    );
}
