//! ARNs and canonical ids.

use sha2::{Digest as _, Sha256};

/// `arn:aws:iam::ACCOUNT:root`.
#[must_use]
pub fn root_arn(account_id: &str) -> String {
    format!("arn:aws:iam::{account_id}:root")
}

/// `arn:aws:iam::ACCOUNT:KIND/PATH/NAME` (`path` starts and ends with `/`).
#[must_use]
pub fn entity_arn(account_id: &str, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account_id}:{kind}{path}{name}")
}

/// The S3 canonical user id of an account: 64 hex digits, stable, as AWS's are.
#[must_use]
pub fn canonical_user_id(account_id: &str) -> String {
    hex::encode(Sha256::digest(format!("coffer-canonical-user:{account_id}")))
}
