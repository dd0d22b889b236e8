//! The IAM actions: each checks the caller may perform it, then calls `coffer-iam`.

mod access_keys;
mod groups;
mod policies;
mod roles;
mod users;

use coffer_iam::{PageRequest, arn};
use coffer_meta::EntityKind;

use crate::Ctx;
use crate::error::QueryError;
use crate::xml::Xml;

/// IAM actions issue 6 asks for that later phases of ADR 13 build.
const NOT_YET: &[&str] = &[
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
        "CreateGroup" => groups::create_group(ctx).await,
        "GetGroup" => groups::get_group(ctx),
        "ListGroups" => groups::list_groups(ctx),
        "DeleteGroup" => groups::delete_group(ctx).await,
        "AddUserToGroup" => groups::add_user_to_group(ctx).await,
        "RemoveUserFromGroup" => groups::remove_user_from_group(ctx).await,
        "ListGroupsForUser" => groups::list_groups_for_user(ctx),
        "CreatePolicy" => policies::create_policy(ctx).await,
        "GetPolicy" => policies::get_policy(ctx),
        "GetPolicyVersion" => policies::get_policy_version(ctx),
        "ListPolicies" => policies::list_policies(ctx),
        "ListPolicyVersions" => policies::list_policy_versions(ctx),
        "CreatePolicyVersion" => policies::create_policy_version(ctx).await,
        "DeletePolicyVersion" => policies::delete_policy_version(ctx).await,
        "SetDefaultPolicyVersion" => policies::set_default_policy_version(ctx).await,
        "DeletePolicy" => policies::delete_policy(ctx).await,
        "AttachUserPolicy" => policies::attach(ctx, EntityKind::User).await,
        "AttachGroupPolicy" => policies::attach(ctx, EntityKind::Group).await,
        "DetachUserPolicy" => policies::detach(ctx, EntityKind::User).await,
        "DetachGroupPolicy" => policies::detach(ctx, EntityKind::Group).await,
        "ListAttachedUserPolicies" => policies::list_attached(ctx, EntityKind::User),
        "ListAttachedGroupPolicies" => policies::list_attached(ctx, EntityKind::Group),
        "PutUserPolicy" => policies::put_inline(ctx, EntityKind::User).await,
        "PutGroupPolicy" => policies::put_inline(ctx, EntityKind::Group).await,
        "GetUserPolicy" => policies::get_inline(ctx, EntityKind::User),
        "GetGroupPolicy" => policies::get_inline(ctx, EntityKind::Group),
        "ListUserPolicies" => policies::list_inline(ctx, EntityKind::User),
        "ListGroupPolicies" => policies::list_inline(ctx, EntityKind::Group),
        "DeleteUserPolicy" => policies::delete_inline(ctx, EntityKind::User).await,
        "DeleteGroupPolicy" => policies::delete_inline(ctx, EntityKind::Group).await,
        "CreateRole" => roles::create_role(ctx).await,
        "GetRole" => roles::get_role(ctx),
        "ListRoles" => roles::list_roles(ctx),
        "DeleteRole" => roles::delete_role(ctx).await,
        "UpdateRole" => roles::update_role(ctx).await,
        "UpdateAssumeRolePolicy" => roles::update_assume_role_policy(ctx).await,
        "TagRole" => roles::tag_role(ctx).await,
        "UntagRole" => roles::untag_role(ctx).await,
        "ListRoleTags" => roles::list_role_tags(ctx),
        "AttachRolePolicy" => policies::attach(ctx, EntityKind::Role).await,
        "DetachRolePolicy" => policies::detach(ctx, EntityKind::Role).await,
        "ListAttachedRolePolicies" => policies::list_attached(ctx, EntityKind::Role),
        "PutRolePolicy" => policies::put_inline(ctx, EntityKind::Role).await,
        "GetRolePolicy" => policies::get_inline(ctx, EntityKind::Role),
        "ListRolePolicies" => policies::list_inline(ctx, EntityKind::Role),
        "DeleteRolePolicy" => policies::delete_inline(ctx, EntityKind::Role).await,
        a if NOT_YET.contains(&a) => Err(QueryError::NotImplemented(a.to_owned())),
        a => Err(QueryError::InvalidAction(a.to_owned())),
    }
}

/// The ARN of the caller's account's user, group or role `name` (path `/` when it does
/// not exist yet).
pub(crate) fn entity_arn(ctx: &Ctx<'_>, kind: EntityKind, name: &str) -> String {
    let account = ctx.caller.account_id();
    let snap = ctx.iam.snapshot();
    let path = match kind {
        EntityKind::User => snap.user(account, name).map(|u| u.path.clone()),
        EntityKind::Group => snap.group(account, name).map(|g| g.path.clone()),
        EntityKind::Role => snap.role(account, name).map(|r| r.path.clone()),
    };
    arn::entity_arn(account, kind.as_str(), path.as_deref().unwrap_or("/"), name)
}

/// Whether the caller may perform `iam:<action>` on `resource`.
pub(crate) fn authorize(ctx: &Ctx<'_>, action: &str, resource: &str) -> Result<(), QueryError> {
    match ctx.iam.iam_access_denied(
        ctx.caller,
        &format!("iam:{action}"),
        resource,
        ctx.peer,
        ctx.secure,
        &ctx.params.tags("Tags"),
    ) {
        Some(denied) => Err(denied.into()),
        None => Ok(()),
    }
}

/// Whether the caller may perform `iam:<action>` on the user `name` of its account
/// (`None`: the caller itself, as the key actions allow).
pub(crate) fn authorize_on_user(ctx: &Ctx<'_>, action: &str, name: Option<&str>) -> Result<(), QueryError> {
    let resource = match name {
        Some(name) => entity_arn(ctx, EntityKind::User, name),
        None => ctx.caller.arn(),
    };
    authorize(ctx, action, &resource)
}

/// `Marker` and `MaxItems`.
pub(crate) fn page_request(ctx: &Ctx<'_>) -> Result<PageRequest, QueryError> {
    Ok(PageRequest {
        marker: ctx.params.get("Marker").map(str::to_owned),
        max_items: ctx.params.max_items()?,
    })
}

/// ListUserTags and ListRoleTags: one page of `tags`.
pub(crate) fn tags_page(ctx: &Ctx<'_>, tags: Vec<coffer_meta::IamTag>) -> Result<Option<Xml>, QueryError> {
    let page = page_request(ctx)?.apply(tags, |t| t.key.to_lowercase())?;
    let mut x = Xml::default();
    x.tags(&page.items).truncation(page.marker.as_deref());
    Ok(Some(x))
}

/// The parameter naming an entity of `kind` (`UserName`, `GroupName`, `RoleName`).
pub(crate) fn entity_param(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "UserName",
        EntityKind::Group => "GroupName",
        EntityKind::Role => "RoleName",
    }
}
