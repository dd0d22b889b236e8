//! Authorization of every S3 request s3s routes, after its signature is checked and
//! before its body is read (ADR 13). The request's facts (operation, bucket and owner,
//! copy source, headers, query, source address) go to `coffer-iam`, which decides. The
//! caller and the facts are put in the request's extensions for the operations that
//! need them (CreateBucket's owner, ListBuckets' account, DeleteObjects' per-key check).
//!
//! As AWS, a bucket that does not exist is `NoSuchBucket` for anyone, before any
//! authorization; CreateBucket is an account-level permission and the operation itself
//! tells "already yours" from "taken".

use std::sync::Arc;

use coffer_core::{AccessSetting, CoreError, Store};
use coffer_iam::{
    AccessDocuments, AuthType, BucketAccess, Caller, CopySourceFacts, Iam, PeerAddr, S3Facts, Verdict,
};
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

/// The facts the request was authorized on.
pub(crate) fn facts<T>(req: &s3s::S3Request<T>) -> Option<&S3Facts> {
    req.extensions.get::<S3Facts>()
}

impl IamAccess {
    /// Whether the request's bucket (if any) has no policy.
    async fn has_no_policy(&self, bucket: Option<&str>, owner: Option<&str>) -> S3Result<bool> {
        match (bucket, owner) {
            (Some(b), Some(_)) => Ok(self
                .store
                .bucket_access_setting(b, AccessSetting::Policy)
                .await
                .map_err(to_s3)?
                .is_none()),
            _ => Ok(true),
        }
    }

    /// The owner of `bucket`, or `None` when it does not exist.
    async fn owner(&self, bucket: &str) -> S3Result<Option<String>> {
        match self.store.bucket(bucket).await {
            Ok(record) => Ok(Some(record.owner)),
            Err(CoreError::NoSuchBucket) => Ok(None),
            Err(e) => Err(to_s3(e)),
        }
    }
}

/// A bucket's access state from its stored settings (cached by the store).
pub(crate) async fn bucket_access(store: &Store, iam: &Iam, bucket: &str) -> S3Result<Arc<BucketAccess>> {
    let owner = store.bucket(bucket).await.map_err(to_s3)?.owner;
    access_of(store, iam, bucket, &owner).await
}

async fn access_of(store: &Store, iam: &Iam, bucket: &str, owner: &str) -> S3Result<Arc<BucketAccess>> {
    let setting = |s| store.bucket_access_setting(bucket, s);
    let docs = AccessDocuments {
        policy: setting(AccessSetting::Policy).await.map_err(to_s3)?,
        public_access_block: setting(AccessSetting::PublicAccessBlock).await.map_err(to_s3)?,
        ownership: setting(AccessSetting::OwnershipControls).await.map_err(to_s3)?,
        acl: setting(AccessSetting::Acl).await.map_err(to_s3)?,
    };
    Ok(Arc::new(iam.bucket_access(bucket, owner, &docs)))
}

/// Operations on an existing object, whose tags `s3:ExistingObjectTag/*` names.
fn reads_existing_object(operation: &str) -> bool {
    matches!(
        operation,
        "GetObject"
            | "HeadObject"
            | "GetObjectAttributes"
            | "GetObjectTagging"
            | "PutObjectTagging"
            | "DeleteObjectTagging"
            | "GetObjectAcl"
            | "PutObjectAcl"
            | "DeleteObject"
    )
}

/// Operations on a multipart upload in progress, whose encryption headers only its
/// creation carried.
fn on_upload(operation: &str) -> bool {
    matches!(
        operation,
        "UploadPart" | "UploadPartCopy" | "CompleteMultipartUpload"
    )
}

fn decode(s: &str) -> String {
    form_urlencoded::parse(format!("v={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `x-amz-copy-source`: `bucket/key[?versionId=V]`, optionally with a leading `/`,
/// URL-encoded.
pub(crate) fn copy_source(headers: &http::HeaderMap) -> Option<(String, String, Option<String>)> {
    let value = headers.get("x-amz-copy-source")?.to_str().ok()?;
    let (path, query) = value.split_once('?').unwrap_or((value, ""));
    let (bucket, key) = path.trim_start_matches('/').split_once('/')?;
    let version = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "versionId")
        .map(|(_, v)| v.into_owned());
    Some((decode(bucket), decode(key), version))
}

/// The session token sent with temporary credentials (header or presigned query).
fn security_token(cx: &S3AccessContext<'_>) -> Option<String> {
    if let Some(v) = cx.headers().get("x-amz-security-token") {
        return v.to_str().ok().map(str::to_owned);
    }
    form_urlencoded::parse(cx.uri().query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "X-Amz-Security-Token")
        .map(|(_, v)| v.into_owned())
}

/// S3's answers for a key that does not authenticate.
pub(crate) fn token_error(e: coffer_iam::IamError) -> s3s::S3Error {
    match e {
        coffer_iam::IamError::ExpiredToken => s3_error!(ExpiredToken, "The provided token has expired."),
        coffer_iam::IamError::InvalidToken => {
            s3_error!(
                InvalidToken,
                "The provided token is malformed or otherwise invalid."
            )
        }
        _ => s3_error!(
            InvalidAccessKeyId,
            "The AWS Access Key Id you provided does not exist in our records."
        ),
    }
}

/// Whether the request was signed in the header or presigned in the query.
fn auth_type(cx: &S3AccessContext<'_>) -> Option<AuthType> {
    cx.credentials()?;
    if cx.headers().contains_key(http::header::AUTHORIZATION) {
        Some(AuthType::Header)
    } else {
        Some(AuthType::Query)
    }
}

#[async_trait::async_trait]
impl S3Access for IamAccess {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let caller = match cx.credentials() {
            Some(c) => Some(
                self.iam
                    .caller(&c.access_key, security_token(cx).as_deref())
                    .map_err(token_error)?,
            ),
            None => None,
        };
        let operation = cx.s3_op().name().to_owned();
        let (bucket, key) = match cx.s3_path() {
            S3Path::Root => (None, None),
            S3Path::Bucket { bucket } => (Some(bucket.to_string()), None),
            S3Path::Object { bucket, key } => (Some(bucket.to_string()), Some(key.to_string())),
        };
        let bucket_owner = match &bucket {
            // Creating needs no bucket-level permission; the operation itself answers
            // BucketAlreadyExists or BucketAlreadyOwnedByYou.
            Some(_) if operation == "CreateBucket" => None,
            None => None,
            Some(b) => match self.owner(b).await? {
                Some(owner) => Some(owner),
                None => return Err(to_s3(CoreError::NoSuchBucket)),
            },
        };
        // The fast path of ADR 13: an account root on its own bucket, with no bucket policy
        // and no ACL header to vet, needs nothing more gathered (one cached lookup).
        let acl_headers = cx
            .headers()
            .keys()
            .any(|k| k.as_str() == "x-amz-acl" || k.as_str().starts_with("x-amz-grant-"));
        let is_copy = matches!(operation.as_str(), "CopyObject" | "UploadPartCopy");
        if let Some(c) = &caller
            && c.is_root()
            && bucket_owner.as_deref().is_none_or(|o| o == c.account_id())
            && !acl_headers
            && !is_copy
            && self
                .has_no_policy(bucket.as_deref(), bucket_owner.as_deref())
                .await?
        {
            let facts = S3Facts {
                operation,
                bucket,
                key,
                bucket_owner,
                ..S3Facts::default()
            };
            let extensions = cx.extensions_mut();
            extensions.insert(facts);
            extensions.insert(c.clone());
            return Ok(());
        }
        let bucket_access = match (&bucket, &bucket_owner) {
            (Some(b), Some(owner)) => Some(access_of(&self.store, &self.iam, b, owner).await?),
            _ => None,
        };
        let copy_source = match copy_source(cx.headers()) {
            Some((bucket, key, version_id)) if is_copy => {
                let owner = self.owner(&bucket).await?;
                let access = match &owner {
                    Some(o) => Some(access_of(&self.store, &self.iam, &bucket, o).await?),
                    None => None,
                };
                Some(CopySourceFacts {
                    bucket,
                    key,
                    version_id,
                    owner,
                    access,
                })
            }
            _ => None,
        };
        let query: std::collections::HashMap<String, String> =
            form_urlencoded::parse(cx.uri().query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        // Only a bucket policy can name the upload's encryption: read the upload then.
        let upload_sse = match (&bucket, &key, query.get("uploadId")) {
            (Some(b), Some(k), Some(id))
                if on_upload(&operation) && bucket_access.as_ref().is_some_and(|a| a.policy.is_some()) =>
            {
                self.store
                    .upload(b, k, id)
                    .await
                    .ok()
                    .and_then(|u| u.meta.sse)
                    .map(|sse| (sse.algorithm, sse.key_id))
            }
            _ => None,
        };
        // The object's tags (s3:ExistingObjectTag/*, only when a policy names them) and
        // its ACL (only when the bucket has ACLs enabled), in one read.
        let owner_root = caller
            .as_ref()
            .is_some_and(|c| c.is_root() && bucket_owner.as_deref() == Some(c.account_id()));
        let needs_tags = self
            .iam
            .needs_existing_object_tags(caller.as_ref(), bucket_access.as_deref());
        let needs_acl = !owner_root && bucket_access.as_ref().is_some_and(|a| a.acls_enabled());
        let object_meta = match (&bucket, &key) {
            (Some(b), Some(k)) if reads_existing_object(&operation) && (needs_tags || needs_acl) => {
                self.store.head_object(b, k).await.ok().map(|v| v.meta)
            }
            _ => None,
        };
        let existing_object_tags = object_meta
            .as_ref()
            .filter(|_| needs_tags)
            .map(|m| m.tags.clone());
        let object_acl = object_meta
            .as_ref()
            .and_then(|m| m.acl.as_deref())
            .and_then(coffer_iam::CannedAcl::parse);
        let facts = S3Facts {
            operation,
            bucket,
            key,
            bucket_owner,
            copy_source,
            headers: cx
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            query,
            source_ip: cx.extensions_mut().get::<PeerAddr>().map(|p| p.0.ip()),
            secure_transport: crate::sse_c::secure(cx.extensions_mut()),
            auth_type: auth_type(cx),
            bucket_access,
            upload_sse,
            existing_object_tags,
            object_acl,
        };
        match self.iam.authorize_s3(caller.as_ref(), &facts) {
            Verdict::Allow => {}
            Verdict::Deny { action, resource } => {
                tracing::info!(
                    caller = caller.as_ref().map(Caller::arn).as_deref().unwrap_or("anonymous"),
                    %action,
                    %resource,
                    "access denied"
                );
                return Err(s3_error!(AccessDenied, "Access Denied"));
            }
        }
        let extensions = cx.extensions_mut();
        extensions.insert(facts);
        if let Some(caller) = caller {
            extensions.insert(caller);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_source_names_bucket_key_and_version() {
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-amz-copy-source",
            http::HeaderValue::from_static("/src%2Dbucket/a/b%20c?versionId=1"),
        );
        assert_eq!(
            copy_source(&h),
            Some(("src-bucket".to_owned(), "a/b c".to_owned(), Some("1".to_owned())))
        );
        h.insert("x-amz-copy-source", http::HeaderValue::from_static("b2/k+1"));
        assert_eq!(copy_source(&h), Some(("b2".to_owned(), "k+1".to_owned(), None)));
    }
}
