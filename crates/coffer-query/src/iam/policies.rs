//! Managed policies (Create/Get/List/Delete Policy and their versions), attachments
//! (Attach/Detach/ListAttached {User,Group}Policies) and inline policies
//! (Put/Get/List/Delete {User,Group}Policy). Documents in answers are percent-encoded,
//! as AWS sends them (botocore decodes them back to the text that was put).

use coffer_iam::{IamError, PolicyView, Scope, VersionView, arn};
use coffer_meta::EntityKind;

use super::{authorize, entity_arn, entity_param, page_request};
use crate::Ctx;
use crate::error::QueryError;
use crate::xml::{Xml, date, percent_encode};

fn write_policy(x: &mut Xml, p: &PolicyView, with_description: bool) {
    x.text("PolicyName", &p.name)
        .text("PolicyId", &p.unique_id)
        .text("Arn", &p.arn)
        .text("Path", &p.path)
        .text("DefaultVersionId", &p.default_version_id)
        .text("AttachmentCount", &p.attachment_count.to_string())
        .text("PermissionsBoundaryUsageCount", "0")
        .text("IsAttachable", "true");
    if with_description && !p.description.is_empty() {
        x.text("Description", &p.description);
    }
    x.text("CreateDate", &date(p.created_ms))
        .text("UpdateDate", &date(p.updated_ms));
}

fn write_version(x: &mut Xml, v: &VersionView, with_document: bool) {
    if with_document {
        x.text("Document", &percent_encode(&v.document));
    }
    x.text("VersionId", &v.version_id)
        .text("IsDefaultVersion", if v.is_default { "true" } else { "false" })
        .text("CreateDate", &date(v.created_ms));
}

fn policy_arn_param<'a>(ctx: &'a Ctx<'_>) -> Result<&'a str, QueryError> {
    ctx.params.required("PolicyArn")
}

fn boolean(ctx: &Ctx<'_>, name: &str) -> bool {
    ctx.params
        .get(name)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

pub(super) async fn create_policy(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let name = ctx.params.required("PolicyName")?;
    let document = ctx.params.required("PolicyDocument")?;
    let path = ctx.params.get("Path");
    let account = ctx.caller.account_id();
    authorize(
        ctx,
        "CreatePolicy",
        &arn::entity_arn(account, "policy", path.unwrap_or("/"), name),
    )?;
    let view = ctx
        .iam
        .create_policy(account, name, path, ctx.params.get("Description"), document)
        .await?;
    let mut x = Xml::default();
    x.open("Policy");
    write_policy(&mut x, &view, true);
    x.close("Policy");
    Ok(Some(x))
}

pub(super) fn get_policy(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let arn = policy_arn_param(ctx)?;
    authorize(ctx, "GetPolicy", arn)?;
    let view = ctx.iam.get_policy(ctx.caller.account_id(), arn)?;
    let mut x = Xml::default();
    x.open("Policy");
    write_policy(&mut x, &view, true);
    x.close("Policy");
    Ok(Some(x))
}

pub(super) fn get_policy_version(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let arn = policy_arn_param(ctx)?;
    let version_id = ctx.params.required("VersionId")?;
    authorize(ctx, "GetPolicyVersion", arn)?;
    let v = ctx
        .iam
        .get_policy_version(ctx.caller.account_id(), arn, version_id)?;
    let mut x = Xml::default();
    x.open("PolicyVersion");
    write_version(&mut x, &v, true);
    x.close("PolicyVersion");
    Ok(Some(x))
}

pub(super) fn list_policies(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    authorize(
        ctx,
        "ListPolicies",
        &arn::entity_arn(ctx.caller.account_id(), "policy", "/", "*"),
    )?;
    let scope = match ctx.params.get("Scope") {
        None | Some("All") => Scope::All,
        Some("AWS") => Scope::Aws,
        Some("Local") => Scope::Local,
        Some(other) => {
            return Err(IamError::ValidationError(format!(
                "1 validation error detected: Value '{other}' at 'scope' failed to satisfy constraint: \
                 Member must satisfy enum value set: [All, AWS, Local]"
            ))
            .into());
        }
    };
    let page = ctx.iam.list_policies(
        ctx.caller.account_id(),
        scope,
        boolean(ctx, "OnlyAttached"),
        ctx.params.get("PathPrefix"),
        &page_request(ctx)?,
    )?;
    let mut x = Xml::default();
    x.open("Policies");
    for p in &page.items {
        x.open("member");
        write_policy(&mut x, p, false);
        x.close("member");
    }
    x.close("Policies").truncation(page.marker.as_deref());
    Ok(Some(x))
}

pub(super) fn list_policy_versions(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let arn = policy_arn_param(ctx)?;
    authorize(ctx, "ListPolicyVersions", arn)?;
    let versions = ctx.iam.list_policy_versions(ctx.caller.account_id(), arn)?;
    let mut x = Xml::default();
    x.open("Versions");
    for v in &versions {
        x.open("member");
        write_version(&mut x, v, false);
        x.close("member");
    }
    x.close("Versions").truncation(None);
    Ok(Some(x))
}

pub(super) async fn create_policy_version(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let arn = policy_arn_param(ctx)?;
    let document = ctx.params.required("PolicyDocument")?;
    authorize(ctx, "CreatePolicyVersion", arn)?;
    let v = ctx
        .iam
        .create_policy_version(
            ctx.caller.account_id(),
            arn,
            document,
            boolean(ctx, "SetAsDefault"),
        )
        .await?;
    let mut x = Xml::default();
    x.open("PolicyVersion");
    write_version(&mut x, &v, false);
    x.close("PolicyVersion");
    Ok(Some(x))
}

pub(super) async fn delete_policy_version(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let arn = policy_arn_param(ctx)?;
    let version_id = ctx.params.required("VersionId")?;
    authorize(ctx, "DeletePolicyVersion", arn)?;
    ctx.iam
        .delete_policy_version(ctx.caller.account_id(), arn, version_id)
        .await?;
    Ok(None)
}

pub(super) async fn set_default_policy_version(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let arn = policy_arn_param(ctx)?;
    let version_id = ctx.params.required("VersionId")?;
    authorize(ctx, "SetDefaultPolicyVersion", arn)?;
    ctx.iam
        .set_default_policy_version(ctx.caller.account_id(), arn, version_id)
        .await?;
    Ok(None)
}

pub(super) async fn delete_policy(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let arn = policy_arn_param(ctx)?;
    authorize(ctx, "DeletePolicy", arn)?;
    ctx.iam.delete_policy(ctx.caller.account_id(), arn).await?;
    Ok(None)
}

fn kind_word(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::User => "User",
        EntityKind::Group => "Group",
        EntityKind::Role => "Role",
    }
}

pub(super) async fn attach(ctx: &Ctx<'_>, kind: EntityKind) -> Result<Option<Xml>, QueryError> {
    let entity = ctx.params.required(entity_param(kind))?;
    let arn = policy_arn_param(ctx)?;
    authorize(
        ctx,
        &format!("Attach{}Policy", kind_word(kind)),
        &entity_arn(ctx, kind, entity),
    )?;
    ctx.iam
        .attach_policy(ctx.caller.account_id(), kind, entity, arn)
        .await?;
    Ok(None)
}

pub(super) async fn detach(ctx: &Ctx<'_>, kind: EntityKind) -> Result<Option<Xml>, QueryError> {
    let entity = ctx.params.required(entity_param(kind))?;
    let arn = policy_arn_param(ctx)?;
    authorize(
        ctx,
        &format!("Detach{}Policy", kind_word(kind)),
        &entity_arn(ctx, kind, entity),
    )?;
    ctx.iam
        .detach_policy(ctx.caller.account_id(), kind, entity, arn)
        .await?;
    Ok(None)
}

pub(super) fn list_attached(ctx: &Ctx<'_>, kind: EntityKind) -> Result<Option<Xml>, QueryError> {
    let entity = ctx.params.required(entity_param(kind))?;
    authorize(
        ctx,
        &format!("ListAttached{}Policies", kind_word(kind)),
        &entity_arn(ctx, kind, entity),
    )?;
    let page = ctx.iam.list_attached_policies(
        ctx.caller.account_id(),
        kind,
        entity,
        ctx.params.get("PathPrefix"),
        &page_request(ctx)?,
    )?;
    let mut x = Xml::default();
    x.open("AttachedPolicies");
    for (name, arn) in &page.items {
        x.open("member")
            .text("PolicyName", name)
            .text("PolicyArn", arn)
            .close("member");
    }
    x.close("AttachedPolicies").truncation(page.marker.as_deref());
    Ok(Some(x))
}

pub(super) async fn put_inline(ctx: &Ctx<'_>, kind: EntityKind) -> Result<Option<Xml>, QueryError> {
    let entity = ctx.params.required(entity_param(kind))?;
    let name = ctx.params.required("PolicyName")?;
    let document = ctx.params.required("PolicyDocument")?;
    authorize(
        ctx,
        &format!("Put{}Policy", kind_word(kind)),
        &entity_arn(ctx, kind, entity),
    )?;
    ctx.iam
        .put_inline_policy(ctx.caller.account_id(), kind, entity, name, document)
        .await?;
    Ok(None)
}

pub(super) fn get_inline(ctx: &Ctx<'_>, kind: EntityKind) -> Result<Option<Xml>, QueryError> {
    let entity = ctx.params.required(entity_param(kind))?;
    let name = ctx.params.required("PolicyName")?;
    authorize(
        ctx,
        &format!("Get{}Policy", kind_word(kind)),
        &entity_arn(ctx, kind, entity),
    )?;
    let document = ctx
        .iam
        .get_inline_policy(ctx.caller.account_id(), kind, entity, name)?;
    let mut x = Xml::default();
    x.text(entity_param(kind), entity)
        .text("PolicyName", name)
        .text("PolicyDocument", &percent_encode(&document));
    Ok(Some(x))
}

pub(super) fn list_inline(ctx: &Ctx<'_>, kind: EntityKind) -> Result<Option<Xml>, QueryError> {
    let entity = ctx.params.required(entity_param(kind))?;
    authorize(
        ctx,
        &format!("List{}Policies", kind_word(kind)),
        &entity_arn(ctx, kind, entity),
    )?;
    let names = ctx
        .iam
        .list_inline_policies(ctx.caller.account_id(), kind, entity)?;
    let page = page_request(ctx)?.apply(names, Clone::clone)?;
    let mut x = Xml::default();
    x.open("PolicyNames");
    for n in &page.items {
        x.text("member", n);
    }
    x.close("PolicyNames").truncation(page.marker.as_deref());
    Ok(Some(x))
}

pub(super) async fn delete_inline(ctx: &Ctx<'_>, kind: EntityKind) -> Result<Option<Xml>, QueryError> {
    let entity = ctx.params.required(entity_param(kind))?;
    let name = ctx.params.required("PolicyName")?;
    authorize(
        ctx,
        &format!("Delete{}Policy", kind_word(kind)),
        &entity_arn(ctx, kind, entity),
    )?;
    ctx.iam
        .delete_inline_policy(ctx.caller.account_id(), kind, entity, name)
        .await?;
    Ok(None)
}
