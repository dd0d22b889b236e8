//! The identity snapshot: every account, user and key, with secrets opened, held in
//! memory so that no request reads the database to authenticate.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use coffer_core::{Keyring, access_key_context};
use coffer_meta::{
    AccessKeyRecord, AccountRecord, AttachmentRecord, EntityKind, GroupRecord, IdentitySnapshot,
    InlinePolicyRecord, KeyStatus, ManagedPolicyRecord, MembershipRecord, RoleRecord, UserRecord, name_key,
};

use crate::arn::{canonical_user_id, entity_arn, root_arn};
use crate::error::{IamError, IamResult};
use crate::ids::secret_text;
use crate::policy::{Policy, PolicyKind};

/// Whether a policy document names the `s3:ExistingObjectTag/...` condition key.
#[must_use]
pub fn names_existing_object_tags(document: &str) -> bool {
    document.to_ascii_lowercase().contains("s3:existingobjecttag/")
}

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
#[derive(Clone, Debug)]
pub enum Principal {
    /// An account's root (for the deployment's account: the configured credentials).
    Root { account_id: String },
    /// An IAM user.
    User(UserRecord),
    /// An assumed role's session (temporary credentials).
    Session(Box<Session>),
}

/// A role session, from its token's claims and the role as it is now.
#[derive(Clone, Debug)]
pub struct Session {
    pub claims: crate::session::SessionClaims,
    /// The role's path and tags (`None` once the role is deleted: it then grants nothing).
    pub role: Option<RoleRecord>,
    /// The session policy, compiled.
    pub policy: Option<Arc<Policy>>,
}

impl Session {
    #[must_use]
    pub fn role_arn(&self) -> String {
        let path = self.role.as_ref().map_or("/", |r| r.path.as_str());
        entity_arn(&self.claims.account_id, "role", path, &self.claims.role_name)
    }
}

/// An authenticated caller: the principal and the key it signed with.
#[derive(Clone, Debug)]
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
            Principal::Session(s) => &s.claims.account_id,
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
            Principal::Session(s) => format!(
                "arn:aws:sts::{}:assumed-role/{}/{}",
                s.claims.account_id, s.claims.role_name, s.claims.session_name
            ),
        }
    }

    /// GetCallerIdentity's `UserId`: the account id for a root, the unique id for a user,
    /// `ROLEID:SESSION` for a role session.
    #[must_use]
    pub fn user_id(&self) -> String {
        match &self.principal {
            Principal::Root { account_id } => account_id.clone(),
            Principal::User(u) => u.unique_id.clone(),
            Principal::Session(s) => format!("{}:{}", s.claims.role_id, s.claims.session_name),
        }
    }

    /// The IAM user's name, `None` for a root or a session (`aws:username` is absent).
    #[must_use]
    pub fn user_name(&self) -> Option<&str> {
        match &self.principal {
            Principal::Root { .. } | Principal::Session(_) => None,
            Principal::User(u) => Some(&u.name),
        }
    }

    /// The role session, if this is one.
    #[must_use]
    pub fn session(&self) -> Option<&Session> {
        match &self.principal {
            Principal::Session(s) => Some(s),
            _ => None,
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
    /// The account-wide Block Public Access, parsed once.
    pub public_access_block: crate::PublicAccessBlock,
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
    /// By (account id, lower-cased name).
    pub groups: BTreeMap<(String, String), GroupRecord>,
    /// By (account id, lower-cased name).
    pub roles: BTreeMap<(String, String), RoleRecord>,
    pub memberships: Vec<MembershipRecord>,
    /// Customer managed policies, by (account id, lower-cased name).
    pub policies: BTreeMap<(String, String), ManagedPolicyRecord>,
    pub attachments: Vec<AttachmentRecord>,
    pub inline_policies: Vec<InlinePolicyRecord>,
    /// Each user's identity policies (inline, attached, and its groups'), compiled.
    pub(crate) user_policies: HashMap<(String, String), Vec<Arc<Policy>>>,
    /// Each role's identity policies (inline and attached), compiled.
    pub(crate) role_policies: HashMap<(String, String), Vec<Arc<Policy>>>,
    /// Whether any stored identity policy names `s3:ExistingObjectTag/...`: only then is
    /// an object's tag set read to authorize a request on it.
    pub names_existing_object_tags: bool,
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
        let mut snapshot = Self {
            generation: records.generation,
            accounts: records
                .accounts
                .into_iter()
                .map(|record| {
                    let canonical_id = canonical_user_id(&record.account_id);
                    let public_access_block = crate::PublicAccessBlock::of_account(&record.settings);
                    (
                        record.account_id.clone(),
                        Account {
                            record,
                            canonical_id,
                            public_access_block,
                        },
                    )
                })
                .collect(),
            deployment_account,
            users: records
                .users
                .into_iter()
                .map(|u| ((u.account_id.clone(), name_key(&u.name)), u))
                .collect(),
            keys,
            groups: records
                .groups
                .into_iter()
                .map(|g| ((g.account_id.clone(), name_key(&g.name)), g))
                .collect(),
            roles: records
                .roles
                .into_iter()
                .map(|r| ((r.account_id.clone(), name_key(&r.name)), r))
                .collect(),
            memberships: records.memberships,
            policies: records
                .policies
                .into_iter()
                .map(|p| ((p.account_id.clone(), name_key(&p.name)), p))
                .collect(),
            attachments: records.attachments,
            inline_policies: records.inline_policies,
            user_policies: HashMap::new(),
            role_policies: HashMap::new(),
            names_existing_object_tags: false,
            root_key: Some((root_access_key.to_owned(), root_secret.clone())),
        };
        snapshot.names_existing_object_tags = snapshot
            .inline_policies
            .iter()
            .map(|p| p.document.as_str())
            .chain(
                snapshot
                    .policies
                    .values()
                    .flat_map(|p| p.versions.iter().map(|v| v.document.as_str())),
            )
            .any(names_existing_object_tags);
        let (users, roles) = snapshot.compile_identity_policies();
        snapshot.user_policies = users;
        snapshot.role_policies = roles;
        Ok(snapshot)
    }

    /// Compiles every document once and gives each user and role the policies that apply
    /// to it.
    #[allow(clippy::type_complexity)]
    fn compile_identity_policies(
        &self,
    ) -> (
        HashMap<(String, String), Vec<Arc<Policy>>>,
        HashMap<(String, String), Vec<Arc<Policy>>>,
    ) {
        let compile = |what: &str, text: &str| match Policy::parse(text, PolicyKind::Identity) {
            Ok(p) => Some(Arc::new(p)),
            Err(e) => {
                // Stored documents were validated when put; one that no longer parses
                // grants nothing (a Deny in it is lost: say so loudly).
                tracing::error!(policy = %what, error = %e, "a stored policy does not parse; it is ignored");
                None
            }
        };
        let mut managed: HashMap<String, Arc<Policy>> = HashMap::new();
        for (name, doc) in crate::aws_managed::POLICIES {
            if let Some(p) = compile(name, doc) {
                managed.insert(format!("{}{name}", crate::aws_managed::ARN_PREFIX), p);
            }
        }
        for p in self.policies.values() {
            let arn = crate::arn::entity_arn(&p.account_id, "policy", &p.path, &p.name);
            if let Some(v) = p.versions.iter().find(|v| v.is_default)
                && let Some(compiled) = compile(&arn, &v.document)
            {
                managed.insert(arn, compiled);
            }
        }
        let mut of_entity: HashMap<(String, EntityKind, String), Vec<Arc<Policy>>> = HashMap::new();
        for a in &self.attachments {
            if let Some(p) = managed.get(&a.policy_arn) {
                of_entity
                    .entry((a.account_id.clone(), a.kind, a.entity_key.clone()))
                    .or_default()
                    .push(p.clone());
            }
        }
        for i in &self.inline_policies {
            if let Some(p) = compile(&i.policy_name, &i.document) {
                of_entity
                    .entry((i.account_id.clone(), i.kind, i.entity_key.clone()))
                    .or_default()
                    .push(p);
            }
        }
        let mut out = HashMap::new();
        for (account, user_key) in self.users.keys() {
            let mut policies = of_entity
                .get(&(account.clone(), EntityKind::User, user_key.clone()))
                .cloned()
                .unwrap_or_default();
            for m in self
                .memberships
                .iter()
                .filter(|m| &m.account_id == account && &m.user_key == user_key)
            {
                if let Some(p) = of_entity.get(&(account.clone(), EntityKind::Group, m.group_key.clone())) {
                    policies.extend(p.iter().cloned());
                }
            }
            out.insert((account.clone(), user_key.clone()), policies);
        }
        let roles = self
            .roles
            .keys()
            .map(|(account, role_key)| {
                let policies = of_entity
                    .get(&(account.clone(), EntityKind::Role, role_key.clone()))
                    .cloned()
                    .unwrap_or_default();
                ((account.clone(), role_key.clone()), policies)
            })
            .collect();
        (out, roles)
    }

    /// The identity policies of a caller: none for a root, else the user's.
    #[must_use]
    pub fn identity_policies(&self, caller: &Caller) -> &[Arc<Policy>] {
        match &caller.principal {
            Principal::Root { .. } => &[],
            Principal::User(u) => self
                .user_policies
                .get(&(u.account_id.clone(), name_key(&u.name)))
                .map_or(&[], Vec::as_slice),
            Principal::Session(s) => self
                .role_policies
                .get(&(s.claims.account_id.clone(), name_key(&s.claims.role_name)))
                .map_or(&[], Vec::as_slice),
        }
    }

    #[must_use]
    pub fn role(&self, account_id: &str, name: &str) -> Option<&RoleRecord> {
        self.roles.get(&(account_id.to_owned(), name_key(name)))
    }

    /// The secret of an active key, and who it belongs to.
    /// The secret of an active long-term key or of the deployment root, without building
    /// the caller (what SigV4 verification needs, on every request).
    pub fn secret(&self, access_key_id: &str) -> IamResult<Secret> {
        if let Some((root, secret)) = &self.root_key
            && root == access_key_id
        {
            return Ok(secret.clone());
        }
        self.keys
            .get(access_key_id)
            .filter(|e| e.record.status == KeyStatus::Active)
            .map(|e| e.secret.clone())
            .ok_or(IamError::InvalidClientTokenId)
    }

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
    pub fn group(&self, account_id: &str, name: &str) -> Option<&GroupRecord> {
        self.groups.get(&(account_id.to_owned(), name_key(name)))
    }

    /// The groups `user` belongs to, by name.
    #[must_use]
    pub fn groups_of(&self, account_id: &str, user: &str) -> Vec<&GroupRecord> {
        let user = name_key(user);
        self.memberships
            .iter()
            .filter(|m| m.account_id == account_id && m.user_key == user)
            .filter_map(|m| self.groups.get(&(account_id.to_owned(), m.group_key.clone())))
            .collect()
    }

    /// The members of `group`, by name.
    #[must_use]
    pub fn members_of(&self, account_id: &str, group: &str) -> Vec<&UserRecord> {
        let group = name_key(group);
        self.memberships
            .iter()
            .filter(|m| m.account_id == account_id && m.group_key == group)
            .filter_map(|m| self.users.get(&(account_id.to_owned(), m.user_key.clone())))
            .collect()
    }

    /// The ARNs of the managed policies attached to an entity.
    #[must_use]
    pub fn attached(&self, account_id: &str, kind: EntityKind, name: &str) -> Vec<&str> {
        let key = name_key(name);
        self.attachments
            .iter()
            .filter(|a| a.account_id == account_id && a.kind == kind && a.entity_key == key)
            .map(|a| a.policy_arn.as_str())
            .collect()
    }

    /// The inline policies of an entity, by name.
    #[must_use]
    pub fn inline(&self, account_id: &str, kind: EntityKind, name: &str) -> Vec<&InlinePolicyRecord> {
        let key = name_key(name);
        self.inline_policies
            .iter()
            .filter(|p| p.account_id == account_id && p.kind == kind && p.entity_key == key)
            .collect()
    }

    /// The customer managed policy an ARN of `account_id` names.
    #[must_use]
    pub fn customer_policy(&self, account_id: &str, arn: &str) -> Option<&ManagedPolicyRecord> {
        let name = arn
            .strip_prefix(&format!("arn:aws:iam::{account_id}:policy/"))?
            .rsplit('/')
            .next()?;
        self.policies
            .get(&(account_id.to_owned(), name_key(name)))
            .filter(|p| crate::arn::entity_arn(account_id, "policy", &p.path, &p.name) == arn)
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
