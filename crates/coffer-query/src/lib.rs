//! The AWS Query protocol of IAM and STS, served on the S3 port (ADR 13).
//!
//! A request is ours when its SigV4 credential scope names the `iam` or `sts` service
//! ([`is_query_request`]); S3 has no form-encoded `POST /`, so routing by scope cannot
//! shadow an S3 request. The body is small and buffered (at most 256 KiB), the signature
//! is checked here (s3s cannot verify the `iam` scope), parameters come from the query
//! string and the form body, and every answer, errors included, is Query-protocol XML
//! that botocore and the AWS SDKs parse.

mod error;
mod iam;
mod params;
mod sts;
mod verify;
mod xml;

use std::error::Error as StdError;
use std::time::Instant;

use bytes::Bytes;
use coffer_iam::{Caller, Iam};
use http_body_util::BodyExt as _;

use crate::error::QueryError;
use crate::params::Params;
use crate::xml::{IAM_NS, STS_NS, Xml};

/// Largest body an IAM or STS request may have (a policy document is at most 10 KiB).
const MAX_BODY: usize = 256 * 1024;

/// The service a request's SigV4 credential scope names, if it is IAM or STS.
#[must_use]
pub fn is_query_request<B>(req: &http::Request<B>) -> bool {
    scope_service(req).is_some()
}

fn scope_service<B>(req: &http::Request<B>) -> Option<Service> {
    let from_header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or_default().to_owned());
    let credential = from_header.or_else(|| {
        form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "X-Amz-Credential")
            .map(|(_, v)| v.into_owned())
    })?;
    match credential.rsplit('/').nth(1)? {
        "iam" => Some(Service::Iam),
        "sts" => Some(Service::Sts),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Service {
    Iam,
    Sts,
}

impl Service {
    fn namespace(self) -> &'static str {
        match self {
            Self::Iam => IAM_NS,
            Self::Sts => STS_NS,
        }
    }
}

/// What an action handler sees.
pub(crate) struct Ctx<'a> {
    pub iam: &'a Iam,
    pub caller: &'a Caller,
    pub params: &'a Params,
    /// Where the request came from (`aws:SourceIp`).
    pub peer: Option<std::net::IpAddr>,
    /// Whether it came over TLS, as the server decided (`aws:SecureTransport`).
    pub secure: bool,
}

/// The IAM and STS endpoint. Cheap to clone.
#[derive(Clone)]
pub struct QueryEndpoint {
    iam: Iam,
}

impl QueryEndpoint {
    #[must_use]
    pub fn new(iam: Iam) -> Self {
        Self { iam }
    }

    /// Serves one request routed here by [`is_query_request`]. Never fails: every failure
    /// is an error document.
    pub async fn handle<B>(&self, req: http::Request<B>) -> http::Response<Bytes>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: StdError + Send + Sync + 'static,
    {
        let started = Instant::now();
        let request_id = uuid::Uuid::new_v4().to_string();
        let service = scope_service(&req).unwrap_or(Service::Iam);
        let mut action = String::new();
        let result = self.serve(service, req, &mut action, &request_id).await;
        let (status, body) = match result {
            Ok(doc) => (http::StatusCode::OK, doc),
            Err(e) => {
                let wire = e.wire();
                (wire.status, xml::error(service.namespace(), &wire, &request_id))
            }
        };
        let ms = started.elapsed().as_millis();
        tracing::info!(service = ?service, action = %action, status = status.as_u16(), ms, "query request");
        let mut resp = http::Response::new(Bytes::from(body));
        *resp.status_mut() = status;
        let headers = resp.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/xml"),
        );
        if let Ok(v) = http::HeaderValue::from_str(&request_id) {
            headers.insert("x-amzn-requestid", v);
        }
        resp
    }

    async fn serve<B>(
        &self,
        service: Service,
        req: http::Request<B>,
        action: &mut String,
        request_id: &str,
    ) -> Result<String, QueryError>
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: StdError + Send + Sync + 'static,
    {
        let (parts, body) = req.into_parts();
        let body = http_body_util::Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map_err(|_| QueryError::TooLarge)?
            .to_bytes();
        let caller = verify::authenticate(&self.iam, &parts, &body)?;
        let form: &[u8] = if is_form(&parts.headers) { &body } else { &[] };
        let params = Params::parse(parts.uri.query().unwrap_or_default(), form);
        let name = params.get("Action").ok_or(QueryError::MissingAction)?.to_owned();
        action.clone_from(&name);
        let ctx = Ctx {
            iam: &self.iam,
            caller: &caller,
            params: &params,
            peer: parts.extensions.get::<coffer_iam::PeerAddr>().map(|p| p.0.ip()),
            secure: parts
                .extensions
                .get::<coffer_iam::SecureTransport>()
                .is_some_and(|s| s.0),
        };
        let result: Option<Xml> = match service {
            Service::Sts => sts::dispatch(&ctx, &name)?,
            Service::Iam => iam::dispatch(&ctx, &name).await?,
        };
        Ok(xml::response(service.namespace(), &name, result, request_id))
    }
}

fn is_form(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/x-www-form-urlencoded"))
}
