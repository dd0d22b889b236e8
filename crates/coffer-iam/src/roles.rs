//! IAM roles: trust policies, tags, inline and attached policies (the last two through
//! `inline.rs` and `managed.rs`, as for users and groups).

use coffer_meta::{IamTag, IdentityChange, RoleRecord, name_key};

use crate::error::{IamError, IamResult};
use crate::names::{MAX_TAGS, validate_entity_name, validate_path, validate_tags};
use crate::page::{Page, PageRequest};
use crate::policy::{Policy, PolicyKind};
use crate::{Iam, aws_size, ids, now_ms};

/// AWS's bounds on a role's MaxSessionDuration, and its default.
pub const DEFAULT_MAX_SESSION_SECS: i64 = 3600;
const MAX_SESSION_RANGE: std::ops::RangeInclusive<i64> = 3600..=43200;
const MAX_TRUST_SIZE: usize = 2048;

fn validate_trust_policy(document: &str) -> IamResult<()> {
    if aws_size(document) > MAX_TRUST_SIZE {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_SIZE}"
        )));
    }
    Policy::parse(document, PolicyKind::Trust)
        .map(drop)
        .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))
}

fn validate_max_session(secs: i64) -> IamResult<()> {
    if MAX_SESSION_RANGE.contains(&secs) {
        Ok(())
    } else {
        Err(IamError::ValidationError(format!(
            "1 validation error detected: Value '{secs}' at 'maxSessionDuration' failed to satisfy constraint: \
             Member must have value between 3600 and 43200"
        )))
    }
}

/// What CreateRole takes besides the name.
#[derive(Clone, Debug, Default)]
pub struct NewRole<'a> {
    pub path: Option<&'a str>,
    pub trust_policy: &'a str,
    pub description: Option<&'a str>,
    pub max_session_secs: Option<i64>,
    pub tags: Vec<IamTag>,
}

impl Iam {
    pub fn get_role(&self, account_id: &str, name: &str) -> IamResult<RoleRecord> {
        self.snapshot()
            .role(account_id, name)
            .cloned()
            .ok_or_else(|| IamError::NoSuchEntity(format!("The role with name {name} cannot be found.")))
    }

    pub async fn create_role(&self, account_id: &str, name: &str, new: NewRole<'_>) -> IamResult<RoleRecord> {
        validate_entity_name("roleName", name)?;
        let path = new.path.unwrap_or("/");
        validate_path("path", path)?;
        validate_trust_policy(new.trust_policy)?;
        validate_tags(&new.tags)?;
        let max_session_secs = new.max_session_secs.unwrap_or(DEFAULT_MAX_SESSION_SECS);
        validate_max_session(max_session_secs)?;
        let role = RoleRecord {
            account_id: account_id.to_owned(),
            name: name.to_owned(),
            path: path.to_owned(),
            unique_id: ids::unique_id("AROA"),
            created_ms: now_ms(),
            tags: new.tags,
            trust_policy: new.trust_policy.to_owned(),
            max_session_secs,
            description: new.description.unwrap_or_default().to_owned(),
        };
        self.change(IdentityChange::CreateRole(role.clone())).await?;
        Ok(role)
    }

    pub fn list_roles(
        &self,
        account_id: &str,
        path_prefix: Option<&str>,
        page: &PageRequest,
    ) -> IamResult<Page<RoleRecord>> {
        let prefix = path_prefix.unwrap_or("/");
        let roles = self
            .snapshot()
            .roles
            .values()
            .filter(|r| r.account_id == account_id && r.path.starts_with(prefix))
            .cloned()
            .collect();
        page.apply(roles, |r| name_key(&r.name))
    }

    pub async fn delete_role(&self, account_id: &str, name: &str) -> IamResult<()> {
        self.get_role(account_id, name)?;
        self.change(IdentityChange::DeleteRole {
            account_id: account_id.to_owned(),
            role_name: name.to_owned(),
        })
        .await
    }

    pub async fn update_assume_role_policy(
        &self,
        account_id: &str,
        name: &str,
        document: &str,
    ) -> IamResult<()> {
        validate_trust_policy(document)?;
        let role = RoleRecord {
            trust_policy: document.to_owned(),
            ..self.get_role(account_id, name)?
        };
        self.change(IdentityChange::UpdateRole(role)).await
    }

    /// UpdateRole: the description and the maximum session duration.
    pub async fn update_role(
        &self,
        account_id: &str,
        name: &str,
        description: Option<&str>,
        max_session_secs: Option<i64>,
    ) -> IamResult<()> {
        let mut role = self.get_role(account_id, name)?;
        if let Some(d) = description {
            d.clone_into(&mut role.description);
        }
        if let Some(secs) = max_session_secs {
            validate_max_session(secs)?;
            role.max_session_secs = secs;
        }
        self.change(IdentityChange::UpdateRole(role)).await
    }

    pub async fn tag_role(&self, account_id: &str, name: &str, tags: Vec<IamTag>) -> IamResult<()> {
        validate_tags(&tags)?;
        let mut role = self.get_role(account_id, name)?;
        for tag in tags {
            role.tags.retain(|t| !t.key.eq_ignore_ascii_case(&tag.key));
            role.tags.push(tag);
        }
        if role.tags.len() > MAX_TAGS {
            return Err(IamError::LimitExceeded(format!(
                "The number of tags has reached the maximum limit of {MAX_TAGS}."
            )));
        }
        self.change(IdentityChange::UpdateRole(role)).await
    }

    pub async fn untag_role(&self, account_id: &str, name: &str, keys: &[String]) -> IamResult<()> {
        let mut role = self.get_role(account_id, name)?;
        role.tags.retain(|t| !keys.iter().any(|k| k == &t.key));
        self.change(IdentityChange::UpdateRole(role)).await
    }
}
