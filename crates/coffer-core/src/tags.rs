//! AWS's limits on object tags.

use std::collections::BTreeMap;

use crate::error::{CoreError, CoreResult};

/// The most tags one object may carry.
pub const MAX_OBJECT_TAGS: usize = 10;

/// Checks an object's tag set: at most 10 tags, keys of 1 to 128 and values of at most
/// 256 Unicode characters (`InvalidTag` otherwise).
pub fn validate_tags(tags: &BTreeMap<String, String>) -> CoreResult<()> {
    if tags.len() > MAX_OBJECT_TAGS {
        return Err(CoreError::InvalidTag(
            "Object tags cannot be greater than 10".into(),
        ));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(CoreError::InvalidTag(
                "The TagKey you have provided is invalid".into(),
            ));
        }
        if v.chars().count() > 256 {
            return Err(CoreError::InvalidTag(
                "The TagValue you have provided is invalid".into(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(n: usize) -> BTreeMap<String, String> {
        (0..n).map(|i| (format!("k{i}"), "v".into())).collect()
    }

    #[test]
    fn limits() {
        assert!(validate_tags(&tags(10)).is_ok());
        assert!(matches!(validate_tags(&tags(11)), Err(CoreError::InvalidTag(_))));
        let mut t = tags(1);
        t.insert("k".repeat(129), String::new());
        assert!(validate_tags(&t).is_err());
        let mut t = tags(1);
        t.insert("ok".into(), "é".repeat(256));
        assert!(validate_tags(&t).is_ok());
        t.insert("ok".into(), "é".repeat(257));
        assert!(validate_tags(&t).is_err());
    }
}
