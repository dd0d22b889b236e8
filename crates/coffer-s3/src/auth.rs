//! SigV4 credentials: the secret of any active access key the identity layer knows
//! (ADR 13). A map lookup, no database read.

use coffer_iam::Iam;
use s3s::auth::{S3Auth, SecretKey};
use s3s::{S3Result, s3_error};

pub(crate) struct IamAuth {
    pub(crate) iam: Iam,
}

#[async_trait::async_trait]
impl S3Auth for IamAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        match self.iam.secret_for(access_key) {
            Ok(secret) => Ok(SecretKey::from(secret.expose())),
            Err(_) => Err(s3_error!(
                InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records."
            )),
        }
    }
}
