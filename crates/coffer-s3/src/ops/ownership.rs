//! PutBucketOwnershipControls, GetBucketOwnershipControls, DeleteBucketOwnershipControls.
//! New buckets are `BucketOwnerEnforced` (ACLs disabled), as AWS since April 2023.

use coffer_core::AccessSetting;
use coffer_iam::Ownership;
use coffer_iam::bucket_access::deleted_document;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result, s3_error};

use crate::access::bucket_access;
use crate::error::CoreResultExt as _;
use crate::service::Coffer;

pub(crate) async fn put_bucket_ownership_controls(
    s: &Coffer,
    req: S3Request<PutBucketOwnershipControlsInput>,
) -> S3Result<S3Response<PutBucketOwnershipControlsOutput>> {
    let input = req.input;
    let [rule] = input.ownership_controls.rules.as_slice() else {
        return Err(s3_error!(
            MalformedXML,
            "OwnershipControls must hold exactly one Rule"
        ));
    };
    let ownership = Ownership::parse(rule.object_ownership.as_str()).ok_or_else(|| {
        s3_error!(
            MalformedXML,
            "ObjectOwnership must be BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter"
        )
    })?;
    s.store
        .put_bucket_access_setting(
            &input.bucket,
            AccessSetting::OwnershipControls,
            Some(ownership.as_str().to_owned()),
        )
        .await
        .s3()?;
    Ok(S3Response::new(PutBucketOwnershipControlsOutput {}))
}

pub(crate) async fn get_bucket_ownership_controls(
    s: &Coffer,
    req: S3Request<GetBucketOwnershipControlsInput>,
) -> S3Result<S3Response<GetBucketOwnershipControlsOutput>> {
    let access = bucket_access(&s.store, &s.iam, &req.input.bucket).await?;
    let Some(ownership) = access.ownership else {
        let mut e = S3Error::with_message(
            S3ErrorCode::OwnershipControlsNotFoundError,
            "The bucket ownership controls were not found",
        );
        e.set_status_code(http::StatusCode::NOT_FOUND);
        return Err(e);
    };
    Ok(S3Response::new(GetBucketOwnershipControlsOutput {
        ownership_controls: Some(OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: ObjectOwnership::from(ownership.as_str().to_owned()),
            }],
        }),
    }))
}

pub(crate) async fn delete_bucket_ownership_controls(
    s: &Coffer,
    req: S3Request<DeleteBucketOwnershipControlsInput>,
) -> S3Result<S3Response<DeleteBucketOwnershipControlsOutput>> {
    s.store
        .put_bucket_access_setting(
            &req.input.bucket,
            AccessSetting::OwnershipControls,
            Some(deleted_document()),
        )
        .await
        .s3()?;
    Ok(S3Response::with_status(
        DeleteBucketOwnershipControlsOutput {},
        http::StatusCode::NO_CONTENT,
    ))
}
