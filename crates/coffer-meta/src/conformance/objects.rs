//! Object cases: puts, gets, replacement, exact round trips and deletes.

use std::collections::BTreeMap;

use super::{blob, blob_version, blobs, make_bucket, part, sorted, version};
use crate::{
    Checksums, LockState, MetaError, MetaStore, NULL_VERSION, ObjectData, ObjectMeta, PartData, SseParams,
    WriteCondition,
};

/// Put, get, and replacing a version hands back the blobs it held.
pub async fn put_get_replace(store: &dyn MetaStore) {
    let b = "put-get";
    make_bucket(store, b).await;
    let first = blob_version(b, "k", "pg-1");
    assert_eq!(
        store
            .put_object(first.clone(), WriteCondition::None)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(store.get_object(b, "k", None).await.unwrap(), Some(first.clone()));
    assert_eq!(
        store.get_object(b, "k", Some(NULL_VERSION)).await.unwrap(),
        Some(first)
    );
    assert_eq!(
        store.get_object(b, "k", Some("no-such-version")).await.unwrap(),
        None
    );
    assert_eq!(store.get_object(b, "other", None).await.unwrap(), None);

    let second = blob_version(b, "k", "pg-2");
    assert_eq!(
        store
            .put_object(second.clone(), WriteCondition::None)
            .await
            .unwrap(),
        blobs(&["pg-1"])
    );
    assert_eq!(store.get_object(b, "k", None).await.unwrap(), Some(second));

    let inline = version(b, "k", ObjectData::Inline(b"small".to_vec()));
    assert_eq!(
        store
            .put_object(inline.clone(), WriteCondition::None)
            .await
            .unwrap(),
        blobs(&["pg-2"])
    );
    assert_eq!(store.get_object(b, "k", None).await.unwrap(), Some(inline));
    let inline2 = version(b, "k", ObjectData::Inline(b"smaller".to_vec()));
    assert_eq!(
        store.put_object(inline2, WriteCondition::None).await.unwrap(),
        vec![]
    );

    // Other keys are untouched by replacement.
    let neighbour = blob_version(b, "k2", "pg-3");
    store
        .put_object(neighbour.clone(), WriteCondition::None)
        .await
        .unwrap();
    store
        .put_object(blob_version(b, "k", "pg-4"), WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(store.get_object(b, "k2", None).await.unwrap(), Some(neighbour));
}

fn rich_meta() -> ObjectMeta {
    ObjectMeta {
        content_type: Some("application/json; charset=utf-8".to_owned()),
        content_encoding: Some("gzip".to_owned()),
        content_disposition: Some("attachment; filename=\"r\u{e9}sum\u{e9}.json\"".to_owned()),
        content_language: Some("fr".to_owned()),
        cache_control: Some("max-age=60".to_owned()),
        expires: Some("Thu, 01 Dec 1994 16:00:00 GMT".to_owned()),
        user: BTreeMap::from([
            ("owner".to_owned(), "j\u{fc}rgen".to_owned()),
            ("empty".to_owned(), String::new()),
        ]),
        checksums: Checksums {
            crc32: Some("AAAAAA==".to_owned()),
            crc32c: Some("BBBBBB==".to_owned()),
            crc64nvme: Some("CCCCCCCCCCC=".to_owned()),
            sha1: Some("sha1-base64".to_owned()),
            sha256: Some("sha256-base64".to_owned()),
        },
        tags: BTreeMap::from([("env".to_owned(), "prod".to_owned())]),
        sse: Some(SseParams {
            algorithm: "aws:kms".to_owned(),
            key_id: Some("key-1".to_owned()),
            sealed_key: Some("c2VhbGVk".to_owned()),
            sealed_by: Some("kms:key-1".to_owned()),
        }),
        lock: Some(LockState {
            mode: Some("GOVERNANCE".to_owned()),
            retain_until_ms: Some(1_800_000_000_000),
            legal_hold: true,
        }),
        ..ObjectMeta::default()
    }
}

/// Inline, blob and multipart data, metadata and delete markers come back exactly.
pub async fn data_round_trips_exactly(store: &dyn MetaStore) {
    let b = "round-trip";
    make_bucket(store, b).await;
    let all_bytes: Vec<u8> = (0..=255).collect();
    let mut cases = vec![
        version(b, "inline", ObjectData::Inline(all_bytes)),
        version(b, "empty", ObjectData::Inline(Vec::new())),
        blob_version(b, "blob", "rt-blob"),
        version(
            b,
            "parts",
            ObjectData::Parts(vec![
                PartData {
                    number: 1,
                    size: 5 << 20,
                    etag: "e1".to_owned(),
                    blob: blob("rt-p1"),
                    checksums: Checksums {
                        crc32c: Some("c1".to_owned()),
                        ..Checksums::default()
                    },
                },
                PartData {
                    number: 3,
                    size: 17,
                    etag: "e3".to_owned(),
                    blob: blob("rt-p3"),
                    checksums: Checksums::default(),
                },
            ]),
        ),
    ];
    let mut rich = blob_version(b, "rich/\u{65e5}\u{672c} key with spaces", "rt-rich");
    rich.meta = rich_meta();
    rich.storage_class = "STANDARD_IA".to_owned();
    rich.size = u64::from(u32::MAX) * 4;
    cases.push(rich);
    let mut marker = version(b, "marker", ObjectData::Inline(Vec::new()));
    marker.delete_marker = true;
    marker.size = 0;
    cases.push(marker);

    for case in &cases {
        store
            .put_object(case.clone(), WriteCondition::None)
            .await
            .unwrap();
    }
    for case in &cases {
        assert_eq!(
            store.get_object(b, &case.key, None).await.unwrap().as_ref(),
            Some(case),
            "{}",
            case.key
        );
    }
    // Replacing a multipart version releases all its parts.
    let r = store
        .put_object(
            version(b, "parts", ObjectData::Inline(vec![1])),
            WriteCondition::None,
        )
        .await;
    assert_eq!(sorted(r.unwrap()), blobs(&["rt-p1", "rt-p3"]));
}

/// Deleting releases the version's blobs; deleting nothing succeeds.
pub async fn delete_semantics(store: &dyn MetaStore) {
    let b = "delete";
    make_bucket(store, b).await;
    assert_eq!(store.delete_object(b, "never", None).await.unwrap(), vec![]);
    assert_eq!(
        store.delete_object(b, "never", Some(NULL_VERSION)).await.unwrap(),
        vec![]
    );

    store
        .put_object(blob_version(b, "blob", "del-1"), WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(
        store.delete_object(b, "blob", None).await.unwrap(),
        blobs(&["del-1"])
    );
    assert_eq!(store.get_object(b, "blob", None).await.unwrap(), None);
    assert_eq!(store.delete_object(b, "blob", None).await.unwrap(), vec![]);

    store
        .put_object(
            version(b, "inline", ObjectData::Inline(b"x".to_vec())),
            WriteCondition::None,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_object(b, "inline", Some(NULL_VERSION))
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(store.get_object(b, "inline", None).await.unwrap(), None);

    let parts = ObjectData::Parts(vec![
        part(1, "del-p1").to_part_data(),
        part(2, "del-p2").to_part_data(),
    ]);
    store
        .put_object(version(b, "parts", parts), WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(
        sorted(store.delete_object(b, "parts", None).await.unwrap()),
        blobs(&["del-p1", "del-p2"])
    );

    // A version id that is not there deletes nothing.
    store
        .put_object(blob_version(b, "kept", "del-2"), WriteCondition::None)
        .await
        .unwrap();
    assert_eq!(
        store
            .delete_object(b, "kept", Some("no-such-version"))
            .await
            .unwrap(),
        vec![]
    );
    assert!(store.get_object(b, "kept", None).await.unwrap().is_some());
}

/// A key's canned ACL is set and cleared in place; nothing else of the version changes.
pub async fn object_acls(store: &dyn MetaStore) {
    let b = "acl-b";
    make_bucket(store, b).await;
    let v = version(b, "k", ObjectData::Inline(b"data".to_vec()));
    store.put_object(v.clone(), WriteCondition::None).await.unwrap();
    store
        .set_object_acl(b, "k", None, Some("public-read".to_owned()))
        .await
        .unwrap();
    let got = store.get_object(b, "k", None).await.unwrap().unwrap();
    assert_eq!(got.meta.acl.as_deref(), Some("public-read"));
    assert_eq!(got.data, v.data);
    store
        .set_object_acl(b, "k", Some(NULL_VERSION), None)
        .await
        .unwrap();
    assert_eq!(store.get_object(b, "k", None).await.unwrap().unwrap(), v);
    let r = store.set_object_acl(b, "missing", None, None).await;
    assert!(matches!(r, Err(MetaError::NoSuchKey)), "{r:?}");
}
