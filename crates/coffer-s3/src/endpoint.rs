//! The HTTP face: s3s wired with our auth, plus what every response needs
//! (`x-amz-request-id`, `x-amz-id-2`, a complete error body) and the access log.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use coffer_core::Store;
use http_body_util::BodyExt as _;
use http_body_util::combinators::UnsyncBoxBody;
use s3s::service::{S3Service, S3ServiceBuilder};
use tracing::Instrument as _;

use crate::access::IamAccess;
use crate::auth::IamAuth;
use crate::ops::post_object::PostObject;
use crate::service::Coffer;

/// Bucket names as the core accepts them, so s3s's routing agrees with CreateBucket.
struct BucketNames;

impl s3s::validation::NameValidation for BucketNames {
    fn validate_bucket_name(&self, name: &str) -> bool {
        coffer_core::validate_bucket_name(name).is_ok()
    }
}

/// A response body, whatever produced it.
pub type ResponseBody = UnsyncBoxBody<Bytes, Box<dyn StdError + Send + Sync>>;

/// How the endpoint is set up.
#[derive(Clone, Debug)]
pub struct EndpointConfig {
    /// Region of buckets created without a LocationConstraint.
    pub region: String,
    /// Base domains of virtual-hosted-style requests (`bucket.<domain>`); path style is
    /// always served.
    pub domains: Vec<String>,
    /// Accept SSE-C customer keys on requests that did not arrive over TLS. Keys sent in
    /// clear text can be read on the wire: for loopback testing only.
    pub allow_sse_c_over_http: bool,
}

/// The S3 endpoint. Cheap to clone.
#[derive(Clone)]
pub struct S3Endpoint {
    service: Arc<S3Service>,
    /// Browser form uploads, served before s3s so the file streams (ADR 7).
    post_object: Arc<PostObject>,
}

impl S3Endpoint {
    #[must_use]
    pub fn new(store: Store, iam: coffer_iam::Iam, config: &EndpointConfig) -> Self {
        let post_object = PostObject::new(store.clone(), iam.clone(), &config.domains);
        let admin = crate::admin::AdminRoute {
            store: store.clone(),
            iam: iam.clone(),
            region: config.region.clone(),
        };
        let access = IamAccess {
            iam: iam.clone(),
            store: store.clone(),
        };
        let mut builder = S3ServiceBuilder::new(Coffer {
            store,
            iam: iam.clone(),
            region: config.region.clone(),
            allow_sse_c_over_http: config.allow_sse_c_over_http,
        });
        // Always install auth and access: without them s3s serves anonymous requests.
        builder.set_auth(IamAuth { iam });
        builder.set_access(access);
        builder.set_validation(BucketNames);
        builder.set_route(admin);
        if !config.domains.is_empty() {
            builder.set_host(crate::vhost::BaseDomains::new(&config.domains));
        }
        // s3s buffers a POST Object's whole file; those requests never reach it (see
        // `PostObject::target`), and should one slip through it gets no room.
        let mut s3s_config = s3s::config::S3Config::default();
        s3s_config.post_object_max_file_size = 0;
        builder.set_config(Arc::new(s3s::config::StaticConfigProvider::new(Arc::new(
            s3s_config,
        ))));
        Self {
            service: Arc::new(builder.build()),
            post_object: Arc::new(post_object),
        }
    }

    /// Serves one request. Never fails: every failure is an S3 error response.
    pub async fn handle<B>(&self, req: http::Request<B>) -> http::Response<ResponseBody>
    where
        B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: StdError + Send + Sync + 'static,
    {
        let request_id = new_request_id();
        let span = tracing::info_span!("request", id = %request_id);
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let close_on_error = expects_continue(&req);
        async move {
            let started = Instant::now();
            if let Some(target) = self.post_object.target(&req) {
                let http1 = req.version() < http::Version::HTTP_2;
                let resp = match self.post_object.serve(target, req).await {
                    Ok(resp) => resp,
                    // A refused form may leave most of its file unsent or unread; end the
                    // connection rather than drain it (HTTP/1 only: HTTP/2 resets the stream).
                    Err(e) if http1 => close(e.to_http_response().unwrap_or_else(|_| internal_error())),
                    Err(e) => e.to_http_response().unwrap_or_else(|_| internal_error()),
                };
                return log_and_box(finish(resp, &request_id, &path), &method, &path, started);
            }
            let req = match prepare_body(req).await {
                Ok(req) => req,
                Err(e) => {
                    let resp = e.to_http_response().unwrap_or_else(|_| internal_error());
                    return log_and_box(finish(resp, &request_id, &path), &method, &path, started);
                }
            };
            let resp = match self.service.call(req).await {
                Ok(resp) => resp,
                Err(e) => {
                    tracing::error!(error = ?e, "request failed outside any operation");
                    internal_error()
                }
            };
            let mut resp = finish(resp, &request_id, &path);
            partial_head(&method, &mut resp);
            if close_on_error && !resp.status().is_success() {
                // The client waited for "100 Continue" and, given a final answer instead,
                // will not send the body. An unread body would be taken from the next
                // request on this connection, so this connection must end here.
                resp = close(resp);
            }
            log_and_box(resp, &method, &path, started)
        }
        .instrument(span)
        .await
    }
}

/// Marks a response as the last on its connection.
fn close(mut resp: s3s::HttpResponse) -> s3s::HttpResponse {
    resp.headers_mut()
        .insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
    resp
}

/// s3s answers every HeadObject with 200 and ignores a status override; AWS answers a
/// ranged or per-part HEAD with 206, as GET.
fn partial_head(method: &http::Method, resp: &mut s3s::HttpResponse) {
    if method == http::Method::HEAD
        && resp.status() == http::StatusCode::OK
        && resp.headers().contains_key(http::header::CONTENT_RANGE)
    {
        *resp.status_mut() = http::StatusCode::PARTIAL_CONTENT;
    }
}

/// An HTTP/1.1 request that sent `Expect: 100-continue` (boto3 does, for every upload).
fn expects_continue<B>(req: &http::Request<B>) -> bool {
    req.version() == http::Version::HTTP_11
        && req
            .headers()
            .get(http::header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

fn log_and_box(
    resp: s3s::HttpResponse,
    method: &http::Method,
    path: &str,
    started: Instant,
) -> http::Response<ResponseBody> {
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_millis();
    if status >= 500 {
        tracing::error!(%method, %path, status, ms, "request");
    } else {
        tracing::info!(%method, %path, status, ms, "request");
    }
    resp.map(|b| b.boxed_unsync())
}

/// DeleteObjects (`POST /bucket?delete`) carries a small XML body whose Content-MD5 or
/// `x-amz-checksum-*` s3s never checks; buffer and verify it here. Other requests stream.
async fn prepare_body<B>(req: http::Request<B>) -> Result<s3s::HttpRequest, s3s::S3Error>
where
    B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: StdError + Send + Sync + 'static,
{
    let is_delete_objects = req.method() == http::Method::POST
        && req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|p| p == "delete" || p.starts_with("delete=")));
    if !is_delete_objects {
        return Ok(req.map(s3s::Body::http_body));
    }
    let (parts, body) = req.into_parts();
    let bytes = crate::integrity::verify_small_body(&parts.headers, body).await?;
    Ok(http::Request::from_parts(parts, s3s::Body::from(bytes)))
}

/// An id like AWS's: 16 upper-case hex digits.
fn new_request_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string().to_ascii_uppercase();
    id[..16].to_owned()
}

fn internal_error() -> s3s::HttpResponse {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>";
    let mut resp = http::Response::new(s3s::Body::from(body.to_owned()));
    *resp.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/xml"),
    );
    resp
}

/// AWS's wording for errors that arrive without a message.
fn default_message(code: &str) -> &'static str {
    match code {
        "AccessDenied" => "Access Denied",
        "InvalidBucketName" => "The specified bucket is not valid.",
        "InvalidAccessKeyId" => "The AWS Access Key Id you provided does not exist in our records.",
        "SignatureDoesNotMatch" => {
            "The request signature we calculated does not match the signature you provided. Check your key and signing method."
        }
        "RequestTimeTooSkewed" => {
            "The difference between the request time and the current time is too large."
        }
        "KeyTooLongError" => "Your key is too long",
        "MethodNotAllowed" => "The specified method is not allowed against this resource.",
        "NotImplemented" => "A header you provided implies functionality that is not implemented",
        "MalformedXML" => {
            "The XML you provided was not well-formed or did not validate against our published schema"
        }
        _ => "The request could not be processed.",
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds the request id headers to every response, and completes error bodies with
/// `Resource` and `RequestId` (s3s writes neither), in this one place.
fn finish(mut resp: s3s::HttpResponse, request_id: &str, resource: &str) -> s3s::HttpResponse {
    let headers = resp.headers_mut();
    if let Ok(v) = http::HeaderValue::from_str(request_id) {
        headers.insert("x-amz-request-id", v.clone());
        headers.insert("x-amz-id-2", v);
    }
    if resp.status() == http::StatusCode::NOT_MODIFIED {
        // A 304 has no body (RFC 9110); s3s writes its error XML into every error.
        resp.headers_mut().remove(http::header::CONTENT_TYPE);
        resp.headers_mut().remove(http::header::CONTENT_LENGTH);
        *resp.body_mut() = s3s::Body::empty();
        return resp;
    }
    if resp.status().is_client_error() || resp.status().is_server_error() {
        let completed = resp.body().bytes().and_then(|bytes| {
            let text = std::str::from_utf8(&bytes).ok()?;
            if !text.contains("<Error>") || text.contains("<RequestId>") {
                return None;
            }
            // s3s leaves Message out of errors it raises itself; AWS never does.
            let message = if text.contains("<Message>") {
                String::new()
            } else {
                let code = text
                    .split("<Code>")
                    .nth(1)
                    .and_then(|t| t.split("</Code>").next())
                    .unwrap_or("");
                format!("<Message>{}</Message>", default_message(code))
            };
            let extra = format!(
                "{message}<Resource>{}</Resource><RequestId>{request_id}</RequestId></Error>",
                xml_escape(resource)
            );
            Some(text.replacen("</Error>", &extra, 1))
        });
        if let Some(text) = completed {
            resp.headers_mut()
                .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(text.len()));
            *resp.body_mut() = s3s::Body::from(text);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_gain_resource_and_request_id() {
        let mut resp = http::Response::new(s3s::Body::from(
            "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>m</Message></Error>".to_owned(),
        ));
        *resp.status_mut() = http::StatusCode::NOT_FOUND;
        let resp = finish(resp, "ABC", "/b/a<b");
        let body = resp.body().bytes().unwrap_or_default();
        let text = std::str::from_utf8(&body).unwrap_or_default();
        assert!(
            text.ends_with("<Resource>/b/a&lt;b</Resource><RequestId>ABC</RequestId></Error>"),
            "{text}"
        );
        assert_eq!(resp.headers()["x-amz-request-id"], "ABC");
        assert_eq!(
            resp.headers()[http::header::CONTENT_LENGTH],
            text.len().to_string().as_str()
        );
    }
}
