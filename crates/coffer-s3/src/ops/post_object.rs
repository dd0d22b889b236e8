//! POST Object: browser form uploads (`multipart/form-data` with a SigV4 POST policy).
//!
//! Served in front of s3s (ADR 7): s3s would buffer the whole file in memory before its
//! `post_object` hook runs, and bodies must stream. Here the fields before the file are
//! read (bounded, `form.rs`), the policy is authenticated and its conditions applied
//! (`policy.rs`), and the file part streams straight into `Store::put_object`, its size
//! held to `content-length-range` on the way, so nothing outside the policy is committed.

mod form;
mod policy;

use std::error::Error as StdError;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use coffer_core::{PutObjectRequest, Store, WriteCondition};
use s3s::dto::Metadata;
use s3s::host::S3Host as _;
use s3s::{S3Error, S3ErrorCode, S3Result};
use time::OffsetDateTime;

use self::form::{Fields, FileError};
use crate::convert::{object_meta, parse_http_date, tags_in};
use crate::error::to_s3;
use crate::vhost::BaseDomains;

/// Where a form upload goes.
pub(crate) struct FormTarget {
    pub(crate) bucket: String,
    /// The bucket came from the Host header (virtual-hosted style).
    in_host: bool,
}

/// The POST Object handler. Built once per endpoint.
pub(crate) struct PostObject {
    store: Store,
    iam: coffer_iam::Iam,
    domains: Option<BaseDomains>,
}

impl PostObject {
    pub(crate) fn new(store: Store, iam: coffer_iam::Iam, domains: &[String]) -> Self {
        Self {
            store,
            iam,
            domains: (!domains.is_empty()).then(|| BaseDomains::new(domains)),
        }
    }

    /// The target of a browser form upload; see [`form_target`].
    pub(crate) fn target<B>(&self, req: &http::Request<B>) -> Option<FormTarget> {
        form_target(self.domains.as_ref(), req)
    }

    /// Serves one form upload. Errors are S3 errors for the endpoint to answer.
    pub(crate) async fn serve<B>(
        &self,
        target: FormTarget,
        req: http::Request<B>,
    ) -> S3Result<s3s::HttpResponse>
    where
        B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: StdError + Send + Sync + 'static,
    {
        let (parts, body) = req.into_parts();
        let content_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let boundary = multer::parse_boundary(content_type).map_err(|_| form::malformed())?;
        let form = form::read(body, boundary).await?;
        let peer = parts.extensions.get::<coffer_iam::PeerAddr>().map(|p| p.0.ip());
        let secure = crate::sse_c::secure(&parts.extensions);
        let upload = match self
            .admit(&target, &form.fields, &form.filename, peer, secure)
            .await
        {
            Ok(upload) => upload,
            Err(e) => {
                form::drain(form.file).await;
                return Err(e);
            }
        };
        let key = upload.key.clone();
        let verdict = Arc::new(OnceLock::new());
        let put = PutObjectRequest {
            bucket: target.bucket.clone(),
            key: upload.key,
            meta: upload.meta,
            storage_class: upload.storage_class,
            body: form::file_body(form.file, upload.range, verdict.clone()),
            integrity: upload.integrity,
            condition: WriteCondition::None,
            // SSE-C form fields are refused in `admit` (ADR 0007).
            customer_key: None,
            sse: upload.sse,
        };
        let written = match self.store.put_object(put).await {
            Ok(written) => written,
            // The file stream's own reason (size range, framing) explains a body error
            // better than the core's generic one.
            Err(e) => {
                return Err(verdict.get().map_or_else(|| to_s3(e), |v: &FileError| v.to_s3()));
            }
        };
        let location = object_url(&parts, &target, &key);
        let mut resp = success(&form.fields, &target.bucket, &key, &written.etag, &location);
        if let Some(sse) = crate::convert::sse_out(&written.meta) {
            insert(
                &mut resp,
                http::HeaderName::from_static("x-amz-server-side-encryption"),
                sse.as_str(),
            );
        }
        if let Some(key_id) = crate::convert::kms_key_out(&written.meta) {
            insert(
                &mut resp,
                http::HeaderName::from_static("x-amz-server-side-encryption-aws-kms-key-id"),
                &key_id,
            );
        }
        Ok(resp)
    }
}

/// An upload the policy allows, ready to stream.
struct Upload {
    /// With `${filename}` replaced.
    key: String,
    meta: coffer_core::ObjectMeta,
    storage_class: Option<String>,
    integrity: coffer_core::Integrity,
    /// `content-length-range`, enforced while the file streams.
    range: (u64, u64),
    /// `x-amz-server-side-encryption` (and its KMS key id) fields.
    sse: Option<coffer_core::RequestedSse>,
}

impl PostObject {
    /// Everything that can refuse an upload before its file is read: the signature,
    /// the policy's conditions, the fields' values, and the core's own checks of key,
    /// metadata and bucket (repeated here so that a refusal comes before the file, which
    /// the caller then drains).
    async fn admit(
        &self,
        target: &FormTarget,
        fields: &Fields,
        filename: &str,
        peer: Option<std::net::IpAddr>,
        secure: bool,
    ) -> S3Result<Upload> {
        let key_field = fields.get("key").ok_or_else(|| policy::missing_field("key"))?;
        let policy = policy::authenticate(fields, &self.iam, OffsetDateTime::now_utc())?;
        let key = key_field.replace("${filename}", filename);
        let range = policy::check_conditions(&policy, fields, &target.bucket, &key)?;
        let mut meta = object_meta(
            fields.get("content-type").map(str::to_owned),
            fields.get("content-encoding").map(str::to_owned),
            fields.get("content-disposition").map(str::to_owned),
            fields.get("content-language").map(str::to_owned),
            fields.get("cache-control").map(str::to_owned),
            expires(fields)?.as_ref(),
            Some(user_metadata(fields)),
        );
        meta.tags = tags(fields)?;
        let integrity = crate::integrity::integrity(&declared_digests(fields)?, None)?;
        let storage_class = fields.get("x-amz-storage-class").map(str::to_owned);
        let sse = form_sse(fields)?;
        coffer_core::validate_key(&key).map_err(to_s3)?;
        coffer_core::validate_storage_class(storage_class.as_deref()).map_err(to_s3)?;
        coffer_core::validate_metadata(&meta).map_err(to_s3)?;
        let bucket = self.store.bucket(&target.bucket).await.map_err(to_s3)?;
        let caller = match policy::signer(fields) {
            Some(k) => Some(
                self.iam
                    .caller(k, fields.get("x-amz-security-token"))
                    .map_err(crate::access::token_error)?,
            ),
            None => None,
        };
        // The form's fields stand for the headers of a PUT (`acl` is `x-amz-acl`...).
        let headers = fields
            .iter()
            .filter_map(|(name, value)| {
                let header = match name {
                    "acl" => "x-amz-acl".to_owned(),
                    "tagging" => "x-amz-tagging".to_owned(),
                    n if n.starts_with("x-amz-") => n.to_owned(),
                    _ => return None,
                };
                Some((header, value.to_owned()))
            })
            .collect();
        let access = crate::access::bucket_access(&self.store, &self.iam, &target.bucket).await?;
        // The form's `acl` field, as a PUT's x-amz-acl.
        meta.acl = crate::ops::acl::check_object_acl(&access, fields.get("acl"))?;
        let facts = coffer_iam::S3Facts {
            operation: "PostObject".to_owned(),
            bucket: Some(target.bucket.clone()),
            key: Some(key.clone()),
            bucket_owner: Some(bucket.owner),
            copy_source: None,
            headers,
            query: std::collections::HashMap::new(),
            source_ip: peer,
            secure_transport: secure,
            auth_type: caller.as_ref().map(|_| coffer_iam::AuthType::Post),
            bucket_access: Some(access.clone()),
            upload_sse: None,
            existing_object_tags: None,
            object_acl: None,
        };
        if self.iam.authorize_s3(caller.as_ref(), &facts) != coffer_iam::Verdict::Allow {
            return Err(s3s::s3_error!(AccessDenied, "Access Denied"));
        }
        Ok(Upload {
            key,
            meta,
            storage_class,
            integrity,
            range,
            sse,
        })
    }
}

/// The encryption a form asks for, read as the same headers on a PUT would be. SSE-C
/// fields are refused rather than ignored: an object the client believes is under its own
/// key must not be stored under ours.
fn form_sse(fields: &Fields) -> S3Result<Option<coffer_core::RequestedSse>> {
    if fields
        .iter()
        .any(|(name, _)| name.starts_with("x-amz-server-side-encryption-customer-"))
    {
        return Err(s3s::s3_error!(
            NotImplemented,
            "SSE-C (x-amz-server-side-encryption-customer-*) in browser form uploads is not implemented; use PutObject"
        ));
    }
    let algorithm = fields
        .get("x-amz-server-side-encryption")
        .map(|v| s3s::dto::ServerSideEncryption::from(v.to_owned()));
    crate::convert::sse_request(
        algorithm.as_ref(),
        None,
        fields.get("x-amz-server-side-encryption-aws-kms-key-id"),
    )
}

/// The target of a browser form upload: `POST /<bucket>` (or `POST /` on a bucket's host
/// name) with a `multipart/form-data` body. `None` for anything else, which s3s routes.
/// This test accepts every request s3s would treat as POST Object (the same media-type
/// parse), so none reaches s3s's buffering path.
fn form_target<B>(domains: Option<&BaseDomains>, req: &http::Request<B>) -> Option<FormTarget> {
    if req.method() != http::Method::POST {
        return None;
    }
    let content_type = req.headers().get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    if !matches!(
        multer::parse_boundary(content_type),
        Ok(_) | Err(multer::Error::NoBoundary)
    ) {
        return None;
    }
    let path = req.uri().path();
    if let Some(bucket) = domains.and_then(|d| host_bucket(d, req)) {
        return (path == "/").then_some(FormTarget {
            bucket,
            in_host: true,
        });
    }
    let name = path.strip_prefix('/')?;
    let name = name.strip_suffix('/').unwrap_or(name);
    // An invalid name goes to s3s, which refuses it before reading any body.
    (!name.contains('/') && coffer_core::validate_bucket_name(name).is_ok()).then(|| FormTarget {
        bucket: name.to_owned(),
        in_host: false,
    })
}

fn host_bucket<B>(domains: &BaseDomains, req: &http::Request<B>) -> Option<String> {
    let vh = domains.parse_host_header(host_of(req)?).ok()?;
    vh.bucket().map(str::to_owned)
}

/// The Host header, or the `:authority` of an HTTP/2 request.
fn host_of<B>(req: &http::Request<B>) -> Option<&str> {
    match req.headers().get(http::header::HOST) {
        Some(h) => h.to_str().ok(),
        None => req.uri().authority().map(http::uri::Authority::as_str),
    }
}

/// `x-amz-meta-*` fields, names without the prefix.
fn user_metadata(fields: &Fields) -> Metadata {
    fields
        .iter()
        .filter_map(|(name, value)| {
            name.strip_prefix("x-amz-meta-")
                .map(|n| (n.to_owned(), value.to_owned()))
        })
        .collect()
}

fn expires(fields: &Fields) -> S3Result<Option<s3s::dto::Timestamp>> {
    fields
        .get("expires")
        .map(|v| {
            parse_http_date(v).ok_or_else(|| {
                S3Error::with_message(
                    S3ErrorCode::InvalidArgument,
                    "Invalid Expires form field: expected an HTTP date",
                )
            })
        })
        .transpose()
}

/// The `tagging` field: a `<Tagging>` XML document, as AWS takes it in a POST.
fn tags(fields: &Fields) -> S3Result<std::collections::BTreeMap<String, String>> {
    let Some(xml) = fields.get("tagging") else {
        return Ok(Default::default());
    };
    let malformed = || {
        S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema",
        )
    };
    let mut de = s3s::xml::Deserializer::new(xml.as_bytes());
    let tagging: s3s::dto::Tagging = s3s::xml::Deserialize::deserialize(&mut de).map_err(|_| malformed())?;
    de.expect_eof().map_err(|_| malformed())?;
    // One encoding of a tag set for the whole adapter: the header form `tags_in` parses.
    let mut query = form_urlencoded::Serializer::new(String::new());
    for tag in tagging.tag_set {
        query.append_pair(&tag.key.unwrap_or_default(), &tag.value.unwrap_or_default());
    }
    tags_in(Some(&query.finish()))
}

/// `Content-MD5` and `x-amz-checksum-*` fields as the headers the integrity reader knows.
fn declared_digests(fields: &Fields) -> S3Result<http::HeaderMap> {
    let mut headers = http::HeaderMap::new();
    for (name, value) in fields.iter() {
        if name == "content-md5"
            || (name.starts_with("x-amz-checksum-") && name != "x-amz-checksum-algorithm")
        {
            let name = http::header::HeaderName::from_bytes(name.as_bytes());
            let value = http::HeaderValue::from_str(value);
            let (Ok(name), Ok(value)) = (name, value) else {
                return Err(S3Error::with_message(
                    S3ErrorCode::InvalidDigest,
                    "The Content-MD5 or checksum you specified is not valid.",
                ));
            };
            headers.insert(name, value);
        }
    }
    Ok(headers)
}

/// The object's URL as the client addressed the bucket.
fn object_url(parts: &http::request::Parts, target: &FormTarget, key: &str) -> String {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(http::uri::Authority::as_str))
        .unwrap_or("localhost");
    // Behind a trusted TLS-terminating proxy the client spoke https.
    let scheme = if crate::sse_c::secure(&parts.extensions) {
        "https"
    } else {
        "http"
    };
    if target.in_host {
        format!("{scheme}://{host}/{}", crate::ops::list::url_encode(key))
    } else {
        format!(
            "{scheme}://{host}/{}/{}",
            target.bucket,
            crate::ops::list::url_encode(key)
        )
    }
}

/// `success_action_redirect` (or the older `redirect`) if it is an absolute http(s) URL;
/// AWS acts as if a URL it cannot interpret were absent.
fn redirect_url(fields: &Fields) -> Option<&str> {
    let url = fields
        .get("success_action_redirect")
        .or_else(|| fields.get("redirect"))?;
    let uri: http::Uri = url.parse().ok()?;
    let web = matches!(uri.scheme_str(), Some("http" | "https"));
    (web && uri.authority().is_some()).then_some(url)
}

/// The answer to a stored upload: 303 to `success_action_redirect` with the bucket, key
/// and ETag in its query; else `success_action_status` 200 (empty), 201 (a
/// `PostResponse` document) or, by default and for any other value, 204.
fn success(fields: &Fields, bucket: &str, key: &str, etag: &str, location: &str) -> s3s::HttpResponse {
    let etag = format!("\"{etag}\"");
    let mut resp = http::Response::new(s3s::Body::empty());
    if let Some(url) = redirect_url(fields) {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("bucket", bucket)
            .append_pair("key", key)
            .append_pair("etag", &etag)
            .finish();
        let sep = match url.find('?') {
            None => "?",
            Some(_) if url.ends_with('?') || url.ends_with('&') => "",
            Some(_) => "&",
        };
        *resp.status_mut() = http::StatusCode::SEE_OTHER;
        insert(&mut resp, http::header::LOCATION, &format!("{url}{sep}{query}"));
        insert(&mut resp, http::header::ETAG, &etag);
        return resp;
    }
    match fields.get("success_action_status") {
        Some("200") => *resp.status_mut() = http::StatusCode::OK,
        Some("201") => {
            *resp.status_mut() = http::StatusCode::CREATED;
            let doc = s3s::dto::PostResponse {
                location,
                bucket,
                key,
                etag: &etag,
            };
            let mut xml = Vec::with_capacity(256);
            let mut ser = s3s::xml::Serializer::new(&mut xml);
            if ser
                .decl()
                .and_then(|()| s3s::xml::Serialize::serialize(&doc, &mut ser))
                .is_ok()
            {
                insert(&mut resp, http::header::CONTENT_TYPE, "application/xml");
                *resp.body_mut() = s3s::Body::from(xml);
            }
        }
        _ => *resp.status_mut() = http::StatusCode::NO_CONTENT,
    }
    insert(&mut resp, http::header::ETAG, &etag);
    insert(&mut resp, http::header::LOCATION, location);
    resp
}

fn insert(resp: &mut s3s::HttpResponse, name: http::header::HeaderName, value: &str) {
    if let Ok(v) = http::HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        let mut f = Fields::default();
        for (n, v) in pairs {
            f.push((*n).to_owned(), (*v).to_owned()).unwrap();
        }
        f
    }

    #[test]
    fn redirects_carry_bucket_key_and_quoted_etag() {
        let f = fields(&[("success_action_redirect", "https://app.example/done?x=1")]);
        let resp = success(&f, "b", "a b/c", "abc", "http://h/b/a%20b/c");
        assert_eq!(resp.status(), 303);
        assert_eq!(
            resp.headers()[http::header::LOCATION],
            "https://app.example/done?x=1&bucket=b&key=a+b%2Fc&etag=%22abc%22"
        );
        // A URL that is not absolute http(s) is ignored, as AWS.
        let f = fields(&[
            ("success_action_redirect", "/relative"),
            ("success_action_status", "200"),
        ]);
        assert_eq!(success(&f, "b", "k", "e", "l").status(), 200);
    }

    #[test]
    fn status_codes() {
        let resp = success(&fields(&[]), "b", "k", "e", "http://h/b/k");
        assert_eq!(resp.status(), 204);
        assert_eq!(resp.headers()[http::header::ETAG], "\"e\"");
        assert_eq!(resp.headers()[http::header::LOCATION], "http://h/b/k");
        let resp = success(&fields(&[("success_action_status", "299")]), "b", "k", "e", "l");
        assert_eq!(resp.status(), 204);
        let resp = success(&fields(&[("success_action_status", "201")]), "b", "k&", "e", "l");
        assert_eq!(resp.status(), 201);
        let body = resp.body().bytes().unwrap();
        let text = std::str::from_utf8(&body).unwrap();
        assert!(text.contains("<Key>k&amp;</Key>"), "{text}");
        assert!(
            text.contains("<ETag>&quot;e&quot;</ETag>") || text.contains("<ETag>\"e\"</ETag>"),
            "{text}"
        );
    }

    #[test]
    fn keys_are_percent_encoded_in_urls() {
        assert_eq!(crate::ops::list::url_encode("a b/ü~.txt"), "a%20b/%C3%BC~.txt");
    }

    #[test]
    fn only_bucket_level_form_posts_are_targets() {
        let domains = BaseDomains::new(&["s3.test".to_owned()]);
        let target = |r: &http::Request<()>| form_target(Some(&domains), r);
        let req = |method: &str, host: &str, path: &str, ct: &str| {
            http::Request::builder()
                .method(method)
                .uri(path)
                .header("host", host)
                .header("content-type", ct)
                .body(())
                .unwrap()
        };
        let form = "multipart/form-data; boundary=x";
        let t = target(&req("POST", "127.0.0.1:9000", "/photos", form)).unwrap();
        assert_eq!((t.bucket.as_str(), t.in_host), ("photos", false));
        assert!(target(&req("POST", "127.0.0.1:9000", "/photos/", form)).is_some());
        let t = target(&req("POST", "photos.s3.test:9000", "/", form)).unwrap();
        assert_eq!((t.bucket.as_str(), t.in_host), ("photos", true));
        // Objects, the root, other methods and other bodies are s3s's.
        assert!(target(&req("POST", "127.0.0.1", "/photos/key", form)).is_none());
        assert!(target(&req("POST", "photos.s3.test", "/key", form)).is_none());
        assert!(target(&req("POST", "127.0.0.1", "/", form)).is_none());
        assert!(target(&req("PUT", "127.0.0.1", "/photos", form)).is_none());
        assert!(target(&req("POST", "127.0.0.1", "/photos", "application/xml")).is_none());
        assert!(target(&req("POST", "127.0.0.1", "/Bad_Name", form)).is_none());
        // Without a boundary it is still a form upload: answered MalformedPOSTRequest here.
        assert!(target(&req("POST", "127.0.0.1", "/photos", "multipart/form-data")).is_some());
    }
}
