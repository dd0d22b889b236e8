//! CreateRole, GetRole, ListRoles, DeleteRole, UpdateRole, UpdateAssumeRolePolicy,
//! TagRole, UntagRole, ListRoleTags. A role's policies go through `policies.rs`.

use coffer_iam::{IamError, NewRole, arn};
use coffer_meta::{EntityKind, RoleRecord};

use super::{authorize, entity_arn, page_request, tags_page};
use crate::Ctx;
use crate::error::QueryError;
use crate::xml::{Xml, date, percent_encode};

fn write_role_fields(x: &mut Xml, r: &RoleRecord, with_tags: bool) {
    x.text("Path", &r.path)
        .text("RoleName", &r.name)
        .text("RoleId", &r.unique_id)
        .text("Arn", &arn::entity_arn(&r.account_id, "role", &r.path, &r.name))
        .text("CreateDate", &date(r.created_ms))
        .text("AssumeRolePolicyDocument", &percent_encode(&r.trust_policy));
    if !r.description.is_empty() {
        x.text("Description", &r.description);
    }
    x.text("MaxSessionDuration", &r.max_session_secs.to_string());
    if with_tags && !r.tags.is_empty() {
        x.open("Tags");
        for t in &r.tags {
            x.open("member")
                .text("Key", &t.key)
                .text("Value", &t.value)
                .close("member");
        }
        x.close("Tags");
    }
}

fn role_result(r: &RoleRecord) -> Option<Xml> {
    let mut x = Xml::default();
    x.open("Role");
    write_role_fields(&mut x, r, true);
    x.close("Role");
    Some(x)
}

fn max_session(ctx: &Ctx<'_>) -> Result<Option<i64>, QueryError> {
    ctx.params
        .get("MaxSessionDuration")
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                IamError::ValidationError(format!("MaxSessionDuration must be a number, not '{v}'")).into()
            })
        })
        .transpose()
}

pub(super) async fn create_role(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    let path = ctx.params.get("Path");
    let account = ctx.caller.account_id();
    authorize(
        ctx,
        "CreateRole",
        &arn::entity_arn(account, "role", path.unwrap_or("/"), name),
    )?;
    let role = ctx
        .iam
        .create_role(
            account,
            name,
            NewRole {
                path,
                trust_policy: ctx.params.required("AssumeRolePolicyDocument")?,
                description: ctx.params.get("Description"),
                max_session_secs: max_session(ctx)?,
                tags: ctx.params.tags("Tags"),
            },
        )
        .await?;
    Ok(role_result(&role))
}

pub(super) fn get_role(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    authorize(ctx, "GetRole", &entity_arn(ctx, EntityKind::Role, name))?;
    Ok(role_result(&ctx.iam.get_role(ctx.caller.account_id(), name)?))
}

pub(super) fn list_roles(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    authorize(ctx, "ListRoles", &entity_arn(ctx, EntityKind::Role, "*"))?;
    let page = ctx.iam.list_roles(
        ctx.caller.account_id(),
        ctx.params.get("PathPrefix"),
        &page_request(ctx)?,
    )?;
    let mut x = Xml::default();
    x.open("Roles");
    for r in &page.items {
        x.open("member");
        write_role_fields(&mut x, r, false);
        x.close("member");
    }
    x.close("Roles").truncation(page.marker.as_deref());
    Ok(Some(x))
}

pub(super) async fn delete_role(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    authorize(ctx, "DeleteRole", &entity_arn(ctx, EntityKind::Role, name))?;
    ctx.iam.delete_role(ctx.caller.account_id(), name).await?;
    Ok(None)
}

pub(super) async fn update_role(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    authorize(ctx, "UpdateRole", &entity_arn(ctx, EntityKind::Role, name))?;
    ctx.iam
        .update_role(
            ctx.caller.account_id(),
            name,
            ctx.params.get("Description"),
            max_session(ctx)?,
        )
        .await?;
    // UpdateRole answers an empty result element.
    Ok(Some(Xml::default()))
}

pub(super) async fn update_assume_role_policy(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    let document = ctx.params.required("PolicyDocument")?;
    authorize(
        ctx,
        "UpdateAssumeRolePolicy",
        &entity_arn(ctx, EntityKind::Role, name),
    )?;
    ctx.iam
        .update_assume_role_policy(ctx.caller.account_id(), name, document)
        .await?;
    Ok(None)
}

pub(super) async fn tag_role(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    authorize(ctx, "TagRole", &entity_arn(ctx, EntityKind::Role, name))?;
    ctx.iam
        .tag_role(ctx.caller.account_id(), name, ctx.params.tags("Tags"))
        .await?;
    Ok(None)
}

pub(super) async fn untag_role(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    authorize(ctx, "UntagRole", &entity_arn(ctx, EntityKind::Role, name))?;
    ctx.iam
        .untag_role(ctx.caller.account_id(), name, &ctx.params.list("TagKeys"))
        .await?;
    Ok(None)
}

pub(super) fn list_role_tags(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("RoleName")?;
    authorize(ctx, "ListRoleTags", &entity_arn(ctx, EntityKind::Role, name))?;
    tags_page(ctx, ctx.iam.get_role(ctx.caller.account_id(), name)?.tags)
}
