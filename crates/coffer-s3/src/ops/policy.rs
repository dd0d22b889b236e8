//! PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy, GetBucketPolicyStatus.

use coffer_core::AccessSetting;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use crate::access::bucket_access;
use crate::error::CoreResultExt as _;
use crate::service::Coffer;

pub(crate) async fn put_bucket_policy(
    s: &Coffer,
    req: S3Request<PutBucketPolicyInput>,
) -> S3Result<S3Response<PutBucketPolicyOutput>> {
    let input = req.input;
    let access = bucket_access(&s.store, &s.iam, &input.bucket).await?;
    s.iam
        .validate_bucket_policy(&input.bucket, &input.policy, &access)
        .map_err(|e| match e {
            coffer_iam::IamError::AccessDenied(m) => S3Error::with_message(S3ErrorCode::AccessDenied, m),
            other => S3Error::with_message(S3ErrorCode::MalformedPolicy, other.to_string()),
        })?;
    s.store
        .put_bucket_access_setting(&input.bucket, AccessSetting::Policy, Some(input.policy))
        .await
        .s3()?;
    Ok(S3Response::with_status(
        PutBucketPolicyOutput {},
        http::StatusCode::NO_CONTENT,
    ))
}

pub(crate) async fn get_bucket_policy(
    s: &Coffer,
    req: S3Request<GetBucketPolicyInput>,
) -> S3Result<S3Response<GetBucketPolicyOutput>> {
    match s
        .store
        .bucket_access_setting(&req.input.bucket, AccessSetting::Policy)
        .await
        .s3()?
    {
        Some(policy) => Ok(S3Response::new(GetBucketPolicyOutput { policy: Some(policy) })),
        None => Err(S3Error::with_message(
            S3ErrorCode::NoSuchBucketPolicy,
            "The bucket policy does not exist",
        )),
    }
}

pub(crate) async fn delete_bucket_policy(
    s: &Coffer,
    req: S3Request<DeleteBucketPolicyInput>,
) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
    s.store
        .put_bucket_access_setting(&req.input.bucket, AccessSetting::Policy, None)
        .await
        .s3()?;
    Ok(S3Response::with_status(
        DeleteBucketPolicyOutput {},
        http::StatusCode::NO_CONTENT,
    ))
}

pub(crate) async fn get_bucket_policy_status(
    s: &Coffer,
    req: S3Request<GetBucketPolicyStatusInput>,
) -> S3Result<S3Response<GetBucketPolicyStatusOutput>> {
    let access = bucket_access(&s.store, &s.iam, &req.input.bucket).await?;
    if access.policy.is_none() {
        return Err(S3Error::with_message(
            S3ErrorCode::NoSuchBucketPolicy,
            "The bucket policy does not exist",
        ));
    }
    Ok(S3Response::new(GetBucketPolicyStatusOutput {
        policy_status: Some(PolicyStatus {
            is_public: Some(coffer_iam::Iam::policy_is_public(&access)),
        }),
    }))
}
