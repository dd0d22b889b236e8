//! STS: GetCallerIdentity and AssumeRole.

use coffer_iam::{AssumeRoleRequest, IamError};

use crate::Ctx;
use crate::error::QueryError;
use crate::xml::{Xml, date};

/// STS actions AWS documents that Coffer does not serve.
const NOT_YET: &[&str] = &[
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
                .text("UserId", &ctx.caller.user_id())
                .text("Account", ctx.caller.account_id());
            Ok(Some(x))
        }
        "AssumeRole" => assume_role(ctx),
        a if NOT_YET.contains(&a) => Err(QueryError::NotImplemented(a.to_owned())),
        a => Err(QueryError::InvalidAction(a.to_owned())),
    }
}

fn assume_role(ctx: &Ctx<'_>) -> Result<Option<Xml>, QueryError> {
    let duration = ctx
        .params
        .get("DurationSeconds")
        .map(|d| {
            d.parse::<i64>().map_err(|_| {
                IamError::ValidationError(format!("DurationSeconds must be a number, not '{d}'"))
            })
        })
        .transpose()?;
    let creds = ctx.iam.assume_role(
        ctx.caller,
        &AssumeRoleRequest {
            role_arn: ctx.params.required("RoleArn")?,
            session_name: ctx.params.required("RoleSessionName")?,
            duration_secs: duration,
            policy: ctx.params.get("Policy"),
            source_ip: ctx.peer,
            secure_transport: ctx.secure,
        },
    )?;
    let mut x = Xml::default();
    x.open("Credentials")
        .text("AccessKeyId", &creds.access_key_id)
        .text("SecretAccessKey", creds.secret.expose())
        .text("SessionToken", &creds.session_token)
        .text("Expiration", &date(creds.expires * 1000))
        .close("Credentials")
        .open("AssumedRoleUser")
        .text("AssumedRoleId", &creds.assumed_role_id)
        .text("Arn", &creds.arn)
        .close("AssumedRoleUser");
    if let Some(percent) = creds.packed_policy_percent {
        x.text("PackedPolicySize", &percent.to_string());
    }
    Ok(Some(x))
}
