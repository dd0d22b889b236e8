//! SigV4 of IAM and STS requests: every request is signed by a known, active key.

use coffer_iam::{Caller, Iam, sigv4};

use crate::error::QueryError;

/// The caller who signed the request, once the signature and its time are checked.
pub(crate) fn authenticate(
    iam: &Iam,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Caller, QueryError> {
    let headers: Vec<(&str, &str)> = parts
        .headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect();
    let request = sigv4::RequestParts {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers: &headers,
        body,
    };
    let presented = sigv4::parse(&request)?;
    presented.check_time(time::OffsetDateTime::now_utc())?;
    let secret = iam.secret_for(presented.access_key())?;
    presented.verify(secret.expose())?;
    // Session keys need their token; long-term keys must come without one.
    Ok(iam.caller(presented.access_key(), presented.security_token())?)
}
