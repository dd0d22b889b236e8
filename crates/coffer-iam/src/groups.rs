//! IAM groups and their members.

use coffer_meta::{GroupRecord, IdentityChange, UserRecord, name_key};

use crate::error::{IamError, IamResult};
use crate::names::{validate_entity_name, validate_path};
use crate::page::{Page, PageRequest};
use crate::{Iam, ids, now_ms};

/// AWS's quota of groups a user may belong to.
pub const MAX_GROUPS_PER_USER: u32 = 10;

impl Iam {
    pub fn get_group(&self, account_id: &str, name: &str) -> IamResult<GroupRecord> {
        self.snapshot()
            .group(account_id, name)
            .cloned()
            .ok_or_else(|| IamError::NoSuchEntity(format!("The group with name {name} cannot be found.")))
    }

    pub async fn create_group(
        &self,
        account_id: &str,
        name: &str,
        path: Option<&str>,
    ) -> IamResult<GroupRecord> {
        validate_entity_name("groupName", name)?;
        let path = path.unwrap_or("/");
        validate_path("path", path)?;
        let group = GroupRecord {
            account_id: account_id.to_owned(),
            name: name.to_owned(),
            path: path.to_owned(),
            unique_id: ids::unique_id("AGPA"),
            created_ms: now_ms(),
        };
        self.change(IdentityChange::CreateGroup(group.clone())).await?;
        Ok(group)
    }

    pub fn list_groups(
        &self,
        account_id: &str,
        path_prefix: Option<&str>,
        page: &PageRequest,
    ) -> IamResult<Page<GroupRecord>> {
        let prefix = path_prefix.unwrap_or("/");
        let groups = self
            .snapshot()
            .groups
            .values()
            .filter(|g| g.account_id == account_id && g.path.starts_with(prefix))
            .cloned()
            .collect();
        page.apply(groups, |g| name_key(&g.name))
    }

    /// The group and its members.
    pub fn group_members(
        &self,
        account_id: &str,
        name: &str,
        page: &PageRequest,
    ) -> IamResult<(GroupRecord, Page<UserRecord>)> {
        let group = self.get_group(account_id, name)?;
        let members = self
            .snapshot()
            .members_of(account_id, name)
            .into_iter()
            .cloned()
            .collect();
        Ok((group, page.apply(members, |u| name_key(&u.name))?))
    }

    pub fn groups_for_user(
        &self,
        account_id: &str,
        user: &str,
        page: &PageRequest,
    ) -> IamResult<Page<GroupRecord>> {
        self.get_user(account_id, user)?;
        let groups = self
            .snapshot()
            .groups_of(account_id, user)
            .into_iter()
            .cloned()
            .collect();
        page.apply(groups, |g| name_key(&g.name))
    }

    pub async fn delete_group(&self, account_id: &str, name: &str) -> IamResult<()> {
        self.get_group(account_id, name)?;
        self.change(IdentityChange::DeleteGroup {
            account_id: account_id.to_owned(),
            group_name: name.to_owned(),
        })
        .await
    }

    pub async fn add_user_to_group(&self, account_id: &str, group: &str, user: &str) -> IamResult<()> {
        self.get_group(account_id, group)?;
        self.get_user(account_id, user)?;
        self.change(IdentityChange::AddUserToGroup {
            account_id: account_id.to_owned(),
            group_name: group.to_owned(),
            user_name: user.to_owned(),
            max_groups: MAX_GROUPS_PER_USER,
        })
        .await
    }

    pub async fn remove_user_from_group(&self, account_id: &str, group: &str, user: &str) -> IamResult<()> {
        self.get_group(account_id, group)?;
        self.get_user(account_id, user)?;
        self.change(IdentityChange::RemoveUserFromGroup {
            account_id: account_id.to_owned(),
            group_name: group.to_owned(),
            user_name: user.to_owned(),
        })
        .await
    }
}
