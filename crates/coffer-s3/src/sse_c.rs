//! SSE-C: the customer's key from `x-amz-server-side-encryption-customer-*` (or the
//! `x-amz-copy-source-` variants), checked as AWS checks it. The key is never stored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use coffer_core::SecretKey;
use md5::{Digest as _, Md5};
use s3s::{S3Result, s3_error};

/// The three SSE-C header values of a request.
pub(crate) struct CustomerHeaders<'a> {
    pub algorithm: Option<&'a str>,
    pub key: Option<&'a str>,
    pub key_md5: Option<&'a str>,
}

/// Whether the request reached us over TLS, as the server decided from a trusted proxy's
/// `X-Forwarded-Proto` ([`coffer_iam::SecureTransport`]): Coffer itself serves plain
/// HTTP, and the header of any other client proves nothing.
pub(crate) fn secure(extensions: &http::Extensions) -> bool {
    extensions
        .get::<coffer_iam::SecureTransport>()
        .is_some_and(|s| s.0)
}

/// The customer key the headers carry, if any.
pub(crate) fn customer_key(
    h: &CustomerHeaders<'_>,
    extensions: &http::Extensions,
    allow_http: bool,
) -> S3Result<Option<SecretKey>> {
    if h.algorithm.is_none() && h.key.is_none() && h.key_md5.is_none() {
        return Ok(None);
    }
    if !allow_http && !secure(extensions) {
        return Err(s3_error!(
            InvalidRequest,
            "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection."
        ));
    }
    if h.algorithm != Some("AES256") {
        return Err(s3_error!(
            InvalidArgument,
            "The requested encryption algorithm is not valid: the customer algorithm must be AES256."
        ));
    }
    let (Some(key), Some(key_md5)) = (h.key, h.key_md5) else {
        return Err(s3_error!(
            InvalidArgument,
            "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key and its MD5."
        ));
    };
    let raw = STANDARD.decode(key.trim()).ok();
    let Some(bytes) = raw.as_deref().and_then(|r| <[u8; 32]>::try_from(r).ok()) else {
        return Err(s3_error!(
            InvalidArgument,
            "The secret key was invalid for the specified algorithm."
        ));
    };
    if STANDARD.encode(Md5::digest(bytes)) != key_md5.trim() {
        return Err(s3_error!(
            InvalidArgument,
            "The calculated MD5 hash of the key did not match the hash that was provided."
        ));
    }
    Ok(Some(SecretKey::from_bytes(bytes)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_checked_as_aws_does() {
        let key = STANDARD.encode([7u8; 32]);
        let md5 = STANDARD.encode(Md5::digest([7u8; 32]));
        let h = |a: Option<&'static str>, k: Option<String>, m: Option<String>| (a, k, m);
        let plain = http::Extensions::new();
        let check = |(a, k, m): (Option<&str>, Option<String>, Option<String>), allow: bool| {
            customer_key(
                &CustomerHeaders {
                    algorithm: a,
                    key: k.as_deref(),
                    key_md5: m.as_deref(),
                },
                &plain,
                allow,
            )
            .map(|k| k.is_some())
            .map_err(|e| e.code().as_str().to_owned())
        };
        assert_eq!(check(h(None, None, None), false), Ok(false));
        assert_eq!(
            check(h(Some("AES256"), Some(key.clone()), Some(md5.clone())), true),
            Ok(true)
        );
        assert_eq!(
            check(h(Some("AES256"), Some(key.clone()), Some(md5.clone())), false),
            Err("InvalidRequest".into())
        );
        // Over TLS, as the server decided (a trusted proxy's X-Forwarded-Proto: https).
        let mut tls = http::Extensions::new();
        tls.insert(coffer_iam::SecureTransport(true));
        let over_tls = CustomerHeaders {
            algorithm: Some("AES256"),
            key: Some(&key),
            key_md5: Some(&md5),
        };
        assert!(customer_key(&over_tls, &tls, false).unwrap().is_some());
        assert_eq!(
            check(h(Some("AES128"), Some(key.clone()), Some(md5.clone())), true),
            Err("InvalidArgument".into())
        );
        assert_eq!(
            check(
                h(
                    Some("AES256"),
                    Some(key.clone()),
                    Some(STANDARD.encode([0u8; 16]))
                ),
                true
            ),
            Err("InvalidArgument".into())
        );
        assert_eq!(
            check(
                h(Some("AES256"), Some(STANDARD.encode([1u8; 16])), Some(md5)),
                true
            ),
            Err("InvalidArgument".into())
        );
        assert_eq!(
            check(h(Some("AES256"), Some(key), None), true),
            Err("InvalidArgument".into())
        );
    }
}
