//! The one table from an S3 API operation (AWS's operation name, as s3s's
//! `S3Operation::name()` reports it) to the IAM action(s) the request needs and the
//! resource each is evaluated on.
//!
//! Sources, in the order they were trusted:
//! 1. each API reference page's "Permissions" section
//!    (`https://docs.aws.amazon.com/AmazonS3/latest/API/API_<Operation>.html`; the same
//!    text ships as the doc comments of `aws-sdk-s3`'s operation builders);
//! 2. the S3 User Guide, "Required permissions for Amazon S3 API operations"
//!    (`https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html`)
//!    and "Multipart upload API and permissions"
//!    (`https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions`);
//! 3. the Service Authorization Reference, "Actions defined by Amazon S3"
//!    (`https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html`)
//!    for the action names and their resource types.
//!
//! Where they disagree or say nothing, the entry's comment says what was chosen.
//!
//! How a caller uses an entry:
//! - every [`ActionSpec`] in [`OperationSpec::actions`] is evaluated (all must be
//!   allowed), on the resource [`resource_arn`] gives for its [`ResourceKind`];
//! - an action whose [`ActionSpec::versioned_action`] is set is replaced by that action
//!   when the request names a version: the `versionId` query parameter for
//!   [`ResourceKind::Object`], the `?versionId=` of `x-amz-copy-source` for
//!   [`ResourceKind::CopySource`], a key's `<VersionId>` for per-key evaluation;
//! - [`OperationSpec::extra_when_header`] lists further actions needed only when a
//!   request header is present (or has a given value); header names are lower-case.
//!   POST Object carries these as form fields: the caller maps the field to the header
//!   of the same meaning (`acl` to `x-amz-acl`, `tagging` to `x-amz-tagging`, ...);
//! - [`OperationSpec::per_key`] (DeleteObjects): the actions are evaluated once per key
//!   of the request body, on that key's object ARN, and the keys that are denied fail
//!   individually (AWS answers `AccessDenied` per key inside a 200 response).

/// What a required action is evaluated on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// No resource-level permission: the resource is `*` (ListBuckets).
    None,
    /// The bucket of the request: `arn:aws:s3:::BUCKET`.
    Bucket,
    /// The object of the request: `arn:aws:s3:::BUCKET/KEY`.
    Object,
    /// The object named by `x-amz-copy-source` (CopyObject, UploadPartCopy):
    /// `arn:aws:s3:::SOURCE-BUCKET/SOURCE-KEY`.
    CopySource,
}

/// One action a request needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionSpec {
    /// The IAM action, as the Service Authorization Reference spells it (`s3:GetObject`).
    pub action: &'static str,
    /// What it is evaluated on.
    pub resource: ResourceKind,
    /// The action used instead when the request names a version (see the module docs).
    pub versioned_action: Option<&'static str>,
}

impl ActionSpec {
    /// The action to evaluate: [`Self::versioned_action`] when `versioned` and there is
    /// one, [`Self::action`] otherwise.
    #[must_use]
    pub const fn action_for(&self, versioned: bool) -> &'static str {
        match (versioned, self.versioned_action) {
            (true, Some(action)) => action,
            _ => self.action,
        }
    }
}

/// When a [`ConditionalAction`] applies, by the value of its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderMatch {
    /// The header is present, whatever its value.
    Present,
    /// The header is present and equals this value (ASCII case-insensitive).
    Equals(&'static str),
    /// The header is present and does not equal this value (ASCII case-insensitive).
    NotEquals(&'static str),
}

/// A further action a request needs when it carries a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConditionalAction {
    /// The header, lower-case (`x-amz-tagging`).
    pub header: &'static str,
    /// Which values of it require the action.
    pub when: HeaderMatch,
    /// The action.
    pub action: ActionSpec,
}

impl ConditionalAction {
    /// Whether the action is needed, given the header's value (`None`: absent).
    #[must_use]
    pub fn applies(&self, value: Option<&str>) -> bool {
        match (value, self.when) {
            (None, _) => false,
            (Some(_), HeaderMatch::Present) => true,
            (Some(value), HeaderMatch::Equals(expected)) => value.trim().eq_ignore_ascii_case(expected),
            (Some(value), HeaderMatch::NotEquals(expected)) => !value.trim().eq_ignore_ascii_case(expected),
        }
    }
}

/// What one S3 operation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationSpec {
    /// AWS's operation name, as `S3Operation::name()` reports it (`ListObjectsV2`).
    pub operation: &'static str,
    /// The actions every such request needs (all of them).
    pub actions: &'static [ActionSpec],
    /// The actions are evaluated per key of the body (DeleteObjects), not once.
    pub per_key: bool,
    /// Actions needed only when the request carries a header.
    pub extra_when_header: &'static [ConditionalAction],
}

impl OperationSpec {
    /// The conditional actions that apply to a request, given a header lookup
    /// (lower-case name to value), each action at most once.
    pub fn extra_actions<'h>(&self, header: impl Fn(&str) -> Option<&'h str>) -> Vec<ActionSpec> {
        let mut out: Vec<ActionSpec> = Vec::new();
        for extra in self.extra_when_header {
            if extra.applies(header(extra.header)) && !out.contains(&extra.action) {
                out.push(extra.action);
            }
        }
        out
    }
}

/// The entry of operation `name` (exact, case-sensitive), `None` if there is none (deny).
#[must_use]
pub fn operation(name: &str) -> Option<&'static OperationSpec> {
    OPERATIONS
        .binary_search_by(|spec| spec.operation.cmp(name))
        .ok()
        .and_then(|index| OPERATIONS.get(index))
}

/// Every entry, sorted by operation name.
#[must_use]
pub fn all() -> &'static [OperationSpec] {
    OPERATIONS
}

/// The resource ARN a [`ResourceKind`] names: `*`, `arn:aws:s3:::BUCKET` or
/// `arn:aws:s3:::BUCKET/KEY` (the key verbatim, not percent-encoded, as AWS matches it).
/// For [`ResourceKind::CopySource`] pass the copy source's bucket and key.
///
/// `None` when the kind needs a bucket (or key) the request does not have; the caller
/// must deny rather than evaluate on some other resource.
#[must_use]
pub fn resource_arn(kind: ResourceKind, bucket: Option<&str>, key: Option<&str>) -> Option<String> {
    match kind {
        ResourceKind::None => Some("*".to_owned()),
        ResourceKind::Bucket => bucket
            .filter(|b| !b.is_empty())
            .map(|b| format!("arn:aws:s3:::{b}")),
        ResourceKind::Object | ResourceKind::CopySource => match (bucket, key) {
            (Some(b), Some(k)) if !b.is_empty() && !k.is_empty() => Some(format!("arn:aws:s3:::{b}/{k}")),
            _ => None,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Builders (const, so the table is a plain static).

const fn on(action: &'static str, resource: ResourceKind) -> ActionSpec {
    ActionSpec {
        action,
        resource,
        versioned_action: None,
    }
}

const fn bucket(action: &'static str) -> ActionSpec {
    on(action, ResourceKind::Bucket)
}

const fn object(action: &'static str) -> ActionSpec {
    on(action, ResourceKind::Object)
}

const fn object_v(action: &'static str, versioned: &'static str) -> ActionSpec {
    ActionSpec {
        action,
        resource: ResourceKind::Object,
        versioned_action: Some(versioned),
    }
}

const fn source_v(action: &'static str, versioned: &'static str) -> ActionSpec {
    ActionSpec {
        action,
        resource: ResourceKind::CopySource,
        versioned_action: Some(versioned),
    }
}

const fn when(header: &'static str, when: HeaderMatch, action: ActionSpec) -> ConditionalAction {
    ConditionalAction { header, when, action }
}

const fn op(operation: &'static str, actions: &'static [ActionSpec]) -> OperationSpec {
    OperationSpec {
        operation,
        actions,
        per_key: false,
        extra_when_header: &[],
    }
}

const fn op_if(
    operation: &'static str,
    actions: &'static [ActionSpec],
    extra_when_header: &'static [ConditionalAction],
) -> OperationSpec {
    OperationSpec {
        operation,
        actions,
        per_key: false,
        extra_when_header,
    }
}

// ---------------------------------------------------------------------------------------
// Shared conditional lists.

/// Headers that write an object and what they additionally need (PutObject, PostObject,
/// CopyObject, CreateMultipartUpload).
///
/// - ACL headers: `s3:PutObjectAcl` (API_PutObject "Permissions": "To successfully change
///   the objects ACL of your PutObject request, you must have the s3:PutObjectAcl").
///   Any ACL header counts, `x-amz-acl: private` and `bucket-owner-full-control`
///   included: the page does not single out a canned ACL (unlike CreateBucket's, which
///   exempts `private`), and AWS denies `--acl ...` uploads without `s3:PutObjectAcl`.
/// - `x-amz-tagging`: `s3:PutObjectTagging` (same section).
/// - Object Lock headers: `s3:PutObjectRetention` / `s3:PutObjectLegalHold`. The API
///   reference is silent here (the Service Authorization Reference lists the lock
///   condition keys on `s3:PutObject`); chosen as AWS's Object Lock guide describes the
///   two actions as what places retention and legal holds, and as MinIO enforces.
///   Failing closed: a policy that grants only `s3:PutObject` cannot lock objects.
const OBJECT_WRITE_EXTRAS: &[ConditionalAction] = &[
    when("x-amz-acl", HeaderMatch::Present, object("s3:PutObjectAcl")),
    when(
        "x-amz-grant-full-control",
        HeaderMatch::Present,
        object("s3:PutObjectAcl"),
    ),
    when(
        "x-amz-grant-read",
        HeaderMatch::Present,
        object("s3:PutObjectAcl"),
    ),
    when(
        "x-amz-grant-read-acp",
        HeaderMatch::Present,
        object("s3:PutObjectAcl"),
    ),
    when(
        "x-amz-grant-write-acp",
        HeaderMatch::Present,
        object("s3:PutObjectAcl"),
    ),
    when(
        "x-amz-tagging",
        HeaderMatch::Present,
        object("s3:PutObjectTagging"),
    ),
    when(
        "x-amz-object-lock-mode",
        HeaderMatch::Present,
        object("s3:PutObjectRetention"),
    ),
    when(
        "x-amz-object-lock-retain-until-date",
        HeaderMatch::Present,
        object("s3:PutObjectRetention"),
    ),
    when(
        "x-amz-object-lock-legal-hold",
        HeaderMatch::Present,
        object("s3:PutObjectLegalHold"),
    ),
];

/// `x-amz-bypass-governance-retention: true` needs `s3:BypassGovernanceRetention` on the
/// object (API_DeleteObject, API_DeleteObjects, API_PutObjectRetention: "To use this
/// header, you must have the s3:BypassGovernanceRetention permission").
const BYPASS_GOVERNANCE: &[ConditionalAction] = &[when(
    "x-amz-bypass-governance-retention",
    HeaderMatch::Equals("true"),
    object("s3:BypassGovernanceRetention"),
)];

/// CreateBucket (API_CreateBucket "Permissions"): "if you specify an access control
/// list (ACL) and set it to public-read, public-read-write, authenticated-read, or if you
/// explicitly specify any other custom ACLs, both s3:CreateBucket and s3:PutBucketAcl
/// permissions are required ... if you set the ACL to private, or if you don't specify
/// any ACLs, only the s3:CreateBucket permission is required"; "if you set
/// x-amz-bucket-object-lock-enabled to true, the s3:PutBucketObjectLockConfiguration and
/// s3:PutBucketVersioning permissions are required"; "If your CreateBucket request
/// includes the x-amz-object-ownership header, then the s3:PutBucketOwnershipControls
/// permission is required".
const CREATE_BUCKET_EXTRAS: &[ConditionalAction] = &[
    when(
        "x-amz-acl",
        HeaderMatch::NotEquals("private"),
        bucket("s3:PutBucketAcl"),
    ),
    when(
        "x-amz-grant-full-control",
        HeaderMatch::Present,
        bucket("s3:PutBucketAcl"),
    ),
    when(
        "x-amz-grant-read",
        HeaderMatch::Present,
        bucket("s3:PutBucketAcl"),
    ),
    when(
        "x-amz-grant-read-acp",
        HeaderMatch::Present,
        bucket("s3:PutBucketAcl"),
    ),
    when(
        "x-amz-grant-write",
        HeaderMatch::Present,
        bucket("s3:PutBucketAcl"),
    ),
    when(
        "x-amz-grant-write-acp",
        HeaderMatch::Present,
        bucket("s3:PutBucketAcl"),
    ),
    when(
        "x-amz-bucket-object-lock-enabled",
        HeaderMatch::Equals("true"),
        bucket("s3:PutBucketObjectLockConfiguration"),
    ),
    when(
        "x-amz-bucket-object-lock-enabled",
        HeaderMatch::Equals("true"),
        bucket("s3:PutBucketVersioning"),
    ),
    when(
        "x-amz-object-ownership",
        HeaderMatch::Present,
        bucket("s3:PutBucketOwnershipControls"),
    ),
];

// ---------------------------------------------------------------------------------------
// The table, sorted by operation name (byte order; a test checks it).

static OPERATIONS: &[OperationSpec] = &[
    // Multipart upload and permissions (mpuoverview): abort needs s3:AbortMultipartUpload.
    op("AbortMultipartUpload", &[object("s3:AbortMultipartUpload")]),
    // Multipart upload and permissions: "s3:PutObject" to complete.
    op("CompleteMultipartUpload", &[object("s3:PutObject")]),
    // API_CopyObject: "s3:GetObject permission to read the source object", "s3:PutObject
    // permission to write the object copy to the destination bucket"; a versioned source
    // (`x-amz-copy-source: /b/k?versionId=v`) needs s3:GetObjectVersion instead
    // (API_GetObject: with a versionId "s3:GetObject permission is not required").
    // Not in the table, as it depends on the stored source: with the default
    // `x-amz-tagging-directive: COPY` a source that has tags carries them to the copy;
    // AWS does not document a tagging permission for that (API_CopyObject names only the
    // two above), so none is required here. `x-amz-tagging` (with REPLACE) is a tagging
    // write and needs s3:PutObjectTagging like PutObject's.
    op_if(
        "CopyObject",
        &[
            object("s3:PutObject"),
            source_v("s3:GetObject", "s3:GetObjectVersion"),
        ],
        OBJECT_WRITE_EXTRAS,
    ),
    // Resource: the new bucket's ARN (Service Authorization Reference: CreateBucket,
    // resource type bucket*).
    op_if("CreateBucket", &[bucket("s3:CreateBucket")], CREATE_BUCKET_EXTRAS),
    // API_CreateBucketMetadataTableConfiguration: s3:CreateBucketMetadataTableConfiguration
    // (it also needs s3tables:CreateNamespace/CreateTable/GetTable/PutTablePolicy on the
    // table bucket, a resource Coffer has not).
    op(
        "CreateBucketMetadataTableConfiguration",
        &[bucket("s3:CreateBucketMetadataTableConfiguration")],
    ),
    // Multipart upload and permissions: "s3:PutObject" to initiate. The write headers are
    // those of the object it creates, so they need what PutObject's need.
    op_if(
        "CreateMultipartUpload",
        &[object("s3:PutObject")],
        OBJECT_WRITE_EXTRAS,
    ),
    // Directory buckets only (API_CreateSession): s3express:CreateSession, not an s3:
    // action, so no s3 policy grants it.
    op("CreateSession", &[bucket("s3express:CreateSession")]),
    op("DeleteBucket", &[bucket("s3:DeleteBucket")]),
    op(
        "DeleteBucketAnalyticsConfiguration",
        &[bucket("s3:PutAnalyticsConfiguration")],
    ),
    op("DeleteBucketCors", &[bucket("s3:PutBucketCORS")]),
    op(
        "DeleteBucketEncryption",
        &[bucket("s3:PutEncryptionConfiguration")],
    ),
    // The API page names no permission; the User Guide table and the Put/Get pair give
    // s3:PutIntelligentTieringConfiguration (no Delete action exists).
    op(
        "DeleteBucketIntelligentTieringConfiguration",
        &[bucket("s3:PutIntelligentTieringConfiguration")],
    ),
    op(
        "DeleteBucketInventoryConfiguration",
        &[bucket("s3:PutInventoryConfiguration")],
    ),
    op("DeleteBucketLifecycle", &[bucket("s3:PutLifecycleConfiguration")]),
    op(
        "DeleteBucketMetadataTableConfiguration",
        &[bucket("s3:DeleteBucketMetadataTableConfiguration")],
    ),
    op(
        "DeleteBucketMetricsConfiguration",
        &[bucket("s3:PutMetricsConfiguration")],
    ),
    op(
        "DeleteBucketOwnershipControls",
        &[bucket("s3:PutBucketOwnershipControls")],
    ),
    op("DeleteBucketPolicy", &[bucket("s3:DeleteBucketPolicy")]),
    op(
        "DeleteBucketReplication",
        &[bucket("s3:PutReplicationConfiguration")],
    ),
    op("DeleteBucketTagging", &[bucket("s3:PutBucketTagging")]),
    op("DeleteBucketWebsite", &[bucket("s3:DeleteBucketWebsite")]),
    // API_DeleteObject: "s3:DeleteObject - To delete an object from a bucket, you must
    // always have the s3:DeleteObject permission. s3:DeleteObjectVersion - To delete a
    // specific version ...". Read as GetObject's rule (the version action replaces the
    // plain one), which is the User Guide table's "DeleteObject (with a versionId
    // specified): s3:DeleteObjectVersion" row; a deny meant to cover both must name both,
    // as API_DeleteObject itself advises.
    op_if(
        "DeleteObject",
        &[object_v("s3:DeleteObject", "s3:DeleteObjectVersion")],
        BYPASS_GOVERNANCE,
    ),
    op(
        "DeleteObjectTagging",
        &[object_v(
            "s3:DeleteObjectTagging",
            "s3:DeleteObjectVersionTagging",
        )],
    ),
    // API_DeleteObjects: the same actions as DeleteObject, per key (each <Object>'s
    // <VersionId> selects the versioned action for that key).
    OperationSpec {
        operation: "DeleteObjects",
        actions: &[object_v("s3:DeleteObject", "s3:DeleteObjectVersion")],
        per_key: true,
        extra_when_header: BYPASS_GOVERNANCE,
    },
    op(
        "DeletePublicAccessBlock",
        &[bucket("s3:PutBucketPublicAccessBlock")],
    ),
    op(
        "GetBucketAccelerateConfiguration",
        &[bucket("s3:GetAccelerateConfiguration")],
    ),
    op("GetBucketAcl", &[bucket("s3:GetBucketAcl")]),
    op(
        "GetBucketAnalyticsConfiguration",
        &[bucket("s3:GetAnalyticsConfiguration")],
    ),
    op("GetBucketCors", &[bucket("s3:GetBucketCORS")]),
    op("GetBucketEncryption", &[bucket("s3:GetEncryptionConfiguration")]),
    op(
        "GetBucketIntelligentTieringConfiguration",
        &[bucket("s3:GetIntelligentTieringConfiguration")],
    ),
    op(
        "GetBucketInventoryConfiguration",
        &[bucket("s3:GetInventoryConfiguration")],
    ),
    op(
        "GetBucketLifecycleConfiguration",
        &[bucket("s3:GetLifecycleConfiguration")],
    ),
    // On the bucket (Service Authorization Reference: resource type bucket*), although
    // the old "Amazon S3 actions" example grants it on "*" next to ListAllMyBuckets.
    op("GetBucketLocation", &[bucket("s3:GetBucketLocation")]),
    op("GetBucketLogging", &[bucket("s3:GetBucketLogging")]),
    op(
        "GetBucketMetadataTableConfiguration",
        &[bucket("s3:GetBucketMetadataTableConfiguration")],
    ),
    op(
        "GetBucketMetricsConfiguration",
        &[bucket("s3:GetMetricsConfiguration")],
    ),
    op(
        "GetBucketNotificationConfiguration",
        &[bucket("s3:GetBucketNotification")],
    ),
    op(
        "GetBucketOwnershipControls",
        &[bucket("s3:GetBucketOwnershipControls")],
    ),
    op("GetBucketPolicy", &[bucket("s3:GetBucketPolicy")]),
    op("GetBucketPolicyStatus", &[bucket("s3:GetBucketPolicyStatus")]),
    op(
        "GetBucketReplication",
        &[bucket("s3:GetReplicationConfiguration")],
    ),
    op("GetBucketRequestPayment", &[bucket("s3:GetBucketRequestPayment")]),
    op("GetBucketTagging", &[bucket("s3:GetBucketTagging")]),
    op("GetBucketVersioning", &[bucket("s3:GetBucketVersioning")]),
    op("GetBucketWebsite", &[bucket("s3:GetBucketWebsite")]),
    // API_GetObject: with a versionId "you must have the s3:GetObjectVersion permission
    // ... The s3:GetObject permission is not required in this scenario". The
    // x-amz-object-lock-* response headers are only returned to a caller that also has
    // s3:GetObjectRetention / s3:GetObjectLegalHold: a response filter, not a
    // requirement, so not here. (A missing key answers 404 only with s3:ListBucket on the
    // bucket, else 403: also the caller's business.)
    op("GetObject", &[object_v("s3:GetObject", "s3:GetObjectVersion")]),
    op(
        "GetObjectAcl",
        &[object_v("s3:GetObjectAcl", "s3:GetObjectVersionAcl")],
    ),
    // API_GetObjectAttributes: "If you pass a version ID in your request, you need both
    // the s3:GetObjectVersion and s3:GetObjectVersionAttributes permissions. If you do not
    // pass a version ID in your request, you need the s3:GetObject and
    // s3:GetObjectAttributes permissions." (The User Guide table lists only the
    // *Attributes action; the API page is the stricter and is followed.)
    op(
        "GetObjectAttributes",
        &[
            object_v("s3:GetObject", "s3:GetObjectVersion"),
            object_v("s3:GetObjectAttributes", "s3:GetObjectVersionAttributes"),
        ],
    ),
    // No version variant of the Object Lock read actions exists.
    op("GetObjectLegalHold", &[object("s3:GetObjectLegalHold")]),
    op(
        "GetObjectLockConfiguration",
        &[bucket("s3:GetBucketObjectLockConfiguration")],
    ),
    op("GetObjectRetention", &[object("s3:GetObjectRetention")]),
    op(
        "GetObjectTagging",
        &[object_v("s3:GetObjectTagging", "s3:GetObjectVersionTagging")],
    ),
    op(
        "GetObjectTorrent",
        &[object_v("s3:GetObjectTorrent", "s3:GetObjectVersionTorrent")],
    ),
    op("GetPublicAccessBlock", &[bucket("s3:GetBucketPublicAccessBlock")]),
    // API_HeadBucket: "you must have permissions to perform the s3:ListBucket action".
    op("HeadBucket", &[bucket("s3:ListBucket")]),
    // API_HeadObject: "you must have the s3:GetObject permission. You need the relevant
    // read object (or version) permission".
    op("HeadObject", &[object_v("s3:GetObject", "s3:GetObjectVersion")]),
    op(
        "ListBucketAnalyticsConfigurations",
        &[bucket("s3:GetAnalyticsConfiguration")],
    ),
    op(
        "ListBucketIntelligentTieringConfigurations",
        &[bucket("s3:GetIntelligentTieringConfiguration")],
    ),
    op(
        "ListBucketInventoryConfigurations",
        &[bucket("s3:GetInventoryConfiguration")],
    ),
    op(
        "ListBucketMetricsConfigurations",
        &[bucket("s3:GetMetricsConfiguration")],
    ),
    // API_ListBuckets: s3:ListAllMyBuckets, no resource-level permission.
    op("ListBuckets", &[on("s3:ListAllMyBuckets", ResourceKind::None)]),
    // Directory buckets only: s3express:ListAllMyDirectoryBuckets on "*".
    op(
        "ListDirectoryBuckets",
        &[on("s3express:ListAllMyDirectoryBuckets", ResourceKind::None)],
    ),
    op("ListMultipartUploads", &[bucket("s3:ListBucketMultipartUploads")]),
    op("ListObjectVersions", &[bucket("s3:ListBucketVersions")]),
    op("ListObjects", &[bucket("s3:ListBucket")]),
    op("ListObjectsV2", &[bucket("s3:ListBucket")]),
    op("ListParts", &[object("s3:ListMultipartUploadParts")]),
    // Browser-based upload (RESTObjectPOST): the same as PutObject; its form fields
    // (`acl`, `tagging`, `x-amz-object-lock-*`) are mapped to the headers by the caller.
    op_if("PostObject", &[object("s3:PutObject")], OBJECT_WRITE_EXTRAS),
    op(
        "PutBucketAccelerateConfiguration",
        &[bucket("s3:PutAccelerateConfiguration")],
    ),
    op("PutBucketAcl", &[bucket("s3:PutBucketAcl")]),
    op(
        "PutBucketAnalyticsConfiguration",
        &[bucket("s3:PutAnalyticsConfiguration")],
    ),
    op("PutBucketCors", &[bucket("s3:PutBucketCORS")]),
    op("PutBucketEncryption", &[bucket("s3:PutEncryptionConfiguration")]),
    op(
        "PutBucketIntelligentTieringConfiguration",
        &[bucket("s3:PutIntelligentTieringConfiguration")],
    ),
    op(
        "PutBucketInventoryConfiguration",
        &[bucket("s3:PutInventoryConfiguration")],
    ),
    op(
        "PutBucketLifecycleConfiguration",
        &[bucket("s3:PutLifecycleConfiguration")],
    ),
    op("PutBucketLogging", &[bucket("s3:PutBucketLogging")]),
    op(
        "PutBucketMetricsConfiguration",
        &[bucket("s3:PutMetricsConfiguration")],
    ),
    op(
        "PutBucketNotificationConfiguration",
        &[bucket("s3:PutBucketNotification")],
    ),
    op(
        "PutBucketOwnershipControls",
        &[bucket("s3:PutBucketOwnershipControls")],
    ),
    op("PutBucketPolicy", &[bucket("s3:PutBucketPolicy")]),
    // API_PutBucketReplication also needs iam:PassRole on the role the body names;
    // Coffer has no replication roles, so only the s3 action is listed.
    op(
        "PutBucketReplication",
        &[bucket("s3:PutReplicationConfiguration")],
    ),
    op("PutBucketRequestPayment", &[bucket("s3:PutBucketRequestPayment")]),
    op("PutBucketTagging", &[bucket("s3:PutBucketTagging")]),
    op("PutBucketVersioning", &[bucket("s3:PutBucketVersioning")]),
    op("PutBucketWebsite", &[bucket("s3:PutBucketWebsite")]),
    op_if("PutObject", &[object("s3:PutObject")], OBJECT_WRITE_EXTRAS),
    op(
        "PutObjectAcl",
        &[object_v("s3:PutObjectAcl", "s3:PutObjectVersionAcl")],
    ),
    op("PutObjectLegalHold", &[object("s3:PutObjectLegalHold")]),
    op(
        "PutObjectLockConfiguration",
        &[bucket("s3:PutBucketObjectLockConfiguration")],
    ),
    op_if(
        "PutObjectRetention",
        &[object("s3:PutObjectRetention")],
        BYPASS_GOVERNANCE,
    ),
    op(
        "PutObjectTagging",
        &[object_v("s3:PutObjectTagging", "s3:PutObjectVersionTagging")],
    ),
    op("PutPublicAccessBlock", &[bucket("s3:PutBucketPublicAccessBlock")]),
    op("RestoreObject", &[object("s3:RestoreObject")]),
    // API_SelectObjectContent: "You must have the s3:GetObject permission".
    op("SelectObjectContent", &[object("s3:GetObject")]),
    op("UploadPart", &[object("s3:PutObject")]),
    // API_UploadPartCopy: s3:GetObject on the source (s3:GetObjectVersion for a versioned
    // source, as CopyObject), s3:PutObject on the destination.
    op(
        "UploadPartCopy",
        &[
            object("s3:PutObject"),
            source_v("s3:GetObject", "s3:GetObjectVersion"),
        ],
    ),
    // Object Lambda only: s3-object-lambda:WriteGetObjectResponse (Service Authorization
    // Reference, "Amazon S3 Object Lambda"), not an s3: action.
    op(
        "WriteGetObjectResponse",
        &[on("s3-object-lambda:WriteGetObjectResponse", ResourceKind::None)],
    ),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Every operation name of s3s 0.14.1 (`src/ops/generated.rs`, the `fn name` of each
    /// `impl Operation`; the same 99 as the methods of the `S3` trait in `s3_trait.rs`).
    const S3S_OPERATIONS: &[&str] = &[
        "AbortMultipartUpload",
        "CompleteMultipartUpload",
        "CopyObject",
        "CreateBucket",
        "CreateBucketMetadataTableConfiguration",
        "CreateMultipartUpload",
        "CreateSession",
        "DeleteBucket",
        "DeleteBucketAnalyticsConfiguration",
        "DeleteBucketCors",
        "DeleteBucketEncryption",
        "DeleteBucketIntelligentTieringConfiguration",
        "DeleteBucketInventoryConfiguration",
        "DeleteBucketLifecycle",
        "DeleteBucketMetadataTableConfiguration",
        "DeleteBucketMetricsConfiguration",
        "DeleteBucketOwnershipControls",
        "DeleteBucketPolicy",
        "DeleteBucketReplication",
        "DeleteBucketTagging",
        "DeleteBucketWebsite",
        "DeleteObject",
        "DeleteObjectTagging",
        "DeleteObjects",
        "DeletePublicAccessBlock",
        "GetBucketAccelerateConfiguration",
        "GetBucketAcl",
        "GetBucketAnalyticsConfiguration",
        "GetBucketCors",
        "GetBucketEncryption",
        "GetBucketIntelligentTieringConfiguration",
        "GetBucketInventoryConfiguration",
        "GetBucketLifecycleConfiguration",
        "GetBucketLocation",
        "GetBucketLogging",
        "GetBucketMetadataTableConfiguration",
        "GetBucketMetricsConfiguration",
        "GetBucketNotificationConfiguration",
        "GetBucketOwnershipControls",
        "GetBucketPolicy",
        "GetBucketPolicyStatus",
        "GetBucketReplication",
        "GetBucketRequestPayment",
        "GetBucketTagging",
        "GetBucketVersioning",
        "GetBucketWebsite",
        "GetObject",
        "GetObjectAcl",
        "GetObjectAttributes",
        "GetObjectLegalHold",
        "GetObjectLockConfiguration",
        "GetObjectRetention",
        "GetObjectTagging",
        "GetObjectTorrent",
        "GetPublicAccessBlock",
        "HeadBucket",
        "HeadObject",
        "ListBucketAnalyticsConfigurations",
        "ListBucketIntelligentTieringConfigurations",
        "ListBucketInventoryConfigurations",
        "ListBucketMetricsConfigurations",
        "ListBuckets",
        "ListDirectoryBuckets",
        "ListMultipartUploads",
        "ListObjectVersions",
        "ListObjects",
        "ListObjectsV2",
        "ListParts",
        "PutBucketAccelerateConfiguration",
        "PutBucketAcl",
        "PutBucketAnalyticsConfiguration",
        "PutBucketCors",
        "PutBucketEncryption",
        "PutBucketIntelligentTieringConfiguration",
        "PutBucketInventoryConfiguration",
        "PutBucketLifecycleConfiguration",
        "PutBucketLogging",
        "PutBucketMetricsConfiguration",
        "PutBucketNotificationConfiguration",
        "PutBucketOwnershipControls",
        "PutBucketPolicy",
        "PutBucketReplication",
        "PutBucketRequestPayment",
        "PutBucketTagging",
        "PutBucketVersioning",
        "PutBucketWebsite",
        "PutObject",
        "PutObjectAcl",
        "PutObjectLegalHold",
        "PutObjectLockConfiguration",
        "PutObjectRetention",
        "PutObjectTagging",
        "PutPublicAccessBlock",
        "RestoreObject",
        "SelectObjectContent",
        "UploadPart",
        "UploadPartCopy",
        "WriteGetObjectResponse",
        "PostObject",
    ];

    /// Every action of the Service Authorization Reference, "Actions defined by Amazon
    /// S3" (service prefix `s3`), as its service reference data (`s3.json`) lists them.
    const SAR_S3_ACTIONS: &[&str] = &[
        // Read
        "s3:AllowVendedLogDeliveryForResource",
        "s3:DescribeJob",
        "s3:DescribeMultiRegionAccessPointOperation",
        "s3:GetAccelerateConfiguration",
        "s3:GetAccessGrant",
        "s3:GetAccessGrantsInstance",
        "s3:GetAccessGrantsInstanceForPrefix",
        "s3:GetAccessGrantsInstanceResourcePolicy",
        "s3:GetAccessGrantsLocation",
        "s3:GetAccessPoint",
        "s3:GetAccessPointConfigurationForObjectLambda",
        "s3:GetAccessPointForObjectLambda",
        "s3:GetAccessPointPolicy",
        "s3:GetAccessPointPolicyForObjectLambda",
        "s3:GetAccessPointPolicyStatus",
        "s3:GetAccessPointPolicyStatusForObjectLambda",
        "s3:GetAccountPublicAccessBlock",
        "s3:GetAnalyticsConfiguration",
        "s3:GetBucketAbac",
        "s3:GetBucketAcl",
        "s3:GetBucketCORS",
        "s3:GetBucketLocation",
        "s3:GetBucketLogging",
        "s3:GetBucketMetadataTableConfiguration",
        "s3:GetBucketNotification",
        "s3:GetBucketObjectLockConfiguration",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetBucketRequestPayment",
        "s3:GetBucketTagging",
        "s3:GetBucketVersioning",
        "s3:GetBucketWebsite",
        "s3:GetDataAccess",
        "s3:GetEncryptionConfiguration",
        "s3:GetIntelligentTieringConfiguration",
        "s3:GetInventoryConfiguration",
        "s3:GetJobTagging",
        "s3:GetLifecycleConfiguration",
        "s3:GetMetricsConfiguration",
        "s3:GetMultiRegionAccessPoint",
        "s3:GetMultiRegionAccessPointPolicy",
        "s3:GetMultiRegionAccessPointPolicyStatus",
        "s3:GetMultiRegionAccessPointRoutes",
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:GetObjectAnnotation",
        "s3:GetObjectAttributes",
        "s3:GetObjectLegalHold",
        "s3:GetObjectRetention",
        "s3:GetObjectTagging",
        "s3:GetObjectTorrent",
        "s3:GetObjectVersion",
        "s3:GetObjectVersionAcl",
        "s3:GetObjectVersionAnnotation",
        "s3:GetObjectVersionAnnotationForReplication",
        "s3:GetObjectVersionAttributes",
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionTagging",
        "s3:GetObjectVersionTorrent",
        "s3:GetReplicationConfiguration",
        "s3:GetStorageLensConfiguration",
        "s3:GetStorageLensConfigurationTagging",
        "s3:GetStorageLensDashboard",
        "s3:GetStorageLensGroup",
        // Write
        "s3:AbortMultipartUpload",
        "s3:CreateAccessPoint",
        "s3:CreateAccessPointForObjectLambda",
        "s3:CreateBucket",
        "s3:CreateBucketMetadataTableConfiguration",
        "s3:CreateJob",
        "s3:CreateMultiRegionAccessPoint",
        "s3:CreateStorageLensGroup",
        "s3:DeleteAccessPoint",
        "s3:DeleteAccessPointForObjectLambda",
        "s3:DeleteBucket",
        "s3:DeleteBucketMetadataTableConfiguration",
        "s3:DeleteBucketWebsite",
        "s3:DeleteMultiRegionAccessPoint",
        "s3:DeleteObject",
        "s3:DeleteObjectAnnotation",
        "s3:DeleteObjectVersion",
        "s3:DeleteObjectVersionAnnotation",
        "s3:DeleteStorageLensConfiguration",
        "s3:DeleteStorageLensGroup",
        "s3:InitiateReplication",
        "s3:PauseReplication",
        "s3:PutAccelerateConfiguration",
        "s3:PutAccessPointConfigurationForObjectLambda",
        "s3:PutAnalyticsConfiguration",
        "s3:PutBucketAbac",
        "s3:PutBucketCORS",
        "s3:PutBucketLogging",
        "s3:PutBucketNotification",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketRequestPayment",
        "s3:PutBucketVersioning",
        "s3:PutBucketWebsite",
        "s3:PutEncryptionConfiguration",
        "s3:PutIntelligentTieringConfiguration",
        "s3:PutInventoryConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutMetricsConfiguration",
        "s3:PutObject",
        "s3:PutObjectAnnotation",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
        "s3:PutObjectVersionAnnotation",
        "s3:PutReplicationConfiguration",
        "s3:PutStorageLensConfiguration",
        "s3:ReplicateDelete",
        "s3:ReplicateObject",
        "s3:ReplicateObjectAnnotation",
        "s3:RestoreObject",
        "s3:SubmitMultiRegionAccessPointRoutes",
        "s3:UpdateBucketMetadataAnnotationTableConfiguration",
        "s3:UpdateBucketMetadataInventoryTableConfiguration",
        "s3:UpdateBucketMetadataJournalTableConfiguration",
        "s3:UpdateJobPriority",
        "s3:UpdateJobStatus",
        "s3:UpdateObjectEncryption",
        "s3:UpdateStorageLensGroup",
        // List
        "s3:ListAccessGrants",
        "s3:ListAccessGrantsInstances",
        "s3:ListAccessGrantsLocations",
        "s3:ListAccessPoints",
        "s3:ListAccessPointsForObjectLambda",
        "s3:ListAllMyBuckets",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:ListBucketVersions",
        "s3:ListCallerAccessGrants",
        "s3:ListJobs",
        "s3:ListMultiRegionAccessPoints",
        "s3:ListMultipartUploadParts",
        "s3:ListObjectAnnotations",
        "s3:ListObjectVersionAnnotations",
        "s3:ListStorageLensConfigurations",
        "s3:ListStorageLensGroups",
        "s3:ListTagsForResource",
        // Permissions management
        "s3:AssociateAccessGrantsIdentityCenter",
        "s3:BypassGovernanceRetention",
        "s3:CreateAccessGrant",
        "s3:CreateAccessGrantsInstance",
        "s3:CreateAccessGrantsLocation",
        "s3:DeleteAccessGrant",
        "s3:DeleteAccessGrantsInstance",
        "s3:DeleteAccessGrantsInstanceResourcePolicy",
        "s3:DeleteAccessGrantsLocation",
        "s3:DeleteAccessPointPolicy",
        "s3:DeleteAccessPointPolicyForObjectLambda",
        "s3:DeleteBucketPolicy",
        "s3:DissociateAccessGrantsIdentityCenter",
        "s3:ObjectOwnerOverrideToBucketOwner",
        "s3:PutAccessGrantsInstanceResourcePolicy",
        "s3:PutAccessPointPolicy",
        "s3:PutAccessPointPolicyForObjectLambda",
        "s3:PutAccessPointPublicAccessBlock",
        "s3:PutAccountPublicAccessBlock",
        "s3:PutBucketAcl",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutMultiRegionAccessPointPolicy",
        "s3:PutObjectAcl",
        "s3:PutObjectVersionAcl",
        "s3:UpdateAccessGrantsLocation",
        // Tagging
        "s3:DeleteJobTagging",
        "s3:DeleteObjectTagging",
        "s3:DeleteObjectVersionTagging",
        "s3:DeleteStorageLensConfigurationTagging",
        "s3:PutBucketTagging",
        "s3:PutJobTagging",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "s3:PutStorageLensConfigurationTagging",
        "s3:ReplicateTags",
        "s3:TagResource",
        "s3:UntagResource",
    ];

    /// The only actions of other service prefixes the table names, each for an operation
    /// of a feature Coffer has not (directory buckets, Object Lambda); they are in the
    /// Service Authorization Reference pages of `s3express` and `s3-object-lambda`.
    const OTHER_SERVICE_ACTIONS: &[(&str, &str)] = &[
        ("CreateSession", "s3express:CreateSession"),
        ("ListDirectoryBuckets", "s3express:ListAllMyDirectoryBuckets"),
        (
            "WriteGetObjectResponse",
            "s3-object-lambda:WriteGetObjectResponse",
        ),
    ];

    fn every_action(spec: &OperationSpec) -> Vec<&'static str> {
        let mut out = Vec::new();
        let specs = spec
            .actions
            .iter()
            .chain(spec.extra_when_header.iter().map(|extra| &extra.action));
        for action in specs {
            out.push(action.action);
            out.extend(action.versioned_action);
        }
        out
    }

    /// The actions (unversioned) and resources of an operation's required list.
    fn required(name: &str) -> Vec<(&'static str, ResourceKind)> {
        operation(name)
            .unwrap()
            .actions
            .iter()
            .map(|a| (a.action, a.resource))
            .collect()
    }

    fn versioned(name: &str) -> Vec<&'static str> {
        operation(name)
            .unwrap()
            .actions
            .iter()
            .map(|a| a.action_for(true))
            .collect()
    }

    fn extras(name: &str, headers: &[(&str, &str)]) -> Vec<(&'static str, ResourceKind)> {
        let lookup = |h: &str| headers.iter().find(|(k, _)| *k == h).map(|(_, v)| *v);
        operation(name)
            .unwrap()
            .extra_actions(lookup)
            .iter()
            .map(|a| (a.action, a.resource))
            .collect()
    }

    use ResourceKind::{Bucket, CopySource, Object};

    #[test]
    fn every_s3s_operation_has_an_entry() {
        assert_eq!(S3S_OPERATIONS.len(), 99);
        for name in S3S_OPERATIONS {
            assert!(operation(name).is_some(), "{name} has no entry");
        }
        assert_eq!(
            all().len(),
            S3S_OPERATIONS.len(),
            "an entry for an operation s3s has not"
        );
    }

    #[test]
    fn entries_are_sorted_and_unique() {
        for pair in all().windows(2) {
            assert!(
                pair[0].operation < pair[1].operation,
                "{} !< {}",
                pair[0].operation,
                pair[1].operation
            );
        }
        for spec in all() {
            assert!(std::ptr::eq(operation(spec.operation).unwrap(), spec));
        }
        assert!(operation("listobjectsv2").is_none());
        assert!(operation("NoSuchOperation").is_none());
        assert!(operation("").is_none());
    }

    #[test]
    fn every_action_is_a_documented_action() {
        for spec in all() {
            assert!(!spec.actions.is_empty(), "{} requires nothing", spec.operation);
            for action in every_action(spec) {
                if action.starts_with("s3:") {
                    assert!(
                        SAR_S3_ACTIONS.contains(&action),
                        "{}: {action} is not an S3 action",
                        spec.operation
                    );
                } else {
                    assert!(
                        OTHER_SERVICE_ACTIONS.contains(&(spec.operation, action)),
                        "{}: {action} does not start with s3:",
                        spec.operation
                    );
                }
            }
        }
        let mut sorted = SAR_S3_ACTIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), SAR_S3_ACTIONS.len(), "duplicate in SAR_S3_ACTIONS");
    }

    #[test]
    fn extra_headers_are_lower_case_and_distinct() {
        for spec in all() {
            for extra in spec.extra_when_header {
                assert_eq!(
                    extra.header,
                    extra.header.to_ascii_lowercase(),
                    "{}",
                    spec.operation
                );
                assert!(
                    extra.header.starts_with("x-amz-"),
                    "{}: {}",
                    spec.operation,
                    extra.header
                );
                assert!(extra.action.versioned_action.is_none());
            }
            for (i, a) in spec.extra_when_header.iter().enumerate() {
                for b in &spec.extra_when_header[i + 1..] {
                    assert!(a != b, "{}: duplicate conditional action", spec.operation);
                }
            }
        }
    }

    #[test]
    fn copy_source_only_on_copies_and_per_key_only_on_delete_objects() {
        for spec in all() {
            let has_source = spec.actions.iter().any(|a| a.resource == CopySource);
            assert_eq!(
                has_source,
                matches!(spec.operation, "CopyObject" | "UploadPartCopy"),
                "{}",
                spec.operation
            );
            assert_eq!(
                spec.per_key,
                spec.operation == "DeleteObjects",
                "{}",
                spec.operation
            );
        }
    }

    // --- listing ---------------------------------------------------------------------

    #[test]
    fn list_objects_v2_is_list_bucket() {
        assert_eq!(required("ListObjectsV2"), [("s3:ListBucket", Bucket)]);
    }

    #[test]
    fn list_objects_is_list_bucket() {
        assert_eq!(required("ListObjects"), [("s3:ListBucket", Bucket)]);
    }

    #[test]
    fn list_object_versions_is_list_bucket_versions() {
        assert_eq!(
            required("ListObjectVersions"),
            [("s3:ListBucketVersions", Bucket)]
        );
    }

    #[test]
    fn head_bucket_is_list_bucket() {
        assert_eq!(required("HeadBucket"), [("s3:ListBucket", Bucket)]);
    }

    #[test]
    fn list_buckets_is_list_all_my_buckets_on_star() {
        assert_eq!(
            required("ListBuckets"),
            [("s3:ListAllMyBuckets", ResourceKind::None)]
        );
        assert_eq!(resource_arn(ResourceKind::None, None, None).as_deref(), Some("*"));
    }

    #[test]
    fn get_bucket_location() {
        assert_eq!(required("GetBucketLocation"), [("s3:GetBucketLocation", Bucket)]);
    }

    // --- reads -----------------------------------------------------------------------

    #[test]
    fn get_and_head_object_are_get_object_or_version() {
        for name in ["GetObject", "HeadObject"] {
            assert_eq!(required(name), [("s3:GetObject", Object)]);
            assert_eq!(versioned(name), ["s3:GetObjectVersion"]);
        }
    }

    #[test]
    fn get_object_attributes_needs_both_pairs() {
        assert_eq!(
            required("GetObjectAttributes"),
            [("s3:GetObject", Object), ("s3:GetObjectAttributes", Object)]
        );
        assert_eq!(
            versioned("GetObjectAttributes"),
            ["s3:GetObjectVersion", "s3:GetObjectVersionAttributes"]
        );
    }

    #[test]
    fn select_object_content_is_get_object() {
        assert_eq!(required("SelectObjectContent"), [("s3:GetObject", Object)]);
    }

    // --- writes and multipart --------------------------------------------------------

    #[test]
    fn uploads_are_put_object() {
        for name in [
            "PutObject",
            "UploadPart",
            "CreateMultipartUpload",
            "CompleteMultipartUpload",
            "PostObject",
        ] {
            assert_eq!(required(name), [("s3:PutObject", Object)], "{name}");
        }
    }

    #[test]
    fn abort_multipart_upload() {
        assert_eq!(
            required("AbortMultipartUpload"),
            [("s3:AbortMultipartUpload", Object)]
        );
    }

    #[test]
    fn list_parts_is_list_multipart_upload_parts() {
        assert_eq!(required("ListParts"), [("s3:ListMultipartUploadParts", Object)]);
    }

    #[test]
    fn list_multipart_uploads_is_list_bucket_multipart_uploads() {
        assert_eq!(
            required("ListMultipartUploads"),
            [("s3:ListBucketMultipartUploads", Bucket)]
        );
    }

    #[test]
    fn copy_object_reads_the_source_and_writes_the_target() {
        assert_eq!(
            required("CopyObject"),
            [("s3:PutObject", Object), ("s3:GetObject", CopySource)]
        );
        assert_eq!(versioned("CopyObject"), ["s3:PutObject", "s3:GetObjectVersion"]);
    }

    #[test]
    fn upload_part_copy_reads_the_source_and_writes_the_target() {
        assert_eq!(
            required("UploadPartCopy"),
            [("s3:PutObject", Object), ("s3:GetObject", CopySource)]
        );
        assert_eq!(
            versioned("UploadPartCopy"),
            ["s3:PutObject", "s3:GetObjectVersion"]
        );
    }

    #[test]
    fn put_object_with_tagging_also_needs_put_object_tagging() {
        assert_eq!(extras("PutObject", &[]), []);
        assert_eq!(
            extras("PutObject", &[("x-amz-tagging", "a=b")]),
            [("s3:PutObjectTagging", Object)]
        );
        assert_eq!(
            extras("CopyObject", &[("x-amz-tagging", "a=b")]),
            [("s3:PutObjectTagging", Object)]
        );
    }

    #[test]
    fn put_object_with_acl_or_lock_headers() {
        assert_eq!(
            extras(
                "PutObject",
                &[("x-amz-acl", "public-read"), ("x-amz-grant-read", "id=1")]
            ),
            [("s3:PutObjectAcl", Object)]
        );
        assert_eq!(
            extras(
                "PutObject",
                &[
                    ("x-amz-object-lock-mode", "GOVERNANCE"),
                    ("x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00Z"),
                    ("x-amz-object-lock-legal-hold", "ON"),
                ]
            ),
            [
                ("s3:PutObjectRetention", Object),
                ("s3:PutObjectLegalHold", Object)
            ]
        );
    }

    // --- deletes ---------------------------------------------------------------------

    #[test]
    fn delete_object_is_delete_object_or_version() {
        assert_eq!(required("DeleteObject"), [("s3:DeleteObject", Object)]);
        assert_eq!(versioned("DeleteObject"), ["s3:DeleteObjectVersion"]);
        assert_eq!(
            extras("DeleteObject", &[("x-amz-bypass-governance-retention", "true")]),
            [("s3:BypassGovernanceRetention", Object)]
        );
        assert_eq!(
            extras("DeleteObject", &[("x-amz-bypass-governance-retention", "false")]),
            []
        );
    }

    #[test]
    fn delete_objects_is_per_key_delete_object() {
        let spec = operation("DeleteObjects").unwrap();
        assert!(spec.per_key);
        assert_eq!(required("DeleteObjects"), [("s3:DeleteObject", Object)]);
        assert_eq!(versioned("DeleteObjects"), ["s3:DeleteObjectVersion"]);
    }

    // --- tagging ---------------------------------------------------------------------

    #[test]
    fn object_tagging() {
        assert_eq!(required("PutObjectTagging"), [("s3:PutObjectTagging", Object)]);
        assert_eq!(versioned("PutObjectTagging"), ["s3:PutObjectVersionTagging"]);
        assert_eq!(required("GetObjectTagging"), [("s3:GetObjectTagging", Object)]);
        assert_eq!(versioned("GetObjectTagging"), ["s3:GetObjectVersionTagging"]);
        assert_eq!(
            required("DeleteObjectTagging"),
            [("s3:DeleteObjectTagging", Object)]
        );
        assert_eq!(
            versioned("DeleteObjectTagging"),
            ["s3:DeleteObjectVersionTagging"]
        );
    }

    #[test]
    fn bucket_tagging() {
        assert_eq!(required("GetBucketTagging"), [("s3:GetBucketTagging", Bucket)]);
        assert_eq!(required("PutBucketTagging"), [("s3:PutBucketTagging", Bucket)]);
        assert_eq!(required("DeleteBucketTagging"), [("s3:PutBucketTagging", Bucket)]);
    }

    // --- bucket configuration --------------------------------------------------------

    #[test]
    fn bucket_policy() {
        assert_eq!(required("GetBucketPolicy"), [("s3:GetBucketPolicy", Bucket)]);
        assert_eq!(required("PutBucketPolicy"), [("s3:PutBucketPolicy", Bucket)]);
        assert_eq!(
            required("DeleteBucketPolicy"),
            [("s3:DeleteBucketPolicy", Bucket)]
        );
        assert_eq!(
            required("GetBucketPolicyStatus"),
            [("s3:GetBucketPolicyStatus", Bucket)]
        );
    }

    #[test]
    fn bucket_encryption() {
        assert_eq!(
            required("PutBucketEncryption"),
            [("s3:PutEncryptionConfiguration", Bucket)]
        );
        assert_eq!(
            required("GetBucketEncryption"),
            [("s3:GetEncryptionConfiguration", Bucket)]
        );
        assert_eq!(
            required("DeleteBucketEncryption"),
            [("s3:PutEncryptionConfiguration", Bucket)]
        );
    }

    #[test]
    fn public_access_block() {
        assert_eq!(
            required("PutPublicAccessBlock"),
            [("s3:PutBucketPublicAccessBlock", Bucket)]
        );
        assert_eq!(
            required("GetPublicAccessBlock"),
            [("s3:GetBucketPublicAccessBlock", Bucket)]
        );
        assert_eq!(
            required("DeletePublicAccessBlock"),
            [("s3:PutBucketPublicAccessBlock", Bucket)]
        );
    }

    #[test]
    fn acls() {
        assert_eq!(required("GetBucketAcl"), [("s3:GetBucketAcl", Bucket)]);
        assert_eq!(required("PutBucketAcl"), [("s3:PutBucketAcl", Bucket)]);
        assert_eq!(required("GetObjectAcl"), [("s3:GetObjectAcl", Object)]);
        assert_eq!(versioned("GetObjectAcl"), ["s3:GetObjectVersionAcl"]);
        assert_eq!(required("PutObjectAcl"), [("s3:PutObjectAcl", Object)]);
        assert_eq!(versioned("PutObjectAcl"), ["s3:PutObjectVersionAcl"]);
    }

    #[test]
    fn ownership_controls() {
        assert_eq!(
            required("GetBucketOwnershipControls"),
            [("s3:GetBucketOwnershipControls", Bucket)]
        );
        assert_eq!(
            required("PutBucketOwnershipControls"),
            [("s3:PutBucketOwnershipControls", Bucket)]
        );
        assert_eq!(
            required("DeleteBucketOwnershipControls"),
            [("s3:PutBucketOwnershipControls", Bucket)]
        );
    }

    #[test]
    fn lifecycle() {
        assert_eq!(
            required("PutBucketLifecycleConfiguration"),
            [("s3:PutLifecycleConfiguration", Bucket)]
        );
        assert_eq!(
            required("GetBucketLifecycleConfiguration"),
            [("s3:GetLifecycleConfiguration", Bucket)]
        );
        assert_eq!(
            required("DeleteBucketLifecycle"),
            [("s3:PutLifecycleConfiguration", Bucket)]
        );
    }

    #[test]
    fn versioning() {
        assert_eq!(
            required("GetBucketVersioning"),
            [("s3:GetBucketVersioning", Bucket)]
        );
        assert_eq!(
            required("PutBucketVersioning"),
            [("s3:PutBucketVersioning", Bucket)]
        );
    }

    #[test]
    fn cors() {
        assert_eq!(required("GetBucketCors"), [("s3:GetBucketCORS", Bucket)]);
        assert_eq!(required("PutBucketCors"), [("s3:PutBucketCORS", Bucket)]);
        assert_eq!(required("DeleteBucketCors"), [("s3:PutBucketCORS", Bucket)]);
    }

    #[test]
    fn create_and_delete_bucket() {
        assert_eq!(required("CreateBucket"), [("s3:CreateBucket", Bucket)]);
        assert_eq!(extras("CreateBucket", &[("x-amz-acl", "private")]), []);
        assert_eq!(
            extras("CreateBucket", &[("x-amz-acl", "public-read")]),
            [("s3:PutBucketAcl", Bucket)]
        );
        assert_eq!(
            extras("CreateBucket", &[("x-amz-grant-write", "id=1")]),
            [("s3:PutBucketAcl", Bucket)]
        );
        assert_eq!(
            extras("CreateBucket", &[("x-amz-bucket-object-lock-enabled", "True")]),
            [
                ("s3:PutBucketObjectLockConfiguration", Bucket),
                ("s3:PutBucketVersioning", Bucket)
            ]
        );
        assert_eq!(
            extras("CreateBucket", &[("x-amz-bucket-object-lock-enabled", "false")]),
            []
        );
        assert_eq!(
            extras(
                "CreateBucket",
                &[("x-amz-object-ownership", "BucketOwnerEnforced")]
            ),
            [("s3:PutBucketOwnershipControls", Bucket)]
        );
        assert_eq!(required("DeleteBucket"), [("s3:DeleteBucket", Bucket)]);
    }

    #[test]
    fn website_notification_logging_replication() {
        assert_eq!(required("GetBucketWebsite"), [("s3:GetBucketWebsite", Bucket)]);
        assert_eq!(required("PutBucketWebsite"), [("s3:PutBucketWebsite", Bucket)]);
        assert_eq!(
            required("DeleteBucketWebsite"),
            [("s3:DeleteBucketWebsite", Bucket)]
        );
        assert_eq!(
            required("GetBucketNotificationConfiguration"),
            [("s3:GetBucketNotification", Bucket)]
        );
        assert_eq!(
            required("PutBucketNotificationConfiguration"),
            [("s3:PutBucketNotification", Bucket)]
        );
        assert_eq!(required("GetBucketLogging"), [("s3:GetBucketLogging", Bucket)]);
        assert_eq!(required("PutBucketLogging"), [("s3:PutBucketLogging", Bucket)]);
        assert_eq!(
            required("GetBucketReplication"),
            [("s3:GetReplicationConfiguration", Bucket)]
        );
        assert_eq!(
            required("PutBucketReplication"),
            [("s3:PutReplicationConfiguration", Bucket)]
        );
        assert_eq!(
            required("DeleteBucketReplication"),
            [("s3:PutReplicationConfiguration", Bucket)]
        );
    }

    #[test]
    fn object_lock() {
        assert_eq!(
            required("GetObjectLockConfiguration"),
            [("s3:GetBucketObjectLockConfiguration", Bucket)]
        );
        assert_eq!(
            required("PutObjectLockConfiguration"),
            [("s3:PutBucketObjectLockConfiguration", Bucket)]
        );
        assert_eq!(
            required("GetObjectLegalHold"),
            [("s3:GetObjectLegalHold", Object)]
        );
        assert_eq!(
            required("PutObjectLegalHold"),
            [("s3:PutObjectLegalHold", Object)]
        );
        assert_eq!(
            required("GetObjectRetention"),
            [("s3:GetObjectRetention", Object)]
        );
        assert_eq!(
            required("PutObjectRetention"),
            [("s3:PutObjectRetention", Object)]
        );
        assert_eq!(
            extras(
                "PutObjectRetention",
                &[("x-amz-bypass-governance-retention", "TRUE")]
            ),
            [("s3:BypassGovernanceRetention", Object)]
        );
    }

    #[test]
    fn restore_and_torrent() {
        assert_eq!(required("RestoreObject"), [("s3:RestoreObject", Object)]);
        assert_eq!(required("GetObjectTorrent"), [("s3:GetObjectTorrent", Object)]);
        assert_eq!(versioned("GetObjectTorrent"), ["s3:GetObjectVersionTorrent"]);
    }

    #[test]
    fn analytics_metrics_inventory_intelligent_tiering() {
        for (family, get, put) in [
            (
                "Analytics",
                "s3:GetAnalyticsConfiguration",
                "s3:PutAnalyticsConfiguration",
            ),
            (
                "Metrics",
                "s3:GetMetricsConfiguration",
                "s3:PutMetricsConfiguration",
            ),
            (
                "Inventory",
                "s3:GetInventoryConfiguration",
                "s3:PutInventoryConfiguration",
            ),
            (
                "IntelligentTiering",
                "s3:GetIntelligentTieringConfiguration",
                "s3:PutIntelligentTieringConfiguration",
            ),
        ] {
            assert_eq!(
                required(&format!("GetBucket{family}Configuration")),
                [(get, Bucket)]
            );
            assert_eq!(
                required(&format!("ListBucket{family}Configurations")),
                [(get, Bucket)]
            );
            assert_eq!(
                required(&format!("PutBucket{family}Configuration")),
                [(put, Bucket)]
            );
            assert_eq!(
                required(&format!("DeleteBucket{family}Configuration")),
                [(put, Bucket)]
            );
        }
    }

    #[test]
    fn accelerate_and_request_payment() {
        assert_eq!(
            required("GetBucketAccelerateConfiguration"),
            [("s3:GetAccelerateConfiguration", Bucket)]
        );
        assert_eq!(
            required("PutBucketAccelerateConfiguration"),
            [("s3:PutAccelerateConfiguration", Bucket)]
        );
        assert_eq!(
            required("GetBucketRequestPayment"),
            [("s3:GetBucketRequestPayment", Bucket)]
        );
        assert_eq!(
            required("PutBucketRequestPayment"),
            [("s3:PutBucketRequestPayment", Bucket)]
        );
    }

    // --- helpers ---------------------------------------------------------------------

    #[test]
    fn resource_arns() {
        assert_eq!(
            resource_arn(Bucket, Some("b"), Some("ignored")).as_deref(),
            Some("arn:aws:s3:::b")
        );
        assert_eq!(
            resource_arn(Object, Some("b"), Some("a/b c.txt")).as_deref(),
            Some("arn:aws:s3:::b/a/b c.txt")
        );
        assert_eq!(
            resource_arn(CopySource, Some("src"), Some("k")).as_deref(),
            Some("arn:aws:s3:::src/k")
        );
        assert_eq!(resource_arn(Bucket, None, None), None);
        assert_eq!(resource_arn(Bucket, Some(""), None), None);
        assert_eq!(resource_arn(Object, Some("b"), None), None);
        assert_eq!(resource_arn(Object, None, Some("k")), None);
    }

    #[test]
    fn header_matching() {
        let present = when("x-amz-acl", HeaderMatch::Present, object("s3:PutObjectAcl"));
        assert!(present.applies(Some("")));
        assert!(!present.applies(None));
        let not_private = when(
            "x-amz-acl",
            HeaderMatch::NotEquals("private"),
            bucket("s3:PutBucketAcl"),
        );
        assert!(!not_private.applies(Some(" Private ")));
        assert!(not_private.applies(Some("authenticated-read")));
        assert!(!not_private.applies(None));
        let is_true = when(
            "h",
            HeaderMatch::Equals("true"),
            object("s3:BypassGovernanceRetention"),
        );
        assert!(is_true.applies(Some("TRUE")));
        assert!(!is_true.applies(Some("yes")));
    }

    #[test]
    fn action_for_falls_back_without_a_version_action() {
        assert_eq!(object("s3:RestoreObject").action_for(true), "s3:RestoreObject");
        assert_eq!(
            object_v("s3:GetObject", "s3:GetObjectVersion").action_for(false),
            "s3:GetObject"
        );
    }
}
