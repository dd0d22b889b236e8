//! STS: who the caller is (with session tokens), and AssumeRole.

use std::net::IpAddr;
use std::sync::Arc;

use crate::Iam;
use crate::error::{IamError, IamResult};
use crate::policy::{
    ConditionKeys, Decision, DecisionInput, Policy, PolicyKind, PrincipalRef, RequestContext, decide,
};
use crate::session::SessionClaims;
use crate::snapshot::{Caller, Principal, Secret, Session};

/// AssumeRole's bounds (seconds).
const MIN_DURATION: i64 = 900;
const CHAINED_MAX: i64 = 3600;
const MAX_SESSION_POLICY: usize = 2048;

/// Temporary credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret: Secret,
    pub session_token: String,
    /// Unix seconds.
    pub expires: i64,
    /// `AROA...:SESSION`.
    pub assumed_role_id: String,
    /// `arn:aws:sts::A:assumed-role/R/SESSION`.
    pub arn: String,
    /// The session policy's share of the packed size limit, in percent (AWS reports it).
    pub packed_policy_percent: Option<u32>,
}

/// What AssumeRole was asked for.
#[derive(Clone, Debug, Default)]
pub struct AssumeRoleRequest<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub duration_secs: Option<i64>,
    pub policy: Option<&'a str>,
    pub source_ip: Option<IpAddr>,
    /// Whether the request came over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
}

fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn validate_session_name(name: &str) -> IamResult<()> {
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(IamError::ValidationError(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )))
    }
}

/// `arn:aws:iam::ACCOUNT:role/PATH/NAME` into (account, path, name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role")?;
    let cut = path_and_name.rfind('/')?;
    Some((account, &path_and_name[..=cut], &path_and_name[cut + 1..]))
}

impl Iam {
    /// The secret of an access key: the deployment root's, an active long-term key's,
    /// or a session's (`ASIA...`, derived from the id). `InvalidClientTokenId` otherwise.
    pub fn secret_for(&self, access_key_id: &str) -> IamResult<Secret> {
        if access_key_id.starts_with("ASIA") {
            return Ok(self.inner.sessions.secret_of(access_key_id));
        }
        self.snapshot().secret(access_key_id)
    }

    /// The caller a request signed with `access_key_id` stands for, once its signature
    /// is verified. A session key needs its token (`InvalidToken` without it, or for
    /// another key's; `ExpiredToken` past its expiry); a long-term key must come
    /// without one.
    pub fn caller(&self, access_key_id: &str, token: Option<&str>) -> IamResult<Caller> {
        if !access_key_id.starts_with("ASIA") {
            if token.is_some() {
                return Err(IamError::InvalidToken);
            }
            return self.authenticate(access_key_id).map(|(caller, _)| caller);
        }
        let token = token.ok_or(IamError::InvalidToken)?;
        let claims = self.inner.sessions.open(access_key_id, token, now_secs())?;
        // A role deleted (or deleted and re-created) since grants its sessions nothing.
        let role = self
            .snapshot()
            .role(&claims.account_id, &claims.role_name)
            .filter(|r| r.unique_id == claims.role_id)
            .cloned();
        let policy = match &claims.policy {
            Some(text) => Some(Arc::new(
                Policy::parse(text, PolicyKind::Session).map_err(|_| IamError::InvalidToken)?,
            )),
            None => None,
        };
        Ok(Caller {
            principal: Principal::Session(Box::new(Session { claims, role, policy })),
            access_key_id: access_key_id.to_owned(),
            deployment_root: false,
        })
    }

    /// AssumeRole: the role's trust policy must allow the caller (and, from another
    /// account or as a user, the caller's own policies too); an account root may not.
    pub fn assume_role(&self, caller: &Caller, req: &AssumeRoleRequest<'_>) -> IamResult<Credentials> {
        let denied = || {
            IamError::AccessDenied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn(),
                req.role_arn
            ))
        };
        if caller.is_root() {
            return Err(IamError::AccessDenied(
                "Roles may not be assumed by root accounts.".into(),
            ));
        }
        validate_session_name(req.session_name)?;
        let (account, path, name) = parse_role_arn(req.role_arn)
            .ok_or_else(|| IamError::ValidationError(format!("{} is invalid", req.role_arn)))?;
        let snap = self.snapshot();
        let role = snap
            .role(account, name)
            .filter(|r| r.path == path)
            .cloned()
            .ok_or_else(denied)?;
        let chained = caller.session().is_some();
        let max = if chained {
            CHAINED_MAX
        } else {
            role.max_session_secs
        };
        let duration = req.duration_secs.unwrap_or(3600);
        if !(MIN_DURATION..=max).contains(&duration) {
            return Err(IamError::ValidationError(format!(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role ({max}) \
                 or is below {MIN_DURATION}."
            )));
        }
        let packed_policy_percent = match req.policy {
            Some(text) => {
                let size = crate::aws_size(text);
                if size > MAX_SESSION_POLICY {
                    return Err(IamError::LimitExceeded(format!(
                        "Packed policy consumes {}% of allotted space, please use smaller policy.",
                        size * 100 / MAX_SESSION_POLICY
                    )));
                }
                Policy::parse(text, PolicyKind::Session)
                    .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))?;
                Some(u32::try_from(size * 100 / MAX_SESSION_POLICY).unwrap_or(100))
            }
            None => None,
        };
        let trust = Policy::parse(&role.trust_policy, PolicyKind::Trust)
            .map_err(|e| IamError::Internal(format!("the trust policy of {}: {e}", req.role_arn)))?;
        let arn = caller.arn();
        let caller_role_arn = caller.session().map(Session::role_arn);
        let canonical = snap.account(caller.account_id()).map(|a| a.canonical_id.clone());
        let keys = self.caller_keys(caller, req.source_ip, req.secure_transport);
        let request = RequestContext {
            action: "sts:AssumeRole",
            resource: req.role_arn,
            principal: PrincipalRef {
                account_id: caller.account_id(),
                arn: &arn,
                role_arn: caller_role_arn.as_deref(),
                canonical_id: canonical.as_deref(),
                anonymous: false,
            },
            keys: &keys,
        };
        // A trust policy is not an ordinary resource policy: even in the role's own
        // account it must allow the caller, by name, or by naming the account and
        // leaving it to the caller's own policies.
        let trusted = trust.evaluate_resource(&request);
        let identity: Vec<&Policy> = snap.identity_policies(caller).iter().map(Arc::as_ref).collect();
        let own_side = decide(&DecisionInput {
            request: &request,
            is_root: false,
            resource_account: None,
            identity: &identity,
            session: caller.session().and_then(|s| s.policy.as_deref()),
            resource_policy: None,
            acl_allows: false,
        });
        let by_name = trusted.allow_principal || trusted.allow_role;
        let allowed = !trusted.deny
            && own_side != Decision::ExplicitDeny
            && if account == caller.account_id() {
                by_name || (trusted.allow_account && own_side == Decision::Allow)
            } else {
                (by_name || trusted.allow_account) && own_side == Decision::Allow
            };
        if !allowed {
            return Err(denied());
        }
        let issued = now_secs();
        let lifetime = self.inner.session_cap.map_or(duration, |cap| duration.min(cap));
        let claims = SessionClaims {
            account_id: account.to_owned(),
            role_name: role.name.clone(),
            role_id: role.unique_id.clone(),
            session_name: req.session_name.to_owned(),
            source_arn: arn,
            issued,
            expires: issued + lifetime,
            policy: req.policy.map(str::to_owned),
            chained,
        };
        let (access_key_id, secret, session_token) = self.inner.sessions.issue(&claims)?;
        Ok(Credentials {
            access_key_id,
            secret,
            session_token,
            expires: claims.expires,
            assumed_role_id: format!("{}:{}", role.unique_id, req.session_name),
            arn: format!(
                "arn:aws:sts::{account}:assumed-role/{}/{}",
                role.name, req.session_name
            ),
            packed_policy_percent,
        })
    }

    fn caller_keys(&self, caller: &Caller, source_ip: Option<IpAddr>, secure: bool) -> ConditionKeys {
        crate::authorize::global_keys(Some(caller), source_ip, secure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/app/CodeMap"),
            Some(("123456789012", "/app/", "CodeMap"))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/R"),
            Some(("123456789012", "/", "R"))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:user/R"), None);
    }
}
