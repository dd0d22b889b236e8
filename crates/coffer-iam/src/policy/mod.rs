//! The IAM policy language of ADR 13 (sections 3 and 4): parsing and validation with
//! AWS's error messages, compilation, evaluation of one request against one policy, the
//! whole decision across identity, session and resource policies, and S3's meaning of a
//! "public" bucket policy. Pure and synchronous; knows no HTTP.
//!
//! Key decision: a document is compiled once (globs tokenized, condition values typed,
//! policy variables pre-split), so evaluating a request does no JSON work and cannot fail
//! on the policy side; only request values are parsed per request. A hostile document can
//! only produce a [`PolicyError`]: serde_json bounds nesting (128 levels), the compiler
//! never recurses, and glob matching is iterative (no exponential backtracking).
//!
//! Invariants: an explicit Deny that applies is never overridden by any Allow (the one
//! exception, from AWS and the ADR: a bucket owner's root is not denied
//! Get/Put/DeleteBucketPolicy by the bucket policy); a statement whose policy variable
//! cannot be resolved does not apply; negated operators are true on an absent key.

mod cidr;
mod conditions;
mod context;
mod decide;
mod error;
mod eval;
mod glob;
mod parse;
mod principal;
mod public;
mod s3_actions;
mod statement;
mod values;
mod variables;

#[cfg(test)]
mod tests;

pub use context::{ConditionKeys, PrincipalRef, RequestContext};
pub use decide::{Decision, DecisionInput, decide};
pub use error::PolicyError;
pub use eval::{Outcome, ResourceOutcome};

use statement::Statement;

/// What a document is for: it decides which elements are required or prohibited and which
/// service's error code and wording validation uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Inline or managed policy of a user, group or role (IAM `MalformedPolicyDocument`;
    /// no `Principal`).
    Identity,
    /// A bucket policy (S3 `MalformedPolicy`; `Principal` required, S3 actions only).
    Resource,
    /// A role's trust policy (`Principal` required, no `Resource`, `sts:` actions only).
    Trust,
    /// An AssumeRole session policy (as an identity policy).
    Session,
}

/// The policy language version of a document (`Version` element).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `2008-10-17`, also what an absent `Version` means: `${...}` is literal text.
    V2008_10_17,
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
}

/// A parsed, validated and compiled policy document.
#[derive(Clone, Debug)]
pub struct Policy {
    kind: PolicyKind,
    version: PolicyVersion,
    /// Whether the document named a `Version` at all (absent means 2008-10-17).
    version_given: bool,
    statements: Vec<Statement>,
}

impl Policy {
    /// Parses and validates `text` as AWS does for `kind`, with AWS's messages: IAM's
    /// `MalformedPolicyDocument` for identity, trust and session policies, S3's
    /// `MalformedPolicy` for bucket policies. Size quotas are the caller's.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        parse::parse_document(text, kind)
    }

    #[must_use]
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    #[must_use]
    pub fn version(&self) -> PolicyVersion {
        self.version
    }

    /// How many statements the document has.
    #[must_use]
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// IAM's CreatePolicy/CreatePolicyVersion refuse a document without
    /// `"Version": "2012-10-17"` (inline policies accept it); call this for managed policies.
    pub fn require_current_version(&self) -> Result<(), PolicyError> {
        if self.version == PolicyVersion::V2012_10_17 && self.version_given {
            Ok(())
        } else {
            Err(PolicyError::MalformedPolicyDocument(
                error::VERSION_REQUIRED.to_owned(),
            ))
        }
    }

    /// Every `AWS` principal ARN the document names (12-digit ids normalized to
    /// `arn:aws:iam::ID:root`), so the caller can refuse principals that do not exist, as
    /// AWS does ("Invalid principal in policy").
    #[must_use]
    pub fn principal_arns(&self) -> Vec<&str> {
        self.statements
            .iter()
            .filter_map(|s| s.principal.as_ref())
            .flat_map(|p| p.aws.iter().map(String::as_str))
            .collect()
    }
}
