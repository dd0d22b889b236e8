//! Policy variables (IAM User Guide, reference_policies_variables): `${aws:username}`,
//! `${aws:PrincipalTag/team}`, the fixed `${*}`, `${?}`, `${$}`, and defaults
//! `${aws:userid, 'anonymous'}` (a `'` inside a default is written `''`). Substitution is
//! one pass: a substituted value is literal text, never a wildcard or a new variable, so
//! a request value (a tag, a user name) cannot widen a pattern.

use std::borrow::Cow;

use super::context::ConditionKeys;
use super::glob::{self, Token};

#[derive(Clone, Debug)]
enum Part {
    /// Policy text; its `*` and `?` are wildcards where the operator has them.
    Text(String),
    /// A condition key (lower-cased) and its default.
    Var { key: String, default: Option<String> },
    /// `${*}`, `${?}`, `${$}`: the character itself, never a wildcard.
    Char(char),
}

/// A string of a policy (a Resource entry or a condition value), split once into text and
/// variables.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    raw: String,
    parts: Vec<Part>,
    /// The tokens when nothing needs substituting.
    fixed: Option<Vec<Token>>,
}

impl Template {
    /// `text` without variables: `${...}` is literal (version 2008-10-17).
    pub(crate) fn literal(text: &str) -> Self {
        Self::build(text, vec![Part::Text(text.to_owned())])
    }

    /// `text` with its variables recognized (version 2012-10-17). A `${` that does not
    /// open a well-formed variable stays literal text.
    pub(crate) fn parse(text: &str) -> Self {
        Self::build(text, split(text))
    }

    fn build(raw: &str, parts: Vec<Part>) -> Self {
        let fixed = match parts.as_slice() {
            [] => Some(Vec::new()),
            [Part::Text(text)] => Some(glob::compile(text)),
            _ => None,
        };
        Self {
            raw: raw.to_owned(),
            parts,
            fixed,
        }
    }

    /// The text as written in the policy.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    /// Whether the text uses a variable or a `${*}`-style character.
    pub(crate) fn has_variables(&self) -> bool {
        self.fixed.is_none()
    }

    /// The string with variables substituted (for equality operators); `None` when a key
    /// is absent without a default, or has several values.
    pub(crate) fn expand<'s>(&'s self, keys: &ConditionKeys) -> Option<Cow<'s, str>> {
        if self.fixed.is_some() {
            return Some(Cow::Borrowed(&self.raw));
        }
        let mut out = String::with_capacity(self.raw.len());
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Char(c) => out.push(*c),
                Part::Var { key, default } => out.push_str(resolve(keys, key, default.as_deref())?),
            }
        }
        Some(Cow::Owned(out))
    }

    /// The pattern with variables substituted as literal text (for `*Like` and Resource).
    pub(crate) fn expand_glob<'s>(&'s self, keys: &ConditionKeys) -> Option<Cow<'s, [Token]>> {
        if let Some(fixed) = &self.fixed {
            return Some(Cow::Borrowed(fixed));
        }
        let mut out = Vec::with_capacity(self.raw.len());
        for part in &self.parts {
            match part {
                Part::Text(text) => glob::push_pattern(&mut out, text),
                Part::Char(c) => out.push(Token::Lit(*c)),
                Part::Var { key, default } => {
                    glob::push_literal(&mut out, resolve(keys, key, default.as_deref())?);
                }
            }
        }
        Some(Cow::Owned(out))
    }
}

/// A single-valued key's value, else the default. A multi-valued key cannot stand in for
/// one string, so it does not resolve.
fn resolve<'k>(keys: &'k ConditionKeys, key: &str, default: Option<&'k str>) -> Option<&'k str> {
    match keys.get_lower(key) {
        Some([value]) => Some(value),
        Some(_) => None,
        None => default,
    }
}

fn split(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut pending = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let (before, from) = rest.split_at(at);
        pending.push_str(before);
        let body = from.get(2..).unwrap_or_default();
        match parse_variable(body) {
            Some((part, used)) => {
                if !pending.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut pending)));
                }
                parts.push(part);
                rest = body.get(used..).unwrap_or_default();
            }
            None => {
                pending.push_str("${");
                rest = body;
            }
        }
    }
    pending.push_str(rest);
    if !pending.is_empty() {
        parts.push(Part::Text(pending));
    }
    parts
}

/// Parses what follows `${` up to and including its `}`; returns the part and the bytes
/// used. `None` when it is not a well-formed variable.
fn parse_variable(body: &str) -> Option<(Part, usize)> {
    for special in ['*', '?', '$'] {
        if body
            .strip_prefix(special)
            .is_some_and(|rest| rest.starts_with('}'))
        {
            return Some((Part::Char(special), 2));
        }
    }
    // Stop at the first character no key may hold, so that a run of `${` costs linear
    // time rather than a scan to the end of the text for each.
    let end = body
        .char_indices()
        .find(|(_, c)| matches!(c, '}' | ',' | '$' | '{' | '\''))
        .filter(|(_, c)| matches!(c, '}' | ','))?
        .0;
    let key = body.get(..end)?.trim();
    let (default, used) = if body.get(end..)?.starts_with(',') {
        let (default, used) = parse_default(body.get(end + 1..)?)?;
        (Some(default), end + 1 + used)
    } else {
        (None, end + 1)
    };
    let part = match key {
        "*" | "?" | "$" if default.is_none() => Part::Char(key.chars().next()?),
        _ if valid_key(key) => Part::Var {
            key: key.to_lowercase(),
            default,
        },
        _ => return None,
    };
    Some((part, used))
}

/// Parses ` 'default'}` (spaces allowed around the quoted text); returns the default and
/// the bytes used including the `}`.
fn parse_default(after_comma: &str) -> Option<(String, usize)> {
    let start = after_comma.len() - after_comma.trim_start().len();
    let quoted = after_comma.get(start..)?.strip_prefix('\'')?;
    let mut value = String::new();
    let mut chars = quoted.char_indices().peekable();
    let close = loop {
        let (i, c) = chars.next()?;
        if c != '\'' {
            value.push(c);
        } else if chars.peek().is_some_and(|(_, n)| *n == '\'') {
            value.push('\'');
            chars.next();
        } else {
            break i;
        }
    };
    let after_quote = quoted.get(close + 1..)?;
    let spaces = after_quote.len() - after_quote.trim_start().len();
    if !after_quote.get(spaces..)?.starts_with('}') {
        return None;
    }
    // Bytes: leading spaces, the opening quote, the quoted text, the closing quote,
    // trailing spaces, `}`.
    Some((value, start + 1 + close + 1 + spaces + 1))
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && !key
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '$' | '{' | '}' | '\'' | ','))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys(pairs: &[(&str, &str)]) -> ConditionKeys {
        let mut k = ConditionKeys::new();
        for (key, value) in pairs {
            k.insert(key, *value);
        }
        k
    }

    #[test]
    fn substitutes_and_defaults() {
        let k = keys(&[("aws:username", "Alice"), ("aws:PrincipalTag/Team", "blue")]);
        let t = Template::parse("arn:aws:s3:::bucket/home/${aws:username}/*");
        assert!(t.has_variables());
        assert_eq!(t.expand(&k).unwrap(), "arn:aws:s3:::bucket/home/Alice/*");
        assert_eq!(Template::parse("${AWS:UserName}").expand(&k).unwrap(), "Alice");
        assert_eq!(
            Template::parse("t-${aws:principaltag/team}").expand(&k).unwrap(),
            "t-blue"
        );
        assert!(Template::parse("${aws:userid}").expand(&k).is_none());
        assert_eq!(
            Template::parse("${aws:userid, 'anonymous'}").expand(&k).unwrap(),
            "anonymous"
        );
        assert_eq!(
            Template::parse("${aws:userid,'it''s'}").expand(&k).unwrap(),
            "it's"
        );
        assert_eq!(
            Template::parse("${ aws:username , 'x' }").expand(&k).unwrap(),
            "Alice"
        );
        assert_eq!(Template::parse("a${*}b${?}c${$}").expand(&k).unwrap(), "a*b?c$");
    }

    #[test]
    fn substituted_values_are_literal_in_patterns() {
        let k = keys(&[("aws:username", "*")]);
        let t = Template::parse("home/${aws:username}/*");
        let tokens = t.expand_glob(&k).unwrap();
        assert!(glob::matches(&tokens, "home/*/x"));
        assert!(!glob::matches(&tokens, "home/bob/x"));
        let star = Template::parse("a${*}");
        assert!(glob::matches(&star.expand_glob(&k).unwrap(), "a*"));
        assert!(!glob::matches(&star.expand_glob(&k).unwrap(), "ab"));
    }

    #[test]
    fn malformed_variables_stay_literal() {
        let k = keys(&[]);
        for text in [
            "${",
            "${}",
            "${ }",
            "a${b",
            "${a b}",
            "${a, b}",
            "${a, 'b}",
            "${a,'b''}",
            "$${",
        ] {
            let t = Template::parse(text);
            assert!(!t.has_variables(), "{text}");
            assert_eq!(t.expand(&k).unwrap(), text);
        }
        assert!(!Template::literal("${aws:username}").has_variables());
    }

    #[test]
    fn multi_valued_keys_do_not_resolve() {
        let k = keys(&[("aws:TagKeys", "a"), ("aws:TagKeys", "b")]);
        assert!(Template::parse("${aws:TagKeys}").expand(&k).is_none());
        assert!(Template::parse("${aws:TagKeys, 'd'}").expand(&k).is_none());
    }
}
