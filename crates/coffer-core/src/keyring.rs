//! The master keys that seal each object's data key (SSE-S3), and the seal/open of data
//! keys. Knows nothing of where the keys come from (the binary loads them).

use std::collections::HashMap;

use coffer_blob::Encryption;
use coffer_blob::crypt::SecretKey;
use coffer_meta::{ObjectMeta, SseParams};
use sha2::Digest as _;

use crate::error::{CoreError, CoreResult};

/// SSE-S3's algorithm name (also SSE-C's customer algorithm).
pub const SSE_S3: &str = "AES256";

/// `sealed_by` of an object whose data key the customer's key sealed (SSE-C): the key
/// itself is never stored; opening the sealed data key is what checks it.
const CUSTOMER: &str = "customer";

/// How an object is encrypted at rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SseKind {
    /// Stored before encryption at rest existed.
    None,
    /// SSE-S3: a data key sealed by the master key.
    S3,
    /// SSE-C: a data key sealed by the customer's key.
    Customer,
    /// SSE-KMS: a data key sealed by a key of the built-in key service.
    Kms,
}

/// How the object (or upload) with `meta` is encrypted.
#[must_use]
pub fn sse_kind(meta: &ObjectMeta) -> SseKind {
    match meta.sse.as_ref().filter(|s| s.sealed_key.is_some()) {
        None => SseKind::None,
        Some(s) if s.sealed_by.as_deref() == Some(CUSTOMER) => SseKind::Customer,
        Some(s) if s.sealed_by.as_deref().is_some_and(|b| b.starts_with("kms:")) => SseKind::Kms,
        Some(_) => SseKind::S3,
    }
}

/// A new data key sealed by a customer's key (SSE-C), and its SSE record.
pub(crate) fn customer_data_key(customer: &SecretKey) -> (SecretKey, SseParams) {
    let data_key = SecretKey::generate();
    let sealed = customer.seal(&data_key, CUSTOMER);
    (
        data_key,
        SseParams {
            algorithm: SSE_S3.to_owned(),
            key_id: None,
            sealed_key: Some(sealed),
            sealed_by: Some(CUSTOMER.to_owned()),
        },
    )
}

/// The current master key, and earlier ones kept to open data keys they sealed until a
/// rotation re-seals them.
pub struct Keyring {
    current: String,
    keys: HashMap<String, SecretKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

/// What an access key's secret is sealed under, so a sealed secret cannot be passed off
/// as another key's (or as KMS material).
#[must_use]
pub fn access_key_context(access_key_id: &str) -> String {
    format!("access-key|{access_key_id}")
}

/// A master key's public fingerprint: what objects record as the key that sealed them.
#[must_use]
pub fn key_id(key: &SecretKey) -> String {
    let mut h = sha2::Sha256::new();
    h.update(b"coffer-master-key-id-v1\0");
    h.update(key.as_bytes());
    format!("mk-{}", &hex::encode(h.finalize())[..16])
}

impl Keyring {
    /// A keyring whose current master key is `current`; `previous` keys can still open.
    #[must_use]
    pub fn new(current: SecretKey, previous: Vec<SecretKey>) -> Self {
        let id = key_id(&current);
        let mut keys: HashMap<String, SecretKey> = previous.into_iter().map(|k| (key_id(&k), k)).collect();
        keys.insert(id.clone(), current);
        Self { current: id, keys }
    }

    /// A key derived from the current master key for `label` (HMAC-SHA256 keyed by the
    /// master key): STS session tokens are sealed, and their secrets derived, with such
    /// keys, so a rotation of the master key ends every session.
    pub fn derive(&self, label: &str) -> CoreResult<[u8; 32]> {
        use hmac::{KeyInit as _, Mac as _};
        let master = self
            .keys
            .get(&self.current)
            .ok_or_else(|| CoreError::Internal("the current master key is missing".into()))?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(master.as_bytes())
            .map_err(|e| CoreError::Internal(format!("deriving a key: {e}")))?;
        mac.update(b"coffer-derive-v1\0");
        mac.update(label.as_bytes());
        Ok(mac.finalize().into_bytes().into())
    }

    /// The id of the master key new objects are sealed with.
    #[must_use]
    pub fn current_id(&self) -> &str {
        &self.current
    }

    /// A new data key for an object, with the SSE record that keeps it sealed.
    pub(crate) fn new_data_key(&self) -> CoreResult<(SecretKey, SseParams)> {
        let master = self
            .keys
            .get(&self.current)
            .ok_or_else(|| CoreError::Internal("the current master key is missing".into()))?;
        let data_key = SecretKey::generate();
        let sealed = master.seal(&data_key, &self.current);
        Ok((
            data_key,
            SseParams {
                algorithm: SSE_S3.to_owned(),
                key_id: None,
                sealed_key: Some(sealed),
                sealed_by: Some(self.current.clone()),
            },
        ))
    }

    /// The record sealed again by the current master key, or `None` when it already is.
    pub(crate) fn reseal(&self, sse: &SseParams) -> CoreResult<Option<SseParams>> {
        if sse.sealed_by.as_deref() == Some(self.current.as_str()) {
            return Ok(None);
        }
        let data_key = self.open(sse)?;
        let master = self
            .keys
            .get(&self.current)
            .ok_or_else(|| CoreError::Internal("the current master key is missing".into()))?;
        Ok(Some(SseParams {
            sealed_key: Some(master.seal(&data_key, &self.current)),
            sealed_by: Some(self.current.clone()),
            ..sse.clone()
        }))
    }

    /// Seals `secret` with the current master key under `context`; returns the sealed
    /// text and the master key's id.
    pub fn seal_with_current(&self, secret: &SecretKey, context: &str) -> CoreResult<(String, String)> {
        let master = self
            .keys
            .get(&self.current)
            .ok_or_else(|| CoreError::Internal("the current master key is missing".into()))?;
        Ok((
            master.seal(secret, &format!("{}|{context}", self.current)),
            self.current.clone(),
        ))
    }

    /// Opens what [`Keyring::seal_with_current`] sealed.
    pub fn open_sealed(&self, sealed: &str, by: &str, context: &str) -> CoreResult<SecretKey> {
        let master = self.keys.get(by).ok_or_else(|| {
            CoreError::Internal(format!(
                "a secret ({context}) is sealed by master key {by}, which is not loaded"
            ))
        })?;
        master
            .open(sealed, &format!("{by}|{context}"))
            .map_err(|e| CoreError::Internal(format!("opening a secret ({context}) sealed by {by}: {e}")))
    }

    /// Opens the data key an SSE record holds.
    pub(crate) fn open(&self, sse: &SseParams) -> CoreResult<SecretKey> {
        let (Some(sealed), Some(by)) = (&sse.sealed_key, &sse.sealed_by) else {
            return Err(CoreError::Internal(
                "an encrypted object has no sealed data key".into(),
            ));
        };
        let master = self.keys.get(by).ok_or_else(|| {
            CoreError::Internal(format!(
                "object data key sealed by master key {by}, which is not loaded (restore it, or pass it as a previous master key)"
            ))
        })?;
        master
            .open(sealed, by)
            .map_err(|e| CoreError::Internal(format!("opening a data key sealed by {by}: {e}")))
    }
}

/// How the bytes of part `part` (0 for a single PUT) of an object with `meta` were
/// encrypted, or `None` for an object stored before encryption at rest. An SSE-C object
/// needs the customer's key, and only its own opens it; other objects refuse one.
pub(crate) fn encryption_of(
    keyring: Option<&Keyring>,
    meta: &ObjectMeta,
    part: u32,
    customer: Option<&SecretKey>,
) -> CoreResult<Option<Encryption>> {
    let kind = sse_kind(meta);
    let Some(sse) = meta.sse.as_ref().filter(|_| kind != SseKind::None) else {
        return match customer {
            Some(_) => Err(CoreError::CustomerKeyNotApplicable),
            None => Ok(None),
        };
    };
    let key = match (kind, customer) {
        (SseKind::Customer, None) => return Err(CoreError::CustomerKeyRequired),
        (SseKind::Customer, Some(customer)) => {
            let sealed = sse.sealed_key.as_deref().unwrap_or_default();
            customer
                .open(sealed, CUSTOMER)
                .map_err(|_| CoreError::CustomerKeyMismatch)?
        }
        (_, Some(_)) => return Err(CoreError::CustomerKeyNotApplicable),
        (SseKind::Kms, None) => {
            return Err(CoreError::Internal(
                "an SSE-KMS key is opened by the store".into(),
            ));
        }
        (_, None) => keyring
            .ok_or_else(|| {
                CoreError::Internal("an encrypted object was read by a store without master keys".into())
            })?
            .open(sse)?,
    };
    Ok(Some(Encryption { key, part }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rotation_keeps_old_objects_readable() {
        let old = SecretKey::generate();
        let ring = Keyring::new(old.clone(), Vec::new());
        let (data_key, sse) = ring.new_data_key().unwrap();
        assert_eq!(sse.sealed_by.as_deref(), Some(key_id(&old).as_str()));

        let new = SecretKey::generate();
        let rotated = Keyring::new(new.clone(), vec![old]);
        assert_eq!(rotated.open(&sse).unwrap(), data_key);
        assert_ne!(rotated.current_id(), sse.sealed_by.as_deref().unwrap());
        let without_old = Keyring::new(new, Vec::new());
        assert!(without_old.open(&sse).is_err());
    }
}
