//! AWS's string wildcards: `*` any run of characters (slashes and colons included), `?`
//! exactly one character. Patterns are tokenized once so that a value substituted for a
//! policy variable, or `${*}`, stays literal.

/// One element of a compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Lit(char),
    /// `*`
    Star,
    /// `?`
    One,
}

/// Tokenizes `pattern`, `*` and `?` being wildcards. Runs of `*` collapse into one, which
/// bounds the matcher's work.
pub(crate) fn compile(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(pattern.len());
    push_pattern(&mut tokens, pattern);
    tokens
}

/// Appends `pattern` with its wildcards active.
pub(crate) fn push_pattern(tokens: &mut Vec<Token>, pattern: &str) {
    for c in pattern.chars() {
        let token = match c {
            '*' => Token::Star,
            '?' => Token::One,
            c => Token::Lit(c),
        };
        if token == Token::Star && tokens.last() == Some(&Token::Star) {
            continue;
        }
        tokens.push(token);
    }
}

/// Appends `text` as literal characters.
pub(crate) fn push_literal(tokens: &mut Vec<Token>, text: &str) {
    tokens.extend(text.chars().map(Token::Lit));
}

/// Whether `text` matches `pattern` as a whole. Iterative, remembering only the last `*`:
/// at most O(len(pattern) * len(text)) steps, whatever the input.
pub(crate) fn matches(pattern: &[Token], text: &str) -> bool {
    let mut p = 0usize;
    let mut s = 0usize;
    // Where the last `*` was and where in `text` its current attempt resumes.
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = text.get(s..).and_then(|rest| rest.chars().next()) {
        match pattern.get(p) {
            Some(Token::Star) => {
                star = Some((p, s));
                p += 1;
                continue;
            }
            Some(Token::One) => {
                p += 1;
                s += c.len_utf8();
                continue;
            }
            Some(Token::Lit(l)) if *l == c => {
                p += 1;
                s += c.len_utf8();
                continue;
            }
            _ => {}
        }
        let Some((star_p, star_s)) = star else {
            return false;
        };
        // Let the `*` swallow one more character and retry after it.
        let Some(skipped) = text.get(star_s..).and_then(|rest| rest.chars().next()) else {
            return false;
        };
        let resume = star_s + skipped.len_utf8();
        star = Some((star_p, resume));
        p = star_p + 1;
        s = resume;
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|t| *t == Token::Star))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        matches(&compile(pattern), text)
    }

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("*", "anything/at:all"));
        assert!(m("s3:Get*", "s3:GetObject"));
        assert!(!m("s3:Get*", "s3:PutObject"));
        assert!(m("s3:*Object", "s3:GetObject"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m(
            "arn:aws:s3:::codemap-results-*/*",
            "arn:aws:s3:::codemap-results-1/x"
        ));
        assert!(!m(
            "arn:aws:s3:::codemap-results-*/*",
            "arn:aws:s3:::other-bucket/x"
        ));
        // `*` spans `/` and `:`, as AWS's resource matching does.
        assert!(m(
            "arn:aws:s3:::codemap-results-*",
            "arn:aws:s3:::codemap-results-1/x"
        ));
        assert!(m("arn:aws:*", "arn:aws:s3:::b"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("?", "\u{1F600}"));
        assert!(m("*\u{e9}", "caf\u{e9}"));
    }

    #[test]
    fn literal_tokens_do_not_wildcard() {
        let mut tokens = Vec::new();
        push_literal(&mut tokens, "a*");
        assert!(matches(&tokens, "a*"));
        assert!(!matches(&tokens, "ab"));
    }

    #[test]
    fn pathological_input_is_fast() {
        let pattern = format!("{}b", "a*".repeat(300));
        let text = "a".repeat(5_000);
        assert!(!m(&pattern, &text));
    }
}
