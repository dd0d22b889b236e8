//! The shared `MetaStore` conformance suite, each case on a fresh database.

#![allow(clippy::unwrap_used)]

use coffer_meta::conformance;
use coffer_meta_sqlite::SqliteMetaStore;

fn fresh() -> (tempfile::TempDir, SqliteMetaStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteMetaStore::open(&dir.path().join("meta.db")).unwrap();
    (dir, store)
}

macro_rules! case {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            let (_dir, store) = fresh();
            conformance::$name(&store).await;
        }
    )*};
}

case!(
    bucket_settings,
    kms_keys,
    identities,
    identity_policies,
    identity_roles,
    scan_and_reseal,
    bucket_lifecycle,
    missing_bucket,
    put_get_replace,
    object_acls,
    data_round_trips_exactly,
    delete_semantics,
    conditional_writes,
    listing_byte_order,
    listing_many_keys,
    listing_hides_deleted,
    multipart_lifecycle,
    multipart_abort,
    list_uploads_markers,
    referenced_blobs,
    released_blobs_are_unreferenced,
    concurrent_puts,
    concurrent_if_none_match,
    close_refuses_later_calls,
);

#[tokio::test(flavor = "multi_thread")]
async fn run_all_on_one_store() {
    let (_dir, store) = fresh();
    conformance::run_all(&store).await;
}

/// `synchronous=OFF` (`--no-fsync`) changes when a commit reaches the disk, not what it
/// does: the whole suite passes on it too.
#[tokio::test(flavor = "multi_thread")]
async fn run_all_without_fsync() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        SqliteMetaStore::open_with(&dir.path().join("meta.db"), coffer_meta::Durability::NoFsync).unwrap();
    conformance::run_all(&store).await;
}
