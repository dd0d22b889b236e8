//! CreateBucket, HeadBucket, GetBucketLocation, ListBuckets, DeleteBucket.

use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result};

use crate::convert::timestamp;
use crate::error::CoreResultExt as _;
use crate::service::Coffer;

/// The caller's account: authorization let only signed callers through.
fn caller_account<T>(req: &S3Request<T>) -> S3Result<String> {
    crate::access::caller(req)
        .map(|c| c.account_id().to_owned())
        .ok_or_else(|| s3s::s3_error!(AccessDenied, "Access Denied"))
}

pub(crate) async fn create_bucket(
    s: &Coffer,
    req: S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    let owner = caller_account(&req)?;
    let input = req.input;
    let acl = crate::ops::acl::check_create_bucket_acl(&input)?;
    // New buckets block public access by default (AWS since April 2023).
    if acl.is_some_and(coffer_iam::CannedAcl::is_public) {
        return Err(s3s::s3_error!(
            AccessDenied,
            "Public ACLs are blocked by the new bucket's Block Public Access settings; create it, then change them"
        ));
    }
    let region = input
        .create_bucket_configuration
        .and_then(|c| c.location_constraint)
        .map(|l| l.as_str().to_owned())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| s.region.clone());
    s.store.create_bucket(&input.bucket, &region, &owner).await.s3()?;
    // A chosen ownership other than the default, and a non-public ACL it allows.
    if let Some(ownership) = input
        .object_ownership
        .as_ref()
        .map(|o| o.as_str())
        .filter(|o| *o != "BucketOwnerEnforced")
    {
        let ownership = coffer_iam::Ownership::parse(ownership).ok_or_else(|| {
            s3s::s3_error!(
                InvalidArgument,
                "Invalid x-amz-object-ownership header: {ownership}"
            )
        })?;
        s.store
            .put_bucket_access_setting(
                &input.bucket,
                coffer_core::AccessSetting::OwnershipControls,
                Some(ownership.as_str().to_owned()),
            )
            .await
            .s3()?;
    }
    if let Some(acl) = acl.filter(|a| *a != coffer_iam::CannedAcl::Private) {
        s.store
            .put_bucket_access_setting(
                &input.bucket,
                coffer_core::AccessSetting::Acl,
                Some(acl.as_str().to_owned()),
            )
            .await
            .s3()?;
    }
    Ok(S3Response::new(CreateBucketOutput {
        location: Some(format!("/{}", input.bucket)),
    }))
}

pub(crate) async fn head_bucket(
    s: &Coffer,
    req: S3Request<HeadBucketInput>,
) -> S3Result<S3Response<HeadBucketOutput>> {
    let bucket = s.store.bucket(&req.input.bucket).await.s3()?;
    Ok(S3Response::new(HeadBucketOutput {
        bucket_region: Some(bucket.region),
        ..Default::default()
    }))
}

pub(crate) async fn get_bucket_location(
    s: &Coffer,
    req: S3Request<GetBucketLocationInput>,
) -> S3Result<S3Response<GetBucketLocationOutput>> {
    let bucket = s.store.bucket(&req.input.bucket).await.s3()?;
    // AWS reports us-east-1 as an empty LocationConstraint.
    let location = (bucket.region != "us-east-1").then(|| BucketLocationConstraint::from(bucket.region));
    Ok(S3Response::new(GetBucketLocationOutput {
        location_constraint: location,
    }))
}

pub(crate) async fn list_buckets(
    s: &Coffer,
    req: S3Request<ListBucketsInput>,
) -> S3Result<S3Response<ListBucketsOutput>> {
    let account = caller_account(&req)?;
    let prefix = req.input.prefix.unwrap_or_default();
    // Only the caller's account's buckets, as AWS.
    let buckets = s
        .store
        .list_buckets()
        .await
        .s3()?
        .into_iter()
        .filter(|b| b.owner == account && b.name.starts_with(&prefix))
        .map(|b| Bucket {
            name: Some(b.name),
            creation_date: Some(timestamp(b.created_ms)),
            bucket_region: Some(b.region),
        })
        .collect();
    Ok(S3Response::new(ListBucketsOutput {
        buckets: Some(buckets),
        owner: Some(s.owner(&account)),
        ..Default::default()
    }))
}

pub(crate) async fn delete_bucket(
    s: &Coffer,
    req: S3Request<DeleteBucketInput>,
) -> S3Result<S3Response<DeleteBucketOutput>> {
    s.store.delete_bucket(&req.input.bucket).await.s3()?;
    Ok(S3Response::new(DeleteBucketOutput {}))
}
