//! S3 Block Public Access's meaning of "public" for a bucket policy (ADR 13 section 4;
//! S3 API PublicAccessBlockConfiguration) and the RestrictPublicBuckets view of one.
//!
//! A policy is public when an Allow statement's principal is `*` (or a `NotPrincipal`)
//! and no condition pins the request to a fixed value: a set of CIDRs on `aws:SourceIp`,
//! or a wildcard-free, variable-free value of `aws:SourceArn`, `aws:SourceVpc`,
//! `aws:SourceVpce`, `aws:SourceOwner`, `aws:SourceAccount`, `aws:PrincipalAccount`,
//! `aws:PrincipalArn`, `aws:PrincipalOrgID`,
//! `s3:x-amz-server-side-encryption-aws-kms-key-id`, or `aws:userid` (whose
//! `AROLEID:*` form has a wildcard and so is not fixed).

use super::Policy;
use super::conditions::{Base, Condition, Qualifier, Values};
use super::statement::Effect;

/// Condition keys (lower-cased) whose fixed value makes a statement non-public.
const FIXING_KEYS: [&str; 10] = [
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
];

/// The widest `aws:SourceIp` blocks that still count as "a set of CIDRs" rather than the
/// Internet: AWS counts `0.0.0.0/1` as public; we draw the line at /8 (IPv4) and /32
/// (IPv6), the sizes of the largest real allocations.
const MIN_V4_PREFIX: u8 = 8;
const MIN_V6_PREFIX: u8 = 32;

impl Policy {
    /// Whether the policy is public as S3 Block Public Access defines it (for
    /// BlockPublicPolicy, RestrictPublicBuckets and GetBucketPolicyStatus). Identity and
    /// session policies name no principal and are never public.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.principal.as_ref().is_some_and(|p| p.is_public())
                && !s.conditions.iter().any(pins_caller)
        })
    }

    /// The policy as RestrictPublicBuckets enforces it for a bucket of `account_id`: every
    /// Deny kept; each Allow keeps only its principals of that account (anonymous, `*`,
    /// `NotPrincipal`, other accounts, services and canonical ids go), and goes when none
    /// is left.
    #[must_use]
    pub fn restricted_to_account(&self, account_id: &str) -> Policy {
        let statements = self
            .statements
            .iter()
            .filter_map(|s| match (&s.principal, s.effect) {
                (None, _) | (_, Effect::Deny) => Some(s.clone()),
                (Some(principal), Effect::Allow) => {
                    let mut kept = s.clone();
                    kept.principal = Some(principal.restricted_to(account_id)?);
                    Some(kept)
                }
            })
            .collect();
        Policy {
            kind: self.kind,
            version: self.version,
            version_given: self.version_given,
            statements,
        }
    }
}

/// Whether one condition ties every request it lets through to fixed values. Only plain
/// positive operators do: a negated one, `...IfExists` or `ForAllValues:` also pass a
/// request without the key, as an anonymous one is.
fn pins_caller(c: &Condition) -> bool {
    let op = c.operator;
    if op.negated || op.if_exists || op.qualifier == Qualifier::ForAllValues {
        return false;
    }
    match (&c.values, op.base) {
        (Values::Ip(cidrs), Base::Ip) => {
            c.key == "aws:sourceip"
                && !cidrs.is_empty()
                && cidrs.iter().all(|cidr| match cidr.family_prefix() {
                    (true, prefix) => prefix >= MIN_V4_PREFIX,
                    (false, prefix) => prefix >= MIN_V6_PREFIX,
                })
        }
        (
            Values::Text(values),
            Base::StringEquals | Base::StringEqualsIgnoreCase | Base::StringLike | Base::Arn,
        ) => {
            FIXING_KEYS.contains(&c.key.as_str())
                && !values.is_empty()
                && values
                    .iter()
                    .all(|v| !v.raw().is_empty() && !v.raw().contains(['*', '?']) && !v.raw().contains("${"))
        }
        _ => false,
    }
}
