//! The key service's records: create, get, list, enable/disable.

use crate::{KmsKeyRecord, MetaError, MetaStore};

fn key(name: &str) -> KmsKeyRecord {
    KmsKeyRecord {
        name: name.to_owned(),
        description: format!("key {name}"),
        sealed_material: format!("sealed-{name}"),
        sealed_by: "mk-1".to_owned(),
        enabled: true,
        created_ms: 1_700_000_000_000,
    }
}

/// Keys are created once, listed by name, and disabled and enabled in place.
pub async fn kms_keys(store: &dyn MetaStore) {
    store.create_kms_key(key("kms-b")).await.unwrap();
    store.create_kms_key(key("kms-a")).await.unwrap();
    let r = store.create_kms_key(key("kms-a")).await;
    assert!(matches!(r, Err(MetaError::KmsKeyExists)), "{r:?}");
    assert_eq!(store.get_kms_key("kms-a").await.unwrap(), Some(key("kms-a")));
    assert_eq!(store.get_kms_key("kms-none").await.unwrap(), None);
    let names: Vec<String> = store
        .list_kms_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .filter(|n| n.starts_with("kms-"))
        .collect();
    assert_eq!(names, ["kms-a", "kms-b"]);
    store.set_kms_key_enabled("kms-a", false).await.unwrap();
    assert!(!store.get_kms_key("kms-a").await.unwrap().unwrap().enabled);
    store.set_kms_key_enabled("kms-a", true).await.unwrap();
    assert!(store.get_kms_key("kms-a").await.unwrap().unwrap().enabled);
    // Re-sealing is guarded by the material it replaces.
    store
        .reseal_kms_key("kms-b", "not-it", "x".to_owned(), "mk-2".to_owned())
        .await
        .unwrap();
    assert_eq!(store.get_kms_key("kms-b").await.unwrap(), Some(key("kms-b")));
    store
        .reseal_kms_key("kms-b", "sealed-kms-b", "resealed".to_owned(), "mk-2".to_owned())
        .await
        .unwrap();
    let b = store.get_kms_key("kms-b").await.unwrap().unwrap();
    assert_eq!(
        (b.sealed_material.as_str(), b.sealed_by.as_str()),
        ("resealed", "mk-2")
    );
    let r = store.set_kms_key_enabled("kms-none", false).await;
    assert!(matches!(r, Err(MetaError::NoSuchKmsKey)), "{r:?}");
}
