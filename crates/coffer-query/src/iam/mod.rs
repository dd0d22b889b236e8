//! The IAM actions: each checks the caller may perform it, then calls `coffer-iam`.

mod access_keys;
mod users;

use coffer_iam::{arn, iam_access_denied};

use crate::Ctx;
use crate::error::QueryError;
use crate::xml::Xml;

/// IAM actions issue 6 asks for that later phases of ADR 13 build.
const NOT_YET: &[&str] = &[
    "CreateGroup",
    "GetGroup",
    "ListGroups",
    "DeleteGroup",
    "AddUserToGroup",
    "RemoveUserFromGroup",
    "ListGroupsForUser",
    "CreateRole",
    "GetRole",
    "ListRoles",
    "DeleteRole",
    "UpdateAssumeRolePolicy",
    "CreatePolicy",
    "GetPolicy",
    "GetPolicyVersion",
    "ListPolicies",
    "ListPolicyVersions",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "DeletePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "ListAttachedUserPolicies",
    "ListAttachedGroupPolicies",
    "ListAttachedRolePolicies",
    "PutUserPolicy",
    "GetUserPolicy",
    "ListUserPolicies",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "GetGroupPolicy",
    "ListGroupPolicies",
    "DeleteGroupPolicy",
    "PutRolePolicy",
    "GetRolePolicy",
    "ListRolePolicies",
    "DeleteRolePolicy",
    "TagRole",
    "UntagRole",
    "ListRoleTags",
    "UpdateUser",
    "GetAccessKeyLastUsed",
    "GetAccountSummary",
    "ListAccountAliases",
    "ListEntitiesForPolicy",
    "SimulatePrincipalPolicy",
];

pub(crate) async fn dispatch(ctx: &Ctx<'_>, action: &str) -> Result<Option<Xml>, QueryError> {
    match action {
        "CreateUser" => users::create_user(ctx).await,
        "GetUser" => users::get_user(ctx),
        "ListUsers" => users::list_users(ctx),
        "DeleteUser" => users::delete_user(ctx).await,
        "TagUser" => users::tag_user(ctx).await,
        "UntagUser" => users::untag_user(ctx).await,
        "ListUserTags" => users::list_user_tags(ctx),
        "CreateAccessKey" => access_keys::create_access_key(ctx).await,
        "ListAccessKeys" => access_keys::list_access_keys(ctx),
        "UpdateAccessKey" => access_keys::update_access_key(ctx).await,
        "DeleteAccessKey" => access_keys::delete_access_key(ctx).await,
        a if NOT_YET.contains(&a) => Err(QueryError::NotImplemented(a.to_owned())),
        a => Err(QueryError::InvalidAction(a.to_owned())),
    }
}

/// Whether the caller may perform `iam:<action>` on the user `name` of its account
/// (`None`: the caller itself, as the key actions allow).
pub(crate) fn authorize_on_user(ctx: &Ctx<'_>, action: &str, name: Option<&str>) -> Result<(), QueryError> {
    let account = ctx.caller.account_id();
    let resource = match name {
        Some(name) => {
            let path = ctx
                .iam
                .snapshot()
                .user(account, name)
                .map_or_else(|| "/".to_owned(), |u| u.path.clone());
            arn::entity_arn(account, "user", &path, name)
        }
        None => ctx.caller.arn(),
    };
    match iam_access_denied(ctx.caller, &format!("iam:{action}"), &resource) {
        Some(denied) => Err(denied.into()),
        None => Ok(()),
    }
}
