//! Bucket cases: creation, lookup, listing and deletion.

use super::{blob_version, blobs, bucket_record, list_query, make_bucket, upload};
use crate::{MetaError, MetaStore, UploadQuery, Versioning, WriteCondition};

/// Create, read, list, refuse duplicates and non-empty deletes, delete.
pub async fn bucket_lifecycle(store: &dyn MetaStore) {
    let mut versioned = bucket_record("lifecycle-b");
    versioned.versioning = Versioning::Enabled;
    versioned.region = "eu-west-1".to_owned();
    store.create_bucket(versioned.clone()).await.unwrap();
    make_bucket(store, "lifecycle-a").await;

    assert_eq!(
        store.get_bucket("lifecycle-b").await.unwrap(),
        Some(versioned.clone())
    );
    assert_eq!(store.get_bucket("lifecycle-none").await.unwrap(), None);
    let r = store.create_bucket(bucket_record("lifecycle-b")).await;
    assert!(matches!(r, Err(MetaError::BucketExists)), "{r:?}");
    assert_eq!(
        store.get_bucket("lifecycle-b").await.unwrap(),
        Some(versioned),
        "a refused create changes nothing"
    );

    let names: Vec<String> = store
        .list_buckets()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .filter(|n| n.starts_with("lifecycle-"))
        .collect();
    assert_eq!(names, ["lifecycle-a", "lifecycle-b"]);

    let r = store.delete_bucket("lifecycle-none").await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");

    // An object keeps the bucket.
    store
        .put_object(blob_version("lifecycle-a", "k", "lc-1"), WriteCondition::None)
        .await
        .unwrap();
    let r = store.delete_bucket("lifecycle-a").await;
    assert!(matches!(r, Err(MetaError::BucketNotEmpty)), "{r:?}");
    assert_eq!(
        store.delete_object("lifecycle-a", "k", None).await.unwrap(),
        blobs(&["lc-1"])
    );

    // So does an upload in progress.
    store
        .create_upload(upload("lifecycle-a", "k", "lc-upload", 1))
        .await
        .unwrap();
    let r = store.delete_bucket("lifecycle-a").await;
    assert!(matches!(r, Err(MetaError::BucketNotEmpty)), "{r:?}");
    store.abort_upload("lc-upload").await.unwrap();

    store.delete_bucket("lifecycle-a").await.unwrap();
    assert_eq!(store.get_bucket("lifecycle-a").await.unwrap(), None);
    store.delete_bucket("lifecycle-b").await.unwrap();
    // The name is free again.
    make_bucket(store, "lifecycle-a").await;
    store.delete_bucket("lifecycle-a").await.unwrap();
}

/// Operations on a bucket that does not exist.
pub async fn missing_bucket(store: &dyn MetaStore) {
    let r = store
        .put_object(blob_version("missing-bkt", "k", "mb-1"), WriteCondition::None)
        .await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");
    let r = store.delete_object("missing-bkt", "k", None).await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");
    let r = store
        .list_objects(&list_query("missing-bkt", "", None, None, 10))
        .await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");
    let r = store
        .create_upload(upload("missing-bkt", "k", "mb-upload", 1))
        .await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");
    let query = UploadQuery {
        bucket: "missing-bkt".to_owned(),
        limit: 10,
        ..UploadQuery::default()
    };
    let r = store.list_uploads(&query).await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");
    assert_eq!(store.get_object("missing-bkt", "k", None).await.unwrap(), None);
}
