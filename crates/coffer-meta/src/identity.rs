//! Identity records (ADR 13): accounts, IAM users and access keys, and the one enum of
//! changes a backend applies to them.
//!
//! The identity layer (`coffer-iam`) loads every record at start and after each change
//! ([`crate::MetaStore::load_identities`]) and answers requests from memory; the backend
//! checks each change's preconditions in the change's own transaction, so two writers can
//! never both take the last free name or the third key of a user.

use serde::{Deserialize, Serialize};

/// An account (tenant): owns buckets and IAM identities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRecord {
    /// Twelve digits.
    pub account_id: String,
    /// Unique across the deployment.
    pub name: String,
    pub created_ms: i64,
    /// The deployment's own account, whose root key is the configured root credentials.
    pub is_deployment: bool,
    /// Account-wide settings (JSON), `{}` when none.
    pub settings: String,
}

/// A tag on an IAM identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamTag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

/// An IAM user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub account_id: String,
    /// As created; unique in the account regardless of case.
    pub name: String,
    /// `/` or `/division/`.
    pub path: String,
    /// `AIDA...`.
    pub unique_id: String,
    pub created_ms: i64,
    pub tags: Vec<IamTag>,
}

/// Whether an access key may sign requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    Inactive,
}

impl KeyStatus {
    /// AWS's spelling, also what is stored.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    /// Parses AWS's spelling.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// A long-term access key of an account root (`user_name: None`) or of an IAM user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub access_key_id: String,
    pub account_id: String,
    /// The user's name as created, `None` for the account root's key.
    pub user_name: Option<String>,
    /// The secret access key, sealed by the master key `sealed_by`.
    pub sealed_secret: String,
    pub sealed_by: String,
    pub status: KeyStatus,
    pub created_ms: i64,
}

/// Every identity record, as one consistent read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentitySnapshot {
    /// Bumped by every applied change.
    pub generation: i64,
    pub accounts: Vec<AccountRecord>,
    pub users: Vec<UserRecord>,
    pub access_keys: Vec<AccessKeyRecord>,
}

/// A change to the identity records, applied atomically with its checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentityChange {
    /// A new account with its root's access key. `IdentityExists` if the name or id is
    /// taken.
    CreateAccount {
        account: AccountRecord,
        root_key: AccessKeyRecord,
    },
    /// Deletes an account with its users and keys. `NoSuchIdentity` if there is none;
    /// `IdentityInUse` if it owns a bucket or is the deployment's.
    DeleteAccount { account_id: String },
    /// A new user. `IdentityExists` if the account has a user of that name (any case).
    CreateUser(UserRecord),
    /// Replaces a user's tags. `NoSuchIdentity` if there is no such user.
    SetUserTags {
        account_id: String,
        user_name: String,
        tags: Vec<IamTag>,
    },
    /// Deletes a user. `NoSuchIdentity`; `IdentityInUse` while it has access keys.
    DeleteUser { account_id: String, user_name: String },
    /// A new access key. `NoSuchIdentity` if its user is gone; `IdentityLimit` if its
    /// owner has `max_per_owner` keys already.
    CreateAccessKey {
        key: AccessKeyRecord,
        max_per_owner: u32,
    },
    /// `NoSuchIdentity` unless the key exists and belongs to that owner.
    SetAccessKeyStatus {
        account_id: String,
        user_name: Option<String>,
        access_key_id: String,
        status: KeyStatus,
    },
    /// `NoSuchIdentity` unless the key exists and belongs to that owner.
    DeleteAccessKey {
        account_id: String,
        user_name: Option<String>,
        access_key_id: String,
    },
    /// Replaces a key's sealed secret if it is still `expected` (master-key rotation); a
    /// key deleted or re-sealed meanwhile is left alone.
    ResealAccessKey {
        access_key_id: String,
        expected: String,
        sealed_secret: String,
        sealed_by: String,
    },
}

/// The lower-cased name that makes IAM names unique regardless of case.
#[must_use]
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}
