//! The constraints the IAM API documents for names, paths and tags.

use coffer_meta::IamTag;

use crate::error::{IamError, IamResult};

/// At most this many tags on a user or role.
pub const MAX_TAGS: usize = 50;

fn invalid(what: &str, value: &str, rule: &str) -> IamError {
    IamError::ValidationError(format!(
        "1 validation error detected: Value '{value}' at '{what}' failed to satisfy constraint: {rule}"
    ))
}

/// User, group and role names: 1-64 of `[\w+=,.@-]` (roles and groups: 1-64 too).
pub fn validate_entity_name(what: &str, name: &str) -> IamResult<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if name.is_empty() || name.chars().count() > 64 {
        return Err(invalid(what, name, "Member must have length between 1 and 64"));
    }
    if !name.chars().all(ok_char) {
        return Err(invalid(
            what,
            name,
            "Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        ));
    }
    Ok(())
}

/// Paths: `/`, or `/` + printable ASCII + `/`, at most 512 characters.
pub fn validate_path(what: &str, path: &str) -> IamResult<()> {
    let printable = |c: char| ('\u{21}'..='\u{7e}').contains(&c);
    let ok = path == "/"
        || (path.len() >= 2
            && path.len() <= 512
            && path.starts_with('/')
            && path.ends_with('/')
            && path.chars().all(printable));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            what,
            path,
            "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
        ))
    }
}

fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Tag keys 1-128 and values 0-256 characters of letters, digits, spaces and
/// `_.:/=+-@`; keys unique regardless of case; `aws:` is reserved.
pub fn validate_tags(tags: &[IamTag]) -> IamResult<()> {
    let mut seen = std::collections::HashSet::new();
    for t in tags {
        let key_len = t.key.chars().count();
        if key_len == 0 || key_len > 128 || !t.key.chars().all(tag_char) {
            return Err(invalid(
                "tags.member.key",
                &t.key,
                "Member must have length between 1 and 128 and match [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
            ));
        }
        if t.value.chars().count() > 256 || !t.value.chars().all(tag_char) {
            return Err(invalid(
                "tags.member.value",
                &t.value,
                "Member must have length between 0 and 256 and match [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
            ));
        }
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(IamError::InvalidInput(format!(
                "User-defined tag keys can't start with 'aws:' ({}).",
                t.key
            )));
        }
        if !seen.insert(t.key.to_lowercase()) {
            return Err(IamError::InvalidInput(format!(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive ({}).",
                t.key
            )));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(IamError::LimitExceeded(format!(
            "The number of tags has reached the maximum limit of {MAX_TAGS}."
        )));
    }
    Ok(())
}

/// Account names: 1-64 of lower-case letters, digits, `-`, `_` and `.`.
pub fn validate_account_name(name: &str) -> IamResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(IamError::ValidationError(format!(
            "account name '{name}' must be 1-64 characters of a-z, 0-9, '-', '_' and '.'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert!(validate_entity_name("userName", "codemap-writer@x.y+z=1,2").is_ok());
        for bad in ["", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(validate_entity_name("userName", bad).is_err(), "{bad:?}");
        }
        for good in ["/", "/a/", "/a/b/"] {
            assert!(validate_path("path", good).is_ok(), "{good:?}");
        }
        for bad in ["", "a", "/a", "a/", "/a b/"] {
            assert!(validate_path("path", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tags() {
        let tag = |k: &str, v: &str| IamTag {
            key: k.to_owned(),
            value: v.to_owned(),
        };
        assert!(validate_tags(&[tag("team", "a b"), tag("cost-center", "")]).is_ok());
        assert!(validate_tags(&[tag("", "x")]).is_err());
        assert!(validate_tags(&[tag("aws:x", "x")]).is_err());
        assert!(validate_tags(&[tag("Team", "x"), tag("team", "y")]).is_err());
        assert!(validate_tags(&[tag("a", "x!")]).is_err());
        let many: Vec<_> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert!(matches!(validate_tags(&many), Err(IamError::LimitExceeded(_))));
    }
}
