//! Bucket settings: set, replace, remove, and gone with their bucket.

use super::make_bucket;
use crate::{MetaError, MetaStore};

/// A setting round-trips, is replaced and removed, belongs to one bucket, and dies with it.
pub async fn bucket_settings(store: &dyn MetaStore) {
    let b = "settings";
    make_bucket(store, b).await;
    make_bucket(store, "other-settings").await;
    assert_eq!(store.get_bucket_setting(b, "encryption").await.unwrap(), None);
    store
        .put_bucket_setting(b, "encryption", Some(r#"{"a":1}"#.to_owned()))
        .await
        .unwrap();
    store
        .put_bucket_setting(b, "encryption", Some(r#"{"a":2}"#.to_owned()))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_bucket_setting(b, "encryption")
            .await
            .unwrap()
            .as_deref(),
        Some(r#"{"a":2}"#)
    );
    assert_eq!(
        store
            .get_bucket_setting("other-settings", "encryption")
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_bucket_setting(b, "policy").await.unwrap(), None);
    store.put_bucket_setting(b, "encryption", None).await.unwrap();
    assert_eq!(store.get_bucket_setting(b, "encryption").await.unwrap(), None);
    // Removing what is not set succeeds.
    store.put_bucket_setting(b, "encryption", None).await.unwrap();

    let r = store.get_bucket_setting("no-such-bucket", "encryption").await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");
    let r = store
        .put_bucket_setting("no-such-bucket", "encryption", Some("{}".to_owned()))
        .await;
    assert!(matches!(r, Err(MetaError::NoSuchBucket)), "{r:?}");

    // A bucket's settings go with it: a new bucket of that name starts clean.
    store
        .put_bucket_setting(b, "encryption", Some("{}".to_owned()))
        .await
        .unwrap();
    store.delete_bucket(b).await.unwrap();
    make_bucket(store, b).await;
    assert_eq!(store.get_bucket_setting(b, "encryption").await.unwrap(), None);
}
