//! One pass over every `meta` document, and the guarded swap of an SSE record
//! (master-key rotation).

use super::{blob_version, make_bucket, upload};
use crate::{MetaStore, MetaTarget, SseParams};

fn sse(sealed: &str, by: &str) -> SseParams {
    SseParams {
        algorithm: "AES256".to_owned(),
        key_id: None,
        sealed_key: Some(sealed.to_owned()),
        sealed_by: Some(by.to_owned()),
    }
}

/// `scan_metas` visits every version and upload once, in order, across pages; `reseal`
/// replaces only a record whose sealed key is the expected one.
pub async fn scan_and_reseal(store: &dyn MetaStore) {
    make_bucket(store, "reseal-a").await;
    make_bucket(store, "reseal-b").await;
    let mut want = Vec::new();
    for (bucket, key) in [("reseal-a", "x"), ("reseal-a", "y/z"), ("reseal-b", "é")] {
        let mut v = blob_version(bucket, key, &format!("rs-{bucket}-{key}"));
        v.meta.sse = Some(sse(&format!("old-{key}"), "mk-old"));
        store.put_object(v, crate::WriteCondition::None).await.unwrap();
        want.push(MetaTarget::Object {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            version_id: crate::NULL_VERSION.to_owned(),
        });
    }
    let mut pending = upload("reseal-b", "up", "rs-upload-1", 1);
    pending.meta.sse = Some(sse("old-up", "mk-old"));
    store.create_upload(pending).await.unwrap();
    want.push(MetaTarget::Upload {
        upload_id: "rs-upload-1".to_owned(),
    });

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.scan_metas(after.clone(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().map(|(t, _)| t.clone());
        seen.extend(page);
    }
    let ours: Vec<MetaTarget> = seen
        .iter()
        .filter(|(_, m)| m.sse.as_ref().and_then(|s| s.sealed_by.as_deref()) == Some("mk-old"))
        .map(|(t, _)| t.clone())
        .collect();
    assert_eq!(ours, want, "every record once, objects then uploads, in order");
    let mut sorted = seen.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(sorted, seen.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>());

    // A guarded swap: the wrong expected key changes nothing; the right one does.
    let target = want[0].clone();
    store
        .reseal(target.clone(), "not-it".to_owned(), sse("new-x", "mk-new"))
        .await
        .unwrap();
    let v = store.get_object("reseal-a", "x", None).await.unwrap().unwrap();
    assert_eq!(v.meta.sse, Some(sse("old-x", "mk-old")));
    store
        .reseal(target, "old-x".to_owned(), sse("new-x", "mk-new"))
        .await
        .unwrap();
    let v = store.get_object("reseal-a", "x", None).await.unwrap().unwrap();
    assert_eq!(v.meta.sse, Some(sse("new-x", "mk-new")));
    assert_eq!(
        v.meta.tags,
        blob_version("reseal-a", "x", "rs").meta.tags,
        "the rest of meta is kept"
    );
    store
        .reseal(want[3].clone(), "old-up".to_owned(), sse("new-up", "mk-new"))
        .await
        .unwrap();
    let u = store
        .get_upload("reseal-b", "up", "rs-upload-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.meta.sse, Some(sse("new-up", "mk-new")));
}
