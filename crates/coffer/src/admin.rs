//! `coffer admin`: signed requests to a running server's admin API
//! (`coffer_s3::ADMIN_KMS_KEYS`).

use std::time::SystemTime;

use anyhow::{Context as _, bail};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::cli::{AdminArgs, AdminCommand, KmsCommand};

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    let endpoint = args
        .endpoint
        .or_else(|| env(&["COFFER_ENDPOINT", "AWS_ENDPOINT_URL"]))
        .context("pass --endpoint URL (or set COFFER_ENDPOINT)")?;
    let (Some(access_key), Some(secret_key)) = (
        env(&["COFFER_ROOT_ACCESS_KEY", "AWS_ACCESS_KEY_ID"]),
        env(&["COFFER_ROOT_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"]),
    ) else {
        bail!(
            "set COFFER_ROOT_ACCESS_KEY and COFFER_ROOT_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        );
    };
    let base = format!("{}{}", endpoint.trim_end_matches('/'), coffer_s3::ADMIN_KMS_KEYS);
    let AdminCommand::Kms(command) = args.command;
    let (method, url) = match command {
        KmsCommand::CreateKey { name, description } => (
            "POST",
            format!(
                "{base}&description={}&name={}",
                encode(&description),
                encode(&name)
            ),
        ),
        KmsCommand::ListKeys => ("GET", base),
        KmsCommand::DisableKey { key_id } => {
            ("POST", format!("{base}&enabled=false&name={}", encode(&key_id)))
        }
        KmsCommand::EnableKey { key_id } => ("POST", format!("{base}&enabled=true&name={}", encode(&key_id))),
    };

    let identity =
        aws_credential_types::Credentials::new(access_key, secret_key, None, None, "coffer-admin").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("s3")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .context("cannot build the request signature")?
        .into();
    let uri: http::Uri = url.parse().with_context(|| format!("{url} is not a valid URL"))?;
    let host = uri.authority().context("the endpoint has no host")?.to_string();
    let headers = [
        ("host", host.as_str()),
        ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
    ];
    let signable = SignableRequest::new(method, &url, headers.into_iter(), SignableBody::UnsignedPayload)
        .context("cannot sign the request")?;
    let (instructions, _) = sign(signable, &params)
        .context("cannot sign the request")?
        .into_parts();
    let mut req = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("host", &host)
        .header("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
        .body(Full::new(Bytes::new()))?;
    instructions.apply_to_request_http1x(&mut req);

    let client = Client::builder(TokioExecutor::new()).build_http();
    let resp = client
        .request(req)
        .await
        .with_context(|| format!("cannot reach {endpoint}"))?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    let text = String::from_utf8_lossy(&body);
    if !status.is_success() {
        let code = text
            .split("<Code>")
            .nth(1)
            .and_then(|t| t.split("</Code>").next())
            .unwrap_or("");
        let message = text
            .split("<Message>")
            .nth(1)
            .and_then(|t| t.split("</Message>").next())
            .unwrap_or(&text);
        bail!("{status} {code}: {message}");
    }
    println!("{text}");
    Ok(())
}
