//! The identity snapshot: every account, user and key, with secrets opened, held in
//! memory so that no request reads the database to authenticate.

use std::collections::{BTreeMap, HashMap};

use coffer_core::{Keyring, access_key_context};
use coffer_meta::{AccessKeyRecord, AccountRecord, IdentitySnapshot, KeyStatus, UserRecord, name_key};

use crate::arn::{canonical_user_id, entity_arn, root_arn};
use crate::error::{IamError, IamResult};
use crate::ids::secret_text;

/// A secret access key. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(text: String) -> Self {
        Self(text)
    }

    /// The secret itself: for signing and for the one response that hands it out.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Who signed a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// An account's root (for the deployment's account: the configured credentials).
    Root { account_id: String },
    /// An IAM user.
    User(UserRecord),
}

/// An authenticated caller: the principal and the key it signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub principal: Principal,
    pub access_key_id: String,
    /// Whether this is the root of the deployment's own account (the admin API's only
    /// caller).
    pub deployment_root: bool,
}

impl Caller {
    #[must_use]
    pub fn account_id(&self) -> &str {
        match &self.principal {
            Principal::Root { account_id } => account_id,
            Principal::User(u) => &u.account_id,
        }
    }

    #[must_use]
    pub fn is_root(&self) -> bool {
        matches!(self.principal, Principal::Root { .. })
    }

    #[must_use]
    pub fn arn(&self) -> String {
        match &self.principal {
            Principal::Root { account_id } => root_arn(account_id),
            Principal::User(u) => entity_arn(&u.account_id, "user", &u.path, &u.name),
        }
    }

    /// GetCallerIdentity's `UserId`: the account id for a root, the unique id for a user.
    #[must_use]
    pub fn user_id(&self) -> &str {
        match &self.principal {
            Principal::Root { account_id } => account_id,
            Principal::User(u) => &u.unique_id,
        }
    }

    /// The IAM user's name, `None` for a root (`aws:username` is absent then).
    #[must_use]
    pub fn user_name(&self) -> Option<&str> {
        match &self.principal {
            Principal::Root { .. } => None,
            Principal::User(u) => Some(&u.name),
        }
    }
}

/// One access key, its secret opened.
#[derive(Clone, Debug)]
pub struct KeyEntry {
    pub record: AccessKeyRecord,
    pub secret: Secret,
}

/// An account with its derived names.
#[derive(Clone, Debug)]
pub struct Account {
    pub record: AccountRecord,
    pub canonical_id: String,
}

/// Everything the identity layer knows, as of one generation.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub generation: i64,
    pub accounts: BTreeMap<String, Account>,
    pub deployment_account: String,
    /// By (account id, lower-cased name).
    pub users: BTreeMap<(String, String), UserRecord>,
    pub keys: HashMap<String, KeyEntry>,
    /// The deployment root: from the config, never stored.
    pub(crate) root_key: Option<(String, Secret)>,
}

impl Snapshot {
    /// Opens every sealed secret of `records`; the configured root is added as the
    /// deployment account's root.
    pub(crate) fn build(
        records: IdentitySnapshot,
        keyring: &Keyring,
        root_access_key: &str,
        root_secret: &Secret,
    ) -> IamResult<Self> {
        let deployment_account = records
            .accounts
            .iter()
            .find(|a| a.is_deployment)
            .map(|a| a.account_id.clone())
            .ok_or_else(|| IamError::Internal("the deployment's account is missing".into()))?;
        let mut keys = HashMap::with_capacity(records.access_keys.len());
        for record in records.access_keys {
            let context = access_key_context(&record.access_key_id);
            let key = keyring.open_sealed(&record.sealed_secret, &record.sealed_by, &context)?;
            let secret = Secret(secret_text(&key));
            keys.insert(record.access_key_id.clone(), KeyEntry { record, secret });
        }
        Ok(Self {
            generation: records.generation,
            accounts: records
                .accounts
                .into_iter()
                .map(|record| {
                    let canonical_id = canonical_user_id(&record.account_id);
                    (record.account_id.clone(), Account { record, canonical_id })
                })
                .collect(),
            deployment_account,
            users: records
                .users
                .into_iter()
                .map(|u| ((u.account_id.clone(), name_key(&u.name)), u))
                .collect(),
            keys,
            root_key: Some((root_access_key.to_owned(), root_secret.clone())),
        })
    }

    /// The secret of an active key, and who it belongs to.
    pub fn authenticate(&self, access_key_id: &str) -> IamResult<(Caller, Secret)> {
        if let Some((root, secret)) = &self.root_key
            && root == access_key_id
        {
            let caller = Caller {
                principal: Principal::Root {
                    account_id: self.deployment_account.clone(),
                },
                access_key_id: access_key_id.to_owned(),
                deployment_root: true,
            };
            return Ok((caller, secret.clone()));
        }
        let entry = self
            .keys
            .get(access_key_id)
            .filter(|e| e.record.status == KeyStatus::Active)
            .ok_or(IamError::InvalidClientTokenId)?;
        let principal = match &entry.record.user_name {
            None => Principal::Root {
                account_id: entry.record.account_id.clone(),
            },
            Some(name) => Principal::User(
                self.user(&entry.record.account_id, name)
                    .cloned()
                    .ok_or(IamError::InvalidClientTokenId)?,
            ),
        };
        let caller = Caller {
            principal,
            access_key_id: access_key_id.to_owned(),
            deployment_root: false,
        };
        Ok((caller, entry.secret.clone()))
    }

    #[must_use]
    pub fn user(&self, account_id: &str, name: &str) -> Option<&UserRecord> {
        self.users.get(&(account_id.to_owned(), name_key(name)))
    }

    #[must_use]
    pub fn account(&self, account_id: &str) -> Option<&Account> {
        self.accounts.get(account_id)
    }

    #[must_use]
    pub fn account_by_name(&self, name: &str) -> Option<&Account> {
        self.accounts.values().find(|a| a.record.name == name)
    }

    /// The keys of one owner (a user, or the account root when `user` is `None`), oldest
    /// first.
    #[must_use]
    pub fn keys_of(&self, account_id: &str, user: Option<&str>) -> Vec<&AccessKeyRecord> {
        let user = user.map(name_key);
        let mut keys: Vec<_> = self
            .keys
            .values()
            .map(|e| &e.record)
            .filter(|k| k.account_id == account_id && k.user_name.as_deref().map(name_key) == user)
            .collect();
        keys.sort_by(|a, b| (a.created_ms, &a.access_key_id).cmp(&(b.created_ms, &b.access_key_id)));
        keys
    }
}
