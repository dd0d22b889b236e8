//! AWS's rules for bucket names and object keys.

use coffer_meta::ObjectMeta;

use crate::error::{CoreError, CoreResult};

/// The longest key S3 accepts, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Checks a bucket name against AWS's general-purpose bucket naming rules, except that
/// names of 1 or 2 characters are allowed (see docs/adr/0003-short-bucket-names.md).
pub fn validate_bucket_name(name: &str) -> CoreResult<()> {
    let bad = |why: &str| Err(CoreError::InvalidBucketName(format!("{name:?}: {why}")));
    if !(1..=63).contains(&name.len()) {
        return bad("must be 1 to 63 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return bad("only lowercase letters, digits, dots and hyphens are allowed");
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[name.len() - 1];
    if !(first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric()) {
        return bad("must begin and end with a letter or digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return bad("dots may not be adjacent to dots or hyphens");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return bad("must not be formatted as an IP address");
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return bad("uses a reserved prefix");
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return bad("uses a reserved suffix");
        }
    }
    Ok(())
}

/// The storage classes S3 defines. Coffer stores the name; every class lives on the same
/// disks until lifecycle transitions exist.
pub const STORAGE_CLASSES: [&str; 11] = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "OUTPOSTS",
    "GLACIER_IR",
    "SNOW",
    "EXPRESS_ONEZONE",
];

/// Checks a storage class name (`InvalidStorageClass` for names S3 does not define).
pub fn validate_storage_class(class: Option<&str>) -> CoreResult<()> {
    match class {
        Some(c) if !STORAGE_CLASSES.contains(&c) => Err(CoreError::InvalidStorageClass),
        _ => Ok(()),
    }
}

/// Checks an object key: non-empty and at most 1024 bytes. Any UTF-8 is allowed; keys
/// never become file paths, so `../` is just bytes.
pub fn validate_key(key: &str) -> CoreResult<()> {
    if key.is_empty() {
        return Err(CoreError::InvalidArgument("object keys must not be empty".into()));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(CoreError::KeyTooLong);
    }
    Ok(())
}

/// The most bytes of user metadata (`x-amz-meta-*` names without the prefix, plus
/// values) one object may carry, as AWS.
pub const MAX_USER_METADATA_BYTES: usize = 2048;

/// Checks the user metadata of a write (`MetadataTooLarge` beyond 2 KiB) and its tags.
pub fn validate_metadata(meta: &ObjectMeta) -> CoreResult<()> {
    let size: usize = meta.user.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > MAX_USER_METADATA_BYTES {
        return Err(CoreError::MetadataTooLarge);
    }
    crate::tags::validate_tags(&meta.tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for ok in ["x", "ab", "abc", "my-bucket.v2", "a1b", &"a".repeat(63)] {
            assert!(validate_bucket_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-",
            "Bad_Name",
            "-abc",
            "abc-",
            "a..b",
            "192.168.1.1",
            "xn--abc",
            "x-s3alias",
            &"a".repeat(64),
        ] {
            assert!(validate_bucket_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys() {
        assert!(validate_key("../x").is_ok());
        assert!(validate_key(&"k".repeat(1024)).is_ok());
        assert!(matches!(
            validate_key(&"k".repeat(1025)),
            Err(CoreError::KeyTooLong)
        ));
        assert!(validate_key("").is_err());
    }

    #[test]
    fn metadata_size() {
        let mut meta = ObjectMeta::default();
        meta.user.insert("k".repeat(24), "v".repeat(2024));
        assert!(validate_metadata(&meta).is_ok());
        meta.user.insert("x".into(), String::new());
        assert!(matches!(
            validate_metadata(&meta),
            Err(CoreError::MetadataTooLarge)
        ));
    }
}
