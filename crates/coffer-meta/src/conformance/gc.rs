//! Blob reference cases the garbage collector relies on.

use std::collections::HashSet;

use super::{blob, blob_version, blobs, make_bucket, part, upload, version};
use crate::{MetaStore, ObjectData, WriteCondition};

/// Object blobs, object part blobs and upload part blobs are referenced; others are not.
pub async fn referenced_blobs(store: &dyn MetaStore) {
    let b = "referenced";
    make_bucket(store, b).await;
    store
        .put_object(blob_version(b, "single", "ref-obj"), WriteCondition::None)
        .await
        .unwrap();
    let parts = ObjectData::Parts(vec![part(1, "ref-op1").to_part_data()]);
    store
        .put_object(version(b, "multi", parts), WriteCondition::None)
        .await
        .unwrap();
    store.create_upload(upload(b, "up", "ref-up", 1)).await.unwrap();
    store.put_part("ref-up", part(1, "ref-pp1")).await.unwrap();

    let ids = blobs(&["ref-obj", "ref-op1", "ref-pp1", "ref-unknown"]);
    let found = store.referenced_blobs(&ids).await.unwrap();
    assert_eq!(
        found,
        HashSet::from([blob("ref-obj"), blob("ref-op1"), blob("ref-pp1")])
    );
    assert!(store.referenced_blobs(&[]).await.unwrap().is_empty());

    store.delete_object(b, "single", None).await.unwrap();
    store.delete_object(b, "multi", None).await.unwrap();
    store.abort_upload("ref-up").await.unwrap();
    assert!(store.referenced_blobs(&ids).await.unwrap().is_empty());
}

/// A blob two rows share is released only when the last reference goes.
pub async fn released_blobs_are_unreferenced(store: &dyn MetaStore) {
    let b = "shared-blobs";
    make_bucket(store, b).await;
    store
        .put_object(blob_version(b, "one", "sh-1"), WriteCondition::None)
        .await
        .unwrap();
    store
        .put_object(blob_version(b, "two", "sh-1"), WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(store.delete_object(b, "one", None).await.unwrap(), vec![]);
    assert_eq!(
        store
            .put_object(blob_version(b, "two", "sh-1"), WriteCondition::None)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store.delete_object(b, "two", None).await.unwrap(),
        blobs(&["sh-1"])
    );
}
