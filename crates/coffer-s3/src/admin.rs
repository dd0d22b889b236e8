//! The admin API `coffer admin` speaks: the built-in key service's keys and the
//! accounts (tenants, ADR 13). Requests are SigV4-signed like any S3 request (s3s checks
//! the signature before a custom route runs); only the deployment root may call it.
//!
//! - `POST /?coffer-admin=kms-keys&name=NAME[&description=D]`: create a key
//! - `GET /?coffer-admin=kms-keys`: list keys
//! - `POST /?coffer-admin=kms-keys&name=NAME&enabled=false|true`: disable or enable
//! - `POST /?coffer-admin=accounts&name=NAME`: create an account, answering its id and
//!   root credentials
//! - `GET /?coffer-admin=accounts`: list accounts
//! - `DELETE /?coffer-admin=accounts&name=NAME`: delete an account that owns no bucket
//! - `PATCH /?coffer-admin=accounts&name=NAME`: a new root access key for the account
//!   (older ones are deleted), answered like a creation
//! - `PUT /?coffer-admin=accounts&name=NAME&BlockPublicAcls=true&...`: the account's
//!   Block Public Access (the four flags; absent ones are false)
//!
//! S3 has no `coffer-admin` parameter on the service root, so these never shadow an S3
//! request (s3s parses the path before custom routes, so the root is used).

use coffer_core::{KmsKeyRecord, Store, key_arn};
use http::{Extensions, HeaderMap, Method, Uri};
use s3s::route::S3Route;
use s3s::{Body, S3Request, S3Response, S3Result, s3_error};

use crate::error::CoreResultExt as _;

/// The path and query that address the key service in the admin API.
pub const ADMIN_KMS_KEYS: &str = "/?coffer-admin=kms-keys";
/// The path and query that address accounts in the admin API.
pub const ADMIN_ACCOUNTS: &str = "/?coffer-admin=accounts";

pub(crate) struct AdminRoute {
    pub(crate) store: Store,
    pub(crate) iam: coffer_iam::Iam,
    pub(crate) region: String,
}

fn query_param(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn key_json(region: &str, k: &KmsKeyRecord) -> serde_json::Value {
    serde_json::json!({
        "KeyId": k.name,
        "Arn": key_arn(region, &k.name),
        "Alias": format!("alias/{}", k.name),
        "Description": k.description,
        "Enabled": k.enabled,
        "CreationDate": k.created_ms / 1000,
    })
}

fn json_response(value: &serde_json::Value) -> S3Response<Body> {
    let mut resp = S3Response::new(Body::from(value.to_string()));
    if let Ok(v) = http::HeaderValue::from_str("application/json") {
        resp.headers.insert(http::header::CONTENT_TYPE, v);
    }
    resp
}

#[async_trait::async_trait]
impl S3Route for AdminRoute {
    fn is_match(
        &self,
        _method: &Method,
        uri: &Uri,
        _headers: &HeaderMap,
        _extensions: &mut Extensions,
    ) -> bool {
        uri.path() == "/"
            && matches!(
                query_param(uri, "coffer-admin").as_deref(),
                Some("kms-keys" | "accounts")
            )
    }

    async fn call(&self, req: S3Request<Body>) -> S3Result<S3Response<Body>> {
        let caller = req
            .credentials
            .as_ref()
            .and_then(|c| self.iam.authenticate(&c.access_key).ok())
            .map(|(caller, _)| caller);
        if !caller.is_some_and(|c| c.deployment_root) {
            return Err(s3_error!(
                AccessDenied,
                "The admin API answers only the deployment's root credentials."
            ));
        }
        if query_param(&req.uri, "coffer-admin").as_deref() == Some("accounts") {
            return self.accounts(&req).await;
        }
        match req.method {
            Method::GET => {
                let keys = self.store.list_kms_keys().await.s3()?;
                let list: Vec<_> = keys.iter().map(|k| key_json(&self.region, k)).collect();
                Ok(json_response(&serde_json::json!({ "Keys": list })))
            }
            Method::POST => {
                let name = query_param(&req.uri, "name")
                    .ok_or_else(|| s3_error!(InvalidArgument, "the name query parameter is required"))?;
                match query_param(&req.uri, "enabled").as_deref() {
                    None => {
                        let description = query_param(&req.uri, "description").unwrap_or_default();
                        let key = self.store.create_kms_key(&name, &description).await.s3()?;
                        Ok(json_response(&key_json(&self.region, &key)))
                    }
                    Some(flag @ ("true" | "false")) => {
                        self.store.set_kms_key_enabled(&name, flag == "true").await.s3()?;
                        Ok(json_response(
                            &serde_json::json!({ "KeyId": name, "Enabled": flag == "true" }),
                        ))
                    }
                    Some(_) => Err(s3_error!(InvalidArgument, "enabled must be true or false")),
                }
            }
            _ => Err(s3_error!(MethodNotAllowed)),
        }
    }
}

fn account_json(a: &coffer_core::meta::AccountRecord) -> serde_json::Value {
    let bpa = coffer_iam::PublicAccessBlock::of_account(&a.settings);
    serde_json::json!({
        "PublicAccessBlock": serde_json::from_str::<serde_json::Value>(&bpa.to_document()).unwrap_or_default(),
        "account_id": a.account_id,
        "name": a.name,
        "canonical_user_id": coffer_iam::arn::canonical_user_id(&a.account_id),
        "created": a.created_ms / 1000,
        "deployment": a.is_deployment,
    })
}

fn iam_to_s3(e: coffer_iam::IamError) -> s3s::S3Error {
    use coffer_iam::IamError as E;
    use s3s::S3ErrorCode as C;
    let message = e.to_string();
    let code = match e {
        E::NoSuchEntity(_) => C::Custom("NoSuchEntity".into()),
        E::EntityAlreadyExists(_) => C::Custom("EntityAlreadyExists".into()),
        E::DeleteConflict(_) => C::Custom("DeleteConflict".into()),
        E::ValidationError(_) | E::InvalidInput(_) | E::LimitExceeded(_) | E::MalformedPolicyDocument(_) => {
            C::InvalidArgument
        }
        E::AccessDenied(_) | E::InvalidClientTokenId | E::ExpiredToken | E::InvalidToken => C::AccessDenied,
        E::Internal(detail) => {
            tracing::error!(error = %detail, "admin request failed");
            return s3s::S3Error::new(C::InternalError);
        }
    };
    s3s::S3Error::with_message(code, message)
}

impl AdminRoute {
    async fn accounts(&self, req: &S3Request<Body>) -> S3Result<S3Response<Body>> {
        let name = || {
            query_param(&req.uri, "name")
                .ok_or_else(|| s3_error!(InvalidArgument, "the name query parameter is required"))
        };
        match req.method {
            Method::GET => {
                let list: Vec<_> = self.iam.list_accounts().iter().map(account_json).collect();
                Ok(json_response(&serde_json::json!({ "Accounts": list })))
            }
            Method::POST => {
                let new = self.iam.create_account(&name()?).await.map_err(iam_to_s3)?;
                Ok(json_response(&serde_json::json!({
                    "account_id": new.account.account_id,
                    "access_key_id": new.access_key_id,
                    "secret_access_key": new.secret.expose(),
                })))
            }
            Method::DELETE => {
                let name = name()?;
                self.iam.delete_account(&name).await.map_err(iam_to_s3)?;
                Ok(json_response(&serde_json::json!({ "deleted": name })))
            }
            // A new root access key for the account; older ones are deleted.
            Method::PATCH => {
                let name = name()?;
                let key = self.iam.rotate_root_key(&name).await.map_err(iam_to_s3)?;
                Ok(json_response(&serde_json::json!({
                    "account_id": key.record.account_id,
                    "access_key_id": key.record.access_key_id,
                    "secret_access_key": key.secret.expose(),
                })))
            }
            // Account-wide Block Public Access: `&public-access-block=` with the four flags.
            Method::PUT => {
                let name = name()?;
                let flag = |k: &str| query_param(&req.uri, k).is_some_and(|v| v == "true");
                let bpa = coffer_iam::PublicAccessBlock {
                    block_public_acls: flag("BlockPublicAcls"),
                    ignore_public_acls: flag("IgnorePublicAcls"),
                    block_public_policy: flag("BlockPublicPolicy"),
                    restrict_public_buckets: flag("RestrictPublicBuckets"),
                };
                self.iam
                    .set_account_public_access_block(&name, bpa)
                    .await
                    .map_err(iam_to_s3)?;
                Ok(json_response(&serde_json::json!({
                    "name": name,
                    "PublicAccessBlock": serde_json::from_str::<serde_json::Value>(&bpa.to_document()).unwrap_or_default(),
                })))
            }
            _ => Err(s3_error!(MethodNotAllowed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_requests_are_recognised() {
        let uri: Uri = "/?coffer-admin=kms-keys&description=&name=app"
            .parse()
            .unwrap_or_default();
        assert_eq!(uri.path(), "/");
        assert_eq!(query_param(&uri, "coffer-admin").as_deref(), Some("kms-keys"));
        assert_eq!(query_param(&uri, "name").as_deref(), Some("app"));
    }
}
