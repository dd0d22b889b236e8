//! POST Object: browser form uploads with a SigV4 POST policy, against the real binary.
//! Forms are built and signed here by hand, as a web page's server would.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::net::SocketAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{ACCESS_KEY, SECRET_KEY, Server};
use s3util::{create_bucket, etag_of, exists, get, hex};
use sha2::{Digest as _, Sha256};

const DATE: &str = "20300101";
const AMZ_DATE: &str = "20300101T000000Z";
const FUTURE: &str = "2099-01-01T00:00:00.000Z";
const PAST: &str = "2001-01-01T00:00:00.000Z";

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(data);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().to_vec()
}

/// Form fields in order, as (name, value).
type Form = Vec<(String, String)>;

fn credential() -> String {
    format!("{ACCESS_KEY}/{DATE}/us-east-1/s3/aws4_request")
}

/// The SigV4 signature of a base64 policy.
fn sign(policy_b64: &str, secret: &str) -> String {
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), DATE.as_bytes());
    for part in ["us-east-1", "s3", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    hex(&hmac(&key, policy_b64.as_bytes()))
}

/// A signed form: `fields` plus the policy and signature fields, for a policy with
/// `conditions` (JSON texts) and the conditions on the signing fields every policy needs.
fn signed_form(expiration: &str, conditions: &[String], fields: &[(&str, &str)]) -> Form {
    let mut all: Vec<String> = conditions.to_vec();
    all.push(r#"{"x-amz-algorithm": "AWS4-HMAC-SHA256"}"#.into());
    all.push(format!(r#"{{"x-amz-credential": "{}"}}"#, credential()));
    all.push(format!(r#"{{"x-amz-date": "{AMZ_DATE}"}}"#));
    let policy = format!(
        r#"{{"expiration": "{expiration}", "conditions": [{}]}}"#,
        all.join(", ")
    );
    let policy = STANDARD.encode(policy);
    let mut out: Vec<(String, String)> = fields.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect();
    out.push(("X-Amz-Algorithm".into(), "AWS4-HMAC-SHA256".into()));
    out.push(("X-Amz-Credential".into(), credential()));
    out.push(("X-Amz-Date".into(), AMZ_DATE.into()));
    out.push(("X-Amz-Signature".into(), sign(&policy, SECRET_KEY)));
    out.push(("Policy".into(), policy));
    out
}

/// A `multipart/form-data` body: the fields, then the file (named `filename`), then a
/// submit button after it, as browsers send (AWS ignores fields after the file).
fn multipart(fields: &[(String, String)], filename: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----CofferFormBoundaryx7MA4YWxkTrZu0gW";
    let mut body = Vec::with_capacity(file.len() + 4096);
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/x-ignored-by-s3\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(
        format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"submit\"\r\n\r\nUpload\r\n--{boundary}--\r\n")
            .as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn code(&self) -> &str {
        self.body
            .split("<Code>")
            .nth(1)
            .and_then(|t| t.split("</Code>").next())
            .unwrap_or("")
    }

    /// The error message, XML entities decoded.
    fn message(&self) -> String {
        let raw = self
            .body
            .split("<Message>")
            .nth(1)
            .and_then(|t| t.split("</Message>").next())
            .unwrap_or("");
        raw.replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

async fn post_to(
    client: &reqwest::Client,
    url: &str,
    fields: &[(String, String)],
    filename: &str,
    file: &[u8],
) -> Answer {
    let (content_type, body) = multipart(fields, filename, file);
    let resp = client
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

async fn post(
    server: &Server,
    bucket: &str,
    fields: &[(String, String)],
    filename: &str,
    file: &[u8],
) -> Answer {
    post_to(
        &http(),
        &format!("{}/{bucket}", server.endpoint),
        fields,
        filename,
        file,
    )
    .await
}

/// The conditions every test form's fields need, for `bucket`.
fn base_conditions(bucket: &str) -> Vec<String> {
    vec![
        format!(r#"{{"bucket": "{bucket}"}}"#),
        r#"["starts-with", "$key", "uploads/"]"#.into(),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_upload_stores_the_file_with_its_fields_and_filename() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "forms").await;
    let mut conditions = base_conditions("forms");
    conditions.push(r#"["starts-with", "$Content-Type", "text/"]"#.into());
    conditions.push(r#"["starts-with", "$x-amz-meta-color", ""]"#.into());
    conditions.push(r#"{"cache-control": "max-age=60"}"#.into());
    conditions.push(r#"["content-length-range", 1, 1024]"#.into());
    let form = signed_form(
        FUTURE,
        &conditions,
        &[
            ("key", "uploads/${filename}"),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("x-amz-meta-color", "blue"),
            ("Cache-Control", "max-age=60"),
        ],
    );
    let data = b"hello from a browser form";
    let answer = post(&server, "forms", &form, "cat notes.txt", data).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(answer.header("etag"), etag_of(data));
    assert_eq!(
        answer.header("location"),
        format!("{}/forms/uploads/cat%20notes.txt", server.endpoint)
    );
    assert!(!answer.header("x-amz-request-id").is_empty());

    // ${filename} became the file's name; the bytes and fields were stored.
    let got = s3
        .get_object()
        .bucket("forms")
        .key("uploads/cat notes.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(got.cache_control(), Some("max-age=60"));
    assert_eq!(
        got.metadata().unwrap().get("color").map(String::as_str),
        Some("blue")
    );
    assert_eq!(got.e_tag(), Some(etag_of(data).as_str()));
    assert_eq!(got.body.collect().await.unwrap().into_bytes().as_ref(), data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_action_status_and_redirect() {
    let server = Server::start();
    create_bucket(&server.client(), "forms").await;
    let with = |status: &str| {
        let mut c = base_conditions("forms");
        c.push(r#"["starts-with", "$success_action_status", ""]"#.into());
        signed_form(
            FUTURE,
            &c,
            &[("key", "uploads/a&b.txt"), ("success_action_status", status)],
        )
    };
    let data = b"status";

    let ok = post(&server, "forms", &with("200"), "f", data).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, ""));
    assert_eq!(ok.header("etag"), etag_of(data));

    let created = post(&server, "forms", &with("201"), "f", data).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.header("content-type"), "application/xml");
    let location = format!("{}/forms/uploads/a%26b.txt", server.endpoint);
    for part in [
        "<PostResponse>".to_owned(),
        format!("<Location>{location}</Location>"),
        "<Bucket>forms</Bucket>".to_owned(),
        "<Key>uploads/a&amp;b.txt</Key>".to_owned(),
    ] {
        assert!(created.body.contains(&part), "{part} in {}", created.body);
    }
    assert!(
        created.body.contains(&etag_of(data).replace('"', "&quot;")) || created.body.contains(&etag_of(data))
    );

    // Any other value, or none, is 204.
    assert_eq!(post(&server, "forms", &with("302"), "f", data).await.status, 204);

    // success_action_redirect wins over the status: 303 with bucket, key and ETag.
    let mut c = base_conditions("forms");
    c.push(r#"["starts-with", "$success_action_redirect", "https://app.example/"]"#.into());
    c.push(r#"["eq", "$success_action_status", "201"]"#.into());
    let form = signed_form(
        FUTURE,
        &c,
        &[
            ("key", "uploads/r x.txt"),
            ("success_action_redirect", "https://app.example/done"),
            ("success_action_status", "201"),
        ],
    );
    let redirected = post(&server, "forms", &form, "f", data).await;
    assert_eq!(redirected.status, 303, "{}", redirected.body);
    let etag_hex = etag_of(data).trim_matches('"').to_owned();
    assert_eq!(
        redirected.header("location"),
        format!("https://app.example/done?bucket=forms&key=uploads%2Fr+x.txt&etag=%22{etag_hex}%22")
    );
    assert_eq!(get(&server.client(), "forms", "uploads/r x.txt").await, data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_conditions_are_access_denied_and_store_nothing() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "forms").await;
    create_bucket(&s3, "other").await;
    let mut c = base_conditions("forms");
    c.push(r#"["eq", "$Content-Type", "image/png"]"#.into());
    let cases: Vec<(&str, Form, &str)> = vec![
        (
            "forms",
            signed_form(
                FUTURE,
                &c,
                &[("key", "elsewhere/x"), ("Content-Type", "image/png")],
            ),
            r#"Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]"#,
        ),
        (
            "forms",
            signed_form(FUTURE, &c, &[("key", "uploads/x"), ("Content-Type", "text/html")]),
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", "image/png"]"#,
        ),
        (
            "forms",
            signed_form(
                FUTURE,
                &c,
                &[
                    ("key", "uploads/x"),
                    ("Content-Type", "image/png"),
                    ("acl", "public-read"),
                ],
            ),
            "Invalid according to Policy: Extra input fields: acl",
        ),
        // The policy names another bucket.
        (
            "other",
            signed_form(FUTURE, &c, &[("key", "uploads/x"), ("Content-Type", "image/png")]),
            r#"Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "forms"]"#,
        ),
    ];
    for (bucket, form, message) in cases {
        let answer = post(&server, bucket, &form, "x", b"data").await;
        assert_eq!(
            (answer.status, answer.code()),
            (403, "AccessDenied"),
            "{}",
            answer.body
        );
        assert_eq!(answer.message(), message);
        assert!(
            answer.body.contains(&format!("<Resource>/{bucket}</Resource>")),
            "{}",
            answer.body
        );
        assert!(answer.body.contains("<RequestId>"), "{}", answer.body);
        assert!(!exists(&s3, bucket, "uploads/x").await);
        assert!(!exists(&s3, bucket, "elsewhere/x").await);
    }
    // Fields after the file are ignored, so need no condition (the helper's "submit").
    let ok = signed_form(FUTURE, &c, &[("key", "uploads/x"), ("Content-Type", "image/png")]);
    assert_eq!(post(&server, "forms", &ok, "x", b"data").await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_length_range_too_large_and_too_small() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "forms").await;
    let mut c = base_conditions("forms");
    c.push(r#"["content-length-range", 10, 100]"#.into());
    let form = signed_form(FUTURE, &c, &[("key", "uploads/sized")]);

    let big = post(&server, "forms", &form, "f", &[b'x'; 101]).await;
    assert_eq!((big.status, big.code()), (400, "EntityTooLarge"), "{}", big.body);
    // Larger than any buffer on the way: refused while streaming.
    let huge = post(&server, "forms", &form, "f", &vec![b'x'; 3 << 20]).await;
    assert_eq!(
        (huge.status, huge.code()),
        (400, "EntityTooLarge"),
        "{}",
        huge.body
    );
    let small = post(&server, "forms", &form, "f", &[b'x'; 9]).await;
    assert_eq!(
        (small.status, small.code()),
        (400, "EntityTooSmall"),
        "{}",
        small.body
    );
    assert!(!exists(&s3, "forms", "uploads/sized").await);

    for size in [10, 100] {
        let ok = post(&server, "forms", &form, "f", &vec![b'y'; size]).await;
        assert_eq!(ok.status, 204, "{size}: {}", ok.body);
        assert_eq!(get(&s3, "forms", "uploads/sized").await.len(), size);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_unsigned_and_badly_signed_forms_are_refused() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "forms").await;
    let c = base_conditions("forms");

    let expired = post(
        &server,
        "forms",
        &signed_form(PAST, &c, &[("key", "uploads/x")]),
        "f",
        b"x",
    )
    .await;
    assert_eq!((expired.status, expired.code()), (403, "AccessDenied"));
    assert_eq!(expired.message(), "Invalid according to Policy: Policy expired.");

    let mut bad = signed_form(FUTURE, &c, &[("key", "uploads/x")]);
    for (name, value) in &mut bad {
        if name == "X-Amz-Signature" {
            *value = sign("something else", SECRET_KEY);
        }
    }
    let answer = post(&server, "forms", &bad, "f", b"x").await;
    assert_eq!(
        (answer.status, answer.code()),
        (403, "SignatureDoesNotMatch"),
        "{}",
        answer.body
    );

    // Signed with a wrong secret.
    let mut wrong = signed_form(FUTURE, &c, &[("key", "uploads/x")]);
    let policy = wrong.iter().find(|(n, _)| n == "Policy").unwrap().1.clone();
    for (name, value) in &mut wrong {
        if name == "X-Amz-Signature" {
            *value = sign(&policy, "not the secret");
        }
    }
    let answer = post(&server, "forms", &wrong, "f", b"x").await;
    assert_eq!((answer.status, answer.code()), (403, "SignatureDoesNotMatch"));

    // Another access key.
    let mut stranger = signed_form(FUTURE, &c, &[("key", "uploads/x")]);
    for (name, value) in &mut stranger {
        if name == "X-Amz-Credential" {
            *value = value.replace(ACCESS_KEY, "SOMEONEELSE");
        }
    }
    let answer = post(&server, "forms", &stranger, "f", b"x").await;
    assert_eq!((answer.status, answer.code()), (403, "InvalidAccessKeyId"));

    // Anonymous: no policy, no signature.
    let anonymous = vec![("key".to_owned(), "uploads/x".to_owned())];
    let answer = post(&server, "forms", &anonymous, "f", b"x").await;
    assert_eq!((answer.status, answer.code()), (403, "AccessDenied"));
    assert!(!exists(&s3, "forms", "uploads/x").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_forms_missing_fields_and_missing_buckets() {
    let server = Server::start();
    create_bucket(&server.client(), "forms").await;
    let c = base_conditions("forms");

    let no_key = post(&server, "forms", &signed_form(FUTURE, &c, &[]), "f", b"x").await;
    assert_eq!(
        (no_key.status, no_key.code()),
        (400, "InvalidArgument"),
        "{}",
        no_key.body
    );
    assert!(no_key.message().contains("'key'"), "{}", no_key.body);

    let mut no_credential = signed_form(FUTURE, &c, &[("key", "uploads/x")]);
    no_credential.retain(|(n, _)| n != "X-Amz-Credential");
    let answer = post(&server, "forms", &no_credential, "f", b"x").await;
    assert_eq!((answer.status, answer.code()), (400, "InvalidArgument"));

    // No file part at all.
    let http = http();
    let boundary = "b0undary";
    let no_file = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--{boundary}--\r\n"
    );
    let resp = http
        .post(format!("{}/forms", server.endpoint))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(no_file)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<Code>IncorrectNumberOfFilesInPostRequest</Code>")
    );

    // Not multipart/form-data inside.
    let resp = http
        .post(format!("{}/forms", server.endpoint))
        .header("content-type", "multipart/form-data; boundary=zzz")
        .body("this is not a form")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("<Code>MalformedPOSTRequest</Code>")
    );

    // More than 20 KiB of fields before the file.
    let padding = "p".repeat(21 * 1024);
    let big = signed_form(
        FUTURE,
        &c,
        &[("key", "uploads/x"), ("x-ignore-padding", &padding)],
    );
    let answer = post(&server, "forms", &big, "f", b"x").await;
    assert_eq!(
        (answer.status, answer.code()),
        (400, "MaxPostPreDataLengthExceededError"),
        "{}",
        answer.body
    );

    // A signed form for a bucket that does not exist.
    let missing = signed_form(FUTURE, &base_conditions("nobucket"), &[("key", "uploads/x")]);
    let answer = post(&server, "nobucket", &missing, "f", b"x").await;
    assert_eq!(
        (answer.status, answer.code()),
        (404, "NoSuchBucket"),
        "{}",
        answer.body
    );

    // The server still serves ordinary requests afterwards.
    assert!(!exists(&server.client(), "forms", "uploads/x").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_hosted_form_upload() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path(), &["--domain", "s3.coffer.test"]);
    let addr: SocketAddr = server.endpoint.trim_start_matches("http://").parse().unwrap();
    create_bucket(&server.client(), "site").await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .resolve("site.s3.coffer.test", addr)
        .build()
        .unwrap();
    let form = signed_form(
        FUTURE,
        &base_conditions("site"),
        &[("key", "uploads/${filename}")],
    );
    let url = format!("http://site.s3.coffer.test:{}/", addr.port());
    let answer = post_to(&client, &url, &form, "v.txt", b"virtual").await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(
        answer.header("location"),
        format!("http://site.s3.coffer.test:{}/uploads/v.txt", addr.port())
    );
    assert_eq!(get(&server.client(), "site", "uploads/v.txt").await, b"virtual");
}

/// Peak resident memory of the server process, found by its data directory.
fn server_peak_rss_kib(server: &Server) -> Option<u64> {
    let needle = server.data_dir.to_str()?.as_bytes().to_vec();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.windows(needle.len()).any(|w| w == needle.as_slice()) && cmdline.starts_with(b"/") {
            let status = std::fs::read_to_string(entry.path().join("status")).ok()?;
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            return line.split_whitespace().nth(1)?.parse().ok();
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_streams_through_in_bounded_memory() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "forms").await;
    let mut c = base_conditions("forms");
    c.push(format!(r#"["content-length-range", 0, {}]"#, 64 << 20));
    let form = signed_form(FUTURE, &c, &[("key", "uploads/big.bin")]);
    // Warm up the allocator and the connection paths with a small upload first.
    assert_eq!(post(&server, "forms", &form, "f", &[1u8; 4096]).await.status, 204);
    let before = server_peak_rss_kib(&server);

    let data = common::bytes(48 << 20, 7);
    let answer = post(&server, "forms", &form, "big.bin", &data).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(answer.header("etag"), etag_of(&data));
    let after = server_peak_rss_kib(&server);
    eprintln!("server peak RSS: {before:?} KiB before, {after:?} KiB after a 48 MiB form upload");
    if let (Some(before), Some(after)) = (before, after) {
        // Buffering the file (as s3s's own POST path would) adds at least 48 MiB.
        assert!(
            after.saturating_sub(before) < 24 * 1024,
            "peak RSS grew from {before} KiB to {after} KiB for a 48 MiB upload"
        );
    }
    let got = get(&s3, "forms", "uploads/big.bin").await;
    assert!(got == data, "the stored bytes differ");
}

/// Regression: the SSE fields of a form were ignored, so an upload asking for SSE-KMS
/// got SSE-S3 and one asking for SSE-C was stored under the server's key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_sse_fields_are_honoured_or_refused() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "forms").await;
    let mut conditions = base_conditions("forms");
    conditions.push(r#"{"x-amz-server-side-encryption": "aws:kms"}"#.into());
    let form = signed_form(
        FUTURE,
        &conditions,
        &[
            ("key", "uploads/kms.txt"),
            ("x-amz-server-side-encryption", "aws:kms"),
        ],
    );
    let answer = post(&server, "forms", &form, "kms.txt", b"under kms").await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(answer.header("x-amz-server-side-encryption"), "aws:kms");
    let head = s3
        .head_object()
        .bucket("forms")
        .key("uploads/kms.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.server_side_encryption().map(|s| s.as_str()), Some("aws:kms"));

    let mut conditions = base_conditions("forms");
    conditions.push(r#"["starts-with", "$x-amz-server-side-encryption-customer-algorithm", ""]"#.into());
    let form = signed_form(
        FUTURE,
        &conditions,
        &[
            ("key", "uploads/ssec.txt"),
            ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
        ],
    );
    let answer = post(&server, "forms", &form, "ssec.txt", b"mine").await;
    assert_eq!(answer.status, 501, "{}", answer.body);
    assert!(
        answer.body.contains("<Code>NotImplemented</Code>"),
        "{}",
        answer.body
    );
    let missing = s3
        .head_object()
        .bucket("forms")
        .key("uploads/ssec.txt")
        .send()
        .await;
    assert!(missing.is_err(), "nothing stored");
}
