//! STS sessions (ADR 13 section 5): self-contained, no row. The access key id is random
//! (`ASIA...`); its secret is derived from it with a key derived from the master key;
//! the session token carries the claims sealed (AES-256-GCM, the access key id as
//! associated data) with another derived key. `get_secret_key` sees only the key id, and
//! that suffices; restarts keep sessions; nothing needs expiring. A master-key rotation
//! ends every session.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use coffer_core::Keyring;
use rand::RngCore as _;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::error::{IamError, IamResult};
use crate::ids;
use crate::snapshot::Secret;

const TOKEN_PREFIX: &str = "CF1.";

/// What a session token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionClaims {
    pub account_id: String,
    pub role_name: String,
    pub role_id: String,
    pub session_name: String,
    /// The ARN of who assumed the role.
    pub source_arn: String,
    /// Unix seconds.
    pub issued: i64,
    pub expires: i64,
    /// The session policy, verbatim.
    pub policy: Option<String>,
    /// Assumed by a role session (role chaining).
    pub chained: bool,
}

impl SessionClaims {
    fn to_json(&self) -> String {
        serde_json::json!({
            "a": self.account_id, "r": self.role_name, "ri": self.role_id, "s": self.session_name,
            "c": self.source_arn, "i": self.issued, "e": self.expires, "p": self.policy, "ch": self.chained,
        })
        .to_string()
    }

    fn from_json(bytes: &[u8]) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let text = |k: &str| v[k].as_str().map(str::to_owned);
        Some(Self {
            account_id: text("a")?,
            role_name: text("r")?,
            role_id: text("ri")?,
            session_name: text("s")?,
            source_arn: text("c")?,
            issued: v["i"].as_i64()?,
            expires: v["e"].as_i64()?,
            policy: text("p"),
            chained: v["ch"].as_bool().unwrap_or(false),
        })
    }
}

/// The keys sessions are made with, derived from the current master key.
pub(crate) struct SessionKeys {
    secret: [u8; 32],
    token: LessSafeKey,
}

impl SessionKeys {
    pub(crate) fn new(keyring: &Keyring) -> IamResult<Self> {
        let secret = keyring.derive("sts-session-secret")?;
        let token = keyring.derive("sts-session-token")?;
        let token =
            UnboundKey::new(&AES_256_GCM, &token).map_err(|_| IamError::Internal("session key".into()))?;
        Ok(Self {
            secret,
            token: LessSafeKey::new(token),
        })
    }

    /// The secret of a session's access key id.
    pub(crate) fn secret_of(&self, access_key_id: &str) -> Secret {
        let mac = crate::sigv4::hmac_sha256(&self.secret, access_key_id.as_bytes());
        Secret::new(STANDARD.encode(&mac[..30]))
    }

    /// A new session: its access key id, secret and token.
    pub(crate) fn issue(&self, claims: &SessionClaims) -> IamResult<(String, Secret, String)> {
        let access_key_id = format!("ASIA{}", &ids::access_key_id()[4..]);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut sealed = claims.to_json().into_bytes();
        self.token
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(access_key_id.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| IamError::Internal("sealing a session token".into()))?;
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&sealed);
        let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(raw));
        let secret = self.secret_of(&access_key_id);
        Ok((access_key_id, secret, token))
    }

    /// The claims of `token`, which must have been issued with `access_key_id`.
    /// `InvalidToken` if it was not (or is not a token), `ExpiredToken` past its expiry.
    pub(crate) fn open(&self, access_key_id: &str, token: &str, now: i64) -> IamResult<SessionClaims> {
        let raw = token
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|t| URL_SAFE_NO_PAD.decode(t).ok())
            .filter(|r| r.len() > NONCE_LEN)
            .ok_or(IamError::InvalidToken)?;
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| IamError::InvalidToken)?;
        let mut sealed = sealed.to_vec();
        let plain = self
            .token
            .open_in_place(nonce, Aad::from(access_key_id.as_bytes()), &mut sealed)
            .map_err(|_| IamError::InvalidToken)?;
        let claims = SessionClaims::from_json(plain).ok_or(IamError::InvalidToken)?;
        if now >= claims.expires {
            return Err(IamError::ExpiredToken);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use coffer_core::SecretKey;

    fn claims(expires: i64) -> SessionClaims {
        SessionClaims {
            account_id: "123456789012".into(),
            role_name: "r".into(),
            role_id: "AROAX".into(),
            session_name: "s".into(),
            source_arn: "arn:aws:iam::123456789012:user/u".into(),
            issued: 100,
            expires,
            policy: Some("{}".into()),
            chained: false,
        }
    }

    #[test]
    fn tokens_open_only_for_their_key_and_until_expiry() {
        let keyring = Keyring::new(SecretKey::generate(), Vec::new());
        let keys = SessionKeys::new(&keyring).unwrap();
        let (akid, secret, token) = keys.issue(&claims(200)).unwrap();
        assert!(akid.starts_with("ASIA") && akid.len() == 20);
        assert_eq!(secret.expose().len(), 40);
        assert_eq!(keys.secret_of(&akid), secret);
        assert_eq!(keys.open(&akid, &token, 150).unwrap(), claims(200));
        assert!(matches!(
            keys.open(&akid, &token, 200),
            Err(IamError::ExpiredToken)
        ));
        let (other, _, _) = keys.issue(&claims(200)).unwrap();
        assert!(matches!(
            keys.open(&other, &token, 150),
            Err(IamError::InvalidToken)
        ));
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(matches!(
            keys.open(&akid, &tampered, 150),
            Err(IamError::InvalidToken)
        ));
        assert!(matches!(
            keys.open(&akid, "garbage", 150),
            Err(IamError::InvalidToken)
        ));
        // Another master key (after a rotation) opens nothing.
        let rotated = SessionKeys::new(&Keyring::new(SecretKey::generate(), Vec::new())).unwrap();
        assert!(matches!(
            rotated.open(&akid, &token, 150),
            Err(IamError::InvalidToken)
        ));
    }
}
