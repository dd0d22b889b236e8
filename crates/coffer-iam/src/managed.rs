//! Managed policies: customer managed ones with their versions, the AWS managed ones
//! Coffer builds in, and their attachments to users, groups and roles.

use coffer_meta::{
    AttachmentRecord, EntityKind, IdentityChange, ManagedPolicyRecord, PolicyVersionRecord, name_key,
};

use crate::error::{IamError, IamResult};
use crate::names::validate_path;
use crate::page::{Page, PageRequest};
use crate::policy::{Policy, PolicyKind};
use crate::snapshot::Snapshot;
use crate::{Iam, arn, aws_managed, aws_size, ids, now_ms};

/// AWS's quotas.
pub const MAX_VERSIONS: u32 = 5;
pub const MAX_ATTACHED: u32 = 10;
const MAX_MANAGED_SIZE: usize = 6144;

/// A managed policy as GetPolicy and ListPolicies describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyView {
    pub name: String,
    pub arn: String,
    pub path: String,
    pub unique_id: String,
    pub default_version_id: String,
    pub attachment_count: usize,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub description: String,
    pub aws_managed: bool,
}

/// One version of a managed policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionView {
    pub version_id: String,
    pub document: String,
    pub is_default: bool,
    pub created_ms: i64,
}

/// Which policies ListPolicies lists (`Scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Aws,
    Local,
}

fn not_attachable(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
}

fn validate_document(document: &str) -> IamResult<()> {
    if aws_size(document) > MAX_MANAGED_SIZE {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for PolicySize: {MAX_MANAGED_SIZE}"
        )));
    }
    // Managed policies must say Version 2012-10-17 (inline ones may omit it).
    Policy::parse(document, PolicyKind::Identity)
        .and_then(|p| p.require_current_version())
        .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))
}

fn attachment_count(snap: &Snapshot, account_id: &str, arn: &str) -> usize {
    snap.attachments
        .iter()
        .filter(|a| a.account_id == account_id && a.policy_arn == arn)
        .count()
}

fn customer_view(snap: &Snapshot, p: &ManagedPolicyRecord) -> PolicyView {
    let arn = arn::entity_arn(&p.account_id, "policy", &p.path, &p.name);
    let default = p.versions.iter().find(|v| v.is_default);
    PolicyView {
        name: p.name.clone(),
        attachment_count: attachment_count(snap, &p.account_id, &arn),
        arn,
        path: p.path.clone(),
        unique_id: p.unique_id.clone(),
        default_version_id: default.map(|v| v.version_id.clone()).unwrap_or_default(),
        created_ms: p.created_ms,
        updated_ms: p
            .versions
            .iter()
            .map(|v| v.created_ms)
            .max()
            .unwrap_or(p.created_ms),
        description: p.description.clone(),
        aws_managed: false,
    }
}

fn aws_view(snap: &Snapshot, account_id: &str, name: &str) -> PolicyView {
    let arn = format!("{}{name}", aws_managed::ARN_PREFIX);
    PolicyView {
        name: name.to_owned(),
        attachment_count: attachment_count(snap, account_id, &arn),
        arn,
        path: "/".to_owned(),
        unique_id: aws_managed::unique_id(name),
        default_version_id: "v1".to_owned(),
        // 2015-02-06, when AWS published its first managed policies.
        created_ms: 1_423_180_800_000,
        updated_ms: 1_423_180_800_000,
        description: String::new(),
        aws_managed: true,
    }
}

impl Iam {
    /// The record of a customer managed policy of the account, by ARN.
    fn customer_policy(&self, account_id: &str, arn: &str) -> IamResult<ManagedPolicyRecord> {
        self.snapshot()
            .customer_policy(account_id, arn)
            .cloned()
            .ok_or_else(|| not_attachable(arn))
    }

    pub async fn create_policy(
        &self,
        account_id: &str,
        name: &str,
        path: Option<&str>,
        description: Option<&str>,
        document: &str,
    ) -> IamResult<PolicyView> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
        if name.is_empty() || name.len() > 128 || !name.chars().all(ok_char) {
            return Err(IamError::ValidationError(format!(
                "1 validation error detected: Value '{name}' at 'policyName' failed to satisfy constraint: \
                 Member must satisfy regular expression pattern: [\\w+=,.@-]+"
            )));
        }
        let path = path.unwrap_or("/");
        validate_path("path", path)?;
        validate_document(document)?;
        let now = now_ms();
        let record = ManagedPolicyRecord {
            account_id: account_id.to_owned(),
            name: name.to_owned(),
            path: path.to_owned(),
            unique_id: ids::unique_id("ANPA"),
            created_ms: now,
            description: description.unwrap_or_default().to_owned(),
            versions: vec![PolicyVersionRecord {
                version_id: "v1".to_owned(),
                document: document.to_owned(),
                is_default: true,
                created_ms: now,
            }],
        };
        self.change(IdentityChange::CreatePolicy(record.clone())).await?;
        Ok(customer_view(&self.snapshot(), &record))
    }

    /// A customer managed policy of the account or a built-in AWS managed one.
    pub fn get_policy(&self, account_id: &str, arn: &str) -> IamResult<PolicyView> {
        let snap = self.snapshot();
        if let Some(name) = arn.strip_prefix(aws_managed::ARN_PREFIX) {
            return aws_managed::document(arn)
                .map(|_| aws_view(&snap, account_id, name))
                .ok_or_else(|| not_attachable(arn));
        }
        let record = snap
            .customer_policy(account_id, arn)
            .ok_or_else(|| not_attachable(arn))?;
        Ok(customer_view(&snap, record))
    }

    pub fn list_policy_versions(&self, account_id: &str, arn: &str) -> IamResult<Vec<VersionView>> {
        if let Some(document) = aws_managed::document(arn) {
            return Ok(vec![VersionView {
                version_id: "v1".to_owned(),
                document: document.to_owned(),
                is_default: true,
                created_ms: 1_423_180_800_000,
            }]);
        }
        let mut versions: Vec<VersionView> = self
            .customer_policy(account_id, arn)?
            .versions
            .into_iter()
            .map(|v| VersionView {
                version_id: v.version_id,
                document: v.document,
                is_default: v.is_default,
                created_ms: v.created_ms,
            })
            .collect();
        // AWS lists the newest first.
        versions.reverse();
        Ok(versions)
    }

    pub fn get_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
    ) -> IamResult<VersionView> {
        self.list_policy_versions(account_id, arn)?
            .into_iter()
            .find(|v| v.version_id == version_id)
            .ok_or_else(|| {
                IamError::NoSuchEntity(format!(
                    "Policy {arn} version {version_id} does not exist or is not attachable."
                ))
            })
    }

    pub fn list_policies(
        &self,
        account_id: &str,
        scope: Scope,
        only_attached: bool,
        path_prefix: Option<&str>,
        page: &PageRequest,
    ) -> IamResult<Page<PolicyView>> {
        let snap = self.snapshot();
        let prefix = path_prefix.unwrap_or("/");
        let mut all = Vec::new();
        if scope != Scope::Local {
            all.extend(
                aws_managed::POLICIES
                    .iter()
                    .map(|(n, _)| aws_view(&snap, account_id, n)),
            );
        }
        if scope != Scope::Aws {
            all.extend(
                snap.policies
                    .values()
                    .filter(|p| p.account_id == account_id)
                    .map(|p| customer_view(&snap, p)),
            );
        }
        all.retain(|p| p.path.starts_with(prefix) && (!only_attached || p.attachment_count > 0));
        all.sort_by(|a, b| (name_key(&a.name), &a.arn).cmp(&(name_key(&b.name), &b.arn)));
        page.apply(all, |p| format!("{}\u{0}{}", name_key(&p.name), p.arn))
    }

    pub async fn delete_policy(&self, account_id: &str, arn: &str) -> IamResult<()> {
        let record = self.customer_policy(account_id, arn)?;
        self.change(IdentityChange::DeletePolicy {
            account_id: account_id.to_owned(),
            policy_name: record.name,
            policy_arn: arn.to_owned(),
        })
        .await
    }

    pub async fn create_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        document: &str,
        set_default: bool,
    ) -> IamResult<VersionView> {
        let record = self.customer_policy(account_id, arn)?;
        validate_document(document)?;
        // Version ids are never reused: the next after the highest ever listed.
        let next = record
            .versions
            .iter()
            .filter_map(|v| v.version_id.strip_prefix('v')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let version = PolicyVersionRecord {
            version_id: format!("v{next}"),
            document: document.to_owned(),
            is_default: set_default,
            created_ms: now_ms(),
        };
        self.change(IdentityChange::CreatePolicyVersion {
            account_id: account_id.to_owned(),
            policy_name: record.name,
            version: version.clone(),
            set_default,
            max_versions: MAX_VERSIONS,
        })
        .await?;
        Ok(VersionView {
            version_id: version.version_id,
            document: version.document,
            is_default: set_default,
            created_ms: version.created_ms,
        })
    }

    pub async fn set_default_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
    ) -> IamResult<()> {
        let record = self.customer_policy(account_id, arn)?;
        self.change(IdentityChange::SetDefaultPolicyVersion {
            account_id: account_id.to_owned(),
            policy_name: record.name,
            version_id: version_id.to_owned(),
        })
        .await
    }

    pub async fn delete_policy_version(
        &self,
        account_id: &str,
        arn: &str,
        version_id: &str,
    ) -> IamResult<()> {
        let record = self.customer_policy(account_id, arn)?;
        self.change(IdentityChange::DeletePolicyVersion {
            account_id: account_id.to_owned(),
            policy_name: record.name,
            version_id: version_id.to_owned(),
        })
        .await
    }

    pub async fn attach_policy(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity: &str,
        arn: &str,
    ) -> IamResult<()> {
        self.require_entity(account_id, kind, entity)?;
        self.get_policy(account_id, arn)?;
        self.change(IdentityChange::AttachPolicy {
            attachment: AttachmentRecord {
                account_id: account_id.to_owned(),
                kind,
                entity_key: name_key(entity),
                policy_arn: arn.to_owned(),
            },
            max_attached: MAX_ATTACHED,
        })
        .await
    }

    pub async fn detach_policy(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity: &str,
        arn: &str,
    ) -> IamResult<()> {
        self.require_entity(account_id, kind, entity)?;
        self.change(IdentityChange::DetachPolicy(AttachmentRecord {
            account_id: account_id.to_owned(),
            kind,
            entity_key: name_key(entity),
            policy_arn: arn.to_owned(),
        }))
        .await
    }

    /// (name, ARN) of the managed policies attached to an entity.
    pub fn list_attached_policies(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity: &str,
        path_prefix: Option<&str>,
        page: &PageRequest,
    ) -> IamResult<Page<(String, String)>> {
        self.require_entity(account_id, kind, entity)?;
        let prefix = path_prefix.unwrap_or("/");
        let snap = self.snapshot();
        let mut attached: Vec<(String, String)> = snap
            .attached(account_id, kind, entity)
            .into_iter()
            .filter_map(|arn| {
                let view = self.get_policy(account_id, arn).ok()?;
                view.path.starts_with(prefix).then_some((view.name, view.arn))
            })
            .collect();
        attached.sort();
        page.apply(attached, |(n, a)| format!("{n}\u{0}{a}"))
    }
}
