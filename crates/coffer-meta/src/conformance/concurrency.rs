//! Concurrency cases: overlapping writes polled together with `join_all`.

use futures::future::join_all;

use super::{blob_version, list_query, make_bucket};
use crate::{MetaError, MetaStore, ObjectVersion, WriteCondition};

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
