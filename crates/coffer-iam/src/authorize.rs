//! Who may do what: the decision of ADR 13 section 4 for S3 requests and IAM actions,
//! over the compiled policies of the snapshot. No database read.
//!
//! Fast path: an account root acting on its own account's resources, with no bucket
//! policy in play, is allowed after two map lookups (the policy engine is not entered).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::Iam;
use crate::bucket_access::{BucketAccess, CannedAcl};
use crate::error::IamError;
use crate::policy::{ConditionKeys, Decision, DecisionInput, Policy, PrincipalRef, RequestContext, decide};
use crate::s3_actions::{self, ResourceKind};
use crate::snapshot::{Caller, Principal, Snapshot};

/// How an S3 request was authenticated (`s3:authType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthType {
    /// `Authorization` header.
    Header,
    /// Presigned URL.
    Query,
    /// Browser form (POST Object).
    Post,
}

/// The object a copy reads.
#[derive(Clone, Debug, Default)]
pub struct CopySourceFacts {
    pub bucket: String,
    pub key: String,
    pub version_id: Option<String>,
    /// `None` when the bucket does not exist (the operation then answers NoSuchBucket).
    pub owner: Option<String>,
    /// The source bucket's policy, BPA, ownership and ACL.
    pub access: Option<Arc<BucketAccess>>,
}

/// What authorization needs to know of an S3 request, read by the protocol layer.
#[derive(Clone, Debug, Default)]
pub struct S3Facts {
    /// AWS's operation name (`ListObjectsV2`).
    pub operation: String,
    pub bucket: Option<String>,
    pub key: Option<String>,
    /// The bucket's owner account (`None`: no bucket, or it does not exist yet).
    pub bucket_owner: Option<String>,
    pub copy_source: Option<CopySourceFacts>,
    /// Request headers, names lower-cased.
    pub headers: HashMap<String, String>,
    /// Query parameters, decoded.
    pub query: HashMap<String, String>,
    pub source_ip: Option<IpAddr>,
    pub secure_transport: bool,
    /// `None` for an anonymous request.
    pub auth_type: Option<AuthType>,
    /// The bucket's policy, BPA, ownership and ACL (`None`: no bucket, or not yet).
    pub bucket_access: Option<Arc<BucketAccess>>,
    /// For requests on a multipart upload: the upload's encryption (`AES256`,
    /// `aws:kms`) and KMS key, standing in for the headers only its creation carried.
    pub upload_sse: Option<(String, Option<String>)>,
    /// The tags of the object the request acts on (`s3:ExistingObjectTag/*`), read only
    /// when a policy in play names that key.
    pub existing_object_tags: Option<std::collections::BTreeMap<String, String>>,
    /// The canned ACL of the object the request reads, when the bucket has ACLs enabled.
    pub object_acl: Option<CannedAcl>,
}

impl S3Facts {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// The outcome, with what to tell the log when denied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Denied; the action and resource that were refused.
    Deny {
        action: String,
        resource: String,
    },
}

fn principal_ref<'a>(
    caller: Option<&'a Caller>,
    arn: &'a str,
    role_arn: Option<&'a str>,
    canonical: Option<&'a str>,
) -> PrincipalRef<'a> {
    match caller {
        None => PrincipalRef::anonymous(),
        Some(c) => PrincipalRef {
            account_id: c.account_id(),
            arn,
            role_arn,
            canonical_id: canonical,
            anonymous: false,
        },
    }
}

/// ISO 8601 in UTC, as date condition keys are written.
fn iso(unix_seconds: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// Condition keys every request has (the `aws:` global keys of the caller).
pub(crate) fn global_keys(caller: Option<&Caller>, source_ip: Option<IpAddr>, secure: bool) -> ConditionKeys {
    let mut keys = ConditionKeys::new();
    let now = time::OffsetDateTime::now_utc();
    keys.insert("aws:CurrentTime", iso(now.unix_timestamp()));
    keys.insert("aws:EpochTime", now.unix_timestamp().to_string());
    keys.insert("aws:SecureTransport", if secure { "true" } else { "false" });
    if let Some(ip) = source_ip {
        keys.insert("aws:SourceIp", ip.to_string());
    }
    if let Some(c) = caller {
        keys.insert("aws:PrincipalAccount", c.account_id());
        keys.insert("aws:userid", c.user_id());
        match &c.principal {
            Principal::Root { .. } => {
                keys.insert("aws:PrincipalArn", c.arn());
                keys.insert("aws:PrincipalType", "Account");
            }
            // A session is known by its role's ARN.
            Principal::Session(s) => {
                keys.insert("aws:PrincipalArn", s.role_arn());
                keys.insert("aws:PrincipalType", "AssumedRole");
                keys.insert("aws:TokenIssueTime", iso(s.claims.issued));
                for t in s.role.iter().flat_map(|r| &r.tags) {
                    keys.insert(&format!("aws:PrincipalTag/{}", t.key), t.value.as_str());
                }
            }
            Principal::User(u) => {
                keys.insert("aws:PrincipalArn", c.arn());
                keys.insert("aws:PrincipalType", "User");
                keys.insert("aws:username", u.name.as_str());
                for t in &u.tags {
                    keys.insert(&format!("aws:PrincipalTag/{}", t.key), t.value.as_str());
                }
            }
        }
    }
    keys
}

/// The `s3:` condition keys a request carries.
fn s3_keys(keys: &mut ConditionKeys, facts: &S3Facts) {
    for (param, key) in [
        ("prefix", "s3:prefix"),
        ("delimiter", "s3:delimiter"),
        ("max-keys", "s3:max-keys"),
        ("versionId", "s3:VersionId"),
    ] {
        if let Some(v) = facts.query.get(param) {
            keys.insert(key, v.as_str());
        }
    }
    for header in [
        "x-amz-acl",
        "x-amz-grant-read",
        "x-amz-grant-write",
        "x-amz-grant-read-acp",
        "x-amz-grant-write-acp",
        "x-amz-grant-full-control",
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-copy-source",
        "x-amz-metadata-directive",
        "x-amz-storage-class",
        "x-amz-content-sha256",
        "x-amz-object-lock-mode",
        "x-amz-object-lock-retain-until-date",
        "x-amz-object-lock-legal-hold",
    ] {
        if let Some(v) = facts.header(header) {
            keys.insert(&format!("s3:{header}"), v);
        }
    }
    if let Some((algorithm, kms_key)) = &facts.upload_sse
        && facts.header("x-amz-server-side-encryption").is_none()
    {
        keys.insert("s3:x-amz-server-side-encryption", algorithm.as_str());
        if let Some(k) = kms_key {
            keys.insert("s3:x-amz-server-side-encryption-aws-kms-key-id", k.as_str());
        }
    }
    if let Some(tagging) = facts.header("x-amz-tagging") {
        for (k, v) in form_urlencoded::parse(tagging.as_bytes()) {
            keys.insert(&format!("s3:RequestObjectTag/{k}"), v.as_ref());
            keys.insert("s3:RequestObjectTagKeys", k.as_ref());
            keys.insert(&format!("aws:RequestTag/{k}"), v.as_ref());
            keys.insert("aws:TagKeys", k.as_ref());
        }
    }
    for (k, v) in facts.existing_object_tags.iter().flatten() {
        keys.insert(&format!("s3:ExistingObjectTag/{k}"), v.as_str());
    }
    if let Some(owner) = &facts.bucket_owner {
        keys.insert("s3:ResourceAccount", owner.as_str());
    }
    match facts.auth_type {
        Some(AuthType::Header) => keys.insert("s3:authType", "REST-HEADER"),
        Some(AuthType::Query) => keys.insert("s3:authType", "REST-QUERY-STRING"),
        Some(AuthType::Post) => keys.insert("s3:authType", "POST"),
        None => {}
    }
    if facts.auth_type.is_some() {
        keys.insert("s3:signatureversion", "AWS4-HMAC-SHA256");
    }
    if let Some(ua) = facts.header("user-agent") {
        keys.insert("aws:UserAgent", ua);
    }
    if let Some(referer) = facts.header("referer") {
        keys.insert("aws:Referer", referer);
    }
}

/// One decision for `caller` on (`action`, `resource`) owned by `resource_account`,
/// with the bucket's policy and ACL (`access`) as the resource side.
#[allow(clippy::too_many_arguments)]
fn decide_one(
    snap: &Snapshot,
    caller: Option<&Caller>,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
    access: Option<&BucketAccess>,
    object_acl: Option<CannedAcl>,
    keys: &ConditionKeys,
) -> Decision {
    let arn = caller.map(Caller::arn).unwrap_or_default();
    let role_arn = caller
        .and_then(Caller::session)
        .map(crate::snapshot::Session::role_arn);
    let canonical = caller
        .and_then(|c| snap.account(c.account_id()))
        .map(|a| a.canonical_id.clone());
    let request = RequestContext {
        action,
        resource,
        principal: principal_ref(caller, &arn, role_arn.as_deref(), canonical.as_deref()),
        keys,
    };
    let session = caller.and_then(Caller::session).and_then(|s| s.policy.as_deref());
    let identity: Vec<&Policy> = caller
        .map(|c| snap.identity_policies(c).iter().map(Arc::as_ref).collect())
        .unwrap_or_default();
    // Step 2: under RestrictPublicBuckets a public policy reaches only the owner's account.
    let restricted;
    let resource_policy = match access {
        Some(a) => match &a.policy {
            Some(p) if a.public_access_block.restrict_public_buckets && p.is_public() => {
                restricted = p.restricted_to_account(&a.owner);
                Some(&restricted)
            }
            Some(p) => Some(p.as_ref()),
            None => None,
        },
        None => None,
    };
    let acl_allows = access.is_some_and(|a| {
        a.acl_allows(action, caller.is_some()) || a.object_acl_allows(object_acl, action, caller.is_some())
    });
    decide(&DecisionInput {
        request: &request,
        is_root: caller.is_some_and(Caller::is_root),
        resource_account,
        identity: &identity,
        session,
        resource_policy,
        acl_allows,
    })
}

/// Whether a request carries a public ACL (a public canned ACL, or a grant to AllUsers
/// or AuthenticatedUsers): what BlockPublicAcls refuses.
fn carries_public_acl(facts: &S3Facts) -> bool {
    let canned = facts
        .header("x-amz-acl")
        .and_then(CannedAcl::parse)
        .is_some_and(CannedAcl::is_public);
    let grants = facts.headers.iter().any(|(k, v)| {
        k.starts_with("x-amz-grant-")
            && (v.contains("acs.amazonaws.com/groups/global/AllUsers") || v.contains("AuthenticatedUsers"))
    });
    canned || grants
}

impl Iam {
    /// Whether `caller` (`None`: anonymous) may make the S3 request `facts` describes:
    /// every action the operation needs, on its resource, must be allowed. DeleteObjects'
    /// per-key action is left to [`Iam::authorize_s3_action`], once the keys are known.
    #[must_use]
    pub fn authorize_s3(&self, caller: Option<&Caller>, facts: &S3Facts) -> Verdict {
        let Some(spec) = s3_actions::operation(&facts.operation) else {
            tracing::warn!(operation = %facts.operation, "an S3 operation missing from the action table is denied");
            return Verdict::Deny {
                action: facts.operation.clone(),
                resource: String::new(),
            };
        };
        // BlockPublicAcls refuses a public ACL outright, whoever asks.
        if facts
            .bucket_access
            .as_ref()
            .is_some_and(|a| a.public_access_block.block_public_acls)
            && matches!(
                spec.operation,
                "PutObject"
                    | "PutBucketAcl"
                    | "PutObjectAcl"
                    | "CopyObject"
                    | "CreateMultipartUpload"
                    | "PostObject"
            )
            && carries_public_acl(facts)
        {
            return Verdict::Deny {
                action: "s3:PutObjectAcl".to_owned(),
                resource: "(a public ACL, blocked by BlockPublicAcls)".to_owned(),
            };
        }
        // CreateBucket is an account-level permission: the bucket has no owner yet, and an
        // existing one is the operation's to report.
        let own_account = |owner: Option<&String>| {
            spec.operation == "CreateBucket"
                || owner.is_none_or(|o| caller.is_some_and(|c| c.account_id() == o))
        };
        let no_policy = |access: Option<&Arc<BucketAccess>>| access.is_none_or(|a| a.policy.is_none());
        if caller.is_some_and(Caller::is_root)
            && own_account(facts.bucket_owner.as_ref())
            && no_policy(facts.bucket_access.as_ref())
            && facts
                .copy_source
                .as_ref()
                .is_none_or(|s| own_account(s.owner.as_ref()) && no_policy(s.access.as_ref()))
        {
            return Verdict::Allow;
        }
        let snap = self.snapshot();
        let mut keys = global_keys(caller, facts.source_ip, facts.secure_transport);
        s3_keys(&mut keys, facts);
        let extra = spec.extra_actions(|h| facts.header(h));
        for action_spec in spec.actions.iter().chain(extra.iter()) {
            // DeleteObjects names its keys in the body: each is authorized by the
            // operation. Anonymous and other accounts' callers need a grant on the
            // bucket's side, which (until bucket policies) cannot exist: refuse them here.
            if spec.per_key && action_spec.resource == ResourceKind::Object {
                let grants_possible = facts
                    .bucket_access
                    .as_ref()
                    .is_some_and(|a| a.policy.is_some() || a.acl_allows("s3:DeleteObject", caller.is_some()));
                if !grants_possible
                    && caller.is_none_or(|c| facts.bucket_owner.as_deref() != Some(c.account_id()))
                {
                    return Verdict::Deny {
                        action: action_spec.action.to_owned(),
                        resource: s3_actions::resource_arn(
                            ResourceKind::Bucket,
                            facts.bucket.as_deref(),
                            None,
                        )
                        .unwrap_or_default(),
                    };
                }
                continue;
            }
            let (bucket, key, versioned, owner, access) = match action_spec.resource {
                ResourceKind::CopySource => match &facts.copy_source {
                    Some(s) => (
                        Some(s.bucket.as_str()),
                        Some(s.key.as_str()),
                        s.version_id.is_some(),
                        s.owner.as_deref(),
                        s.access.as_deref(),
                    ),
                    None => continue,
                },
                _ => (
                    facts.bucket.as_deref(),
                    facts.key.as_deref(),
                    facts.query.contains_key("versionId"),
                    facts.bucket_owner.as_deref(),
                    facts.bucket_access.as_deref(),
                ),
            };
            let action = action_spec.action_for(versioned);
            let Some(resource) = s3_actions::resource_arn(action_spec.resource, bucket, key) else {
                return Verdict::Deny {
                    action: action.to_owned(),
                    resource: String::new(),
                };
            };
            let (resource_account, access) = if spec.operation == "CreateBucket" {
                (None, None)
            } else {
                (owner, access)
            };
            // The object's own ACL speaks for the object the request names, not a copy source.
            let object_acl = if action_spec.resource == ResourceKind::Object {
                facts.object_acl
            } else {
                None
            };
            if decide_one(
                &snap,
                caller,
                action,
                &resource,
                resource_account,
                access,
                object_acl,
                &keys,
            ) != Decision::Allow
            {
                return Verdict::Deny {
                    action: action.to_owned(),
                    resource,
                };
            }
        }
        Verdict::Allow
    }

    /// One action on one object of the request's bucket (DeleteObjects, per key).
    #[must_use]
    pub fn authorize_s3_action(
        &self,
        caller: Option<&Caller>,
        facts: &S3Facts,
        action: &str,
        key: &str,
    ) -> bool {
        let owner = facts.bucket_owner.as_deref();
        let access = facts.bucket_access.as_deref();
        if caller.is_some_and(|c| c.is_root() && owner.is_none_or(|o| o == c.account_id()))
            && access.is_none_or(|a| a.policy.is_none())
        {
            return true;
        }
        let Some(bucket) = facts.bucket.as_deref() else {
            return false;
        };
        let snap = self.snapshot();
        let mut keys = global_keys(caller, facts.source_ip, facts.secure_transport);
        s3_keys(&mut keys, facts);
        let resource = format!("arn:aws:s3:::{bucket}/{key}");
        decide_one(&snap, caller, action, &resource, owner, access, None, &keys) == Decision::Allow
    }

    /// IAM's AccessDenied for `caller` performing `action` (`iam:CreateUser`) on
    /// `resource`, or `None` when it is allowed. IAM has no resource policies: the
    /// caller's identity policies decide (a root may do anything in its account).
    #[must_use]
    pub fn iam_access_denied(
        &self,
        caller: &Caller,
        action: &str,
        resource: &str,
        source_ip: Option<IpAddr>,
        secure_transport: bool,
        request_tags: &[coffer_meta::IamTag],
    ) -> Option<IamError> {
        if caller.is_root() {
            return None;
        }
        let snap = self.snapshot();
        let mut keys = global_keys(Some(caller), source_ip, secure_transport);
        for t in request_tags {
            keys.insert(&format!("aws:RequestTag/{}", t.key), t.value.as_str());
            keys.insert("aws:TagKeys", t.key.as_str());
        }
        if decide_one(&snap, Some(caller), action, resource, None, None, None, &keys) == Decision::Allow {
            return None;
        }
        Some(IamError::AccessDenied(format!(
            "User: {} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
            caller.arn()
        )))
    }
}
