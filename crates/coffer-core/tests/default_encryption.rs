//! A store without SSE-S3 by default (`--no-encryption`): writes that name no encryption
//! stay plaintext, explicit SSE and bucket configurations still encrypt, and objects
//! written either way read back under either setting.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use coffer_core::{
    BlobStore, BodyStream, BucketEncryption, Integrity, Keyring, ObjectMeta, PutObjectRequest, ReadRequest,
    RequestedSse, SecretKey, SseKind, Store, StoreConfig, WriteCondition, sse_kind,
};
use coffer_meta_sqlite::SqliteMetaStore;
use futures::StreamExt as _;

fn store(dir: &std::path::Path, master: &SecretKey, sse_s3_by_default: bool) -> Store {
    let meta = Arc::new(SqliteMetaStore::open(&dir.join("meta.sqlite")).unwrap());
    let blobs = BlobStore::open(dir.join("blobs")).unwrap();
    let config = StoreConfig {
        sse_s3_by_default,
        ..StoreConfig::default()
    };
    Store::new(meta, blobs, config).with_keyring(Keyring::new(master.clone(), Vec::new()))
}

async fn put(s: &Store, bucket: &str, key: &str, data: &[u8], sse: Option<RequestedSse>) {
    let data = Bytes::copy_from_slice(data);
    let body: BodyStream = Box::pin(futures::stream::once(async move { Ok(data) }));
    s.put_object(PutObjectRequest {
        bucket: bucket.into(),
        key: key.into(),
        meta: ObjectMeta::default(),
        storage_class: None,
        body,
        integrity: Integrity::default(),
        condition: WriteCondition::None,
        customer_key: None,
        sse,
    })
    .await
    .unwrap();
}

async fn read(s: &Store, bucket: &str, key: &str) -> Vec<u8> {
    let got = s.get_object(bucket, key, &ReadRequest::default()).await.unwrap();
    let mut out = Vec::new();
    let mut stream = got.body;
    while let Some(c) = stream.next().await {
        out.extend_from_slice(&c.unwrap());
    }
    out
}

async fn kind(s: &Store, bucket: &str, key: &str) -> SseKind {
    sse_kind(&s.head_object(bucket, key).await.unwrap().meta)
}

#[tokio::test(flavor = "multi_thread")]
async fn without_sse_s3_by_default_only_requested_encryption_encrypts() {
    let dir = tempfile::tempdir().unwrap();
    let master = SecretKey::generate();
    let big = vec![7u8; 200_000];
    let small = b"small".to_vec();

    let s = store(dir.path(), &master, false);
    assert!(!s.encrypts());
    s.create_bucket("plain", "us-east-1", "owner").await.unwrap();
    s.create_bucket("configured", "us-east-1", "owner").await.unwrap();
    assert_eq!(s.bucket_encryption("plain").await.unwrap(), None);
    s.put_bucket_encryption("configured", &BucketEncryption::default())
        .await
        .unwrap();
    assert_eq!(
        s.bucket_encryption("configured").await.unwrap(),
        Some(BucketEncryption::default())
    );

    put(&s, "plain", "big", &big, None).await;
    put(&s, "plain", "small", &small, None).await;
    put(&s, "plain", "asked", &big, Some(RequestedSse::S3)).await;
    put(&s, "configured", "big", &big, None).await;
    assert_eq!(kind(&s, "plain", "big").await, SseKind::None);
    assert_eq!(kind(&s, "plain", "small").await, SseKind::None);
    assert_eq!(kind(&s, "plain", "asked").await, SseKind::S3);
    assert_eq!(kind(&s, "configured", "big").await, SseKind::S3);
    assert_eq!(read(&s, "plain", "big").await, big);
    assert_eq!(read(&s, "plain", "small").await, small);
    assert_eq!(read(&s, "plain", "asked").await, big);

    // Deleting the configuration puts the bucket back to the store's default: none.
    s.delete_bucket_encryption("configured").await.unwrap();
    assert_eq!(s.bucket_encryption("configured").await.unwrap(), None);
    s.close().await.unwrap();
    drop(s);

    // The same data under the default setting: everything reads back, and new writes
    // that name nothing are encrypted again.
    let s = store(dir.path(), &master, true);
    assert!(s.encrypts());
    assert_eq!(
        s.bucket_encryption("plain").await.unwrap(),
        Some(BucketEncryption::default())
    );
    assert_eq!(read(&s, "plain", "big").await, big);
    assert_eq!(read(&s, "plain", "small").await, small);
    assert_eq!(read(&s, "plain", "asked").await, big);
    assert_eq!(read(&s, "configured", "big").await, big);
    put(&s, "plain", "later", &big, None).await;
    assert_eq!(kind(&s, "plain", "later").await, SseKind::S3);
    s.close().await.unwrap();
    drop(s);

    // And back without the default: the encrypted objects still read.
    let s = store(dir.path(), &master, false);
    assert_eq!(read(&s, "plain", "later").await, big);
    assert_eq!(read(&s, "configured", "big").await, big);
}
