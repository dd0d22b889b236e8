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

mod buckets;
mod concurrency;
mod conditional;
mod gc;
mod identity;
mod kms;
mod listing;
mod multipart;
mod objects;
mod reseal;
mod settings;
mod shutdown;

pub use buckets::{bucket_lifecycle, missing_bucket};
pub use concurrency::{concurrent_if_none_match, concurrent_puts};
pub use conditional::conditional_writes;
pub use gc::{referenced_blobs, released_blobs_are_unreferenced};
pub use identity::{identities, identity_policies, identity_roles};
pub use kms::kms_keys;
pub use listing::{listing_byte_order, listing_hides_deleted, listing_many_keys};
pub use multipart::{list_uploads_markers, multipart_abort, multipart_lifecycle};
pub use objects::{data_round_trips_exactly, delete_semantics, object_acls, put_get_replace};
pub use reseal::scan_and_reseal;
pub use settings::bucket_settings;
pub use shutdown::close_refuses_later_calls;

use crate::{
    BlobId, BucketRecord, Checksums, ListQuery, MetaStore, NULL_VERSION, ObjectData, ObjectMeta,
    ObjectVersion, PartRecord, UploadRecord, Versioning,
};

/// Runs every case on `store`, then closes it.
pub async fn run_all(store: &dyn MetaStore) {
    bucket_lifecycle(store).await;
    missing_bucket(store).await;
    bucket_settings(store).await;
    scan_and_reseal(store).await;
    kms_keys(store).await;
    identities(store).await;
    identity_policies(store).await;
    identity_roles(store).await;
    put_get_replace(store).await;
    object_acls(store).await;
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
