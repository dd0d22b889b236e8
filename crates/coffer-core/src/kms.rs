//! The built-in key service for SSE-KMS: named keys whose material the master key seals,
//! usable by name, as `alias/NAME` and as an ARN, created, listed and disabled by the
//! deployment's root.

use coffer_blob::crypt::SecretKey;
use coffer_meta::{KmsKeyRecord, SseParams};

use crate::error::{CoreError, CoreResult};
use crate::{Store, now_ms};

/// The server-side encryption a write names explicitly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestedSse {
    /// `AES256`: SSE-S3, whatever the bucket's default.
    S3,
    /// `aws:kms` with this key id (or [`DEFAULT_KEY`]).
    Kms(String),
}

/// SSE-KMS's algorithm name.
pub const SSE_KMS: &str = "aws:kms";

/// The key SSE-KMS uses when the request names none (AWS's managed key for S3). It is
/// created on first use.
pub const DEFAULT_KEY: &str = "aws/s3";

/// The account id in the ARNs Coffer writes (one account per deployment).
const ACCOUNT: &str = "000000000000";

/// `sealed_by` of a data key sealed by a KMS key: `kms:NAME`.
const KMS_PREFIX: &str = "kms:";

/// The key name a key id names: `NAME`, `alias/NAME`, `arn:aws:kms:REGION:ACCOUNT:key/NAME`
/// or `arn:aws:kms:REGION:ACCOUNT:alias/NAME`.
#[must_use]
pub fn key_name(key_id: &str) -> &str {
    let tail = match key_id.strip_prefix("arn:") {
        Some(arn) => arn.rsplit(':').next().unwrap_or(arn),
        None => key_id,
    };
    tail.strip_prefix("alias/")
        .or_else(|| tail.strip_prefix("key/"))
        .unwrap_or(tail)
}

/// A KMS key name: 1 to 256 of letters, digits, `/`, `_`, `-` (as AWS aliases), not
/// starting with `aws/` (reserved, as on AWS).
fn validate_name(name: &str) -> CoreResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
        && !name.starts_with("aws/")
        && !name.starts_with("alias/")
        && !name.starts_with("key/");
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidArgument(format!(
            "{name:?} is not a valid key name: use 1 to 256 letters, digits, '/', '_' or '-', not starting with aws/"
        )))
    }
}

/// The ARN of key `name` in `region`.
#[must_use]
pub fn key_arn(region: &str, name: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{name}")
}

impl Store {
    fn master_for_kms(&self) -> CoreResult<&crate::Keyring> {
        self.keyring
            .as_deref()
            .ok_or_else(|| CoreError::Internal("the key service needs the master key".into()))
    }

    /// Creates KMS key `name` with fresh material sealed by the master key.
    pub async fn create_kms_key(&self, name: &str, description: &str) -> CoreResult<KmsKeyRecord> {
        validate_name(name)?;
        self.insert_kms_key(name, description).await
    }

    async fn insert_kms_key(&self, name: &str, description: &str) -> CoreResult<KmsKeyRecord> {
        let keyring = self.master_for_kms()?;
        let material = SecretKey::generate();
        let (sealed_material, sealed_by) =
            keyring.seal_with_current(&material, &format!("{KMS_PREFIX}{name}"))?;
        let record = KmsKeyRecord {
            name: name.to_owned(),
            description: description.to_owned(),
            sealed_material,
            sealed_by,
            enabled: true,
            created_ms: now_ms(),
        };
        self.meta.create_kms_key(record.clone()).await?;
        Ok(record)
    }

    /// Every KMS key, by name.
    pub async fn list_kms_keys(&self) -> CoreResult<Vec<KmsKeyRecord>> {
        Ok(self.meta.list_kms_keys().await?)
    }

    /// Enables or disables a key. A disabled key encrypts and decrypts nothing.
    pub async fn set_kms_key_enabled(&self, key_id: &str, enabled: bool) -> CoreResult<()> {
        match self.meta.set_kms_key_enabled(key_name(key_id), enabled).await {
            Err(coffer_meta::MetaError::NoSuchKmsKey) => Err(CoreError::KmsKeyNotFound(key_id.to_owned())),
            other => Ok(other?),
        }
    }

    /// The material of an enabled key, as `KMS.NotFoundException` / `KMS.DisabledException`.
    async fn kms_material(&self, key_id: &str) -> CoreResult<(String, SecretKey)> {
        let name = key_name(key_id);
        let record = match self.meta.get_kms_key(name).await? {
            Some(record) => record,
            None if name == DEFAULT_KEY => {
                match self.insert_kms_key(DEFAULT_KEY, "Default key for SSE-KMS").await {
                    Ok(record) => record,
                    // Created meanwhile by a concurrent first use.
                    Err(CoreError::KmsKeyExists) => self
                        .meta
                        .get_kms_key(name)
                        .await?
                        .ok_or_else(|| CoreError::KmsKeyNotFound(key_id.to_owned()))?,
                    Err(e) => return Err(e),
                }
            }
            None => return Err(CoreError::KmsKeyNotFound(key_id.to_owned())),
        };
        if !record.enabled {
            return Err(CoreError::KmsKeyDisabled(key_id.to_owned()));
        }
        let keyring = self.master_for_kms()?;
        let material = keyring.open_sealed(
            &record.sealed_material,
            &record.sealed_by,
            &format!("{KMS_PREFIX}{name}"),
        )?;
        Ok((record.name, material))
    }

    /// A new data key sealed by KMS key `key_id`, and its SSE record (the key id written
    /// as the key's ARN, as AWS reports it).
    pub(crate) async fn kms_data_key(&self, key_id: &str) -> CoreResult<(SecretKey, SseParams)> {
        let region = self.config.region.as_str();
        let (name, material) = self.kms_material(key_id).await?;
        let data_key = SecretKey::generate();
        let sealed_by = format!("{KMS_PREFIX}{name}");
        let sealed = material.seal(&data_key, &sealed_by);
        Ok((
            data_key,
            SseParams {
                algorithm: SSE_KMS.to_owned(),
                key_id: Some(key_arn(region, &name)),
                sealed_key: Some(sealed),
                sealed_by: Some(sealed_by),
            },
        ))
    }

    /// Opens a data key a KMS key sealed.
    pub(crate) async fn open_kms_data_key(&self, sse: &SseParams) -> CoreResult<SecretKey> {
        let (Some(sealed), Some(by)) = (&sse.sealed_key, &sse.sealed_by) else {
            return Err(CoreError::Internal(
                "an SSE-KMS object has no sealed data key".into(),
            ));
        };
        let name = by.strip_prefix(KMS_PREFIX).unwrap_or(by);
        let (_, material) = self.kms_material(name).await?;
        material
            .open(sealed, by)
            .map_err(|e| CoreError::Internal(format!("opening a data key sealed by {by}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_id_form_names_the_key() {
        for id in [
            "app",
            "alias/app",
            "arn:aws:kms:us-east-1:000000000000:key/app",
            "arn:aws:kms:eu-west-1:123456789012:alias/app",
        ] {
            assert_eq!(key_name(id), "app", "{id}");
        }
        assert_eq!(key_name("team/app"), "team/app");
        assert!(validate_name("team/app-1_x").is_ok());
        for bad in ["", "aws/s3", "white space", &"k".repeat(257)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }
}
