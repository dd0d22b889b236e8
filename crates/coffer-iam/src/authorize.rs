//! Who may do what. Phase 1 of ADR 13 (no policies yet): an account's root may do
//! anything to its own account's resources; IAM users have no permissions until
//! policies grant them (as an AWS user without policies), and nobody reaches another
//! account's resources (that needs a bucket policy or an ACL grant).

use crate::error::IamError;
use crate::snapshot::Caller;

/// Whether `caller` (`None`: anonymous) may act on a bucket owned by `owner` (`None`: no
/// bucket, as ListBuckets and CreateBucket).
#[must_use]
pub fn may_access_bucket(caller: Option<&Caller>, owner: Option<&str>) -> bool {
    let Some(caller) = caller else { return false };
    if !caller.is_root() {
        return false;
    }
    owner.is_none_or(|owner| owner == caller.account_id())
}

/// IAM's AccessDenied for `caller` performing `action` (`iam:CreateUser`) on `resource`,
/// or `None` when it is allowed.
#[must_use]
pub fn iam_access_denied(caller: &Caller, action: &str, resource: &str) -> Option<IamError> {
    if caller.is_root() {
        return None;
    }
    Some(IamError::AccessDenied(format!(
        "User: {} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
        caller.arn()
    )))
}
