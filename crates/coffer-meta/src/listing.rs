//! S3 listing semantics over a backend's ordered range scan.
//!
//! Backends provide one primitive, "the next `n` latest objects with key in
//! `[start, end)`", served by an index range scan. This module turns it into a page with
//! common prefixes: when a key rolls up into a common prefix, the scan jumps past every
//! key under that prefix (a skip-scan), so a page costs one scan per common prefix plus
//! one per run of plain keys, however large the bucket.

use crate::{ListEntry, ListPage, ListQuery, MetaError, ObjectSummary};

/// The smallest byte string greater than every string that starts with `prefix`, or
/// `None` when there is none (empty prefix or all `0xFF`).
#[must_use]
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut out = prefix.to_vec();
    while let Some(last) = out.pop() {
        if last < 0xFF {
            out.push(last + 1);
            return Some(out);
        }
    }
    None
}

/// The smallest byte string strictly greater than `key`.
#[must_use]
pub fn key_successor(key: &[u8]) -> Vec<u8> {
    let mut out = key.to_vec();
    out.push(0);
    out
}

/// The common prefix `key` rolls up into, if any: the key up to and including the first
/// occurrence of `delimiter` after `prefix`.
#[must_use]
pub fn common_prefix_of<'a>(key: &'a str, prefix: &str, delimiter: Option<&str>) -> Option<&'a str> {
    let delimiter = delimiter.filter(|d| !d.is_empty())?;
    let rest = key.strip_prefix(prefix)?;
    let at = rest.find(delimiter)?;
    Some(&key[..prefix.len() + at + delimiter.len()])
}

/// Builds one page of `query` from `scan(start_inclusive, end_exclusive, n)`, which must
/// return up to `n` latest non-deleted objects with keys in that range, in byte order.
pub fn list_page<F>(query: &ListQuery, mut scan: F) -> Result<ListPage, MetaError>
where
    F: FnMut(&[u8], Option<&[u8]>, usize) -> Result<Vec<ObjectSummary>, MetaError>,
{
    let prefix = query.prefix.as_str();
    let delimiter = query.delimiter.as_deref();
    let end = prefix_successor(prefix.as_bytes());
    let mut start = prefix.as_bytes().to_vec();
    if let Some(after) = query.after.as_deref() {
        // A continuation that names a common prefix skips all of it; any other marker
        // resumes just after itself.
        let resume = match common_prefix_of(after, prefix, delimiter) {
            Some(cp) => prefix_successor(cp.as_bytes()),
            None => Some(key_successor(after.as_bytes())),
        };
        match resume {
            Some(resume) if resume > start => start = resume,
            Some(_) => {}
            None => return Ok(ListPage::default()),
        }
    }

    let mut page = ListPage::default();
    if query.limit == 0 {
        return Ok(page);
    }
    // With a delimiter, every row of a batch after one that rolls up is discarded, so
    // after a common prefix batches restart at one row and double while they hold only
    // plain keys: a page of `p` common prefixes then reads about `p` rows, not `p^2 / 2`.
    let mut run = if delimiter.is_some() { 32 } else { usize::MAX };
    'outer: loop {
        if let Some(end) = &end
            && start >= *end
        {
            break;
        }
        let want = (query.limit - page.entries.len() + 1).min(1000).min(run);
        let batch = scan(&start, end.as_deref(), want)?;
        let exhausted = batch.len() < want;
        for object in batch {
            if page.entries.len() == query.limit {
                page.truncated = true;
                break 'outer;
            }
            if let Some(cp) = common_prefix_of(&object.key, prefix, delimiter) {
                let cp = cp.to_owned();
                match prefix_successor(cp.as_bytes()) {
                    Some(next) => start = next,
                    None => {
                        page.entries.push(ListEntry::CommonPrefix(cp));
                        break 'outer;
                    }
                }
                page.entries.push(ListEntry::CommonPrefix(cp));
                run = 1;
                continue 'outer;
            }
            start = key_successor(object.key.as_bytes());
            page.entries.push(ListEntry::Object(object));
        }
        if exhausted {
            break;
        }
        run = run.saturating_mul(2);
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn obj(key: &str) -> ObjectSummary {
        ObjectSummary {
            key: key.to_owned(),
            size: 1,
            etag: String::new(),
            last_modified_ms: 0,
            storage_class: "STANDARD".to_owned(),
        }
    }

    fn run(
        keys: &[&str],
        prefix: &str,
        delimiter: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> (Vec<String>, bool, usize) {
        let mut sorted: Vec<&str> = keys.to_vec();
        sorted.sort_unstable();
        let mut scans = 0;
        let query = ListQuery {
            bucket: "b".into(),
            prefix: prefix.into(),
            delimiter: delimiter.map(str::to_owned),
            after: after.map(str::to_owned),
            limit,
        };
        let page = list_page(&query, |start, end, n| {
            scans += 1;
            Ok(sorted
                .iter()
                .filter(|k| k.as_bytes() >= start && end.is_none_or(|e| k.as_bytes() < e))
                .take(n)
                .map(|k| obj(k))
                .collect())
        })
        .unwrap();
        let names = page
            .entries
            .iter()
            .map(|e| match e {
                ListEntry::Object(o) => o.key.clone(),
                ListEntry::CommonPrefix(p) => format!("CP:{p}"),
            })
            .collect();
        (names, page.truncated, scans)
    }

    const KEYS: &[&str] = &["a", "a/1", "a/2", "a/b/3", "b", "c/x", "c/y", "d"];

    #[test]
    fn flat_listing_in_byte_order() {
        let (names, truncated, _) = run(KEYS, "", None, None, 100);
        assert_eq!(names, KEYS);
        assert!(!truncated);
    }

    #[test]
    fn delimiter_rolls_up_and_skips() {
        let (names, truncated, _) = run(KEYS, "", Some("/"), None, 100);
        assert_eq!(names, ["a", "CP:a/", "b", "CP:c/", "d"]);
        assert!(!truncated);
    }

    #[test]
    fn prefix_and_delimiter() {
        let (names, _, _) = run(KEYS, "a/", Some("/"), None, 100);
        assert_eq!(names, ["a/1", "a/2", "CP:a/b/"]);
    }

    #[test]
    fn continuation_after_common_prefix_skips_it() {
        let (names, truncated, _) = run(KEYS, "", Some("/"), None, 2);
        assert_eq!(names, ["a", "CP:a/"]);
        assert!(truncated);
        let (names, truncated, _) = run(KEYS, "", Some("/"), Some("a/"), 2);
        assert_eq!(names, ["b", "CP:c/"]);
        assert!(truncated);
        let (names, truncated, _) = run(KEYS, "", Some("/"), Some("c/"), 2);
        assert_eq!(names, ["d"]);
        assert!(!truncated);
    }

    #[test]
    fn exact_fit_is_not_truncated() {
        let (names, truncated, _) = run(KEYS, "c/", None, None, 2);
        assert_eq!(names, ["c/x", "c/y"]);
        assert!(!truncated);
    }

    #[test]
    fn multi_byte_delimiter_and_unicode() {
        let keys = ["x--1", "x--2--3", "é", "日本/語"];
        let (names, _, _) = run(&keys, "", Some("--"), None, 100);
        assert_eq!(names, ["CP:x--", "é", "日本/語"]);
        let (names, _, _) = run(&keys, "x--", Some("--"), None, 100);
        assert_eq!(names, ["x--1", "CP:x--2--"]);
    }

    #[test]
    fn skip_scan_cost_grows_with_page_not_bucket() {
        let many: Vec<String> = (0..5000).map(|i| format!("big/{i:05}")).collect();
        let mut keys: Vec<&str> = many.iter().map(String::as_str).collect();
        keys.push("small");
        let (names, _, scans) = run(&keys, "", Some("/"), None, 1000);
        assert_eq!(names, ["CP:big/", "small"]);
        assert!(scans <= 3, "{scans} scans");
    }

    #[test]
    fn rows_read_grow_with_the_page_not_its_square() {
        let keys: Vec<String> = (0..2000)
            .flat_map(|d| (0..5).map(move |f| format!("dir-{d:04}/f{f}")))
            .chain((0..3000).map(|i| format!("flat-{i:05}")))
            .collect();
        let query = |prefix: &str, after: Option<&str>| ListQuery {
            bucket: "b".into(),
            prefix: prefix.into(),
            delimiter: Some("/".into()),
            after: after.map(str::to_owned),
            limit: 1000,
        };
        let rows = std::cell::Cell::new(0);
        let scan = |start: &[u8], end: Option<&[u8]>, n: usize| {
            let batch: Vec<ObjectSummary> = keys
                .iter()
                .filter(|k| k.as_bytes() >= start && end.is_none_or(|e| k.as_bytes() < e))
                .take(n)
                .map(|k| obj(k))
                .collect();
            rows.set(rows.get() + batch.len());
            Ok(batch)
        };
        // 1000 common prefixes: about one row each.
        let page = list_page(&query("", None), scan).unwrap();
        assert_eq!(page.entries.len(), 1000);
        assert!(matches!(page.entries[999], ListEntry::CommonPrefix(_)));
        assert!(rows.get() <= 1040, "{} rows for 1000 prefixes", rows.get());
        // 1000 plain keys under a delimiter: doubling batches, so few scans and rows.
        rows.set(0);
        let page = list_page(&query("flat-", None), scan).unwrap();
        assert_eq!(page.entries.len(), 1000);
        assert!(rows.get() <= 1100, "{} rows for 1000 keys", rows.get());
    }

    #[test]
    fn limit_zero_is_empty() {
        let (names, truncated, _) = run(KEYS, "", None, None, 0);
        assert!(names.is_empty());
        assert!(!truncated);
    }
}
