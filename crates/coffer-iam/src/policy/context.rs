//! The request as policies see it: action, resource, principal and condition keys.

use std::collections::HashMap;

/// Condition keys of one request. Names are case-insensitive (AWS: `aws:CurrentTime` is
/// `AWS:currenttime`), so they are stored lower-cased; values are kept as given. A key
/// with several values (`aws:TagKeys`) holds them all; a key with no value is absent.
#[derive(Clone, Debug, Default)]
pub struct ConditionKeys {
    map: HashMap<String, Vec<String>>,
}

impl ConditionKeys {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value to `key` (a multi-valued key gets one call per value).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.map.entry(key.to_lowercase()).or_default().push(value.into());
    }

    /// Replaces every value of `key`.
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        self.map.insert(key.to_lowercase(), values);
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.map.remove(&key.to_lowercase());
    }

    /// The values of `key` (any case); `None` when absent or empty.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lower(&key.to_lowercase())
    }

    /// As [`get`](Self::get) for a name already lower-cased (compiled policies hold them
    /// so), without allocating.
    pub(crate) fn get_lower(&self, key: &str) -> Option<&[String]> {
        self.map.get(key).map(Vec::as_slice).filter(|v| !v.is_empty())
    }
}

/// Who makes the request.
#[derive(Clone, Copy, Debug)]
pub struct PrincipalRef<'a> {
    /// The principal's account (empty for anonymous).
    pub account_id: &'a str,
    /// A user ARN, `arn:aws:iam::A:root`, or `arn:aws:sts::A:assumed-role/R/S` (empty for
    /// anonymous).
    pub arn: &'a str,
    /// For a role session, the role's ARN: a resource policy naming the role covers its
    /// sessions.
    pub role_arn: Option<&'a str>,
    /// The account's S3 canonical user id, for `{"CanonicalUser": ...}` principals.
    pub canonical_id: Option<&'a str>,
    /// An unsigned request.
    pub anonymous: bool,
}

impl PrincipalRef<'_> {
    /// The unsigned caller.
    #[must_use]
    pub fn anonymous() -> PrincipalRef<'static> {
        PrincipalRef {
            account_id: "",
            arn: "",
            role_arn: None,
            canonical_id: None,
            anonymous: true,
        }
    }
}

/// One authorization question: may `principal` perform `action` on `resource`?
#[derive(Clone, Copy, Debug)]
pub struct RequestContext<'a> {
    /// `service:Action`, e.g. `s3:GetObject`, `iam:CreateUser` (any case).
    pub action: &'a str,
    /// `arn:aws:s3:::bucket/key`, `arn:aws:iam::A:user/N`, or `*` (ListAllMyBuckets).
    pub resource: &'a str,
    pub principal: PrincipalRef<'a>,
    /// `aws:username`, `aws:userid`, `aws:PrincipalTag/...`, `aws:SourceIp`,
    /// `aws:CurrentTime`, `s3:x-amz-server-side-encryption`... Absent keys are absent.
    pub keys: &'a ConditionKeys,
}
