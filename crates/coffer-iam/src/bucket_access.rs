//! A bucket's access state (ADR 13): its compiled policy, Block Public Access (the
//! bucket's OR its account's), Object Ownership and canned ACL, read from the stored
//! settings documents. New buckets have every BPA flag on and `BucketOwnerEnforced`, as
//! AWS since April 2023: an absent document means exactly that, so no bucket is ever
//! left without them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::Iam;
use crate::error::{IamError, IamResult};
use crate::policy::{Policy, PolicyKind};

/// What an absent or deleted setting is stored as.
const DELETED: &str = "none";

/// Block Public Access, the four flags AWS defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    pub const ALL_ON: Self = Self {
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
    };
    pub const ALL_OFF: Self = Self {
        block_public_acls: false,
        ignore_public_acls: false,
        block_public_policy: false,
        restrict_public_buckets: false,
    };

    /// The stored document.
    #[must_use]
    pub fn to_document(self) -> String {
        serde_json::json!({
            "BlockPublicAcls": self.block_public_acls,
            "IgnorePublicAcls": self.ignore_public_acls,
            "BlockPublicPolicy": self.block_public_policy,
            "RestrictPublicBuckets": self.restrict_public_buckets,
        })
        .to_string()
    }

    /// A stored document: `None` for "no configuration" (deleted).
    fn from_document(doc: Option<&str>) -> Option<Self> {
        let doc = match doc {
            None => return Some(Self::ALL_ON),
            Some(DELETED) => return None,
            Some(d) => d,
        };
        let v: serde_json::Value = serde_json::from_str(doc).unwrap_or_default();
        let flag = |k: &str| v[k].as_bool().unwrap_or(true);
        Some(Self {
            block_public_acls: flag("BlockPublicAcls"),
            ignore_public_acls: flag("IgnorePublicAcls"),
            block_public_policy: flag("BlockPublicPolicy"),
            restrict_public_buckets: flag("RestrictPublicBuckets"),
        })
    }

    #[must_use]
    pub fn or(self, other: Self) -> Self {
        Self {
            block_public_acls: self.block_public_acls || other.block_public_acls,
            ignore_public_acls: self.ignore_public_acls || other.ignore_public_acls,
            block_public_policy: self.block_public_policy || other.block_public_policy,
            restrict_public_buckets: self.restrict_public_buckets || other.restrict_public_buckets,
        }
    }

    /// An account's settings JSON (`{"PublicAccessBlock": {...}}`), all off when unset.
    #[must_use]
    pub fn of_account(settings: &str) -> Self {
        let v: serde_json::Value = serde_json::from_str(settings).unwrap_or_default();
        match v.get("PublicAccessBlock") {
            Some(b) => Self::from_document(Some(&b.to_string())).unwrap_or(Self::ALL_OFF),
            None => Self::ALL_OFF,
        }
    }
}

/// Object Ownership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// ACLs are disabled; the bucket owner owns every object.
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
}

impl Ownership {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "BucketOwnerEnforced" => Some(Self::BucketOwnerEnforced),
            "BucketOwnerPreferred" => Some(Self::BucketOwnerPreferred),
            "ObjectWriter" => Some(Self::ObjectWriter),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BucketOwnerEnforced => "BucketOwnerEnforced",
            Self::BucketOwnerPreferred => "BucketOwnerPreferred",
            Self::ObjectWriter => "ObjectWriter",
        }
    }

    /// A stored document: `None` when deleted (no configuration, which AWS treats as
    /// ObjectWriter).
    fn from_document(doc: Option<&str>) -> Option<Self> {
        match doc {
            None => Some(Self::BucketOwnerEnforced),
            Some(DELETED) => None,
            Some(d) => Some(Self::parse(d).unwrap_or(Self::BucketOwnerEnforced)),
        }
    }
}

/// The canned ACLs of S3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CannedAcl {
    Private,
    PublicRead,
    PublicReadWrite,
    AuthenticatedRead,
    AwsExecRead,
    BucketOwnerRead,
    BucketOwnerFullControl,
    LogDeliveryWrite,
}

impl CannedAcl {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "private" => Self::Private,
            "public-read" => Self::PublicRead,
            "public-read-write" => Self::PublicReadWrite,
            "authenticated-read" => Self::AuthenticatedRead,
            "aws-exec-read" => Self::AwsExecRead,
            "bucket-owner-read" => Self::BucketOwnerRead,
            "bucket-owner-full-control" => Self::BucketOwnerFullControl,
            "log-delivery-write" => Self::LogDeliveryWrite,
            _ => return None,
        })
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::PublicRead => "public-read",
            Self::PublicReadWrite => "public-read-write",
            Self::AuthenticatedRead => "authenticated-read",
            Self::AwsExecRead => "aws-exec-read",
            Self::BucketOwnerRead => "bucket-owner-read",
            Self::BucketOwnerFullControl => "bucket-owner-full-control",
            Self::LogDeliveryWrite => "log-delivery-write",
        }
    }

    /// Grants to AllUsers or AuthenticatedUsers: what Block Public Access calls public.
    #[must_use]
    pub fn is_public(self) -> bool {
        matches!(
            self,
            Self::PublicRead | Self::PublicReadWrite | Self::AuthenticatedRead
        )
    }

    /// Whether this bucket ACL grants `action` to everyone (`authenticated: false`) or to
    /// any signed principal (`authenticated: true`).
    fn bucket_grants(self, action: &str, authenticated: bool) -> bool {
        let read = matches!(
            action,
            "s3:ListBucket" | "s3:ListBucketVersions" | "s3:ListBucketMultipartUploads"
        );
        let write = matches!(
            action,
            "s3:PutObject" | "s3:DeleteObject" | "s3:AbortMultipartUpload"
        );
        match self {
            Self::PublicRead => read,
            Self::PublicReadWrite => read || write,
            Self::AuthenticatedRead => authenticated && read,
            _ => false,
        }
    }
}

/// A bucket's access state, as authorization reads it.
#[derive(Clone, Debug)]
pub struct BucketAccess {
    pub owner: String,
    pub policy: Option<Arc<Policy>>,
    /// The policy names `s3:ExistingObjectTag/...`.
    pub policy_names_existing_object_tags: bool,
    /// The effective Block Public Access: the bucket's (when configured) OR the account's.
    pub public_access_block: PublicAccessBlock,
    /// `None`: the bucket has no configuration (deleted).
    pub bucket_public_access_block: Option<PublicAccessBlock>,
    /// `None`: no configuration (deleted), which behaves as ObjectWriter.
    pub ownership: Option<Ownership>,
    pub acl: CannedAcl,
}

/// The stored documents a [`BucketAccess`] is built from.
#[derive(Clone, Debug, Default)]
pub struct AccessDocuments {
    pub policy: Option<String>,
    pub public_access_block: Option<String>,
    pub ownership: Option<String>,
    pub acl: Option<String>,
}

impl BucketAccess {
    /// The resource-side Allow an object's canned ACL gives: READ of the object.
    #[must_use]
    pub fn object_acl_allows(&self, acl: Option<CannedAcl>, action: &str, authenticated: bool) -> bool {
        let Some(acl) = acl else { return false };
        let read = matches!(action, "s3:GetObject" | "s3:GetObjectVersion");
        self.acls_enabled()
            && !(acl.is_public() && self.public_access_block.ignore_public_acls)
            && read
            && match acl {
                CannedAcl::PublicRead | CannedAcl::PublicReadWrite => true,
                CannedAcl::AuthenticatedRead => authenticated,
                _ => false,
            }
    }

    /// Whether ACL grants are in force (not under BucketOwnerEnforced).
    #[must_use]
    pub fn acls_enabled(&self) -> bool {
        self.ownership != Some(Ownership::BucketOwnerEnforced)
    }

    /// The resource-side Allow an ACL gives (AllUsers / AuthenticatedUsers grants), after
    /// IgnorePublicAcls.
    #[must_use]
    pub fn acl_allows(&self, action: &str, authenticated: bool) -> bool {
        self.acls_enabled()
            && !(self.acl.is_public() && self.public_access_block.ignore_public_acls)
            && self.acl.bucket_grants(action, authenticated)
    }
}

/// Compiled bucket policies by bucket, reused while the document is unchanged.
#[derive(Default)]
pub(crate) struct PolicyCache {
    compiled: Mutex<HashMap<String, (String, Arc<Policy>)>>,
}

impl Iam {
    /// The access state of a bucket owned by `owner`, from its stored documents.
    pub fn bucket_access(&self, bucket: &str, owner: &str, docs: &AccessDocuments) -> BucketAccess {
        let policy = docs
            .policy
            .as_deref()
            .and_then(|text| self.compiled_bucket_policy(bucket, text));
        let bucket_bpa = PublicAccessBlock::from_document(docs.public_access_block.as_deref());
        let account_bpa = self
            .snapshot()
            .account(owner)
            .map_or(PublicAccessBlock::ALL_OFF, |a| {
                PublicAccessBlock::of_account(&a.record.settings)
            });
        BucketAccess {
            owner: owner.to_owned(),
            policy,
            policy_names_existing_object_tags: docs
                .policy
                .as_deref()
                .is_some_and(crate::snapshot::names_existing_object_tags),
            public_access_block: bucket_bpa.unwrap_or(PublicAccessBlock::ALL_OFF).or(account_bpa),
            bucket_public_access_block: bucket_bpa,
            ownership: Ownership::from_document(docs.ownership.as_deref()),
            acl: docs
                .acl
                .as_deref()
                .and_then(CannedAcl::parse)
                .unwrap_or(CannedAcl::Private),
        }
    }

    fn compiled_bucket_policy(&self, bucket: &str, text: &str) -> Option<Arc<Policy>> {
        let mut cache = self
            .inner
            .bucket_policies
            .compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((cached, policy)) = cache.get(bucket)
            && cached == text
        {
            return Some(policy.clone());
        }
        match Policy::parse(text, PolicyKind::Resource) {
            Ok(p) => {
                let p = Arc::new(p);
                cache.insert(bucket.to_owned(), (text.to_owned(), p.clone()));
                Some(p)
            }
            Err(e) => {
                tracing::error!(%bucket, error = %e, "a stored bucket policy does not parse; it is ignored");
                None
            }
        }
    }

    /// Validates a bucket policy for PutBucketPolicy: `MalformedPolicy` with AWS's reason,
    /// and `AccessDenied` for a public policy under BlockPublicPolicy. Returns whether
    /// it is public.
    pub fn validate_bucket_policy(&self, bucket: &str, text: &str, access: &BucketAccess) -> IamResult<bool> {
        const MAX: usize = 20 * 1024;
        if text.len() > MAX {
            return Err(IamError::MalformedPolicyDocument(
                "Policies must be smaller than 20KB".into(),
            ));
        }
        let policy = Policy::parse(text, PolicyKind::Resource)
            .and_then(|p| p.check_bucket(bucket).map(|()| p))
            .map_err(|e| IamError::MalformedPolicyDocument(e.to_string()))?;
        let public = policy.is_public();
        if public && access.public_access_block.block_public_policy {
            return Err(IamError::AccessDenied(
                "User does not have permission to put a public bucket policy because Block Public Access is on (BlockPublicPolicy)."
                    .into(),
            ));
        }
        Ok(public)
    }

    /// Whether a bucket's policy is public, as GetBucketPolicyStatus reports it.
    #[must_use]
    pub fn policy_is_public(access: &BucketAccess) -> bool {
        access.policy.as_ref().is_some_and(|p| p.is_public())
    }
}

/// The stored form of "no configuration" for a setting that has a default when absent.
#[must_use]
pub fn deleted_document() -> String {
    DELETED.to_owned()
}
