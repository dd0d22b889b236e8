//! Multipart upload cases: parts, completion, abort and upload listing.

use std::collections::HashSet;

use super::{blob, blob_version, blobs, make_bucket, part, sorted, upload, version};
use crate::{MetaError, MetaStore, ObjectData, PartData, UploadQuery, UploadRecord, WriteCondition};

/// Create, upload and replace parts, refuse bad completions, complete.
pub async fn multipart_lifecycle(store: &dyn MetaStore) {
    let b = "multipart";
    make_bucket(store, b).await;
    let up = upload(b, "big/file", "mp-1", 10);
    store.create_upload(up.clone()).await.unwrap();
    assert_eq!(store.get_upload(b, "big/file", "mp-1").await.unwrap(), Some(up));
    assert_eq!(store.get_upload(b, "other", "mp-1").await.unwrap(), None);
    assert_eq!(store.get_upload(b, "big/file", "mp-none").await.unwrap(), None);

    assert_eq!(store.put_part("mp-1", part(1, "mp-p1")).await.unwrap(), vec![]);
    assert_eq!(store.put_part("mp-1", part(2, "mp-p2a")).await.unwrap(), vec![]);
    assert_eq!(store.put_part("mp-1", part(3, "mp-p3")).await.unwrap(), vec![]);
    // Replacing a part releases the old one.
    assert_eq!(
        store.put_part("mp-1", part(2, "mp-p2b")).await.unwrap(),
        blobs(&["mp-p2a"])
    );
    assert_eq!(
        store.list_parts("mp-1").await.unwrap(),
        vec![part(1, "mp-p1"), part(2, "mp-p2b"), part(3, "mp-p3")]
    );
    let r = store.put_part("mp-none", part(1, "mp-x")).await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");
    let r = store.list_parts("mp-none").await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");

    let complete = |parts: Vec<PartData>| {
        let mut v = version(b, "big/file", ObjectData::Parts(parts));
        v.etag = "md5ofmd5s-2".to_owned();
        v
    };
    // Wrong ETag, replaced blob, missing part: InvalidPart, and the upload is untouched.
    let mut wrong_etag = part(2, "mp-p2b").to_part_data();
    wrong_etag.etag = "bogus".to_owned();
    let bad: [(Vec<PartData>, u32); 3] = [
        (vec![part(1, "mp-p1").to_part_data(), wrong_etag], 2),
        (
            vec![part(1, "mp-p1").to_part_data(), part(2, "mp-p2a").to_part_data()],
            2,
        ),
        (
            vec![part(1, "mp-p1").to_part_data(), part(4, "mp-p4").to_part_data()],
            4,
        ),
    ];
    for (parts, number) in bad {
        let r = store
            .complete_upload("mp-1", complete(parts), WriteCondition::None)
            .await;
        assert!(
            matches!(r, Err(MetaError::InvalidPart(n)) if n == number),
            "{r:?}"
        );
    }
    assert_eq!(store.list_parts("mp-1").await.unwrap().len(), 3);
    assert_eq!(store.get_object(b, "big/file", None).await.unwrap(), None);

    // A precondition failure leaves the upload in progress too.
    store
        .put_object(blob_version(b, "big/file", "mp-old"), WriteCondition::None)
        .await
        .unwrap();
    let used = vec![part(1, "mp-p1").to_part_data(), part(2, "mp-p2b").to_part_data()];
    let r = store
        .complete_upload("mp-1", complete(used.clone()), WriteCondition::IfNoneMatch)
        .await;
    assert!(matches!(r, Err(MetaError::PreconditionFailed)), "{r:?}");
    assert_eq!(store.list_parts("mp-1").await.unwrap().len(), 3);

    // Completion: unused parts and the replaced version are released.
    let done = complete(used);
    let released = store
        .complete_upload("mp-1", done.clone(), WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(sorted(released), blobs(&["mp-old", "mp-p3"]));
    assert_eq!(
        store.get_object(b, "big/file", None).await.unwrap(),
        Some(done.clone())
    );
    assert_eq!(store.get_upload(b, "big/file", "mp-1").await.unwrap(), None);
    let r = store.list_parts("mp-1").await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");
    let r = store.complete_upload("mp-1", done, WriteCondition::None).await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");
    let r = store.abort_upload("mp-1").await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");
    let referenced = store
        .referenced_blobs(&blobs(&["mp-p1", "mp-p2b", "mp-p3", "mp-old"]))
        .await
        .unwrap();
    assert_eq!(referenced, HashSet::from([blob("mp-p1"), blob("mp-p2b")]));
}

/// Aborting releases every part; afterwards the upload is gone.
pub async fn multipart_abort(store: &dyn MetaStore) {
    let b = "multipart-abort";
    make_bucket(store, b).await;
    store.create_upload(upload(b, "k", "ab-1", 1)).await.unwrap();
    assert_eq!(
        store.abort_upload("ab-1").await.unwrap(),
        vec![],
        "an upload without parts"
    );
    store.create_upload(upload(b, "k", "ab-2", 2)).await.unwrap();
    store.put_part("ab-2", part(1, "ab-p1")).await.unwrap();
    store.put_part("ab-2", part(2, "ab-p2")).await.unwrap();
    assert_eq!(
        sorted(store.abort_upload("ab-2").await.unwrap()),
        blobs(&["ab-p1", "ab-p2"])
    );
    let r = store.abort_upload("ab-2").await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");
    let r = store.put_part("ab-2", part(3, "ab-p3")).await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");
    let r = store.abort_upload("ab-never").await;
    assert!(matches!(r, Err(MetaError::NoSuchUpload)), "{r:?}");
    store.delete_bucket(b).await.unwrap();
}

/// Uploads list by (key, initiation time, id), with prefix, markers and limits.
pub async fn list_uploads_markers(store: &dyn MetaStore) {
    let b = "uploads-list";
    make_bucket(store, b).await;
    make_bucket(store, "uploads-list-other").await;
    for (key, id, ms) in [
        ("k1", "u-a", 3),
        ("k1", "u-c", 1),
        ("k1", "u-b", 1),
        ("k2", "u-d", 0),
        ("x/y", "u-e", 9),
    ] {
        store.create_upload(upload(b, key, id, ms)).await.unwrap();
    }
    store
        .create_upload(upload("uploads-list-other", "k1", "u-other", 0))
        .await
        .unwrap();

    let list =
        |prefix: &str, key_marker: Option<&str>, upload_id_marker: Option<&str>, limit: usize| UploadQuery {
            bucket: b.to_owned(),
            prefix: prefix.to_owned(),
            key_marker: key_marker.map(str::to_owned),
            upload_id_marker: upload_id_marker.map(str::to_owned),
            limit,
        };
    let ids = |(page, truncated): (Vec<UploadRecord>, bool)| {
        (
            page.into_iter().map(|u| u.upload_id).collect::<Vec<_>>(),
            truncated,
        )
    };
    let want = |ids: &[&str], truncated: bool| {
        (
            ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>(),
            truncated,
        )
    };

    let (all, truncated) = store.list_uploads(&list("", None, None, 100)).await.unwrap();
    assert!(!truncated);
    assert_eq!(all[0], upload(b, "k1", "u-b", 1));
    assert_eq!(
        ids((all, truncated)),
        want(&["u-b", "u-c", "u-a", "u-d", "u-e"], false)
    );
    let cases: [(UploadQuery, (Vec<String>, bool)); 7] = [
        (
            list("k", None, None, 100),
            want(&["u-b", "u-c", "u-a", "u-d"], false),
        ),
        (list("", None, None, 2), want(&["u-b", "u-c"], true)),
        (list("", Some("k1"), Some("u-c"), 2), want(&["u-a", "u-d"], true)),
        (list("", Some("k2"), Some("u-d"), 2), want(&["u-e"], false)),
        (list("", Some("k1"), None, 10), want(&["u-d", "u-e"], false)),
        (list("x/", None, None, 1), want(&["u-e"], false)),
        (list("z", None, None, 10), want(&[], false)),
    ];
    for (query, expected) in cases {
        assert_eq!(
            ids(store.list_uploads(&query).await.unwrap()),
            expected,
            "{query:?}"
        );
    }
}
