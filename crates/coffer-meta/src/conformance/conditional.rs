//! Conditional writes (`IfNoneMatch`, `IfMatch`).

use std::collections::HashSet;

use super::{blob, blob_version, blobs, make_bucket, version};
use crate::{MetaError, MetaStore, ObjectData, WriteCondition};

/// `IfNoneMatch` and `IfMatch` against the latest version; a refused write changes nothing.
pub async fn conditional_writes(store: &dyn MetaStore) {
    let b = "conditional";
    make_bucket(store, b).await;
    let first = blob_version(b, "k", "cond-1");
    store
        .put_object(first.clone(), WriteCondition::IfNoneMatch)
        .await
        .unwrap();

    let r = store
        .put_object(blob_version(b, "k", "cond-x"), WriteCondition::IfNoneMatch)
        .await;
    assert!(matches!(r, Err(MetaError::PreconditionFailed)), "{r:?}");
    let r = store
        .put_object(
            blob_version(b, "k", "cond-x"),
            WriteCondition::IfMatch("wrong".to_owned()),
        )
        .await;
    assert!(matches!(r, Err(MetaError::PreconditionFailed)), "{r:?}");
    assert_eq!(store.get_object(b, "k", None).await.unwrap(), Some(first.clone()));
    let referenced = store
        .referenced_blobs(&[blob("cond-1"), blob("cond-x")])
        .await
        .unwrap();
    assert_eq!(referenced, HashSet::from([blob("cond-1")]));

    let r = store
        .put_object(
            blob_version(b, "k", "cond-2"),
            WriteCondition::IfMatch(first.etag.clone()),
        )
        .await;
    assert_eq!(r.unwrap(), blobs(&["cond-1"]));

    let r = store
        .put_object(
            blob_version(b, "absent", "cond-y"),
            WriteCondition::IfMatch("etag-any".to_owned()),
        )
        .await;
    assert!(matches!(r, Err(MetaError::NoSuchKey)), "{r:?}");
    assert_eq!(store.get_object(b, "absent", None).await.unwrap(), None);

    // A delete marker is not an object: If-None-Match passes, If-Match finds no key.
    let mut marker = version(b, "marked", ObjectData::Inline(Vec::new()));
    marker.delete_marker = true;
    marker.size = 0;
    store
        .put_object(marker.clone(), WriteCondition::None)
        .await
        .unwrap();
    let r = store
        .put_object(
            blob_version(b, "marked", "cond-z"),
            WriteCondition::IfMatch(marker.etag.clone()),
        )
        .await;
    assert!(matches!(r, Err(MetaError::NoSuchKey)), "{r:?}");
    store
        .put_object(blob_version(b, "marked", "cond-z"), WriteCondition::IfNoneMatch)
        .await
        .unwrap();

    // After a delete the key is free again.
    store.delete_object(b, "k", None).await.unwrap();
    store
        .put_object(blob_version(b, "k", "cond-3"), WriteCondition::IfNoneMatch)
        .await
        .unwrap();
}
