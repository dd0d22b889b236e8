//! PutPublicAccessBlock, GetPublicAccessBlock, DeletePublicAccessBlock (per bucket; the
//! account-wide setting is the admin API's). New buckets have all four flags on.

use coffer_core::AccessSetting;
use coffer_iam::PublicAccessBlock;
use coffer_iam::bucket_access::deleted_document;
use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use crate::access::bucket_access;
use crate::error::CoreResultExt as _;
use crate::service::Coffer;

pub(crate) async fn put_public_access_block(
    s: &Coffer,
    req: S3Request<PutPublicAccessBlockInput>,
) -> S3Result<S3Response<PutPublicAccessBlockOutput>> {
    let c = req.input.public_access_block_configuration;
    // An omitted flag is false, as AWS reads the document.
    let config = PublicAccessBlock {
        block_public_acls: c.block_public_acls.unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
        block_public_policy: c.block_public_policy.unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
    };
    s.store
        .put_bucket_access_setting(
            &req.input.bucket,
            AccessSetting::PublicAccessBlock,
            Some(config.to_document()),
        )
        .await
        .s3()?;
    Ok(S3Response::new(PutPublicAccessBlockOutput {}))
}

pub(crate) async fn get_public_access_block(
    s: &Coffer,
    req: S3Request<GetPublicAccessBlockInput>,
) -> S3Result<S3Response<GetPublicAccessBlockOutput>> {
    let access = bucket_access(&s.store, &s.iam, &req.input.bucket).await?;
    let Some(c) = access.bucket_public_access_block else {
        let mut e = S3Error::with_message(
            S3ErrorCode::Custom("NoSuchPublicAccessBlockConfiguration".into()),
            "The public access block configuration was not found",
        );
        e.set_status_code(http::StatusCode::NOT_FOUND);
        return Err(e);
    };
    Ok(S3Response::new(GetPublicAccessBlockOutput {
        public_access_block_configuration: Some(PublicAccessBlockConfiguration {
            block_public_acls: Some(c.block_public_acls),
            ignore_public_acls: Some(c.ignore_public_acls),
            block_public_policy: Some(c.block_public_policy),
            restrict_public_buckets: Some(c.restrict_public_buckets),
        }),
    }))
}

pub(crate) async fn delete_public_access_block(
    s: &Coffer,
    req: S3Request<DeletePublicAccessBlockInput>,
) -> S3Result<S3Response<DeletePublicAccessBlockOutput>> {
    s.store
        .put_bucket_access_setting(
            &req.input.bucket,
            AccessSetting::PublicAccessBlock,
            Some(deleted_document()),
        )
        .await
        .s3()?;
    Ok(S3Response::with_status(
        DeletePublicAccessBlockOutput {},
        http::StatusCode::NO_CONTENT,
    ))
}
