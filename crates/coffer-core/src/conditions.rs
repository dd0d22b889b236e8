//! Preconditions of reads (`If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since` on GET and HEAD) and of copy sources
//! (`x-amz-copy-source-if-*`), evaluated as AWS does (RFC 7232 order).

use coffer_meta::ObjectVersion;

use crate::error::{CoreError, CoreResult};

/// An ETag condition: `*` or a list of ETags (quotes and `W/` already removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ETagMatch {
    Any,
    Tags(Vec<String>),
}

impl ETagMatch {
    fn matches(&self, etag: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|t| t == etag),
        }
    }
}

/// The four HTTP preconditions. Times are Unix seconds: `Last-Modified` has one-second
/// resolution, so comparisons are made in whole seconds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<ETagMatch>,
    pub if_none_match: Option<ETagMatch>,
    pub if_modified_since: Option<i64>,
    pub if_unmodified_since: Option<i64>,
}

/// Why a precondition stopped a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failed {
    /// 412.
    Precondition,
    /// 304 on a read.
    NotModified,
}

impl Preconditions {
    /// True when no condition was given.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// RFC 7232 section 6, which S3 follows: a passing `If-Match` overrides a failing
    /// `If-Unmodified-Since`, and a passing `If-None-Match` overrides a failing
    /// `If-Modified-Since`.
    fn evaluate(&self, v: &ObjectVersion) -> Option<Failed> {
        let modified = v.last_modified_ms.div_euclid(1000);
        match &self.if_match {
            Some(m) if !m.matches(&v.etag) => return Some(Failed::Precondition),
            Some(_) => {}
            None => {
                if self.if_unmodified_since.is_some_and(|t| modified > t) {
                    return Some(Failed::Precondition);
                }
            }
        }
        match &self.if_none_match {
            Some(m) if m.matches(&v.etag) => return Some(Failed::NotModified),
            Some(_) => {}
            None => {
                if self.if_modified_since.is_some_and(|t| modified <= t) {
                    return Some(Failed::NotModified);
                }
            }
        }
        None
    }

    /// For GET and HEAD: `NotModified` (304) or `PreconditionFailed` (412). An
    /// `If-Modified-Since` later than the server's clock is ignored (RFC 7232, 3.3).
    pub fn check_read(&self, v: &ObjectVersion) -> CoreResult<()> {
        let now = crate::now_ms().div_euclid(1000);
        let mut this = self.clone();
        this.if_modified_since = this.if_modified_since.filter(|&t| t <= now);
        match this.evaluate(v) {
            None => Ok(()),
            Some(Failed::Precondition) => Err(CoreError::PreconditionFailed),
            Some(Failed::NotModified) => Err(CoreError::NotModified {
                etag: v.etag.clone(),
                last_modified_ms: v.last_modified_ms,
            }),
        }
    }

    /// For a copy source: every failure is `PreconditionFailed` (412).
    pub fn check_copy_source(&self, v: &ObjectVersion) -> CoreResult<()> {
        match self.evaluate(v) {
            None => Ok(()),
            Some(_) => Err(CoreError::PreconditionFailed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coffer_meta::{ObjectData, ObjectMeta};

    fn object(etag: &str, secs: i64) -> ObjectVersion {
        ObjectVersion {
            bucket: "b".into(),
            key: "k".into(),
            version_id: "null".into(),
            delete_marker: false,
            size: 0,
            etag: etag.into(),
            last_modified_ms: secs * 1000 + 250,
            storage_class: "STANDARD".into(),
            meta: ObjectMeta::default(),
            data: ObjectData::Inline(Vec::new()),
        }
    }

    fn tags(t: &[&str]) -> Option<ETagMatch> {
        Some(ETagMatch::Tags(t.iter().map(|s| (*s).to_owned()).collect()))
    }

    fn outcome(p: &Preconditions) -> Option<Failed> {
        p.evaluate(&object("abc", 1000))
    }

    #[test]
    fn each_condition_alone() {
        let none = Preconditions::default();
        assert_eq!(outcome(&none), None);
        let p = |f: fn(&mut Preconditions)| {
            let mut p = Preconditions::default();
            f(&mut p);
            outcome(&p)
        };
        assert_eq!(p(|p| p.if_match = tags(&["abc"])), None);
        assert_eq!(p(|p| p.if_match = tags(&["x", "abc"])), None);
        assert_eq!(p(|p| p.if_match = Some(ETagMatch::Any)), None);
        assert_eq!(p(|p| p.if_match = tags(&["x"])), Some(Failed::Precondition));
        assert_eq!(p(|p| p.if_none_match = tags(&["abc"])), Some(Failed::NotModified));
        assert_eq!(
            p(|p| p.if_none_match = Some(ETagMatch::Any)),
            Some(Failed::NotModified)
        );
        assert_eq!(p(|p| p.if_none_match = tags(&["x"])), None);
        // Last-Modified is 1000.25 s, compared as 1000 s.
        assert_eq!(p(|p| p.if_modified_since = Some(1000)), Some(Failed::NotModified));
        assert_eq!(p(|p| p.if_modified_since = Some(999)), None);
        assert_eq!(p(|p| p.if_unmodified_since = Some(1000)), None);
        assert_eq!(
            p(|p| p.if_unmodified_since = Some(999)),
            Some(Failed::Precondition)
        );
    }

    #[test]
    fn aws_precedence() {
        // If-Match true and If-Unmodified-Since false: 200.
        let p = Preconditions {
            if_match: tags(&["abc"]),
            if_unmodified_since: Some(10),
            ..Preconditions::default()
        };
        assert_eq!(outcome(&p), None);
        // If-None-Match false and If-Modified-Since true: 304.
        let p = Preconditions {
            if_none_match: tags(&["abc"]),
            if_modified_since: Some(10),
            ..Preconditions::default()
        };
        assert_eq!(outcome(&p), Some(Failed::NotModified));
        // If-None-Match true (no match) and If-Modified-Since false: 200.
        let p = Preconditions {
            if_none_match: tags(&["x"]),
            if_modified_since: Some(5000),
            ..Preconditions::default()
        };
        assert_eq!(outcome(&p), None);
        // If-Match false wins over everything: 412.
        let p = Preconditions {
            if_match: tags(&["x"]),
            if_none_match: tags(&["abc"]),
            ..Preconditions::default()
        };
        assert_eq!(outcome(&p), Some(Failed::Precondition));
        // A copy source turns 304 into 412.
        let p = Preconditions {
            if_none_match: tags(&["abc"]),
            ..Preconditions::default()
        };
        assert!(matches!(
            p.check_copy_source(&object("abc", 1)),
            Err(CoreError::PreconditionFailed)
        ));
    }
}
