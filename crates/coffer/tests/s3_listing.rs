//! ListObjectsV2 / ListObjects pagination, delimiters, start-after and URL encoding.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::collections::BTreeSet;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::EncodingType;
use common::Server;
use s3util::{create_bucket, put_many, url_decode_plus};

const BUCKET: &str = "list";

/// 2,500 keys whose byte order differs from naive orders (case, space, '+', multi-byte).
fn listing_keys() -> Vec<String> {
    let dirs = ["A", "a", "a b", "a+b", "b/deep/er", "é", "日本", "z~"];
    (0..2500)
        .map(|n| match n % 10 {
            0 => format!("top+{n:04}"),
            5 => format!("top {n:04}"),
            _ => format!("{}/{n:04}", dirs[n % 8]),
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort(); // `str` orders by UTF-8 bytes, as S3 does.
    v
}

/// One page of a V2 listing, keys and prefixes as strings (URL-decoded if asked for).
struct Page {
    keys: Vec<String>,
    prefixes: Vec<String>,
    key_count: i32,
    truncated: bool,
    next: Option<String>,
}

#[derive(Default, Clone, Copy)]
struct Opts<'a> {
    prefix: Option<&'a str>,
    delimiter: Option<&'a str>,
    start_after: Option<&'a str>,
    max_keys: Option<i32>,
    url: bool,
}

async fn list_v2_page(s3: &Client, o: Opts<'_>, token: Option<String>) -> Page {
    let mut req = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .set_continuation_token(token.clone());
    req = req
        .set_prefix(o.prefix.map(str::to_owned))
        .set_delimiter(o.delimiter.map(str::to_owned));
    req = req
        .set_start_after(o.start_after.map(str::to_owned))
        .set_max_keys(o.max_keys);
    if o.url {
        req = req.encoding_type(EncodingType::Url);
    }
    let out = req.send().await.unwrap();
    assert_eq!(out.continuation_token(), token.as_deref());
    if let Some(m) = o.max_keys {
        assert_eq!(out.max_keys(), Some(m.min(1000)));
    }
    let decode = |s: &str| {
        if o.url {
            assert!(!s.contains(' '), "not URL-encoded: {s:?}");
            url_decode_plus(s)
        } else {
            s.to_owned()
        }
    };
    if o.url {
        assert_eq!(out.encoding_type(), Some(&EncodingType::Url));
    }
    if let Some(p) = o.prefix {
        assert_eq!(out.prefix().map(decode).as_deref(), Some(p));
    }
    if let Some(d) = o.delimiter {
        assert_eq!(out.delimiter().map(decode).as_deref(), Some(d));
    }
    Page {
        keys: out.contents().iter().map(|c| decode(c.key().unwrap())).collect(),
        prefixes: out
            .common_prefixes()
            .iter()
            .map(|c| decode(c.prefix().unwrap()))
            .collect(),
        key_count: out.key_count().unwrap(),
        truncated: out.is_truncated().unwrap(),
        next: out.next_continuation_token().map(str::to_owned),
    }
}

/// Pages through a V2 listing; checks every page is full but the last, and the truncation markers.
async fn list_v2_all(s3: &Client, o: Opts<'_>) -> (Vec<String>, Vec<String>, usize) {
    let (mut keys, mut prefixes, mut pages) = (Vec::new(), Vec::new(), 0);
    let mut token = None;
    loop {
        let page = list_v2_page(s3, o, token).await;
        pages += 1;
        let n = page.keys.len() + page.prefixes.len();
        assert_eq!(page.key_count, n as i32);
        assert!(n <= o.max_keys.unwrap_or(1000).min(1000) as usize, "page of {n}");
        assert_eq!(page.truncated, page.next.is_some());
        keys.extend(page.keys);
        prefixes.extend(page.prefixes);
        if !page.truncated {
            break;
        }
        assert_eq!(
            n,
            o.max_keys.unwrap_or(1000).min(1000) as usize,
            "a truncated page must be full"
        );
        token = page.next;
        assert!(pages < 10_000, "endless listing");
    }
    (keys, prefixes, pages)
}

/// What a delimited listing should return: keys without the delimiter after `prefix`, and prefixes.
fn delimited(all: &[String], prefix: &str, delimiter: &str) -> (Vec<String>, Vec<String>) {
    let mut keys = Vec::new();
    let mut prefixes = BTreeSet::new();
    for k in all.iter().filter(|k| k.starts_with(prefix)) {
        match k[prefix.len()..].find(delimiter) {
            Some(i) => {
                prefixes.insert(k[..prefix.len() + i + delimiter.len()].to_owned());
            }
            None => keys.push(k.clone()),
        }
    }
    (sorted(keys), prefixes.into_iter().collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagination_over_2500_keys() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, BUCKET).await;
    let all = listing_keys();
    put_many(&s3, BUCKET, &all, 32).await;
    let expected = sorted(all.clone());
    assert_eq!(expected.len(), 2500);

    // Without a delimiter.
    for (max, pages) in [(Some(1000), 3), (Some(333), 8), (None, 3), (Some(5000), 3)] {
        let o = Opts {
            max_keys: max,
            ..Opts::default()
        };
        let (keys, prefixes, n) = list_v2_all(&s3, o).await;
        assert!(keys == expected, "max-keys {max:?}: listing differs");
        assert!(prefixes.is_empty());
        assert_eq!(n, pages, "max-keys {max:?}");
    }

    // The first page on its own.
    let first = list_v2_page(
        &s3,
        Opts {
            max_keys: Some(1000),
            ..Opts::default()
        },
        None,
    )
    .await;
    assert_eq!(first.key_count, 1000);
    assert!(first.truncated);
    assert_eq!(first.keys[..], expected[..1000]);

    // With the delimiter '/'.
    let (want_keys, want_prefixes) = delimited(&expected, "", "/");
    assert_eq!(
        want_prefixes,
        ["A/", "a b/", "a+b/", "a/", "b/", "z~/", "é/", "日本/"]
    );
    assert_eq!(want_keys.len(), 500);
    for max in [1000, 333, 7, 1] {
        let o = Opts {
            delimiter: Some("/"),
            max_keys: Some(max),
            ..Opts::default()
        };
        let (keys, prefixes, n) = list_v2_all(&s3, o).await;
        assert!(keys == want_keys, "delimiter, max-keys {max}: keys differ");
        assert_eq!(prefixes, want_prefixes, "delimiter, max-keys {max}");
        assert_eq!(n, 508_usize.div_ceil(max as usize), "delimiter, max-keys {max}");
    }

    // Prefix and delimiter together.
    for prefix in ["b/", "b/deep/", "a", "a/", "日", "top", "nothing"] {
        let (want_keys, want_prefixes) = delimited(&expected, prefix, "/");
        let o = Opts {
            prefix: Some(prefix),
            delimiter: Some("/"),
            max_keys: Some(250),
            ..Opts::default()
        };
        let (keys, prefixes, _) = list_v2_all(&s3, o).await;
        assert!(keys == want_keys, "prefix {prefix:?}: keys differ");
        assert_eq!(prefixes, want_prefixes, "prefix {prefix:?}");
        let o = Opts {
            prefix: Some(prefix),
            max_keys: Some(400),
            ..Opts::default()
        };
        let (keys, _, _) = list_v2_all(&s3, o).await;
        let want: Vec<String> = expected
            .iter()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        assert!(keys == want, "prefix {prefix:?} without delimiter: keys differ");
    }
    let empty = list_v2_page(
        &s3,
        Opts {
            prefix: Some("nothing"),
            ..Opts::default()
        },
        None,
    )
    .await;
    assert_eq!((empty.key_count, empty.truncated, empty.next), (0, false, None));

    // start-after: an existing key, a key between two, and past the end.
    let o = Opts {
        start_after: Some(&expected[1234]),
        max_keys: Some(1000),
        ..Opts::default()
    };
    let (keys, _, _) = list_v2_all(&s3, o).await;
    assert!(keys[..] == expected[1235..], "start-after an existing key");
    let o = Opts {
        start_after: Some("a/0"),
        max_keys: Some(1000),
        ..Opts::default()
    };
    let (keys, _, _) = list_v2_all(&s3, o).await;
    let want: Vec<String> = expected.iter().filter(|k| k.as_str() > "a/0").cloned().collect();
    assert!(keys == want, "start-after a missing key");
    let o = Opts {
        start_after: Some("\u{10FFFF}"),
        ..Opts::default()
    };
    assert!(list_v2_all(&s3, o).await.0.is_empty());
    let o = Opts {
        start_after: Some("a/"),
        delimiter: Some("/"),
        ..Opts::default()
    };
    let (keys, prefixes, _) = list_v2_all(&s3, o).await;
    let (want_keys, _) = delimited(&expected, "", "/");
    // A common prefix sorts as its own string: "a/" is not after "a/" (this is what lets
    // v1 NextMarker be a prefix).
    assert_eq!(
        keys,
        want_keys
            .into_iter()
            .filter(|k| k.as_str() > "a/")
            .collect::<Vec<_>>()
    );
    assert_eq!(prefixes, ["b/", "z~/", "é/", "日本/"]);

    // encoding-type=url, decoded as boto3 does ('+' is a space).
    let o = Opts {
        max_keys: Some(1000),
        url: true,
        ..Opts::default()
    };
    let (keys, _, _) = list_v2_all(&s3, o).await;
    assert!(keys == expected, "encoding-type=url: keys differ after decoding");
    let o = Opts {
        delimiter: Some("/"),
        max_keys: Some(100),
        url: true,
        ..Opts::default()
    };
    let (keys, prefixes, _) = list_v2_all(&s3, o).await;
    let (want_keys, want_prefixes) = delimited(&expected, "", "/");
    assert!(keys == want_keys, "encoding-type=url with delimiter: keys differ");
    assert_eq!(prefixes, want_prefixes);
    let o = Opts {
        prefix: Some("a b/"),
        delimiter: Some("/"),
        url: true,
        ..Opts::default()
    };
    let (keys, _, _) = list_v2_all(&s3, o).await;
    assert_eq!(
        keys,
        expected
            .iter()
            .filter(|k| k.starts_with("a b/"))
            .cloned()
            .collect::<Vec<_>>()
    );

    // ListObjects (v1) with markers.
    let mut keys = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = s3
            .list_objects()
            .bucket(BUCKET)
            .set_marker(marker.clone())
            .max_keys(1000)
            .send()
            .await
            .unwrap();
        assert_eq!(out.marker().filter(|m| !m.is_empty()), marker.as_deref());
        let page: Vec<String> = out
            .contents()
            .iter()
            .map(|c| c.key().unwrap().to_owned())
            .collect();
        let truncated = out.is_truncated().unwrap();
        marker = out
            .next_marker()
            .map(str::to_owned)
            .or_else(|| page.last().cloned());
        keys.extend(page);
        if !truncated {
            break;
        }
    }
    assert!(keys == expected, "ListObjects v1 differs");

    let (want_keys, want_prefixes) = delimited(&expected, "", "/");
    let (mut keys, mut prefixes) = (Vec::new(), Vec::new());
    let mut marker: Option<String> = None;
    loop {
        let out = s3
            .list_objects()
            .bucket(BUCKET)
            .delimiter("/")
            .set_marker(marker.clone())
            .max_keys(100)
            .send()
            .await
            .unwrap();
        keys.extend(out.contents().iter().map(|c| c.key().unwrap().to_owned()));
        prefixes.extend(
            out.common_prefixes()
                .iter()
                .map(|c| c.prefix().unwrap().to_owned()),
        );
        if !out.is_truncated().unwrap() {
            break;
        }
        marker = Some(
            out.next_marker()
                .expect("NextMarker with a delimiter when truncated")
                .to_owned(),
        );
    }
    assert!(keys == want_keys, "ListObjects v1 with delimiter: keys differ");
    assert_eq!(prefixes, want_prefixes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_encoding_of_special_keys() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, BUCKET).await;
    let all: Vec<String> = [
        "a b",
        "a+b",
        "a%20b",
        "100%",
        "x&y<z>",
        "dir one/file+1",
        "dir one/file 2",
        "é/ü",
        "tab\there",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    put_many(&s3, BUCKET, &all, 4).await;
    let expected = sorted(all);

    let (keys, _, _) = list_v2_all(
        &s3,
        Opts {
            url: true,
            ..Opts::default()
        },
    )
    .await;
    assert_eq!(keys, expected);
    let (keys, _, _) = list_v2_all(&s3, Opts::default()).await;
    assert_eq!(keys, expected);

    let (keys, prefixes, _) = list_v2_all(
        &s3,
        Opts {
            delimiter: Some("/"),
            url: true,
            ..Opts::default()
        },
    )
    .await;
    let (want_keys, want_prefixes) = delimited(&expected, "", "/");
    assert_eq!(keys, want_keys);
    assert_eq!(prefixes, want_prefixes);
    assert_eq!(prefixes, ["dir one/", "é/"]);

    // Raw form: spaces and '+' must be escaped so that decoding is unambiguous.
    let out = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap();
    for (raw, key) in out.contents().iter().map(|c| c.key().unwrap()).zip(&expected) {
        assert!(!raw.contains(' ') && !raw.contains('\t'), "{raw:?}");
        if key.contains('+') {
            assert!(raw.contains("%2B"), "'+' must be encoded: {raw:?}");
        }
        assert_eq!(&url_decode_plus(raw), key);
    }

    // v1 listing with encoding-type=url too.
    let out = s3
        .list_objects()
        .bucket(BUCKET)
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .unwrap();
    let keys: Vec<String> = out
        .contents()
        .iter()
        .map(|c| url_decode_plus(c.key().unwrap()))
        .collect();
    assert_eq!(keys, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bogus_continuation_token_is_invalid_argument() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, BUCKET).await;
    put_many(&s3, BUCKET, &["k".to_owned()], 1).await;
    let r = s3
        .list_objects_v2()
        .bucket(BUCKET)
        .continuation_token("bm9wZQ-garbage")
        .send()
        .await;
    assert_eq!(s3util::s3_err(r), (400, "InvalidArgument".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_markers_fetch_owner_and_limits() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "v1").await;
    let keys: Vec<String> = ["a/1", "a/2", "b", "c|x|1", "c|x|2", "d"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    put_many(&s3, "v1", &keys, 3).await;

    // Without a delimiter v1 gives no NextMarker: the client continues from the last key.
    let out = s3.list_objects().bucket("v1").max_keys(2).send().await.unwrap();
    assert_eq!(out.is_truncated(), Some(true));
    assert_eq!(out.next_marker(), None);
    let names: Vec<&str> = out.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(names, ["a/1", "a/2"]);
    assert!(
        out.contents().iter().all(|o| o.owner().is_some()),
        "v1 always has owners"
    );
    let out = s3
        .list_objects()
        .bucket("v1")
        .marker("a/2")
        .max_keys(2)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = out.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(names, ["b", "c|x|1"]);

    // With a delimiter (not '/'), NextMarker names the last entry, prefixes included.
    let out = s3
        .list_objects()
        .bucket("v1")
        .delimiter("|")
        .max_keys(3)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = out.contents().iter().map(|o| o.key().unwrap()).collect();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!((names, prefixes), (vec!["a/1", "a/2", "b"], vec![]));
    assert_eq!(out.next_marker(), Some("b"));
    let out = s3
        .list_objects()
        .bucket("v1")
        .delimiter("|")
        .marker("b")
        .max_keys(1)
        .send()
        .await
        .unwrap();
    let prefixes: Vec<&str> = out
        .common_prefixes()
        .iter()
        .map(|p| p.prefix().unwrap())
        .collect();
    assert_eq!(prefixes, ["c|"]);
    assert_eq!(out.next_marker(), Some("c|"));
    let out = s3
        .list_objects()
        .bucket("v1")
        .delimiter("|")
        .marker("c|")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = out.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(names, ["d"], "a marker naming a common prefix skips it");
    assert_eq!(out.is_truncated(), Some(false));

    // V2: owners only with fetch-owner.
    let out = s3.list_objects_v2().bucket("v1").send().await.unwrap();
    assert!(out.contents().iter().all(|o| o.owner().is_none()));
    let out = s3
        .list_objects_v2()
        .bucket("v1")
        .fetch_owner(true)
        .send()
        .await
        .unwrap();
    assert!(
        out.contents()
            .iter()
            .all(|o| o.owner().and_then(|w| w.id()).is_some())
    );

    // max-keys: capped at 1000, zero is an empty untruncated-or-not page, negatives refused.
    let out = s3
        .list_objects_v2()
        .bucket("v1")
        .max_keys(5000)
        .send()
        .await
        .unwrap();
    assert_eq!(out.max_keys(), Some(1000));
    assert_eq!(out.key_count(), Some(6));
    let out = s3
        .list_objects_v2()
        .bucket("v1")
        .max_keys(0)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_count(), Some(0));
    assert!(out.contents().is_empty());
    let r = s3.list_objects_v2().bucket("v1").max_keys(-1).send().await;
    assert_eq!(s3util::s3_err(r), (400, "InvalidArgument".into()));
    // An empty delimiter is no delimiter.
    let out = s3
        .list_objects_v2()
        .bucket("v1")
        .delimiter("")
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_count(), Some(6));
}
