//! CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey. Without
//! `UserName` each acts on the caller's own keys (a root's: the account root's).

use coffer_iam::IamError;
use coffer_meta::{AccessKeyRecord, KeyStatus};

use super::authorize_on_user;
use crate::Ctx;
use crate::error::QueryError;
use crate::xml::{Xml, date};

/// The user a key action targets: the named one, else the calling user, else (a root
/// calling) the account root.
fn target<'a>(ctx: &'a Ctx<'_>) -> Option<&'a str> {
    ctx.params.get("UserName").or_else(|| ctx.caller.user_name())
}

fn write_key_fields(x: &mut Xml, k: &AccessKeyRecord) {
    x.opt("UserName", k.user_name.as_deref())
        .text("AccessKeyId", &k.access_key_id)
        .text("Status", k.status.as_str());
}

pub(super) async fn create_access_key(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let user = target(ctx);
    authorize_on_user(ctx, "CreateAccessKey", user)?;
    let new = ctx.iam.create_access_key(ctx.caller.account_id(), user).await?;
    let mut x = Xml::default();
    x.open("AccessKey");
    write_key_fields(&mut x, &new.record);
    x.text("SecretAccessKey", new.secret.expose())
        .text("CreateDate", &date(new.record.created_ms))
        .close("AccessKey");
    Ok(Some(x))
}

pub(super) fn list_access_keys(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let user = target(ctx);
    authorize_on_user(ctx, "ListAccessKeys", user)?;
    let keys = ctx.iam.list_access_keys(ctx.caller.account_id(), user)?;
    let mut x = Xml::default();
    x.open("AccessKeyMetadata");
    for k in &keys {
        x.open("member");
        write_key_fields(&mut x, k);
        x.text("CreateDate", &date(k.created_ms)).close("member");
    }
    x.close("AccessKeyMetadata").truncation(None);
    Ok(Some(x))
}

pub(super) async fn update_access_key(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let user = target(ctx);
    let id = ctx.params.required("AccessKeyId")?;
    let status = ctx.params.required("Status")?;
    let status = KeyStatus::parse(status).ok_or_else(|| {
        IamError::ValidationError(format!(
            "1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: \
             Member must satisfy enum value set: [Active, Inactive]"
        ))
    })?;
    authorize_on_user(ctx, "UpdateAccessKey", user)?;
    ctx.iam
        .update_access_key(ctx.caller.account_id(), user, id, status)
        .await?;
    Ok(None)
}

pub(super) async fn delete_access_key(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let user = target(ctx);
    let id = ctx.params.required("AccessKeyId")?;
    authorize_on_user(ctx, "DeleteAccessKey", user)?;
    ctx.iam
        .delete_access_key(ctx.caller.account_id(), user, id)
        .await?;
    Ok(None)
}
