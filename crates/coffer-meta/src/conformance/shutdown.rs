//! Shutdown: `close` and what follows it.

use super::{blob_version, bucket_record, make_bucket};
use crate::{MetaError, MetaStore, WriteCondition};

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
