//! SigV4 credentials: who may sign requests. Root only until the IAM issue.

use s3s::auth::{S3Auth, SecretKey};
use s3s::{S3Result, s3_error};

/// The root credentials, from the environment or generated on first start.
pub(crate) struct RootAuth {
    access_key: String,
    secret_key: SecretKey,
}

impl RootAuth {
    pub(crate) fn new(access_key: &str, secret_key: &str) -> Self {
        Self {
            access_key: access_key.to_owned(),
            secret_key: SecretKey::from(secret_key),
        }
    }
}

#[async_trait::async_trait]
impl S3Auth for RootAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        if access_key == self.access_key {
            Ok(self.secret_key.clone())
        } else {
            Err(s3_error!(
                InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records."
            ))
        }
    }
}
