//! CreateUser, GetUser, ListUsers, DeleteUser, TagUser, UntagUser, ListUserTags.

use coffer_iam::arn;
use coffer_meta::UserRecord;

use super::{authorize_on_user, page_request, tags_page};
use crate::Ctx;
use crate::error::QueryError;
use crate::xml::{Xml, date};

fn write_user(x: &mut Xml, u: &UserRecord, with_tags: bool) {
    x.open("User");
    write_user_fields(x, u, with_tags);
    x.close("User");
}

pub(super) fn write_user_fields(x: &mut Xml, u: &UserRecord, with_tags: bool) {
    x.text("Path", &u.path)
        .text("UserName", &u.name)
        .text("UserId", &u.unique_id)
        .text("Arn", &arn::entity_arn(&u.account_id, "user", &u.path, &u.name))
        .text("CreateDate", &date(u.created_ms));
    if with_tags && !u.tags.is_empty() {
        x.tags(&u.tags);
    }
}

pub(super) async fn create_user(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("UserName")?;
    authorize_on_user(ctx, "CreateUser", Some(name))?;
    let user = ctx
        .iam
        .create_user(
            ctx.caller.account_id(),
            name,
            ctx.params.get("Path"),
            ctx.params.tags("Tags"),
        )
        .await?;
    let mut x = Xml::default();
    write_user(&mut x, &user, true);
    Ok(Some(x))
}

pub(super) fn get_user(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let mut x = Xml::default();
    match ctx.params.get("UserName") {
        Some(name) => {
            authorize_on_user(ctx, "GetUser", Some(name))?;
            write_user(&mut x, &ctx.iam.get_user(ctx.caller.account_id(), name)?, true);
        }
        // Without a name, the caller itself: a root answers with its account.
        None => match ctx.caller.user_name() {
            Some(name) => {
                authorize_on_user(ctx, "GetUser", Some(name))?;
                write_user(&mut x, &ctx.iam.get_user(ctx.caller.account_id(), name)?, true);
            }
            None => {
                let account = ctx.caller.account_id();
                let created = ctx
                    .iam
                    .snapshot()
                    .account(account)
                    .map_or(0, |a| a.record.created_ms);
                x.open("User")
                    .text("UserId", account)
                    .text("Arn", &ctx.caller.arn())
                    .text("CreateDate", &date(created))
                    .close("User");
            }
        },
    }
    Ok(Some(x))
}

pub(super) fn list_users(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    authorize_on_user(ctx, "ListUsers", Some("*"))?;
    let page = ctx.iam.list_users(
        ctx.caller.account_id(),
        ctx.params.get("PathPrefix"),
        &page_request(ctx)?,
    )?;
    let mut x = Xml::default();
    x.open("Users");
    for u in &page.items {
        x.open("member");
        write_user_fields(&mut x, u, false);
        x.close("member");
    }
    x.close("Users").truncation(page.marker.as_deref());
    Ok(Some(x))
}

pub(super) async fn delete_user(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("UserName")?;
    authorize_on_user(ctx, "DeleteUser", Some(name))?;
    ctx.iam.delete_user(ctx.caller.account_id(), name).await?;
    Ok(None)
}

pub(super) async fn tag_user(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("UserName")?;
    authorize_on_user(ctx, "TagUser", Some(name))?;
    ctx.iam
        .tag_user(ctx.caller.account_id(), name, ctx.params.tags("Tags"))
        .await?;
    Ok(None)
}

pub(super) async fn untag_user(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("UserName")?;
    authorize_on_user(ctx, "UntagUser", Some(name))?;
    ctx.iam
        .untag_user(ctx.caller.account_id(), name, &ctx.params.list("TagKeys"))
        .await?;
    Ok(None)
}

pub(super) fn list_user_tags(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("UserName")?;
    authorize_on_user(ctx, "ListUserTags", Some(name))?;
    tags_page(ctx, ctx.iam.get_user(ctx.caller.account_id(), name)?.tags)
}
