//! CreateGroup, GetGroup, ListGroups, DeleteGroup, AddUserToGroup, RemoveUserFromGroup,
//! ListGroupsForUser.

use coffer_iam::arn;
use coffer_meta::{EntityKind, GroupRecord};

use super::users::write_user_fields;
use super::{authorize, authorize_on_user, entity_arn, page_request};
use crate::Ctx;
use crate::error::QueryError;
use crate::xml::{Xml, date};

fn write_group_fields(x: &mut Xml, g: &GroupRecord) {
    x.text("Path", &g.path)
        .text("GroupName", &g.name)
        .text("GroupId", &g.unique_id)
        .text("Arn", &arn::entity_arn(&g.account_id, "group", &g.path, &g.name))
        .text("CreateDate", &date(g.created_ms));
}

fn write_groups(x: &mut Xml, groups: &[GroupRecord], marker: Option<&str>) {
    x.open("Groups");
    for g in groups {
        x.open("member");
        write_group_fields(x, g);
        x.close("member");
    }
    x.close("Groups").truncation(marker);
}

pub(super) async fn create_group(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("GroupName")?;
    authorize(ctx, "CreateGroup", &entity_arn(ctx, EntityKind::Group, name))?;
    let group = ctx
        .iam
        .create_group(ctx.caller.account_id(), name, ctx.params.get("Path"))
        .await?;
    let mut x = Xml::default();
    x.open("Group");
    write_group_fields(&mut x, &group);
    x.close("Group");
    Ok(Some(x))
}

pub(super) fn get_group(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("GroupName")?;
    authorize(ctx, "GetGroup", &entity_arn(ctx, EntityKind::Group, name))?;
    let (group, members) = ctx
        .iam
        .group_members(ctx.caller.account_id(), name, &page_request(ctx)?)?;
    let mut x = Xml::default();
    x.open("Group");
    write_group_fields(&mut x, &group);
    x.close("Group").open("Users");
    for u in &members.items {
        x.open("member");
        write_user_fields(&mut x, u, false);
        x.close("member");
    }
    x.close("Users").truncation(members.marker.as_deref());
    Ok(Some(x))
}

pub(super) fn list_groups(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    authorize(ctx, "ListGroups", &entity_arn(ctx, EntityKind::Group, "*"))?;
    let page = ctx.iam.list_groups(
        ctx.caller.account_id(),
        ctx.params.get("PathPrefix"),
        &page_request(ctx)?,
    )?;
    let mut x = Xml::default();
    write_groups(&mut x, &page.items, page.marker.as_deref());
    Ok(Some(x))
}

pub(super) async fn delete_group(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("GroupName")?;
    authorize(ctx, "DeleteGroup", &entity_arn(ctx, EntityKind::Group, name))?;
    ctx.iam.delete_group(ctx.caller.account_id(), name).await?;
    Ok(None)
}

pub(super) async fn add_user_to_group(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let group = ctx.params.required("GroupName")?;
    let user = ctx.params.required("UserName")?;
    authorize(ctx, "AddUserToGroup", &entity_arn(ctx, EntityKind::Group, group))?;
    ctx.iam
        .add_user_to_group(ctx.caller.account_id(), group, user)
        .await?;
    Ok(None)
}

pub(super) async fn remove_user_from_group(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let group = ctx.params.required("GroupName")?;
    let user = ctx.params.required("UserName")?;
    authorize(
        ctx,
        "RemoveUserFromGroup",
        &entity_arn(ctx, EntityKind::Group, group),
    )?;
    ctx.iam
        .remove_user_from_group(ctx.caller.account_id(), group, user)
        .await?;
    Ok(None)
}

pub(super) fn list_groups_for_user(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let user = ctx.params.required("UserName")?;
    authorize_on_user(ctx, "ListGroupsForUser", Some(user))?;
    let page = ctx
        .iam
        .groups_for_user(ctx.caller.account_id(), user, &page_request(ctx)?)?;
    let mut x = Xml::default();
    write_groups(&mut x, &page.items, page.marker.as_deref());
    Ok(Some(x))
}
