//! SSE-KMS with the built-in key service, on the real engine: keys by name, alias and
//! ARN; disabled and unknown keys; multipart; rotation of the master key that seals the
//! keys' material.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bytes::Bytes;
use coffer_core::{
    BlobStore, BodyStream, CoreError, Integrity, Keyring, ObjectMeta, PutObjectRequest, ReadRequest,
    SecretKey, Store, StoreConfig, WriteCondition,
};
use coffer_meta_sqlite::SqliteMetaStore;
use futures::StreamExt as _;

fn body(data: &[u8]) -> BodyStream {
    let data = Bytes::copy_from_slice(data);
    Box::pin(futures::stream::once(async move { Ok(data) }))
}

fn store(dir: &std::path::Path, keyring: Keyring) -> Store {
    let meta = Arc::new(SqliteMetaStore::open(&dir.join("meta.sqlite")).unwrap());
    let blobs = BlobStore::open(dir.join("blobs")).unwrap();
    let config = StoreConfig {
        region: "eu-west-1".into(),
        ..StoreConfig::default()
    };
    Store::new(meta, blobs, config).with_keyring(keyring)
}

async fn put(s: &Store, key: &str, data: &[u8], kms: Option<&str>) -> Result<(), CoreError> {
    s.put_object(PutObjectRequest {
        bucket: "b".into(),
        key: key.into(),
        meta: ObjectMeta::default(),
        storage_class: None,
        body: body(data),
        integrity: Integrity::default(),
        condition: WriteCondition::None,
        customer_key: None,
        sse: kms.map(|k| coffer_core::RequestedSse::Kms(k.to_owned())),
    })
    .await
    .map(drop)
}

async fn read(s: &Store, key: &str) -> Result<Vec<u8>, CoreError> {
    let got = s.get_object("b", key, &ReadRequest::default()).await?;
    let mut out = Vec::new();
    let mut stream = got.body;
    while let Some(c) = stream.next().await {
        out.extend_from_slice(&c.map_err(|e| CoreError::Internal(e.to_string()))?);
    }
    Ok(out)
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_keys_seal_objects_and_follow_the_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let master = SecretKey::generate();
    let s = store(dir.path(), Keyring::new(master.clone(), Vec::new()));
    s.create_bucket("b", "eu-west-1", "owner").await.unwrap();
    s.create_kms_key("app", "the app's key").await.unwrap();
    assert!(matches!(
        s.create_kms_key("app", "").await,
        Err(CoreError::KmsKeyExists)
    ));
    assert!(
        s.create_kms_key("aws/s3", "").await.is_err(),
        "aws/ names are reserved"
    );

    let data = vec![5u8; 150_000];
    for (key, id) in [
        ("by-name", "app"),
        ("by-alias", "alias/app"),
        ("by-arn", "arn:aws:kms:eu-west-1:000000000000:key/app"),
    ] {
        put(&s, key, &data, Some(id)).await.unwrap();
        let v = s.head_object("b", key).await.unwrap();
        let sse = v.meta.sse.unwrap();
        assert_eq!(sse.algorithm, "aws:kms");
        assert_eq!(
            sse.key_id.as_deref(),
            Some("arn:aws:kms:eu-west-1:000000000000:key/app")
        );
        assert_eq!(read(&s, key).await.unwrap(), data);
    }
    assert!(matches!(
        put(&s, "nope", b"x", Some("alias/missing")).await,
        Err(CoreError::KmsKeyNotFound(_))
    ));

    // A disabled key reads and writes nothing; enabled again, it does.
    s.set_kms_key_enabled("alias/app", false).await.unwrap();
    assert!(matches!(
        read(&s, "by-name").await,
        Err(CoreError::KmsKeyDisabled(_))
    ));
    assert!(matches!(
        put(&s, "x", b"x", Some("app")).await,
        Err(CoreError::KmsKeyDisabled(_))
    ));
    s.set_kms_key_enabled("app", true).await.unwrap();
    assert_eq!(read(&s, "by-name").await.unwrap(), data);
    assert!(matches!(
        s.set_kms_key_enabled("missing", false).await,
        Err(CoreError::KmsKeyNotFound(_))
    ));
    let listed: Vec<String> = s
        .list_kms_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(listed, ["app"]);

    // Multipart under a KMS key.
    let up = s
        .create_upload(
            "b",
            "mp",
            ObjectMeta::default(),
            None,
            (None, None),
            None,
            Some(&coffer_core::RequestedSse::Kms("app".into())),
        )
        .await
        .unwrap();
    let part = s
        .upload_part(
            "b",
            "mp",
            &up.upload_id,
            1,
            body(&data),
            Integrity::default(),
            None,
        )
        .await
        .unwrap();
    s.complete_upload(
        "b",
        "mp",
        &up.upload_id,
        &[coffer_core::CompletePart {
            number: 1,
            etag: part.etag,
            checksums: Default::default(),
        }],
        &Default::default(),
        WriteCondition::None,
    )
    .await
    .unwrap();
    assert_eq!(read(&s, "mp").await.unwrap(), data);
    s.close().await.unwrap();

    // Rotating the master key re-seals the key service's material: afterwards the new
    // master key alone opens every SSE-KMS object.
    let new_master = SecretKey::generate();
    let rotating = store(dir.path(), Keyring::new(new_master.clone(), vec![master]));
    let report = rotating.reseal_data_keys(|_| {}).await.unwrap();
    assert_eq!(report.kms_keys, 1);
    rotating.close().await.unwrap();
    let after = store(dir.path(), Keyring::new(new_master, Vec::new()));
    assert_eq!(read(&after, "by-arn").await.unwrap(), data);
    assert_eq!(read(&after, "mp").await.unwrap(), data);
}
