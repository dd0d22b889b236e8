//! CreateBucket, HeadBucket, GetBucketLocation, ListBuckets, DeleteBucket.

use coffer_meta::{BucketRecord, MetaError, Versioning};

use crate::error::{CoreError, CoreResult};
use crate::names::validate_bucket_name;
use crate::{Store, now_ms};

impl Store {
    /// Creates a bucket owned by `owner` in `region` (any region is accepted and stored).
    pub async fn create_bucket(&self, name: &str, region: &str, owner: &str) -> CoreResult<BucketRecord> {
        validate_bucket_name(name)?;
        let record = BucketRecord {
            name: name.to_owned(),
            region: region.to_owned(),
            owner: owner.to_owned(),
            created_ms: now_ms(),
            versioning: Versioning::Unversioned,
        };
        match self.meta.create_bucket(record.clone()).await {
            Ok(()) => Ok(record),
            Err(MetaError::BucketExists) => match self.meta.get_bucket(name).await? {
                Some(existing) if existing.owner == owner => Err(CoreError::BucketAlreadyOwnedByYou),
                _ => Err(CoreError::BucketAlreadyExists),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// The bucket, or `NoSuchBucket`.
    pub async fn bucket(&self, name: &str) -> CoreResult<BucketRecord> {
        if let Some(record) = self.buckets.record(name) {
            return Ok(record);
        }
        let epoch = self.buckets.epoch();
        let record = self.meta.get_bucket(name).await?.ok_or(CoreError::NoSuchBucket)?;
        self.buckets.store_record(epoch, &record);
        Ok(record)
    }

    /// All buckets, by name.
    pub async fn list_buckets(&self) -> CoreResult<Vec<BucketRecord>> {
        Ok(self.meta.list_buckets().await?)
    }

    /// Deletes an empty bucket.
    pub async fn delete_bucket(&self, name: &str) -> CoreResult<()> {
        let deleted = self.meta.delete_bucket(name).await;
        self.buckets.invalidate(name);
        Ok(deleted?)
    }
}
