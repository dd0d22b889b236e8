//! Accounts (tenants): created, listed and deleted by the deployment root through the
//! admin API.

use coffer_core::{SecretKey, access_key_context};
use coffer_meta::{AccessKeyRecord, AccountRecord, IdentityChange, KeyStatus};

use crate::error::{IamError, IamResult};
use crate::names::validate_account_name;
use crate::snapshot::Secret;
use crate::{Iam, ids, now_ms};

/// A new account and its root's credentials (the only time the secret is shown).
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub account: AccountRecord,
    pub access_key_id: String,
    pub secret: Secret,
}

impl Iam {
    /// A sealed new key for `account_id` (`user: None`: the account root).
    pub(crate) fn new_key(
        &self,
        account_id: &str,
        user: Option<&str>,
    ) -> IamResult<(AccessKeyRecord, Secret)> {
        let access_key_id = ids::access_key_id();
        let key = SecretKey::generate();
        let (sealed_secret, sealed_by) = self
            .inner
            .keyring
            .seal_with_current(&key, &access_key_context(&access_key_id))?;
        let record = AccessKeyRecord {
            access_key_id,
            account_id: account_id.to_owned(),
            user_name: user.map(str::to_owned),
            sealed_secret,
            sealed_by,
            status: KeyStatus::Active,
            created_ms: now_ms(),
        };
        Ok((record, Secret::new(ids::secret_text(&key))))
    }

    /// Creates an account with a root access key.
    pub async fn create_account(&self, name: &str) -> IamResult<NewAccount> {
        validate_account_name(name)?;
        if self.snapshot().account_by_name(name).is_some() {
            return Err(IamError::EntityAlreadyExists(format!(
                "Account {name} already exists."
            )));
        }
        let account = AccountRecord {
            account_id: ids::account_id(),
            name: name.to_owned(),
            created_ms: now_ms(),
            is_deployment: false,
            settings: "{}".to_owned(),
        };
        let (root_key, secret) = self.new_key(&account.account_id, None)?;
        let access_key_id = root_key.access_key_id.clone();
        self.change(IdentityChange::CreateAccount {
            account: account.clone(),
            root_key,
        })
        .await?;
        Ok(NewAccount {
            account,
            access_key_id,
            secret,
        })
    }

    fn account_named(&self, name: &str) -> IamResult<AccountRecord> {
        self.snapshot()
            .account_by_name(name)
            .map(|a| a.record.clone())
            .ok_or_else(|| IamError::NoSuchEntity(format!("The account with name {name} cannot be found.")))
    }

    /// Every account, by name.
    #[must_use]
    pub fn list_accounts(&self) -> Vec<AccountRecord> {
        let mut all: Vec<_> = self
            .snapshot()
            .accounts
            .values()
            .map(|a| a.record.clone())
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Sets an account's Block Public Access, which applies to every bucket it owns on
    /// top of each bucket's own.
    pub async fn set_account_public_access_block(
        &self,
        name: &str,
        bpa: crate::PublicAccessBlock,
    ) -> IamResult<()> {
        let account = self.account_named(name)?;
        let mut settings: serde_json::Value = serde_json::from_str(&account.settings).unwrap_or_default();
        if !settings.is_object() {
            settings = serde_json::json!({});
        }
        let document: serde_json::Value =
            serde_json::from_str(&bpa.to_document()).map_err(|e| IamError::Internal(e.to_string()))?;
        settings["PublicAccessBlock"] = document;
        self.change(IdentityChange::SetAccountSettings {
            account_id: account.account_id,
            settings: settings.to_string(),
        })
        .await
    }

    /// Replaces a created account's root access key: a new one is made and every older one
    /// deleted (the deployment root's key is the configuration's, not ours to rotate).
    pub async fn rotate_root_key(&self, name: &str) -> IamResult<crate::NewAccessKey> {
        let account = self.account_named(name)?;
        if account.is_deployment {
            return Err(IamError::InvalidInput(
                "the deployment root's key lives in root-credentials.toml or COFFER_ROOT_*: \
                 rotate it with `coffer admin --offline --data-dir DIR account rotate-root-key` or change the environment"
                    .into(),
            ));
        }
        let mut old: Vec<String> = self
            .snapshot()
            .keys_of(&account.account_id, None)
            .iter()
            .map(|k| k.access_key_id.clone())
            .collect();
        // Make room under the quota of two, oldest first.
        if old.len() >= 2 {
            let oldest = old.remove(0);
            self.delete_access_key(&account.account_id, None, &oldest).await?;
        }
        let new = self.create_access_key(&account.account_id, None).await?;
        for id in old {
            self.delete_access_key(&account.account_id, None, &id).await?;
        }
        Ok(new)
    }

    /// Deletes an account that owns no bucket, with its users and keys.
    pub async fn delete_account(&self, name: &str) -> IamResult<()> {
        let account_id = self.account_named(name)?.account_id;
        self.change(IdentityChange::DeleteAccount { account_id }).await
    }
}
