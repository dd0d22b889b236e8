//! The POST policy of a browser upload: its SigV4 signature, its expiration and its
//! conditions, all checked before a byte of the file is read.
//!
//! The signature is HMAC-SHA256 of the base64 policy text under the SigV4 signing key of
//! the credential's date, region and service; the policy then binds every other form
//! field through its conditions (each field needs one, as AWS requires), so nothing the
//! client may change escapes the signature.

use base64::Engine as _;
use hmac::{Hmac, KeyInit as _, Mac as _};
use s3s::post_policy::{PostPolicy, PostPolicyCondition, PostPolicyError};
use s3s::{S3Error, S3ErrorCode, S3Result};
use sha1::Sha1;
use sha2::Sha256;
use time::OffsetDateTime;

use super::form::Fields;

/// The only algorithm of a SigV4 POST.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Who may sign a policy: the secret of an access key, if the key is known and active.
pub(crate) trait Signers: Send + Sync {
    fn secret(&self, access_key: &str) -> Option<String>;
}

impl Signers for coffer_iam::Iam {
    fn secret(&self, access_key: &str) -> Option<String> {
        self.secret_for(access_key)
            .ok()
            .map(|secret| secret.expose().to_owned())
    }
}

/// The access key a form is signed with (checked by [`authenticate`]).
pub(super) fn signer(fields: &Fields) -> Option<&str> {
    fields
        .get("x-amz-credential")
        .and_then(|c| c.split('/').next())
        .or_else(|| fields.get("awsaccesskeyid"))
}

fn error(code: S3ErrorCode, message: impl Into<String>) -> S3Error {
    S3Error::with_message(code, message.into())
}

/// AWS's answer to a form without a field it needs.
pub(super) fn missing_field(name: &str) -> S3Error {
    error(
        S3ErrorCode::InvalidArgument,
        format!(
            "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
        ),
    )
}

fn required<'f>(fields: &'f Fields, name: &str) -> S3Result<&'f str> {
    fields.get(name).ok_or_else(|| missing_field(name))
}

/// The parts of `x-amz-credential`: `<access key>/<yyyymmdd>/<region>/s3/aws4_request`.
struct Scope<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
}

impl<'a> Scope<'a> {
    fn parse(credential: &'a str) -> S3Result<Self> {
        let bad = || {
            error(
                S3ErrorCode::InvalidArgument,
                "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
            )
        };
        let mut parts = credential.rsplitn(5, '/');
        let (Some(terminal), Some(service), Some(region), Some(date), Some(access_key)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        if terminal != "aws4_request"
            || date.len() != 8
            || !date.bytes().all(|b| b.is_ascii_digit())
            || access_key.is_empty()
        {
            return Err(bad());
        }
        if service != "s3" {
            return Err(error(
                S3ErrorCode::InvalidArgument,
                format!(
                    "Error parsing the X-Amz-Credential parameter; incorrect service \"{service}\". This endpoint belongs to \"s3\"."
                ),
            ));
        }
        Ok(Self {
            access_key,
            date,
            region,
        })
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> S3Result<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(S3Error::internal_error)?;
    mac.update(data);
    Ok(mac)
}

/// Checks `signature` (hex) against the SigV4 signature of `policy` (the base64 text as
/// sent) under `secret`, in constant time.
fn verify_signature(policy: &str, signature: &str, secret: &str, scope: &Scope<'_>) -> S3Result<()> {
    let mut key = hmac_sha256(format!("AWS4{secret}").as_bytes(), scope.date.as_bytes())?
        .finalize()
        .into_bytes();
    for part in [scope.region, "s3", "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes())?.finalize().into_bytes();
    }
    let claimed = hex::decode(signature).map_err(|_| signature_mismatch())?;
    hmac_sha256(&key, policy.as_bytes())?
        .verify_slice(&claimed)
        .map_err(|_| signature_mismatch())
}

/// AWS's wording for a policy that does not parse.
fn invalid_policy(e: &PostPolicyError) -> S3Error {
    let detail = match e {
        PostPolicyError::InvalidExpiration(v) => format!("Invalid 'expiration' value: '{v}'"),
        PostPolicyError::InvalidCondition => "Invalid Condition.".to_owned(),
        PostPolicyError::MissingField(f) => format!("Policy missing {f}."),
        PostPolicyError::Base64(_) | PostPolicyError::Utf8(_) | PostPolicyError::Json(_) => {
            "Invalid JSON.".to_owned()
        }
    };
    error(
        S3ErrorCode::InvalidPolicyDocument,
        format!("Invalid Policy: {detail}"),
    )
}

/// Authenticates a form: its policy must be signed with the root credentials (SigV4, or
/// SigV2, which boto3's `generate_presigned_post` still produces by default) and not
/// expired at `now`. Returns the policy, whose conditions [`check_conditions`] applies
/// once the file's name is known.
pub(super) fn authenticate(fields: &Fields, keys: &dyn Signers, now: OffsetDateTime) -> S3Result<PostPolicy> {
    let policy_text = if let Some(signature) = fields.get("x-amz-signature") {
        verify_v4(fields, signature, keys)?
    } else if let Some(signature) = fields.get("signature") {
        verify_v2(fields, signature, keys)?
    } else {
        // Anonymous: only a publicly writable bucket would take it, and there are none.
        return Err(error(S3ErrorCode::AccessDenied, "Access Denied"));
    };
    let policy = PostPolicy::from_base64(policy_text).map_err(|e| invalid_policy(&e))?;
    if now >= OffsetDateTime::from(policy.expiration.clone()) {
        return Err(error(
            S3ErrorCode::AccessDenied,
            "Invalid according to Policy: Policy expired.",
        ));
    }
    Ok(policy)
}

fn unknown_access_key() -> S3Error {
    error(
        S3ErrorCode::InvalidAccessKeyId,
        "The AWS Access Key Id you provided does not exist in our records.",
    )
}

fn signature_mismatch() -> S3Error {
    error(
        S3ErrorCode::SignatureDoesNotMatch,
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    )
}

/// SigV4: `x-amz-signature` is hex HMAC-SHA256 of the policy text under the signing key
/// of `x-amz-credential`'s scope. Returns the verified policy text.
fn verify_v4<'f>(fields: &'f Fields, signature: &str, keys: &dyn Signers) -> S3Result<&'f str> {
    let policy_text = required(fields, "policy")?;
    let algorithm = required(fields, "x-amz-algorithm")?;
    let credential = required(fields, "x-amz-credential")?;
    // Not part of the signature's input, but AWS requires it; the policy's conditions
    // bind its value like any other field's.
    required(fields, "x-amz-date")?;
    if algorithm != ALGORITHM {
        return Err(error(
            S3ErrorCode::InvalidArgument,
            format!("Unsupported x-amz-algorithm '{algorithm}'; only {ALGORITHM} is supported."),
        ));
    }
    let scope = Scope::parse(credential)?;
    let secret = keys.secret(scope.access_key).ok_or_else(unknown_access_key)?;
    verify_signature(policy_text, signature, &secret, &scope)?;
    Ok(policy_text)
}

/// SigV2: `signature` is base64 HMAC-SHA1 of the policy text under the secret key of
/// `AWSAccessKeyId`. Returns the verified policy text.
fn verify_v2<'f>(fields: &'f Fields, signature: &str, keys: &dyn Signers) -> S3Result<&'f str> {
    let policy_text = required(fields, "policy")?;
    let secret = keys
        .secret(required(fields, "awsaccesskeyid")?)
        .ok_or_else(unknown_access_key)?;
    let claimed = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .map_err(|_| signature_mismatch())?;
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).map_err(S3Error::internal_error)?;
    mac.update(policy_text.as_bytes());
    mac.verify_slice(&claimed).map_err(|_| signature_mismatch())?;
    Ok(policy_text)
}

/// Fields that need no condition of their own (AWS: the signature, the file, the policy
/// itself and anything named `x-ignore-*`; for SigV2 also the access key id).
fn exempt(name: &str) -> bool {
    matches!(
        name,
        "x-amz-signature" | "signature" | "awsaccesskeyid" | "file" | "policy"
    ) || name.starts_with("x-ignore-")
}

/// A condition as AWS quotes it in its error message.
fn quote(condition: &PostPolicyCondition) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    match condition {
        PostPolicyCondition::Eq { field, value } => {
            format!("[\"eq\", {}, {}]", json(&format!("${field}")), json(value))
        }
        PostPolicyCondition::StartsWith { field, prefix } => {
            format!(
                "[\"starts-with\", {}, {}]",
                json(&format!("${field}")),
                json(prefix)
            )
        }
        PostPolicyCondition::ContentLengthRange { min, max } => {
            format!("[\"content-length-range\", {min}, {max}]")
        }
    }
}

/// Applies the policy's conditions to the form, for an upload of `key` (with
/// `${filename}` already replaced: conditions see the key that will be written) into
/// `bucket`. Returns the allowed file size range, enforced while the file streams.
pub(super) fn check_conditions(
    policy: &PostPolicy,
    fields: &Fields,
    bucket: &str,
    key: &str,
) -> S3Result<(u64, u64)> {
    let value_of = |field: &str| -> String {
        match field {
            "bucket" => bucket.to_owned(),
            "key" => key.to_owned(),
            // An absent field is empty: `["starts-with", "$x", ""]` allows leaving it out.
            _ => fields.get(field).unwrap_or_default().to_owned(),
        }
    };
    let failed = |c: &PostPolicyCondition| {
        error(
            S3ErrorCode::AccessDenied,
            format!(
                "Invalid according to Policy: Policy Condition failed: {}",
                quote(c)
            ),
        )
    };
    let mut range = (0, u64::MAX);
    for condition in &policy.conditions {
        match condition {
            PostPolicyCondition::Eq { field, value } => {
                if value_of(field) != *value {
                    return Err(failed(condition));
                }
            }
            PostPolicyCondition::StartsWith { field, prefix } => {
                let actual = value_of(field);
                // AWS reads a Content-Type holding commas as a list; each entry must match.
                let ok = if field == "content-type" {
                    actual
                        .split(',')
                        .all(|t| t.trim_start().starts_with(prefix.as_str()))
                } else {
                    actual.starts_with(prefix.as_str())
                };
                if !ok {
                    return Err(failed(condition));
                }
            }
            PostPolicyCondition::ContentLengthRange { min, max } => {
                range = (range.0.max(*min), range.1.min(*max));
            }
        }
    }
    let covered = |name: &str| {
        policy.conditions.iter().any(|c| match c {
            PostPolicyCondition::Eq { field, .. } | PostPolicyCondition::StartsWith { field, .. } => {
                field == name
            }
            PostPolicyCondition::ContentLengthRange { .. } => false,
        })
    };
    if let Some((name, _)) = fields.iter().find(|(name, _)| !exempt(name) && !covered(name)) {
        return Err(error(
            S3ErrorCode::AccessDenied,
            format!("Invalid according to Policy: Extra input fields: {name}"),
        ));
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const AK: &str = "AKIDEXAMPLE";
    const SK: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    struct RootKeys {
        access_key: String,
        secret_key: String,
    }

    impl Signers for RootKeys {
        fn secret(&self, access_key: &str) -> Option<String> {
            (access_key == self.access_key).then(|| self.secret_key.clone())
        }
    }

    fn keys() -> RootKeys {
        RootKeys {
            access_key: AK.into(),
            secret_key: SK.into(),
        }
    }

    fn sign(policy_b64: &str, date: &str, region: &str) -> String {
        let scope = Scope {
            access_key: AK,
            date,
            region,
        };
        let mut key = hmac_sha256(format!("AWS4{SK}").as_bytes(), scope.date.as_bytes())
            .unwrap()
            .finalize()
            .into_bytes();
        for part in [scope.region, "s3", "aws4_request"] {
            key = hmac_sha256(&key, part.as_bytes())
                .unwrap()
                .finalize()
                .into_bytes();
        }
        hex::encode(
            hmac_sha256(&key, policy_b64.as_bytes())
                .unwrap()
                .finalize()
                .into_bytes(),
        )
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        let mut f = Fields::default();
        for (n, v) in pairs {
            f.push((*n).to_owned(), (*v).to_owned()).unwrap();
        }
        f
    }

    fn signed_form(policy_json: &str, extra: &[(&str, &str)]) -> Fields {
        let policy = base64::engine::general_purpose::STANDARD.encode(policy_json);
        let signature = sign(&policy, "20300101", "eu-west-1");
        let mut pairs = vec![
            ("key", "uploads/${filename}"),
            ("x-amz-algorithm", ALGORITHM),
            (
                "x-amz-credential",
                "AKIDEXAMPLE/20300101/eu-west-1/s3/aws4_request",
            ),
            ("x-amz-date", "20300101T000000Z"),
            ("policy", policy.as_str()),
            ("x-amz-signature", signature.as_str()),
        ];
        pairs.extend_from_slice(extra);
        fields(&pairs)
    }

    const POLICY: &str = r#"{"expiration": "2030-01-02T00:00:00.000Z", "conditions": [
        {"bucket": "photos"}, ["starts-with", "$key", "uploads/"],
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": "AKIDEXAMPLE/20300101/eu-west-1/s3/aws4_request"},
        {"x-amz-date": "20300101T000000Z"},
        ["starts-with", "$Content-Type", "image/"],
        ["content-length-range", 10, 1000], ["content-length-range", 1, 500]]}"#;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2030-01-01 12:00 UTC)
    }

    fn code(r: S3Result<impl Sized>) -> String {
        match r {
            Ok(_) => "ok".into(),
            Err(e) => e.code().as_str().to_owned(),
        }
    }

    #[test]
    fn a_signed_policy_authenticates_and_its_conditions_apply() {
        let form = signed_form(POLICY, &[("content-type", "image/png")]);
        let policy = authenticate(&form, &keys(), now()).unwrap();
        assert_eq!(
            check_conditions(&policy, &form, "photos", "uploads/a.png").unwrap(),
            (10, 500)
        );

        let e = check_conditions(&policy, &form, "photos", "other/a.png").unwrap_err();
        assert_eq!(e.code().as_str(), "AccessDenied");
        assert_eq!(
            e.message(),
            Some(
                r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]"#
            )
        );
        assert_eq!(
            code(check_conditions(&policy, &form, "other", "uploads/a")),
            "AccessDenied"
        );

        // A Content-Type list: every entry must match.
        let list = signed_form(POLICY, &[("content-type", "image/png, image/gif")]);
        assert_eq!(
            code(check_conditions(&policy, &list, "photos", "uploads/a")),
            "ok"
        );
        let list = signed_form(POLICY, &[("content-type", "image/png,text/html")]);
        assert_eq!(
            code(check_conditions(&policy, &list, "photos", "uploads/a")),
            "AccessDenied"
        );

        // Every field needs a condition.
        let extra = signed_form(POLICY, &[("content-type", "image/png"), ("acl", "public-read")]);
        let e = check_conditions(&policy, &extra, "photos", "uploads/a").unwrap_err();
        assert_eq!(
            e.message(),
            Some("Invalid according to Policy: Extra input fields: acl")
        );
        let ignored = signed_form(
            POLICY,
            &[("content-type", "image/png"), ("x-ignore-submit", "Go")],
        );
        assert_eq!(
            code(check_conditions(&policy, &ignored, "photos", "uploads/a")),
            "ok"
        );
    }

    #[test]
    fn signature_expiry_and_credentials() {
        let form = signed_form(POLICY, &[]);
        let later = time::macros::datetime!(2030-01-02 00:00 UTC);
        let e = authenticate(&form, &keys(), later).unwrap_err();
        assert_eq!(e.message(), Some("Invalid according to Policy: Policy expired."));

        let wrong = RootKeys {
            access_key: AK.into(),
            secret_key: "another secret".into(),
        };
        assert_eq!(code(authenticate(&form, &wrong, now())), "SignatureDoesNotMatch");
        let other_user = RootKeys {
            access_key: "SOMEONEELSE".into(),
            secret_key: SK.into(),
        };
        assert_eq!(
            code(authenticate(&form, &other_user, now())),
            "InvalidAccessKeyId"
        );

        // Tampering with the policy text breaks the signature.
        let mut pairs: Vec<(String, String)> =
            form.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect();
        for (n, v) in &mut pairs {
            if n == "policy" {
                *v = base64::engine::general_purpose::STANDARD.encode(POLICY.replace("uploads/", ""));
            }
        }
        let tampered = fields(
            &pairs
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        );
        assert_eq!(
            code(authenticate(&tampered, &keys(), now())),
            "SignatureDoesNotMatch"
        );

        assert_eq!(
            code(authenticate(&fields(&[("key", "k")]), &keys(), now())),
            "AccessDenied"
        );
        assert_eq!(
            code(authenticate(
                &fields(&[("x-amz-signature", "00")]),
                &keys(),
                now()
            )),
            "InvalidArgument"
        );
        assert_eq!(
            code(authenticate(
                &fields(&[("signature", "x"), ("awsaccesskeyid", AK)]),
                &keys(),
                now()
            )),
            "InvalidArgument"
        );
    }

    #[test]
    fn signature_version_2() {
        let policy = base64::engine::general_purpose::STANDARD.encode(
            r#"{"expiration": "2030-01-02T00:00:00Z", "conditions": [{"bucket": "b"}, {"key": "k"}]}"#,
        );
        let mut mac = Hmac::<Sha1>::new_from_slice(SK.as_bytes()).unwrap();
        mac.update(policy.as_bytes());
        let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let form = |ak: &str, sig: &str| {
            fields(&[
                ("key", "k"),
                ("awsaccesskeyid", ak),
                ("policy", &policy),
                ("signature", sig),
            ])
        };
        let parsed = authenticate(&form(AK, &signature), &keys(), now()).unwrap();
        // The access key id and the signature need no condition.
        assert_eq!(
            code(check_conditions(&parsed, &form(AK, &signature), "b", "k")),
            "ok"
        );
        assert_eq!(
            code(authenticate(&form("OTHER", &signature), &keys(), now())),
            "InvalidAccessKeyId"
        );
        assert_eq!(
            code(authenticate(&form(AK, "AAAA"), &keys(), now())),
            "SignatureDoesNotMatch"
        );
    }

    #[test]
    fn credentials_parse() {
        let s = Scope::parse("AK/20300101/us-east-1/s3/aws4_request").unwrap();
        assert_eq!((s.access_key, s.date, s.region), ("AK", "20300101", "us-east-1"));
        assert!(Scope::parse("AK/20300101/us-east-1/s3").is_err());
        assert!(Scope::parse("AK/2030011/us-east-1/s3/aws4_request").is_err());
        assert!(Scope::parse("AK/20300101/us-east-1/iam/aws4_request").is_err());
        assert!(Scope::parse("/20300101/us-east-1/s3/aws4_request").is_err());
    }

    #[test]
    fn unparsable_policies_are_invalid_policy_documents() {
        let form = signed_form("{not json", &[]);
        let e = authenticate(&form, &keys(), now()).unwrap_err();
        assert_eq!(e.code().as_str(), "InvalidPolicyDocument");
        assert_eq!(e.message(), Some("Invalid Policy: Invalid JSON."));
    }
}
