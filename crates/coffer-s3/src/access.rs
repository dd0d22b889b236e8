//! Authorization of every S3 request s3s routes, after its signature is checked and
//! before its body is read (ADR 13). The caller is put in the request's extensions for
//! the operations that need it (CreateBucket's owner, ListBuckets' account).
//!
//! As AWS, a bucket that does not exist is `NoSuchBucket` for anyone, before any
//! authorization; CreateBucket is an account-level permission and the operation itself
//! tells "already yours" from "taken".

use coffer_core::{CoreError, Store};
use coffer_iam::{Caller, Iam, may_access_bucket};
use s3s::access::{S3Access, S3AccessContext};
use s3s::path::S3Path;
use s3s::{S3Result, s3_error};

use crate::error::to_s3;

pub(crate) struct IamAccess {
    pub(crate) iam: Iam,
    pub(crate) store: Store,
}

/// The signed caller of a request, as [`IamAccess`] found it.
pub(crate) fn caller<T>(req: &s3s::S3Request<T>) -> Option<&Caller> {
    req.extensions.get::<Caller>()
}

impl IamAccess {
    /// The owner of `bucket`, or `None` when it does not exist.
    async fn owner(&self, bucket: &str) -> S3Result<Option<String>> {
        match self.store.bucket(bucket).await {
            Ok(record) => Ok(Some(record.owner)),
            Err(CoreError::NoSuchBucket) => Ok(None),
            Err(e) => Err(to_s3(e)),
        }
    }
}

/// The bucket of `x-amz-copy-source` (`bucket/key` or `/bucket/key`, URL-encoded).
fn copy_source_bucket(headers: &http::HeaderMap) -> Option<String> {
    let value = headers.get("x-amz-copy-source")?.to_str().ok()?;
    let bucket = value.trim_start_matches('/').split('/').next()?;
    let decoded: String = form_urlencoded::parse(format!("b={bucket}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    Some(decoded)
}

#[async_trait::async_trait]
impl S3Access for IamAccess {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let caller = match cx.credentials() {
            Some(c) => Some(self.iam.authenticate(&c.access_key).map_err(|_| {
                s3_error!(
                    InvalidAccessKeyId,
                    "The AWS Access Key Id you provided does not exist in our records."
                )
            })?),
            None => None,
        }
        .map(|(caller, _)| caller);
        let owner = match cx.s3_path() {
            // Creating needs no bucket-level permission; the operation itself answers
            // BucketAlreadyExists or BucketAlreadyOwnedByYou.
            _ if cx.s3_op().name() == "CreateBucket" => None,
            S3Path::Root => None,
            S3Path::Bucket { bucket } | S3Path::Object { bucket, .. } => match self.owner(bucket).await? {
                Some(owner) => Some(owner),
                None => return Err(to_s3(CoreError::NoSuchBucket)),
            },
        };
        if !may_access_bucket(caller.as_ref(), owner.as_deref()) {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        // A copy reads its source: the caller needs access to that bucket too.
        if matches!(cx.s3_op().name(), "CopyObject" | "UploadPartCopy")
            && let Some(source) = copy_source_bucket(cx.headers())
            && let Some(source_owner) = self.owner(&source).await?
            && !may_access_bucket(caller.as_ref(), Some(&source_owner))
        {
            return Err(s3_error!(AccessDenied, "Access Denied"));
        }
        if let Some(caller) = caller {
            cx.extensions_mut().insert(caller);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_names_its_bucket() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-amz-copy-source",
            http::HeaderValue::from_static("/src%2Dbucket/a/b?versionId=1"),
        );
        assert_eq!(copy_source_bucket(&h).as_deref(), Some("src-bucket"));
        h.insert("x-amz-copy-source", http::HeaderValue::from_static("b2/k"));
        assert_eq!(copy_source_bucket(&h).as_deref(), Some("b2"));
    }
}
