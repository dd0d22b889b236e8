//! Table tests from AWS's documented examples, validation with AWS's messages, a seeded
//! property test of Deny's precedence, and hostile documents.
#![allow(clippy::unwrap_used)]

mod conditions;
mod decisions;
mod hostile;
mod property;
mod public;
mod seeds;
mod validation;
mod variables;

use super::{ConditionKeys, Outcome, Policy, PolicyKind, PrincipalRef, RequestContext};

/// The accounts of the examples (AWS's documentation uses these).
pub(super) const A: &str = "111122223333";
pub(super) const B: &str = "444455556666";

pub(super) fn identity(json: &str) -> Policy {
    Policy::parse(json, PolicyKind::Identity).unwrap_or_else(|e| panic!("{e}: {json}"))
}

pub(super) fn bucket_policy(json: &str) -> Policy {
    Policy::parse(json, PolicyKind::Resource).unwrap_or_else(|e| panic!("{e}: {json}"))
}

/// An owned caller, for building [`PrincipalRef`]s.
#[derive(Clone, Debug)]
pub(super) struct Caller {
    pub(super) account: String,
    pub(super) arn: String,
    pub(super) role_arn: Option<String>,
    pub(super) anonymous: bool,
}

impl Caller {
    pub(super) fn root(account: &str) -> Self {
        Self {
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:root"),
            role_arn: None,
            anonymous: false,
        }
    }

    pub(super) fn user(account: &str, name: &str) -> Self {
        Self {
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:user/{name}"),
            role_arn: None,
            anonymous: false,
        }
    }

    pub(super) fn session(account: &str, role: &str, session: &str) -> Self {
        Self {
            account: account.to_owned(),
            arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
            role_arn: Some(format!("arn:aws:iam::{account}:role/{role}")),
            anonymous: false,
        }
    }

    pub(super) fn anonymous() -> Self {
        Self {
            account: String::new(),
            arn: String::new(),
            role_arn: None,
            anonymous: true,
        }
    }

    pub(super) fn as_ref(&self) -> PrincipalRef<'_> {
        PrincipalRef {
            account_id: &self.account,
            arn: &self.arn,
            role_arn: self.role_arn.as_deref(),
            canonical_id: None,
            anonymous: self.anonymous,
        }
    }

    pub(super) fn is_root(&self) -> bool {
        !self.anonymous && self.arn.ends_with(":root")
    }
}

pub(super) fn keys(pairs: &[(&str, &str)]) -> ConditionKeys {
    let mut k = ConditionKeys::new();
    for (key, value) in pairs {
        k.insert(key, *value);
    }
    k
}

pub(super) fn request<'a>(
    caller: &'a Caller,
    action: &'a str,
    resource: &'a str,
    keys: &'a ConditionKeys,
) -> RequestContext<'a> {
    RequestContext {
        action,
        resource,
        principal: caller.as_ref(),
        keys,
    }
}

/// One policy's outcome for `caller` doing `action` on `resource` with `pairs` as keys.
pub(super) fn outcome(
    policy: &Policy,
    caller: &Caller,
    action: &str,
    resource: &str,
    pairs: &[(&str, &str)],
) -> Outcome {
    let k = keys(pairs);
    policy.evaluate(&request(caller, action, resource, &k))
}
