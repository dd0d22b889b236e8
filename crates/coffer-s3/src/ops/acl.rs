//! GetBucketAcl, PutBucketAcl, GetObjectAcl, PutObjectAcl, and the ACL a CreateBucket or
//! PutObject carries. Under `BucketOwnerEnforced` (the default) ACLs are disabled: only
//! `private`/`bucket-owner-full-control` are accepted, anything else answers
//! `AccessControlListNotSupported`, as AWS. With ACLs enabled, canned bucket and object
//! ACLs grant AllUsers or AuthenticatedUsers (subject to Block Public Access).

use coffer_core::AccessSetting;
use coffer_iam::{BucketAccess, CannedAcl};
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use crate::access::bucket_access;
use crate::error::CoreResultExt as _;
use crate::service::Coffer;

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

fn not_supported() -> S3Error {
    S3Error::with_message(
        S3ErrorCode::AccessControlListNotSupported,
        "The bucket does not allow ACLs",
    )
}

/// Whether a canned ACL or grant headers ask for more than the owner's full control.
fn grants_others(canned: Option<&str>, grants: &[Option<&String>]) -> S3Result<Option<CannedAcl>> {
    if grants.iter().any(Option::is_some) {
        return Err(s3_error!(
            NotImplemented,
            "Explicit ACL grants (x-amz-grant-*) are not implemented; use a canned ACL"
        ));
    }
    match canned {
        None => Ok(None),
        Some(c) => CannedAcl::parse(c)
            .map(Some)
            .ok_or_else(|| s3_error!(InvalidArgument, "Invalid canned ACL: {c}")),
    }
}

fn owner_only(acl: CannedAcl) -> bool {
    matches!(acl, CannedAcl::Private | CannedAcl::BucketOwnerFullControl)
}

/// The ACL a PutObject (or upload, or PutObjectAcl) may carry: refused under ACLs
/// disabled unless it is the owner's. Returns what to store: a canned ACL granting others.
pub(crate) fn check_object_acl(access: &BucketAccess, canned: Option<&str>) -> S3Result<Option<String>> {
    let Some(acl) = grants_others(canned, &[])? else {
        return Ok(None);
    };
    if owner_only(acl) {
        return Ok(None);
    }
    if !access.acls_enabled() {
        return Err(not_supported());
    }
    Ok(Some(acl.as_str().to_owned()))
}

/// [`check_object_acl`] for a request whose bucket access the authorization step read.
pub(crate) fn check_request_acl<T>(req: &S3Request<T>, canned: Option<&str>) -> S3Result<Option<String>> {
    if canned.is_none() {
        return Ok(None);
    }
    match crate::access::facts(req).and_then(|f| f.bucket_access.as_deref()) {
        Some(access) => check_object_acl(access, canned),
        None => Err(not_supported()),
    }
}

/// The ACL and ownership a CreateBucket carries: a new bucket enforces bucket-owner
/// ownership unless told otherwise, and then refuses ACLs.
pub(crate) fn check_create_bucket_acl(input: &CreateBucketInput) -> S3Result<Option<CannedAcl>> {
    let acl = grants_others(
        input.acl.as_ref().map(BucketCannedACL::as_str),
        &[
            input.grant_full_control.as_ref(),
            input.grant_read.as_ref(),
            input.grant_read_acp.as_ref(),
            input.grant_write.as_ref(),
            input.grant_write_acp.as_ref(),
        ],
    )?;
    let enforced = input
        .object_ownership
        .as_ref()
        .is_none_or(|o| o.as_str() == "BucketOwnerEnforced");
    match acl {
        Some(a) if !owner_only(a) && enforced => Err(S3Error::with_message(
            S3ErrorCode::InvalidBucketAclWithObjectOwnership,
            "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        )),
        other => Ok(other),
    }
}

fn grant(uri: Option<&str>, owner: Option<&Owner>, permission: &str) -> Grant {
    Grant {
        grantee: Some(match uri {
            Some(u) => Grantee {
                display_name: None,
                email_address: None,
                id: None,
                type_: Type::from_static(Type::GROUP),
                uri: Some(u.to_owned()),
            },
            None => Grantee {
                display_name: owner.and_then(|o| o.display_name.clone()),
                email_address: None,
                id: owner.and_then(|o| o.id.clone()),
                type_: Type::from_static(Type::CANONICAL_USER),
                uri: None,
            },
        }),
        permission: Some(Permission::from(permission.to_owned())),
    }
}

/// The grants of a canned ACL, owner first.
fn grants_of(acl: CannedAcl, owner: &Owner) -> Vec<Grant> {
    let mut grants = vec![grant(None, Some(owner), Permission::FULL_CONTROL)];
    match acl {
        CannedAcl::PublicRead => grants.push(grant(Some(ALL_USERS), None, Permission::READ)),
        CannedAcl::PublicReadWrite => {
            grants.push(grant(Some(ALL_USERS), None, Permission::READ));
            grants.push(grant(Some(ALL_USERS), None, Permission::WRITE));
        }
        CannedAcl::AuthenticatedRead => grants.push(grant(Some(AUTHENTICATED_USERS), None, Permission::READ)),
        _ => {}
    }
    grants
}

pub(crate) async fn get_bucket_acl(
    s: &Coffer,
    req: S3Request<GetBucketAclInput>,
) -> S3Result<S3Response<GetBucketAclOutput>> {
    let access = bucket_access(&s.store, &s.iam, &req.input.bucket).await?;
    let owner = s.owner(&access.owner);
    Ok(S3Response::new(GetBucketAclOutput {
        grants: Some(grants_of(access.acl, &owner)),
        owner: Some(owner),
    }))
}

pub(crate) async fn put_bucket_acl(
    s: &Coffer,
    req: S3Request<PutBucketAclInput>,
) -> S3Result<S3Response<PutBucketAclOutput>> {
    let input = req.input;
    let access = bucket_access(&s.store, &s.iam, &input.bucket).await?;
    if input.access_control_policy.is_some() {
        return Err(acl_document_not_implemented());
    }
    let acl = grants_others(
        input.acl.as_ref().map(BucketCannedACL::as_str),
        &[
            input.grant_full_control.as_ref(),
            input.grant_read.as_ref(),
            input.grant_read_acp.as_ref(),
            input.grant_write.as_ref(),
            input.grant_write_acp.as_ref(),
        ],
    )?
    .ok_or_else(|| {
        s3_error!(
            MissingSecurityHeader,
            "Your request was missing a required header: x-amz-acl"
        )
    })?;
    if !access.acls_enabled() && !owner_only(acl) {
        return Err(not_supported());
    }
    let document = (acl != CannedAcl::Private).then(|| acl.as_str().to_owned());
    s.store
        .put_bucket_access_setting(&input.bucket, AccessSetting::Acl, document)
        .await
        .s3()?;
    Ok(S3Response::new(PutBucketAclOutput {}))
}

pub(crate) async fn get_object_acl(
    s: &Coffer,
    req: S3Request<GetObjectAclInput>,
) -> S3Result<S3Response<GetObjectAclOutput>> {
    let input = req.input;
    let bucket = s.store.bucket(&input.bucket).await.s3()?;
    let object = s.store.head_object(&input.bucket, &input.key).await.s3()?;
    let acl = object
        .meta
        .acl
        .as_deref()
        .and_then(CannedAcl::parse)
        .unwrap_or(CannedAcl::Private);
    // The bucket owner owns every object (no cross-account object ownership).
    let owner = s.owner(&bucket.owner);
    Ok(S3Response::new(GetObjectAclOutput {
        grants: Some(grants_of(acl, &owner)),
        owner: Some(owner),
        request_charged: None,
    }))
}

pub(crate) async fn put_object_acl(
    s: &Coffer,
    req: S3Request<PutObjectAclInput>,
) -> S3Result<S3Response<PutObjectAclOutput>> {
    let input = req.input;
    let access = bucket_access(&s.store, &s.iam, &input.bucket).await?;
    if input.access_control_policy.is_some() {
        return Err(acl_document_not_implemented());
    }
    let canned = input.acl.as_ref().map(ObjectCannedACL::as_str);
    let stored = check_object_acl(&access, canned)?;
    if grants_others(
        canned,
        &[
            input.grant_full_control.as_ref(),
            input.grant_read.as_ref(),
            input.grant_read_acp.as_ref(),
            input.grant_write.as_ref(),
            input.grant_write_acp.as_ref(),
        ],
    )?
    .is_none()
    {
        return Err(s3_error!(
            MissingSecurityHeader,
            "Your request was missing a required header: x-amz-acl"
        ));
    }
    s.store
        .set_object_acl(&input.bucket, &input.key, stored)
        .await
        .s3()?;
    Ok(S3Response::new(PutObjectAclOutput::default()))
}

/// Explicit grants (an AccessControlPolicy body) are not built; canned ACLs are.
fn acl_document_not_implemented() -> s3s::S3Error {
    s3_error!(
        NotImplemented,
        "ACLs given as an AccessControlPolicy document are not implemented; use a canned ACL"
    )
}
