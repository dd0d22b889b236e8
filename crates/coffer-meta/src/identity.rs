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

/// An IAM role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleRecord {
    pub account_id: String,
    pub name: String,
    pub path: String,
    /// `AROA...`.
    pub unique_id: String,
    pub created_ms: i64,
    pub tags: Vec<IamTag>,
    /// Who may assume it, verbatim as sent.
    pub trust_policy: String,
    /// 3600 to 43200.
    pub max_session_secs: i64,
    pub description: String,
}

/// An IAM group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub account_id: String,
    pub name: String,
    pub path: String,
    /// `AGPA...`.
    pub unique_id: String,
    pub created_ms: i64,
}

/// What a policy is attached to or embedded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    User,
    Group,
    Role,
}

impl EntityKind {
    /// The stored spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "group" => Some(Self::Group),
            "role" => Some(Self::Role),
            _ => None,
        }
    }
}

/// One version of a customer managed policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyVersionRecord {
    /// `v1`, `v2`, ...
    pub version_id: String,
    /// Verbatim, as sent.
    pub document: String,
    pub is_default: bool,
    pub created_ms: i64,
}

/// A customer managed policy with its versions (at most 5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedPolicyRecord {
    pub account_id: String,
    pub name: String,
    pub path: String,
    /// `ANPA...`.
    pub unique_id: String,
    pub created_ms: i64,
    pub description: String,
    /// Oldest first.
    pub versions: Vec<PolicyVersionRecord>,
}

/// A managed policy attached to a user, group or role (named by its lower-cased name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentRecord {
    pub account_id: String,
    pub kind: EntityKind,
    pub entity_key: String,
    pub policy_arn: String,
}

/// An inline policy embedded in a user, group or role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlinePolicyRecord {
    pub account_id: String,
    pub kind: EntityKind,
    pub entity_key: String,
    pub policy_name: String,
    /// Verbatim, as sent.
    pub document: String,
}

/// A user's membership of a group (both by lower-cased name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipRecord {
    pub account_id: String,
    pub group_key: String,
    pub user_key: String,
}

/// Every identity record, as one consistent read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentitySnapshot {
    /// Bumped by every applied change.
    pub generation: i64,
    pub accounts: Vec<AccountRecord>,
    pub users: Vec<UserRecord>,
    pub access_keys: Vec<AccessKeyRecord>,
    pub groups: Vec<GroupRecord>,
    pub roles: Vec<RoleRecord>,
    pub memberships: Vec<MembershipRecord>,
    pub policies: Vec<ManagedPolicyRecord>,
    pub attachments: Vec<AttachmentRecord>,
    pub inline_policies: Vec<InlinePolicyRecord>,
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
    /// Replaces an account's settings document. `NoSuchIdentity` if there is none.
    SetAccountSettings { account_id: String, settings: String },
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
    /// A new role. `IdentityExists` if the name is taken (any case).
    CreateRole(RoleRecord),
    /// Replaces a role's trust policy, tags, description and maximum session duration.
    /// `NoSuchIdentity` if there is no such role.
    UpdateRole(RoleRecord),
    /// `NoSuchIdentity`; `IdentityInUse` while it has policies.
    DeleteRole { account_id: String, role_name: String },
    /// A new group. `IdentityExists` if the name is taken (any case).
    CreateGroup(GroupRecord),
    /// `NoSuchIdentity`; `IdentityInUse` while it has members or policies.
    DeleteGroup { account_id: String, group_name: String },
    /// Idempotent. `NoSuchIdentity` if either is missing; `IdentityLimit` past
    /// `max_groups` groups for the user.
    AddUserToGroup {
        account_id: String,
        group_name: String,
        user_name: String,
        max_groups: u32,
    },
    /// `NoSuchIdentity` if either is missing or the user is not a member.
    RemoveUserFromGroup {
        account_id: String,
        group_name: String,
        user_name: String,
    },
    /// A new managed policy with its first version. `IdentityExists` if the name is
    /// taken (any case).
    CreatePolicy(ManagedPolicyRecord),
    /// Adds a version, the default one when `set_default`. `NoSuchIdentity`;
    /// `IdentityLimit` past `max_versions`.
    CreatePolicyVersion {
        account_id: String,
        policy_name: String,
        version: PolicyVersionRecord,
        set_default: bool,
        max_versions: u32,
    },
    /// `NoSuchIdentity` if the policy or version is missing.
    SetDefaultPolicyVersion {
        account_id: String,
        policy_name: String,
        version_id: String,
    },
    /// `NoSuchIdentity`; `IdentityInUse` for the default version.
    DeletePolicyVersion {
        account_id: String,
        policy_name: String,
        version_id: String,
    },
    /// Deletes a policy with its versions. `NoSuchIdentity`; `IdentityInUse` while it is
    /// attached (`policy_arn` names it in attachments).
    DeletePolicy {
        account_id: String,
        policy_name: String,
        policy_arn: String,
    },
    /// Idempotent. `NoSuchIdentity` if the entity is missing; `IdentityLimit` past
    /// `max_attached` policies on it.
    AttachPolicy {
        attachment: AttachmentRecord,
        max_attached: u32,
    },
    /// `NoSuchIdentity` if it is not attached.
    DetachPolicy(AttachmentRecord),
    /// Adds or replaces an inline policy. `NoSuchIdentity` if the entity is missing.
    PutInlinePolicy(InlinePolicyRecord),
    /// `NoSuchIdentity` if there is no such inline policy.
    DeleteInlinePolicy {
        account_id: String,
        kind: EntityKind,
        entity_key: String,
        policy_name: String,
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
