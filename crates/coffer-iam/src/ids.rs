//! Identifiers in AWS's shapes: 12-digit account ids, `AIDA...` unique ids, `AKIA...`
//! access key ids, 40-character secrets.

use base64::Engine as _;
use coffer_core::SecretKey;
use rand::Rng as _;

/// The alphabet of AWS unique ids and access key ids after their prefix.
const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(BASE32[rng.random_range(0..BASE32.len())]))
        .collect()
}

/// Twelve digits, the first not zero.
#[must_use]
pub fn account_id() -> String {
    rand::rng()
        .random_range(100_000_000_000u64..1_000_000_000_000)
        .to_string()
}

/// A unique id of an IAM entity: `AIDA` users, `AGPA` groups, `AROA` roles, `ANPA`
/// policies.
#[must_use]
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", base32(17))
}

/// A long-term access key id.
#[must_use]
pub fn access_key_id() -> String {
    format!("AKIA{}", base32(16))
}

/// The secret access key a sealed key stands for: 40 characters of base64, as AWS's.
/// Only the key is stored (sealed), so the text is derived from it.
#[must_use]
pub fn secret_text(key: &SecretKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(&key.as_bytes()[..30])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let a = account_id();
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| b.is_ascii_digit()) && !a.starts_with('0'));
        let k = access_key_id();
        assert_eq!(k.len(), 20);
        assert!(k.starts_with("AKIA"));
        assert_eq!(unique_id("AIDA").len(), 21);
        assert_eq!(secret_text(&SecretKey::generate()).len(), 40);
    }
}
