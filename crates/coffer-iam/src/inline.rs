//! Inline policies of users, groups and roles (Put/Get/List/Delete {User,Group,Role}Policy).

use coffer_meta::{EntityKind, IdentityChange, InlinePolicyRecord, name_key};

use crate::error::{IamError, IamResult};
use crate::policy::{Policy, PolicyKind};
use crate::{Iam, aws_size};

/// AWS's quota on the inline policies of one entity, in characters without whitespace.
fn inline_quota(kind: EntityKind) -> (usize, &'static str) {
    match kind {
        EntityKind::User => (2048, "UserPolicySize"),
        EntityKind::Group => (5120, "GroupPolicySize"),
        EntityKind::Role => (10240, "RolePolicySize"),
    }
}

fn validate_policy_name(name: &str) -> IamResult<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if name.is_empty() || name.len() > 128 || !name.chars().all(ok_char) {
        return Err(IamError::ValidationError(format!(
            "1 validation error detected: Value '{name}' at 'policyName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        )));
    }
    Ok(())
}

impl Iam {
    /// `NoSuchEntity` unless the account has that user, group or role.
    pub(crate) fn require_entity(&self, account_id: &str, kind: EntityKind, name: &str) -> IamResult<()> {
        match kind {
            EntityKind::User => self.get_user(account_id, name).map(drop),
            EntityKind::Group => self.get_group(account_id, name).map(drop),
            EntityKind::Role => self.get_role(account_id, name).map(drop),
        }
    }

    pub async fn put_inline_policy(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity: &str,
        policy_name: &str,
        document: &str,
    ) -> IamResult<()> {
        validate_policy_name(policy_name)?;
        self.require_entity(account_id, kind, entity)?;
        Policy::parse(document, PolicyKind::Identity)
            .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))?;
        let (quota, quota_name) = inline_quota(kind);
        let others: usize = self
            .snapshot()
            .inline(account_id, kind, entity)
            .iter()
            .filter(|p| p.policy_name != policy_name)
            .map(|p| aws_size(&p.document))
            .sum();
        if others + aws_size(document) > quota {
            return Err(IamError::LimitExceeded(format!(
                "Maximum policy size of {quota} bytes exceeded for {} {entity}. ({quota_name})",
                kind.as_str()
            )));
        }
        self.change(IdentityChange::PutInlinePolicy(InlinePolicyRecord {
            account_id: account_id.to_owned(),
            kind,
            entity_key: name_key(entity),
            policy_name: policy_name.to_owned(),
            document: document.to_owned(),
        }))
        .await
    }

    /// The document as it was put.
    pub fn get_inline_policy(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity: &str,
        policy_name: &str,
    ) -> IamResult<String> {
        self.require_entity(account_id, kind, entity)?;
        self.snapshot()
            .inline(account_id, kind, entity)
            .iter()
            .find(|p| p.policy_name == policy_name)
            .map(|p| p.document.clone())
            .ok_or_else(|| {
                IamError::NoSuchEntity(format!(
                    "The {} policy with name {policy_name} cannot be found.",
                    kind.as_str()
                ))
            })
    }

    /// The names of an entity's inline policies, sorted.
    pub fn list_inline_policies(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity: &str,
    ) -> IamResult<Vec<String>> {
        self.require_entity(account_id, kind, entity)?;
        let mut names: Vec<String> = self
            .snapshot()
            .inline(account_id, kind, entity)
            .iter()
            .map(|p| p.policy_name.clone())
            .collect();
        names.sort();
        Ok(names)
    }

    pub async fn delete_inline_policy(
        &self,
        account_id: &str,
        kind: EntityKind,
        entity: &str,
        policy_name: &str,
    ) -> IamResult<()> {
        self.get_inline_policy(account_id, kind, entity, policy_name)?;
        self.change(IdentityChange::DeleteInlinePolicy {
            account_id: account_id.to_owned(),
            kind,
            entity_key: name_key(entity),
            policy_name: policy_name.to_owned(),
        })
        .await
    }
}
