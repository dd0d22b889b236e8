//! Listing cases: byte order, pagination and delimiters, hidden delete markers.

use futures::future::join_all;

use super::{blob_version, list_query, make_bucket, version};
use crate::{ListEntry, MetaStore, ObjectData, WriteCondition};

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
