//! IAM users and their tags.

use coffer_meta::{IamTag, IdentityChange, UserRecord, name_key};

use crate::error::{IamError, IamResult};
use crate::names::{MAX_TAGS, validate_entity_name, validate_path, validate_tags};
use crate::page::{Page, PageRequest};
use crate::{Iam, ids, now_ms};

fn no_such_user(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
}

impl Iam {
    /// A user of the account, or `NoSuchEntity`.
    pub fn get_user(&self, account_id: &str, name: &str) -> IamResult<UserRecord> {
        self.snapshot()
            .user(account_id, name)
            .cloned()
            .ok_or_else(|| no_such_user(name))
    }

    pub async fn create_user(
        &self,
        account_id: &str,
        name: &str,
        path: Option<&str>,
        tags: Vec<IamTag>,
    ) -> IamResult<UserRecord> {
        validate_entity_name("userName", name)?;
        let path = path.unwrap_or("/");
        validate_path("path", path)?;
        validate_tags(&tags)?;
        let user = UserRecord {
            account_id: account_id.to_owned(),
            name: name.to_owned(),
            path: path.to_owned(),
            unique_id: ids::unique_id("AIDA"),
            created_ms: now_ms(),
            tags,
        };
        self.change(IdentityChange::CreateUser(user.clone())).await?;
        Ok(user)
    }

    /// Users whose path starts with `path_prefix`, by name.
    pub fn list_users(
        &self,
        account_id: &str,
        path_prefix: Option<&str>,
        page: &PageRequest,
    ) -> IamResult<Page<UserRecord>> {
        let prefix = path_prefix.unwrap_or("/");
        let users: Vec<UserRecord> = self
            .snapshot()
            .users
            .values()
            .filter(|u| u.account_id == account_id && u.path.starts_with(prefix))
            .cloned()
            .collect();
        page.apply(users, |u| name_key(&u.name))
    }

    pub async fn delete_user(&self, account_id: &str, name: &str) -> IamResult<()> {
        self.get_user(account_id, name)?;
        self.change(IdentityChange::DeleteUser {
            account_id: account_id.to_owned(),
            user_name: name.to_owned(),
        })
        .await
    }

    /// Adds or replaces tags (by key, regardless of case).
    pub async fn tag_user(&self, account_id: &str, name: &str, tags: Vec<IamTag>) -> IamResult<()> {
        validate_tags(&tags)?;
        let mut merged = self.get_user(account_id, name)?.tags;
        for tag in tags {
            merged.retain(|t| !t.key.eq_ignore_ascii_case(&tag.key));
            merged.push(tag);
        }
        if merged.len() > MAX_TAGS {
            return Err(IamError::LimitExceeded(format!(
                "The number of tags has reached the maximum limit of {MAX_TAGS}."
            )));
        }
        self.set_user_tags(account_id, name, merged).await
    }

    /// Removes the tags with these keys; keys the user does not have are ignored.
    pub async fn untag_user(&self, account_id: &str, name: &str, keys: &[String]) -> IamResult<()> {
        let mut tags = self.get_user(account_id, name)?.tags;
        tags.retain(|t| !keys.iter().any(|k| k == &t.key));
        self.set_user_tags(account_id, name, tags).await
    }

    async fn set_user_tags(&self, account_id: &str, name: &str, tags: Vec<IamTag>) -> IamResult<()> {
        self.change(IdentityChange::SetUserTags {
            account_id: account_id.to_owned(),
            user_name: name.to_owned(),
            tags,
        })
        .await
    }
}
