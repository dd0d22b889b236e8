//! STS: GetCallerIdentity. AssumeRole and the other actions come with roles.

use crate::Ctx;
use crate::error::QueryError;
use crate::xml::Xml;

/// STS actions AWS documents that Coffer does not serve yet.
const NOT_YET: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetFederationToken",
    "GetSessionToken",
];

pub(crate) fn dispatch(ctx: &Ctx<'_>, action: &str) -> Result<Option<Xml>, QueryError> {
    match action {
        // Needs no permission, and no policy can deny it (as AWS).
        "GetCallerIdentity" => {
            let mut x = Xml::default();
            x.text("Arn", &ctx.caller.arn())
                .text("UserId", ctx.caller.user_id())
                .text("Account", ctx.caller.account_id());
            Ok(Some(x))
        }
        a if NOT_YET.contains(&a) => Err(QueryError::NotImplemented(a.to_owned())),
        a => Err(QueryError::InvalidAction(a.to_owned())),
    }
}
