//! PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption.

use coffer_core::BucketEncryption;
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, s3_error};

use crate::error::CoreResultExt as _;
use crate::service::Coffer;

pub(crate) async fn put_bucket_encryption(
    s: &Coffer,
    req: S3Request<PutBucketEncryptionInput>,
) -> S3Result<S3Response<PutBucketEncryptionOutput>> {
    let input = req.input;
    let rules = input.server_side_encryption_configuration.rules;
    let [rule] = rules.as_slice() else {
        return Err(s3_error!(
            MalformedXML,
            "The configuration must hold exactly one Rule"
        ));
    };
    let Some(default) = &rule.apply_server_side_encryption_by_default else {
        return Err(s3_error!(
            MalformedXML,
            "The Rule must hold ApplyServerSideEncryptionByDefault"
        ));
    };
    let config = BucketEncryption {
        algorithm: default.sse_algorithm.as_str().to_owned(),
        kms_key_id: default.kms_master_key_id.clone(),
        bucket_key_enabled: rule.bucket_key_enabled.unwrap_or(false),
    };
    s.store.put_bucket_encryption(&input.bucket, &config).await.s3()?;
    Ok(S3Response::new(PutBucketEncryptionOutput::default()))
}

pub(crate) async fn get_bucket_encryption(
    s: &Coffer,
    req: S3Request<GetBucketEncryptionInput>,
) -> S3Result<S3Response<GetBucketEncryptionOutput>> {
    // None only when the server runs without default encryption (`--no-encryption`) and
    // the bucket has no configuration: answer as AWS did for such buckets before 2023.
    let Some(config) = s.store.bucket_encryption(&req.input.bucket).await.s3()? else {
        let mut err = s3_error!(
            ServerSideEncryptionConfigurationNotFoundError,
            "The server side encryption configuration was not found"
        );
        err.set_status_code(http::StatusCode::NOT_FOUND);
        return Err(err);
    };
    let rule = ServerSideEncryptionRule {
        apply_server_side_encryption_by_default: Some(ServerSideEncryptionByDefault {
            sse_algorithm: ServerSideEncryption::from(config.algorithm),
            kms_master_key_id: config.kms_key_id,
        }),
        bucket_key_enabled: Some(config.bucket_key_enabled),
    };
    Ok(S3Response::new(GetBucketEncryptionOutput {
        server_side_encryption_configuration: Some(ServerSideEncryptionConfiguration { rules: vec![rule] }),
    }))
}

pub(crate) async fn delete_bucket_encryption(
    s: &Coffer,
    req: S3Request<DeleteBucketEncryptionInput>,
) -> S3Result<S3Response<DeleteBucketEncryptionOutput>> {
    s.store.delete_bucket_encryption(&req.input.bucket).await.s3()?;
    Ok(S3Response::new(DeleteBucketEncryptionOutput::default()))
}
