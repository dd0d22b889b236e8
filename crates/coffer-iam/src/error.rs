use coffer_meta::MetaError;
use thiserror::Error;

/// Why an identity operation failed, named after the IAM/STS error it answers.
#[derive(Debug, Error)]
pub enum IamError {
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    InvalidInput(String),
    /// A parameter broke its documented constraint (length, pattern).
    #[error("{0}")]
    ValidationError(String),
    #[error("{0}")]
    AccessDenied(String),
    /// A policy document that does not parse or validate.
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// The access key id is unknown or inactive.
    #[error("The security token included in the request is invalid.")]
    InvalidClientTokenId,
    /// A session token past its expiry.
    #[error("The security token included in the request is expired")]
    ExpiredToken,
    /// A session token that is missing, malformed, or not this key's.
    #[error("The security token included in the request is invalid.")]
    InvalidToken,
    /// The store or the keyring failed; details for the log.
    #[error("{0}")]
    Internal(String),
}

impl From<MetaError> for IamError {
    fn from(e: MetaError) -> Self {
        match e {
            MetaError::IdentityExists(what) => Self::EntityAlreadyExists(format!("{what} already exists.")),
            MetaError::NoSuchIdentity(what) => Self::NoSuchEntity(what),
            MetaError::IdentityInUse(why) => Self::DeleteConflict(why),
            MetaError::IdentityLimit(why) => Self::LimitExceeded(why),
            other => Self::Internal(format!("metadata: {other}")),
        }
    }
}

impl From<coffer_core::CoreError> for IamError {
    fn from(e: coffer_core::CoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

pub type IamResult<T> = Result<T, IamError>;
