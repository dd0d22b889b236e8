//! Master-key rotation: every data key sealed by an older master key is sealed again by
//! the current one. Only metadata changes; no object byte is read or written.

use coffer_meta::{IdentityChange, MetaTarget};

use crate::Store;
use crate::error::{CoreError, CoreResult};
use crate::keyring::{SseKind, access_key_context, sse_kind};

/// Records visited per metadata page.
const PAGE: usize = 500;

/// What a rotation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResealReport {
    /// Object versions and uploads visited.
    pub visited: u64,
    /// Data keys sealed again by the current master key.
    pub resealed: u64,
    /// SSE-C records (sealed by the customer's key, which is never stored): untouched.
    pub customer_keyed: u64,
    /// Keys of the key service whose material was sealed again.
    pub kms_keys: u64,
    /// Secrets of access keys (account roots and IAM users) sealed again.
    pub access_keys: u64,
}

impl Store {
    /// Seals every SSE-S3 data key with the current master key. The keyring must hold the
    /// keys that sealed them (as previous keys). `progress` is called after each page.
    pub async fn reseal_data_keys(
        &self,
        mut progress: impl FnMut(&ResealReport),
    ) -> CoreResult<ResealReport> {
        let keyring = self
            .keyring
            .clone()
            .ok_or_else(|| CoreError::Internal("rotation needs the master keys".into()))?;
        let mut report = ResealReport::default();
        let mut after: Option<MetaTarget> = None;
        loop {
            let page = self.meta.scan_metas(after.clone(), PAGE).await?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            for (target, meta) in page {
                report.visited += 1;
                match sse_kind(&meta) {
                    // Sealed by a KMS key, whose material is re-sealed below.
                    SseKind::None | SseKind::Kms => {}
                    SseKind::Customer => report.customer_keyed += 1,
                    SseKind::S3 => {
                        let Some(sse) = meta.sse else { continue };
                        if let Some(new) = keyring.reseal(&sse)? {
                            let old = sse.sealed_key.unwrap_or_default();
                            self.meta.reseal(target, old, new).await?;
                            report.resealed += 1;
                        }
                    }
                }
            }
            progress(&report);
        }
        // The key service's keys are sealed by the master key too.
        for key in self.meta.list_kms_keys().await? {
            if key.sealed_by == keyring.current_id() {
                continue;
            }
            let context = format!("kms:{}", key.name);
            let material = keyring.open_sealed(&key.sealed_material, &key.sealed_by, &context)?;
            let (sealed, by) = keyring.seal_with_current(&material, &context)?;
            self.meta
                .reseal_kms_key(&key.name, &key.sealed_material, sealed, by)
                .await?;
            report.kms_keys += 1;
        }
        // So are the secrets of access keys (ADR 13).
        for key in self.meta.load_identities().await?.access_keys {
            if key.sealed_by == keyring.current_id() {
                continue;
            }
            let context = access_key_context(&key.access_key_id);
            let secret = keyring.open_sealed(&key.sealed_secret, &key.sealed_by, &context)?;
            let (sealed_secret, sealed_by) = keyring.seal_with_current(&secret, &context)?;
            let change = IdentityChange::ResealAccessKey {
                access_key_id: key.access_key_id,
                expected: key.sealed_secret,
                sealed_secret,
                sealed_by,
            };
            self.meta.apply_identity_change(change).await?;
            report.access_keys += 1;
        }
        Ok(report)
    }
}
