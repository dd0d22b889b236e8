//! The copy-size limits, on the real engine with a small limit (a 5 GiB source would
//! take minutes to write for a test).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use coffer_core::{
    BlobStore, BodyStream, CopyObjectRequest, CopySource, CoreError, Integrity, ObjectMeta, PutObjectRequest,
    RangeSpec, Store, StoreConfig, WriteCondition,
};
use coffer_meta_sqlite::SqliteMetaStore;

fn body(len: usize) -> BodyStream {
    Box::pin(futures::stream::once(
        async move { Ok(Bytes::from(vec![7u8; len])) },
    ))
}

fn source(key: &str) -> CopySource {
    CopySource {
        bucket: "b".into(),
        key: key.into(),
        version_id: None,
        conditions: Default::default(),
        customer_key: None,
    }
}

#[tokio::test]
async fn copies_beyond_the_size_limit_are_invalid_requests() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Arc::new(SqliteMetaStore::open(&dir.path().join("meta.sqlite")).unwrap());
    let blobs = BlobStore::open(dir.path().join("blobs")).unwrap();
    let roomy = Store::new(meta.clone(), blobs.clone(), StoreConfig::default());
    let tight = Store::new(
        meta,
        blobs,
        StoreConfig {
            max_object_size: 1000,
            ..StoreConfig::default()
        },
    );
    roomy.create_bucket("b", "us-east-1", "owner").await.unwrap();
    roomy
        .put_object(PutObjectRequest {
            bucket: "b".into(),
            key: "big".into(),
            meta: ObjectMeta::default(),
            storage_class: None,
            body: body(1001),
            integrity: Integrity::default(),
            condition: WriteCondition::None,
            customer_key: None,
            sse: None,
        })
        .await
        .unwrap();

    let r = tight
        .copy_object(CopyObjectRequest {
            source: source("big"),
            bucket: "b".into(),
            key: "copy".into(),
            new_meta: None,
            new_tags: None,
            storage_class: None,
            condition: WriteCondition::None,
            customer_key: None,
            sse: None,
        })
        .await;
    assert!(matches!(r, Err(CoreError::InvalidRequest(m)) if m.contains("copy source is larger")));

    let upload = tight
        .create_upload("b", "mp", ObjectMeta::default(), None, (None, None), None, None)
        .await
        .unwrap();
    let whole = tight
        .upload_part_copy("b", "mp", &upload.upload_id, 1, &source("big"), None, None)
        .await;
    assert!(matches!(whole, Err(CoreError::InvalidRequest(m)) if m.contains("copy range is larger")));
    // A range within the limit is fine.
    let range = RangeSpec::FromTo {
        first: 0,
        last: Some(999),
    };
    tight
        .upload_part_copy("b", "mp", &upload.upload_id, 1, &source("big"), Some(range), None)
        .await
        .unwrap();
}
