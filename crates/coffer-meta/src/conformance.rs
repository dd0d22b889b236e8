//! The conformance suite every `MetaStore` backend runs.
//!
//! [`run_all`] runs every case on one store; each case is also public so a backend's
//! tests can run it alone on a fresh store (and see which one failed). Cases use their
//! own bucket names, so they can share a store. [`close_refuses_later_calls`] closes the
//! store and is run last by [`run_all`].
//!
//! The suite needs no runtime of its own: concurrency cases poll many calls at once with
//! `join_all`, which is enough to make a backend's writes overlap. Failures panic.

#![allow(clippy::unwrap_used, clippy::panic, clippy::missing_panics_doc)]

use std::collections::{BTreeMap, HashSet};

use futures::future::join_all;

use crate::{
    BlobId, BucketRecord, Checksums, ListEntry, ListQuery, LockState, MetaError, MetaStore, NULL_VERSION,
    ObjectData, ObjectMeta, ObjectVersion, PartData, PartRecord, SseParams, UploadQuery, UploadRecord,
    Versioning, WriteCondition,
};

/// Runs every case on `store`, then closes it.
pub async fn run_all(store: &dyn MetaStore) {
    bucket_lifecycle(store).await;
    missing_bucket(store).await;
    put_get_replace(store).await;
    data_round_trips_exactly(store).await;
    delete_semantics(store).await;
    conditional_writes(store).await;
    listing_byte_order(store).await;
    listing_many_keys(store).await;
    listing_hides_deleted(store).await;
    multipart_lifecycle(store).await;
    multipart_abort(store).await;
    list_uploads_markers(store).await;
    referenced_blobs(store).await;
    released_blobs_are_unreferenced(store).await;
    concurrent_puts(store).await;
    concurrent_if_none_match(store).await;
    close_refuses_later_calls(store).await;
}

// ----- helpers -------------------------------------------------------------------------

fn bucket_record(name: &str) -> BucketRecord {
    BucketRecord {
        name: name.to_owned(),
        region: "us-east-1".to_owned(),
        owner: "AKIAOWNER".to_owned(),
        created_ms: 1_700_000_000_000,
        versioning: Versioning::Unversioned,
    }
}

async fn make_bucket(store: &dyn MetaStore, name: &str) {
    store.create_bucket(bucket_record(name)).await.unwrap();
}

fn blob(id: &str) -> BlobId {
    BlobId(id.to_owned())
}

fn version(bucket: &str, key: &str, data: ObjectData) -> ObjectVersion {
    let size = match &data {
        ObjectData::Inline(bytes) => bytes.len() as u64,
        ObjectData::Blob(_) => 1234,
        ObjectData::Parts(parts) => parts.iter().map(|p| p.size).sum(),
    };
    ObjectVersion {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        version_id: NULL_VERSION.to_owned(),
        delete_marker: false,
        size,
        etag: format!("etag-{key}-{size}"),
        last_modified_ms: 1_700_000_000_123,
        storage_class: "STANDARD".to_owned(),
        meta: ObjectMeta::default(),
        data,
    }
}

fn blob_version(bucket: &str, key: &str, id: &str) -> ObjectVersion {
    let mut v = version(bucket, key, ObjectData::Blob(blob(id)));
    v.etag = format!("etag-{id}");
    v
}

fn part(number: u32, id: &str) -> PartRecord {
    PartRecord {
        number,
        size: 5 * 1024 * 1024,
        etag: format!("etag-{id}"),
        last_modified_ms: 1_700_000_000_500,
        blob: blob(id),
        checksums: Checksums {
            crc32: Some(format!("crc-{id}")),
            ..Checksums::default()
        },
    }
}

fn upload(bucket: &str, key: &str, upload_id: &str, initiated_ms: i64) -> UploadRecord {
    UploadRecord {
        upload_id: upload_id.to_owned(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        initiated_ms,
        storage_class: "STANDARD".to_owned(),
        meta: ObjectMeta {
            content_type: Some("text/plain".to_owned()),
            ..ObjectMeta::default()
        },
    }
}

fn sorted(mut ids: Vec<BlobId>) -> Vec<BlobId> {
    ids.sort();
    ids
}

fn blobs(ids: &[&str]) -> Vec<BlobId> {
    sorted(ids.iter().map(|id| blob(id)).collect())
}

fn list_query(
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> ListQuery {
    ListQuery {
        bucket: bucket.to_owned(),
        prefix: prefix.to_owned(),
        delimiter: delimiter.map(str::to_owned),
        after: after.map(str::to_owned),
        limit,
    }
}

fn entry_names(entries: &[ListEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| match e {
            ListEntry::Object(o) => o.key.clone(),
            ListEntry::CommonPrefix(p) => format!("CP:{p}"),
        })
        .collect()
}

/// What a full listing must return, computed naively from the live keys.
fn model_listing(keys: &[String], prefix: &str, delimiter: Option<&str>) -> Vec<String> {
    let mut keys: Vec<&String> = keys.iter().filter(|k| k.starts_with(prefix)).collect();
    keys.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let mut out: Vec<String> = Vec::new();
    for key in keys {
        let rest = &key[prefix.len()..];
        let entry = match delimiter.and_then(|d| rest.find(d).map(|at| (d, at))) {
            Some((d, at)) => format!("CP:{}", &key[..prefix.len() + at + d.len()]),
            None => key.clone(),
        };
        if out.last() != Some(&entry) {
            out.push(entry);
        }
    }
    out
}

/// Lists everything page by page (continuing after each page's last entry), checking
/// each page's size and `truncated` flag.
async fn list_all(
    store: &dyn MetaStore,
    bucket: &str,
    prefix: &str,
    delimiter: Option<&str>,
    limit: usize,
) -> Vec<String> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_objects(&list_query(bucket, prefix, delimiter, after.as_deref(), limit))
            .await
            .unwrap();
        assert!(
            page.entries.len() <= limit,
            "page of {} exceeds limit {limit}",
            page.entries.len()
        );
        all.extend(entry_names(&page.entries));
        if !page.truncated {
            return all;
        }
        assert_eq!(page.entries.len(), limit, "a truncated page must be full");
        after = Some(page.entries.last().unwrap().name().to_owned());
    }
}

// ----- buckets -------------------------------------------------------------------------

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

// ----- objects -------------------------------------------------------------------------

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
    assert!(matches!(r, Err(MetaError::PreconditionFailed)), "{r:?}");
    assert_eq!(store.get_object(b, "absent", None).await.unwrap(), None);

    // A delete marker is not an object: If-None-Match passes, If-Match fails.
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
    assert!(matches!(r, Err(MetaError::PreconditionFailed)), "{r:?}");
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

// ----- listing -------------------------------------------------------------------------

/// Keys list in UTF-8 byte order, which is neither char nor UTF-16 order.
pub async fn listing_byte_order(store: &dyn MetaStore) {
    let b = "byte-order";
    make_bucket(store, b).await;
    // U+FFFD sorts before U+10000 in UTF-8 bytes, after it in UTF-16.
    let keys = [
        "\u{10000}",
        "\u{65e5}",
        "\u{e9}",
        "ab",
        "a/",
        "a",
        "B",
        "a b",
        "a\u{7f}",
        "\u{fffd}",
    ];
    for key in keys {
        store
            .put_object(blob_version(b, key, &format!("bo-{key}")), WriteCondition::None)
            .await
            .unwrap();
    }
    let page = store
        .list_objects(&list_query(b, "", None, None, 100))
        .await
        .unwrap();
    assert_eq!(
        entry_names(&page.entries),
        [
            "B",
            "a",
            "a b",
            "a/",
            "ab",
            "a\u{7f}",
            "\u{e9}",
            "\u{65e5}",
            "\u{fffd}",
            "\u{10000}"
        ]
    );
    assert!(!page.truncated);
    let ListEntry::Object(first) = &page.entries[0] else {
        panic!("expected an object")
    };
    assert_eq!(first.etag, "etag-bo-B");
    assert_eq!(first.size, 1234);
    assert_eq!(first.last_modified_ms, 1_700_000_000_123);
    assert_eq!(first.storage_class, "STANDARD");

    let page = store
        .list_objects(&list_query(b, "a", Some("/"), None, 100))
        .await
        .unwrap();
    assert_eq!(entry_names(&page.entries), ["a", "a b", "CP:a/", "ab", "a\u{7f}"]);
    let page = store
        .list_objects(&list_query(b, "", None, Some("a/"), 2))
        .await
        .unwrap();
    assert_eq!(entry_names(&page.entries), ["ab", "a\u{7f}"]);
    assert!(page.truncated);
    let page = store
        .list_objects(&list_query(b, "\u{e9}", None, None, 100))
        .await
        .unwrap();
    assert_eq!(entry_names(&page.entries), ["\u{e9}"]);
}

/// Prefix, delimiter, continuation and limits over ~2,500 keys match a naive model.
pub async fn listing_many_keys(store: &dyn MetaStore) {
    let b = "many-keys";
    make_bucket(store, b).await;
    let mut keys: Vec<String> = Vec::new();
    for day in 1..=24 {
        for i in 0..100 {
            keys.push(format!("logs/2024-01-{day:02}/part-{i:03}.json"));
        }
    }
    for i in 0..60 {
        keys.push(format!("models/m{i}/v1/weights"));
        keys.push(format!("top-{i:02}"));
    }
    keys.extend(["logs", "logs/", "logs0", "\u{e9}t\u{e9}/a", "\u{65e5}\u{672c}/b"].map(str::to_owned));
    for chunk in keys.chunks(250) {
        let puts = chunk
            .iter()
            .map(|k| store.put_object(blob_version(b, k, &format!("mk-{k}")), WriteCondition::None));
        for r in join_all(puts).await {
            r.unwrap();
        }
    }

    let cases: &[(&str, Option<&str>, usize)] = &[
        ("", None, 1000),
        ("", None, 997),
        ("", Some("/"), 1000),
        ("", Some("/"), 3),
        ("logs/", Some("/"), 7),
        ("logs/", None, 1000),
        ("logs/2024-01-03/", Some("/"), 30),
        ("logs/2024-01-0", Some("/"), 4),
        ("models/", Some("/v1/"), 11),
        ("m", Some("/"), 1),
        ("nothing-here/", Some("/"), 10),
    ];
    for &(prefix, delimiter, limit) in cases {
        let got = list_all(store, b, prefix, delimiter, limit).await;
        let want = model_listing(&keys, prefix, delimiter);
        assert_eq!(
            got, want,
            "prefix {prefix:?} delimiter {delimiter:?} limit {limit}"
        );
    }

    // A continuation naming a common prefix skips all of it; other markers resume after.
    let page = store
        .list_objects(&list_query(b, "", Some("/"), Some("logs/"), 2))
        .await
        .unwrap();
    assert_eq!(entry_names(&page.entries), ["logs0", "CP:models/"]);
    let page = store
        .list_objects(&list_query(
            b,
            "logs/2024-01-05/",
            None,
            Some("logs/2024-01-05/part-097.json"),
            5,
        ))
        .await
        .unwrap();
    assert_eq!(
        entry_names(&page.entries),
        ["logs/2024-01-05/part-098.json", "logs/2024-01-05/part-099.json"]
    );
    assert!(!page.truncated);
    let page = store
        .list_objects(&list_query(b, "", None, None, 0))
        .await
        .unwrap();
    assert!(page.entries.is_empty());
}

/// Deleted keys and delete markers are not listed.
pub async fn listing_hides_deleted(store: &dyn MetaStore) {
    let b = "hides-deleted";
    make_bucket(store, b).await;
    for key in ["a", "b", "c", "d/1", "e"] {
        store
            .put_object(blob_version(b, key, &format!("hd-{key}")), WriteCondition::None)
            .await
            .unwrap();
    }
    store.delete_object(b, "b", None).await.unwrap();
    let mut marker = version(b, "c", ObjectData::Inline(Vec::new()));
    marker.delete_marker = true;
    store
        .put_object(marker.clone(), WriteCondition::None)
        .await
        .unwrap();
    marker.key = "d/1".to_owned();
    store.put_object(marker, WriteCondition::None).await.unwrap();

    let page = store
        .list_objects(&list_query(b, "", Some("/"), None, 100))
        .await
        .unwrap();
    assert_eq!(entry_names(&page.entries), ["a", "e"]);
    let page = store
        .list_objects(&list_query(b, "", None, None, 1))
        .await
        .unwrap();
    assert_eq!(entry_names(&page.entries), ["a"]);
    assert!(page.truncated);
    let page = store
        .list_objects(&list_query(b, "", None, Some("a"), 1))
        .await
        .unwrap();
    assert_eq!(entry_names(&page.entries), ["e"]);
    assert!(!page.truncated);
    assert!(
        store
            .get_object(b, "c", None)
            .await
            .unwrap()
            .unwrap()
            .delete_marker
    );
}

// ----- multipart -----------------------------------------------------------------------

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

// ----- blobs ---------------------------------------------------------------------------

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

// ----- concurrency ---------------------------------------------------------------------

/// 64 overlapping puts all succeed and are all readable.
pub async fn concurrent_puts(store: &dyn MetaStore) {
    let b = "concurrent";
    make_bucket(store, b).await;
    let versions: Vec<ObjectVersion> = (0..64)
        .map(|i| blob_version(b, &format!("obj-{i:02}"), &format!("cc-{i}")))
        .collect();
    let results = join_all(
        versions
            .iter()
            .map(|v| store.put_object(v.clone(), WriteCondition::None)),
    )
    .await;
    for r in results {
        assert_eq!(r.unwrap(), vec![]);
    }
    let reads = join_all(versions.iter().map(|v| store.get_object(b, &v.key, None))).await;
    for (v, r) in versions.iter().zip(reads) {
        assert_eq!(r.unwrap().as_ref(), Some(v));
    }
    let page = store
        .list_objects(&list_query(b, "", None, None, 1000))
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 64);
}

/// 16 overlapping `IfNoneMatch` puts of one key: exactly one wins.
pub async fn concurrent_if_none_match(store: &dyn MetaStore) {
    let b = "race";
    make_bucket(store, b).await;
    let versions: Vec<ObjectVersion> = (0..16)
        .map(|i| blob_version(b, "key", &format!("race-{i}")))
        .collect();
    let results = join_all(
        versions
            .iter()
            .map(|v| store.put_object(v.clone(), WriteCondition::IfNoneMatch)),
    )
    .await;
    let mut winner = None;
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(released) => {
                assert!(winner.is_none(), "two conditional puts succeeded");
                assert_eq!(released, vec![]);
                winner = Some(i);
            }
            Err(MetaError::PreconditionFailed) => {}
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }
    let winner = winner.expect("one conditional put must succeed");
    assert_eq!(
        store.get_object(b, "key", None).await.unwrap().as_ref(),
        Some(&versions[winner])
    );
}

// ----- shutdown ------------------------------------------------------------------------

/// After `close`, reads and writes fail with `Backend`.
pub async fn close_refuses_later_calls(store: &dyn MetaStore) {
    make_bucket(store, "closing").await;
    store.close().await.unwrap();
    let r = store.get_bucket("closing").await;
    assert!(matches!(r, Err(MetaError::Backend(_))), "{r:?}");
    let r = store.create_bucket(bucket_record("closing-2")).await;
    assert!(matches!(r, Err(MetaError::Backend(_))), "{r:?}");
    let r = store
        .put_object(blob_version("closing", "k", "cl-1"), WriteCondition::None)
        .await;
    assert!(matches!(r, Err(MetaError::Backend(_))), "{r:?}");
}
