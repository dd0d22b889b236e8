//! A bucket's default encryption (Put/Get/DeleteBucketEncryption): what a write that
//! names no encryption gets. A bucket without a configuration defaults to SSE-S3, as on
//! AWS, unless the store runs with `sse_s3_by_default` off: then it has no default and
//! such writes are stored in plaintext.

use serde::{Deserialize, Serialize};

use crate::Store;
use crate::error::{CoreError, CoreResult};
use crate::keyring::SSE_S3;

/// The bucket-setting name under which the configuration is stored.
const SETTING: &str = "encryption";

/// A bucket's default encryption rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketEncryption {
    /// `AES256` (SSE-S3) or `aws:kms`.
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub bucket_key_enabled: bool,
}

impl Default for BucketEncryption {
    /// What every bucket has without a configuration, as on AWS since 2023: SSE-S3.
    fn default() -> Self {
        Self {
            algorithm: SSE_S3.to_owned(),
            kms_key_id: None,
            bucket_key_enabled: false,
        }
    }
}

impl Store {
    /// Sets a bucket's default encryption. SSE-KMS is not built yet.
    pub async fn put_bucket_encryption(&self, bucket: &str, rule: &BucketEncryption) -> CoreResult<()> {
        match rule.algorithm.as_str() {
            SSE_S3 if rule.kms_key_id.is_none() => {}
            SSE_S3 => {
                return Err(CoreError::InvalidArgument(
                    "a KMS key id cannot be given with the AES256 algorithm".into(),
                ));
            }
            crate::kms::SSE_KMS => {}
            "aws:kms:dsse" => {
                return Err(CoreError::NotImplemented(
                    "dual-layer SSE-KMS (aws:kms:dsse) is not implemented".into(),
                ));
            }
            other => {
                return Err(CoreError::InvalidArgument(format!(
                    "The encryption algorithm {other} is not valid"
                )));
            }
        }
        let doc = serde_json::to_string(rule).map_err(|e| CoreError::Internal(e.to_string()))?;
        let put = self.meta.put_bucket_setting(bucket, SETTING, Some(doc)).await;
        self.buckets.invalidate(bucket);
        Ok(put?)
    }

    /// A bucket's default encryption: its configuration, or else SSE-S3, or `None` (no
    /// default encryption) when the store's `sse_s3_by_default` is off.
    pub async fn bucket_encryption(&self, bucket: &str) -> CoreResult<Option<BucketEncryption>> {
        let stored = match self.buckets.encryption(bucket) {
            Some(doc) => doc,
            None => {
                let epoch = self.buckets.epoch();
                let doc = self.meta.get_bucket_setting(bucket, SETTING).await?;
                self.buckets.store_encryption(epoch, bucket, doc.clone());
                doc
            }
        };
        match stored {
            Some(doc) => serde_json::from_str(&doc)
                .map(Some)
                .map_err(|e| CoreError::Internal(format!("stored encryption setting of {bucket}: {e}"))),
            None => Ok(self.config.sse_s3_by_default.then(BucketEncryption::default)),
        }
    }

    /// Removes a bucket's configuration; it is back to the store's default (SSE-S3, or
    /// none when `sse_s3_by_default` is off).
    pub async fn delete_bucket_encryption(&self, bucket: &str) -> CoreResult<()> {
        let deleted = self.meta.put_bucket_setting(bucket, SETTING, None).await;
        self.buckets.invalidate(bucket);
        Ok(deleted?)
    }
}
