//! Access keys of IAM users and account roots: at most two per owner, as AWS.

use coffer_meta::{AccessKeyRecord, IdentityChange, KeyStatus};

use crate::Iam;
use crate::error::{IamError, IamResult};
use crate::snapshot::Secret;

/// AWS's quota of access keys per user (and per account root).
pub const MAX_KEYS_PER_OWNER: u32 = 2;

/// A new key with its secret (the only time the secret is shown).
#[derive(Clone, Debug)]
pub struct NewAccessKey {
    pub record: AccessKeyRecord,
    pub secret: Secret,
}

fn no_such_key(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
}

impl Iam {
    /// `user: None` means the account root.
    fn check_owner(&self, account_id: &str, user: Option<&str>) -> IamResult<Option<String>> {
        match user {
            None => Ok(None),
            Some(name) => Ok(Some(self.get_user(account_id, name)?.name)),
        }
    }

    pub async fn create_access_key(&self, account_id: &str, user: Option<&str>) -> IamResult<NewAccessKey> {
        let user = self.check_owner(account_id, user)?;
        let (record, secret) = self.new_key(account_id, user.as_deref())?;
        self.change(IdentityChange::CreateAccessKey {
            key: record.clone(),
            max_per_owner: MAX_KEYS_PER_OWNER,
        })
        .await?;
        Ok(NewAccessKey { record, secret })
    }

    /// The owner's keys, oldest first.
    pub fn list_access_keys(&self, account_id: &str, user: Option<&str>) -> IamResult<Vec<AccessKeyRecord>> {
        self.check_owner(account_id, user)?;
        Ok(self
            .snapshot()
            .keys_of(account_id, user)
            .into_iter()
            .cloned()
            .collect())
    }

    fn owned_key(
        &self,
        account_id: &str,
        user: Option<&str>,
        access_key_id: &str,
    ) -> IamResult<Option<String>> {
        let owner = self.check_owner(account_id, user)?;
        let owned = self
            .snapshot()
            .keys_of(account_id, owner.as_deref())
            .iter()
            .any(|k| k.access_key_id == access_key_id);
        if owned {
            Ok(owner)
        } else {
            Err(no_such_key(access_key_id))
        }
    }

    pub async fn update_access_key(
        &self,
        account_id: &str,
        user: Option<&str>,
        access_key_id: &str,
        status: KeyStatus,
    ) -> IamResult<()> {
        let user_name = self.owned_key(account_id, user, access_key_id)?;
        self.change(IdentityChange::SetAccessKeyStatus {
            account_id: account_id.to_owned(),
            user_name,
            access_key_id: access_key_id.to_owned(),
            status,
        })
        .await
    }

    pub async fn delete_access_key(
        &self,
        account_id: &str,
        user: Option<&str>,
        access_key_id: &str,
    ) -> IamResult<()> {
        let user_name = self.owned_key(account_id, user, access_key_id)?;
        self.change(IdentityChange::DeleteAccessKey {
            account_id: account_id.to_owned(),
            user_name,
            access_key_id: access_key_id.to_owned(),
        })
        .await
    }
}
