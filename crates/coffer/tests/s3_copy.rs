//! CopyObject against the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::collections::HashMap;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{MetadataDirective, StorageClass};
use common::{Server, bytes};
use s3util::{create_bucket, etag_of, get, put, s3_err, url_encode_path};

fn meta(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn put_with_meta(s3: &Client, bucket: &str, key: &str, data: &[u8]) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .content_type("image/png")
        .cache_control("no-cache")
        .content_disposition("inline")
        .metadata("origin", "source")
        .metadata("shade", "red")
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_keeps_metadata_same_and_cross_bucket() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "src").await;
    create_bucket(&s3, "dst").await;
    let data = bytes(70_000, 3);
    put_with_meta(&s3, "src", "orig", &data).await;

    for (bucket, key) in [("src", "copy"), ("dst", "nested/copy")] {
        let out = s3
            .copy_object()
            .bucket(bucket)
            .key(key)
            .copy_source("src/orig")
            .send()
            .await
            .unwrap();
        let result = out.copy_object_result().unwrap();
        assert_eq!(result.e_tag(), Some(etag_of(&data).as_str()));
        assert!(result.last_modified().is_some());

        let head = s3.head_object().bucket(bucket).key(key).send().await.unwrap();
        assert_eq!(head.content_type(), Some("image/png"));
        assert_eq!(head.cache_control(), Some("no-cache"));
        assert_eq!(head.content_disposition(), Some("inline"));
        assert_eq!(
            head.metadata(),
            Some(&meta(&[("origin", "source"), ("shade", "red")]))
        );
        assert_eq!(head.e_tag(), Some(etag_of(&data).as_str()));
        assert_eq!(head.content_length(), Some(70_000));
        assert!(get(&s3, bucket, key).await == data);
    }

    // The copies are independent of the source.
    s3.delete_object().bucket("src").key("orig").send().await.unwrap();
    assert!(get(&s3, "src", "copy").await == data);
    assert!(get(&s3, "dst", "nested/copy").await == data);
    assert_eq!(
        s3_err(
            s3.copy_object()
                .bucket("dst")
                .key("x")
                .copy_source("src/orig")
                .send()
                .await
        ),
        (404, "NoSuchKey".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_replace_replaces_metadata() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "bkt").await;
    put_with_meta(&s3, "bkt", "orig", b"payload").await;

    s3.copy_object()
        .bucket("bkt")
        .key("replaced")
        .copy_source("bkt/orig")
        .metadata_directive(MetadataDirective::Replace)
        .content_type("text/plain")
        .metadata("fresh", "yes")
        .send()
        .await
        .unwrap();
    let head = s3
        .head_object()
        .bucket("bkt")
        .key("replaced")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("text/plain"));
    assert_eq!(head.metadata(), Some(&meta(&[("fresh", "yes")])));
    assert!(head.cache_control().is_none(), "{:?}", head.cache_control());
    assert!(
        head.content_disposition().is_none(),
        "{:?}",
        head.content_disposition()
    );
    assert_eq!(get(&s3, "bkt", "replaced").await, b"payload");

    // The source keeps its own metadata.
    let head = s3.head_object().bucket("bkt").key("orig").send().await.unwrap();
    assert_eq!(
        head.metadata(),
        Some(&meta(&[("origin", "source"), ("shade", "red")]))
    );

    // With COPY, metadata sent along the copy is ignored.
    s3.copy_object()
        .bucket("bkt")
        .key("copied")
        .copy_source("bkt/orig")
        .metadata_directive(MetadataDirective::Copy)
        .metadata("ignored", "yes")
        .send()
        .await
        .unwrap();
    let head = s3.head_object().bucket("bkt").key("copied").send().await.unwrap();
    assert_eq!(
        head.metadata(),
        Some(&meta(&[("origin", "source"), ("shade", "red")]))
    );
    assert_eq!(head.content_type(), Some("image/png"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_onto_itself() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "self").await;
    put_with_meta(&s3, "self", "k", b"same").await;
    assert_eq!(
        s3_err(
            s3.copy_object()
                .bucket("self")
                .key("k")
                .copy_source("self/k")
                .send()
                .await
        ),
        (400, "InvalidRequest".to_owned())
    );
    // Unchanged.
    let head = s3.head_object().bucket("self").key("k").send().await.unwrap();
    assert_eq!(
        head.metadata(),
        Some(&meta(&[("origin", "source"), ("shade", "red")]))
    );

    // With REPLACE it is how metadata gets changed in place.
    s3.copy_object()
        .bucket("self")
        .key("k")
        .copy_source("self/k")
        .metadata_directive(MetadataDirective::Replace)
        .metadata("v", "2")
        .send()
        .await
        .unwrap();
    let head = s3.head_object().bucket("self").key("k").send().await.unwrap();
    assert_eq!(head.metadata(), Some(&meta(&[("v", "2")])));
    assert_eq!(get(&s3, "self", "k").await, b"same");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_source_with_encoded_key() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "enc").await;
    let key = "dir/a b+c%d?e#f/日本語";
    put(&s3, "enc", key, b"encoded").await;
    let source = format!("enc/{}", url_encode_path(key));
    s3.copy_object()
        .bucket("enc")
        .key("plain-copy")
        .copy_source(&source)
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, "enc", "plain-copy").await, b"encoded");
    // A leading slash on the source is allowed.
    s3.copy_object()
        .bucket("enc")
        .key("copy two")
        .copy_source(format!("/{source}"))
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, "enc", "copy two").await, b"encoded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_onto_itself_changing_only_the_storage_class() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "self").await;
    put_with_meta(&s3, "self", "k", b"same").await;
    s3.copy_object()
        .bucket("self")
        .key("k")
        .copy_source("self/k")
        .storage_class(StorageClass::StandardIa)
        .send()
        .await
        .unwrap();
    let head = s3.head_object().bucket("self").key("k").send().await.unwrap();
    assert_eq!(head.storage_class(), Some(&StorageClass::StandardIa));
    assert_eq!(
        head.metadata(),
        Some(&meta(&[("origin", "source"), ("shade", "red")]))
    );
    assert_eq!(get(&s3, "self", "k").await, b"same");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_are_stored_counted_and_follow_the_tagging_directive() {
    use aws_sdk_s3::types::TaggingDirective;
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "tags").await;
    s3.put_object()
        .bucket("tags")
        .key("src")
        .tagging("project=coffer&team=storage%20core")
        .body(ByteStream::from_static(b"tagged"))
        .send()
        .await
        .unwrap();
    let got = s3.get_object().bucket("tags").key("src").send().await.unwrap();
    assert_eq!(got.tag_count(), Some(2));
    let copy = |dst: &'static str| s3.copy_object().bucket("tags").key(dst).copy_source("tags/src");
    copy("kept").send().await.unwrap();
    let got = s3.get_object().bucket("tags").key("kept").send().await.unwrap();
    assert_eq!(got.tag_count(), Some(2));
    copy("replaced")
        .tagging_directive(TaggingDirective::Replace)
        .tagging("only=one")
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("tags")
        .key("replaced")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tag_count(), Some(1));
    copy("cleared")
        .tagging_directive(TaggingDirective::Replace)
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("tags")
        .key("cleared")
        .send()
        .await
        .unwrap();
    assert_eq!(got.tag_count(), None);
    // Replacing only the tags is a legal copy onto itself.
    s3.copy_object()
        .bucket("tags")
        .key("src")
        .copy_source("tags/src")
        .tagging_directive(TaggingDirective::Replace)
        .tagging("a=1&b=2&c=3")
        .send()
        .await
        .unwrap();
    let got = s3.get_object().bucket("tags").key("src").send().await.unwrap();
    assert_eq!(got.tag_count(), Some(3));
    assert_eq!(got.body.collect().await.unwrap().into_bytes().as_ref(), b"tagged");

    // Directive values other than COPY and REPLACE are refused.
    let r = s3
        .copy_object()
        .bucket("tags")
        .key("x")
        .copy_source("tags/src")
        .tagging_directive(TaggingDirective::from("replace"))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidArgument".into()));

    let eleven: Vec<String> = (0..11).map(|i| format!("k{i}=v")).collect();
    let r = s3
        .put_object()
        .bucket("tags")
        .key("too-many")
        .tagging(eleven.join("&"))
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidTag".into()));
    let r = s3
        .put_object()
        .bucket("tags")
        .key("dup")
        .tagging("a=1&a=2")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidTag".into()));
}
