//! A bucket's access settings (ADR 13): its policy, Block Public Access, ownership
//! controls and ACL, stored verbatim as bucket settings and kept in the bucket cache.
//! The core does not interpret them; the identity layer (`coffer-iam`) does.

use crate::Store;
use crate::error::CoreResult;

/// Which access setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessSetting {
    /// The bucket policy, a JSON document as sent.
    Policy,
    /// Block Public Access, the four flags.
    PublicAccessBlock,
    /// Object Ownership.
    OwnershipControls,
    /// The bucket ACL.
    Acl,
}

impl AccessSetting {
    /// Its slot in the bucket cache.
    fn index(self) -> usize {
        match self {
            Self::Policy => 0,
            Self::PublicAccessBlock => 1,
            Self::OwnershipControls => 2,
            Self::Acl => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Policy => "policy",
            Self::PublicAccessBlock => "public-access-block",
            Self::OwnershipControls => "ownership-controls",
            Self::Acl => "acl",
        }
    }
}

impl Store {
    /// The stored document of a bucket's access setting, `None` when unset.
    /// `NoSuchBucket` if the bucket does not exist.
    pub async fn bucket_access_setting(
        &self,
        bucket: &str,
        setting: AccessSetting,
    ) -> CoreResult<Option<String>> {
        if let Some(doc) = self.buckets.access(bucket, setting.index()) {
            return Ok(doc);
        }
        let epoch = self.buckets.epoch();
        let doc = self.meta.get_bucket_setting(bucket, setting.name()).await?;
        self.buckets
            .store_access(epoch, bucket, setting.index(), doc.clone());
        Ok(doc)
    }

    /// Sets (`Some`, a canned ACL name) or clears an object's ACL. `NoSuchKey` if there
    /// is no such object.
    pub async fn set_object_acl(&self, bucket: &str, key: &str, acl: Option<String>) -> CoreResult<()> {
        self.bucket(bucket).await?;
        Ok(self.meta.set_object_acl(bucket, key, None, acl).await?)
    }

    /// Sets (`Some`) or removes (`None`) a bucket's access setting.
    pub async fn put_bucket_access_setting(
        &self,
        bucket: &str,
        setting: AccessSetting,
        document: Option<String>,
    ) -> CoreResult<()> {
        let put = self
            .meta
            .put_bucket_setting(bucket, setting.name(), document)
            .await;
        self.buckets.invalidate(bucket);
        Ok(put?)
    }
}
