//! A bare S3 client for the load generator: one keep-alive connection pool, path-style
//! URLs, SigV4 with an unsigned payload so the client hashes no body, and no SDK layers on
//! the hot path.

use std::convert::Infallible;
use std::time::SystemTime;

use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub type Body = BoxBody<Bytes, Infallible>;

pub fn empty() -> Body {
    Empty::new().boxed()
}

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// Why a request failed, as the report groups failures: `404 NoSuchKey`, `transport`...
#[derive(Debug)]
pub struct Failure(pub String);

impl Failure {
    pub fn new(kind: impl Into<String>) -> Self {
        Self(kind.into())
    }
}

pub struct S3 {
    http: Client<HttpConnector, Body>,
    /// `http://host:port`, no trailing slash.
    base: String,
    host: String,
    credentials: aws_credential_types::Credentials,
    region: String,
    settings: SigningSettings,
}

impl S3 {
    pub fn new(
        endpoint: &str,
        access_key: &str,
        secret_key: &str,
        region: &str,
        pool: usize,
    ) -> anyhow::Result<Self> {
        let uri: http::Uri = endpoint
            .parse()
            .map_err(|e| anyhow::anyhow!("--endpoint {endpoint} is not a URL: {e}"))?;
        if uri.scheme_str() != Some("http") {
            anyhow::bail!("--endpoint {endpoint}: only http:// endpoints are supported");
        }
        let host = uri
            .authority()
            .ok_or_else(|| anyhow::anyhow!("--endpoint {endpoint} has no host"))?
            .to_string();
        let mut connector = HttpConnector::new();
        // Small requests must not wait for Nagle's delayed ACK.
        connector.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(pool)
            .build(connector);
        let mut settings = SigningSettings::default();
        // S3 signs the path as sent: no double encoding, no dot-segment removal.
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        Ok(Self {
            http,
            base: format!("http://{host}"),
            host,
            credentials: aws_credential_types::Credentials::new(
                access_key,
                secret_key,
                None,
                None,
                "coffer-bench",
            ),
            region: region.to_owned(),
            settings,
        })
    }

    /// Signs and sends one request. `target` is the path and query, already
    /// percent-encoded; `headers` are signed too.
    pub async fn send(
        &self,
        method: Method,
        target: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Result<Response<Incoming>, Failure> {
        let url = format!("{}{target}", self.base);
        let mut signed_headers: Vec<(&str, &str)> = Vec::with_capacity(headers.len() + 2);
        signed_headers.push(("host", &self.host));
        signed_headers.push(("x-amz-content-sha256", "UNSIGNED-PAYLOAD"));
        signed_headers.extend_from_slice(headers);
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(self.settings.clone())
            .build()
            .map_err(|e| Failure::new(format!("signing: {e}")))?
            .into();
        let signable = SignableRequest::new(
            method.as_str(),
            &url,
            signed_headers.iter().copied(),
            SignableBody::UnsignedPayload,
        )
        .map_err(|e| Failure::new(format!("signing: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| Failure::new(format!("signing: {e}")))?
            .into_parts();
        let mut builder = http::Request::builder().method(method).uri(&url);
        for (name, value) in &signed_headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder
            .body(body)
            .map_err(|e| Failure::new(format!("request: {e}")))?;
        instructions.apply_to_request_http1x(&mut request);
        self.http.request(request).await.map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            Failure::new(format!("transport: {text}"))
        })
    }

    /// Sends and requires a 2xx; the failure names the status and S3 error code.
    pub async fn send_ok(
        &self,
        method: Method,
        target: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Result<Response<Incoming>, Failure> {
        let response = self.send(method.clone(), target, headers, body).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(error_of(method, response).await)
    }
}

/// Reads the whole (small) response body.
pub async fn read_all(response: Response<Incoming>) -> Result<Bytes, Failure> {
    response
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| Failure::new(format!("transport: body: {e}")))
}

async fn error_of(method: Method, response: Response<Incoming>) -> Failure {
    let status = response.status();
    let code = if method == Method::HEAD || status == StatusCode::NOT_MODIFIED {
        String::new()
    } else {
        read_all(response)
            .await
            .ok()
            .and_then(|body| xml_text(&body, "Code"))
            .unwrap_or_default()
    };
    Failure::new(format!("{} {code}", status.as_u16()).trim_end().to_owned())
}

/// The unescaped text of the first `<tag>` element.
pub fn xml_text(body: &[u8], tag: &str) -> Option<String> {
    xml_texts(body, tag).into_iter().next()
}

/// The unescaped text of every `<tag>` element, in order.
pub fn xml_texts(body: &[u8], tag: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        let raw = &rest[..end];
        out.push(
            quick_xml::escape::unescape(raw)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| raw.to_owned()),
        );
        rest = &rest[end + close.len()..];
    }
    out
}

/// Percent-encodes a query value or a key (keeping `/` in keys) as SigV4 expects.
pub fn encode(value: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
