//! Bucket records and encryption settings, read from the metadata store once and kept.
//!
//! Why: every PUT, copy and CreateMultipartUpload needs the bucket's record and its
//! default encryption, and each read was a hop to a reader thread; on small objects
//! those hops cost more than the write. One process owns a data dir (its `LOCK`) and
//! every change goes through [`crate::Store`], which drops the entry once the change is
//! committed, so the cache cannot miss a change. A stale entry in a racing request is
//! harmless: the metadata writes check the bucket inside their transaction.

use std::collections::HashMap;
use std::sync::RwLock;

use coffer_meta::BucketRecord;

#[derive(Default)]
pub(crate) struct BucketCache {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by every invalidation, so a read that began before a change never stores
    /// what it read.
    epoch: u64,
    records: HashMap<String, BucketRecord>,
    /// The raw stored encryption document, `None` when the bucket has none.
    encryption: HashMap<String, Option<String>>,
    /// Raw stored access settings (ADR 13) by bucket, then by [`crate::AccessSetting`]
    /// index; `None` in the array: not read yet.
    access: HashMap<String, [Option<Option<String>>; 4]>,
}

impl BucketCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The epoch to pass to the `store_*` call after reading the metadata store.
    pub(crate) fn epoch(&self) -> u64 {
        self.read().epoch
    }

    pub(crate) fn record(&self, bucket: &str) -> Option<BucketRecord> {
        self.read().records.get(bucket).cloned()
    }

    pub(crate) fn store_record(&self, epoch: u64, record: &BucketRecord) {
        let mut inner = self.write();
        if inner.epoch == epoch {
            inner.records.insert(record.name.clone(), record.clone());
        }
    }

    pub(crate) fn encryption(&self, bucket: &str) -> Option<Option<String>> {
        self.read().encryption.get(bucket).cloned()
    }

    pub(crate) fn store_encryption(&self, epoch: u64, bucket: &str, doc: Option<String>) {
        let mut inner = self.write();
        if inner.epoch == epoch {
            inner.encryption.insert(bucket.to_owned(), doc);
        }
    }

    pub(crate) fn access(&self, bucket: &str, index: usize) -> Option<Option<String>> {
        self.read()
            .access
            .get(bucket)
            .and_then(|a| a.get(index).cloned().flatten())
    }

    pub(crate) fn store_access(&self, epoch: u64, bucket: &str, index: usize, doc: Option<String>) {
        let mut inner = self.write();
        if inner.epoch == epoch
            && let Some(slot) = inner.access.entry(bucket.to_owned()).or_default().get_mut(index)
        {
            *slot = Some(doc);
        }
    }

    /// Forgets what is known of `bucket`; called after a change to it committed.
    pub(crate) fn invalidate(&self, bucket: &str) {
        let mut inner = self.write();
        inner.epoch += 1;
        inner.records.remove(bucket);
        inner.encryption.remove(bucket);
        inner.access.remove(bucket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str) -> BucketRecord {
        BucketRecord {
            name: name.to_owned(),
            region: "us-east-1".to_owned(),
            owner: "o".to_owned(),
            created_ms: 0,
            versioning: coffer_meta::Versioning::default(),
        }
    }

    #[test]
    fn a_read_that_began_before_a_change_is_not_kept() {
        let cache = BucketCache::default();
        let before = cache.epoch();
        cache.invalidate("b");
        cache.store_record(before, &record("b"));
        assert!(cache.record("b").is_none());
        let now = cache.epoch();
        cache.store_record(now, &record("b"));
        cache.store_encryption(now, "b", Some("doc".into()));
        assert_eq!(cache.record("b").map(|r| r.name), Some("b".to_owned()));
        assert_eq!(cache.encryption("b"), Some(Some("doc".to_owned())));
        cache.invalidate("b");
        assert!(cache.record("b").is_none() && cache.encryption("b").is_none());
    }
}
