//! Every failure of an IAM or STS request, and the one mapping to the wire: HTTP status,
//! `Type` (Sender or Receiver) and `Code`, as AWS's IAM and STS error lists give them.

use coffer_iam::IamError;
use coffer_iam::sigv4::SigError;
use http::StatusCode;

#[derive(Debug)]
pub(crate) enum QueryError {
    Iam(IamError),
    /// The request carries no signature.
    MissingAuthentication,
    /// The signature material does not parse (`IncompleteSignature`).
    IncompleteSignature(String),
    SignatureDoesNotMatch,
    /// The request time is outside the allowed window.
    SignatureExpired(String),
    MissingAction,
    InvalidAction(String),
    /// A documented action Coffer has not built yet.
    NotImplemented(String),
    /// A required parameter is absent.
    MissingParameter(String),
    /// The body is larger than any IAM or STS request needs.
    TooLarge,
}

impl From<IamError> for QueryError {
    fn from(e: IamError) -> Self {
        Self::Iam(e)
    }
}

impl From<SigError> for QueryError {
    fn from(e: SigError) -> Self {
        match e {
            SigError::Missing => Self::MissingAuthentication,
            SigError::Mismatch => Self::SignatureDoesNotMatch,
            SigError::Expired(m) | SigError::NotYetValid(m) => Self::SignatureExpired(m),
            other => Self::IncompleteSignature(other.to_string()),
        }
    }
}

/// The wire form of an error.
pub(crate) struct Wire {
    pub status: StatusCode,
    pub sender: bool,
    pub code: &'static str,
    pub message: String,
}

fn wire(status: StatusCode, code: &'static str, message: impl Into<String>) -> Wire {
    Wire {
        status,
        sender: !status.is_server_error(),
        code,
        message: message.into(),
    }
}

impl QueryError {
    pub(crate) fn wire(&self) -> Wire {
        use StatusCode as S;
        match self {
            Self::Iam(e) => {
                let m = e.to_string();
                match e {
                    IamError::NoSuchEntity(_) => wire(S::NOT_FOUND, "NoSuchEntity", m),
                    IamError::EntityAlreadyExists(_) => wire(S::CONFLICT, "EntityAlreadyExists", m),
                    IamError::DeleteConflict(_) => wire(S::CONFLICT, "DeleteConflict", m),
                    IamError::LimitExceeded(_) => wire(S::CONFLICT, "LimitExceeded", m),
                    IamError::InvalidInput(_) => wire(S::BAD_REQUEST, "InvalidInput", m),
                    IamError::ValidationError(_) => wire(S::BAD_REQUEST, "ValidationError", m),
                    IamError::AccessDenied(_) => wire(S::FORBIDDEN, "AccessDenied", m),
                    IamError::MalformedPolicyDocument(_) => {
                        wire(S::BAD_REQUEST, "MalformedPolicyDocument", m)
                    }
                    IamError::InvalidClientTokenId | IamError::InvalidToken => wire(
                        S::FORBIDDEN,
                        "InvalidClientTokenId",
                        "The security token included in the request is invalid.",
                    ),
                    IamError::ExpiredToken => wire(S::FORBIDDEN, "ExpiredToken", m),
                    IamError::Internal(detail) => {
                        tracing::error!(error = %detail, "IAM request failed");
                        wire(
                            S::INTERNAL_SERVER_ERROR,
                            "ServiceFailure",
                            "The request processing has failed because of an unknown error, exception or failure.",
                        )
                    }
                }
            }
            Self::MissingAuthentication => wire(
                S::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            Self::IncompleteSignature(m) => wire(S::BAD_REQUEST, "IncompleteSignature", m.clone()),
            Self::SignatureDoesNotMatch => wire(
                S::FORBIDDEN,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ),
            Self::SignatureExpired(m) => wire(S::FORBIDDEN, "SignatureDoesNotMatch", m.clone()),
            Self::MissingAction => wire(S::BAD_REQUEST, "MissingAction", "Missing Action"),
            Self::InvalidAction(a) => wire(
                S::BAD_REQUEST,
                "InvalidAction",
                format!("Could not find operation {a} for version 2010-05-08"),
            ),
            Self::NotImplemented(a) => wire(
                S::NOT_IMPLEMENTED,
                "NotImplemented",
                format!("{a} is not implemented by Coffer yet."),
            ),
            Self::MissingParameter(p) => wire(
                S::BAD_REQUEST,
                "ValidationError",
                format!(
                    "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                    lower_first(p)
                ),
            ),
            Self::TooLarge => wire(
                S::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                "Request body is larger than 256 KiB.",
            ),
        }
    }
}

/// AWS names parameters in validation messages in lower camel case (`userName`).
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}
