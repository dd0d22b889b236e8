//! Why a document was refused, with AWS's wording. IAM (identity, trust and session
//! policies) answers `MalformedPolicyDocument`; S3 (bucket policies) `MalformedPolicy`
//! with the reason as the message.

use thiserror::Error;

use super::PolicyKind;

/// A refused document; the message is what AWS says.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PolicyError {
    /// IAM's `MalformedPolicyDocument` (400).
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// S3's `MalformedPolicy` (400).
    #[error("{0}")]
    MalformedPolicy(String),
}

impl PolicyError {
    /// The message AWS puts in `<Message>`.
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::MalformedPolicyDocument(m) | Self::MalformedPolicy(m) => m,
        }
    }

    /// The error of `kind`'s service carrying `message`.
    pub(crate) fn of(kind: PolicyKind, message: impl Into<String>) -> Self {
        match kind {
            PolicyKind::Resource => Self::MalformedPolicy(message.into()),
            PolicyKind::Identity | PolicyKind::Trust | PolicyKind::Session => {
                Self::MalformedPolicyDocument(message.into())
            }
        }
    }
}

// IAM's wording (IAM API responses, as reproduced by moto's IAM validator tests).
pub(crate) const SYNTAX: &str = "Syntax errors in policy.";
pub(crate) const LEGACY: &str = "The policy failed legacy parsing";
pub(crate) const VERSION_REQUIRED: &str = "Policy document must be version 2012-10-17 or greater.";
pub(crate) const NO_ACTIONS: &str = "Policy statement must contain actions.";
pub(crate) const NO_RESOURCES: &str = "Policy statement must contain resources.";
pub(crate) const NO_VENDOR: &str =
    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.";
pub(crate) const ONE_COLON: &str = "Actions/Condition can contain only one colon.";
pub(crate) const SID_UNIQUE: &str = "Statement IDs (SID) in a single policy must be unique.";
pub(crate) const SID_ALNUM: &str = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*";
pub(crate) const TRUST_ACTIONS: &str = "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML, and sts:AssumeRoleWithWebIdentity";
pub(crate) const RESOURCE_VENDOR: &str =
    "Resource vendor must be fully qualified and cannot contain regexes.";

// Both services.
pub(crate) const MISSING_PRINCIPAL: &str = "Missing required field Principal";

// S3's wording (PutBucketPolicy responses).
pub(crate) const S3_FIRST_BYTE: &str = "Policies must be valid JSON and the first byte must be '{'";
pub(crate) const S3_INVALID_JSON: &str = "This policy contains invalid Json";
pub(crate) const S3_SYNTAX: &str = "Invalid policy syntax.";
pub(crate) const S3_VERSION: &str = "The policy must contain a valid version string";
pub(crate) const S3_NO_STATEMENT: &str = "Missing required field Statement";
pub(crate) const S3_EMPTY_STATEMENT: &str = "Could not parse the policy: Statement is empty!";
pub(crate) const S3_INVALID_PRINCIPAL: &str = "Invalid principal in policy";
pub(crate) const S3_INVALID_ACTION: &str = "Policy has invalid action";
pub(crate) const S3_INVALID_RESOURCE: &str = "Policy has invalid resource";
pub(crate) const S3_ACTION_RESOURCE: &str = "Action does not apply to any resource(s) in statement";
pub(crate) const S3_CONDITION_KEY: &str = "Policy has an invalid condition key";
