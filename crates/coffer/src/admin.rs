//! `coffer admin`: signed requests to a running server's admin API
//! (`coffer_s3::ADMIN_KMS_KEYS`, `coffer_s3::ADMIN_ACCOUNTS`).

use std::time::SystemTime;

use anyhow::{Context as _, bail};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::cli::{AccountCommand, AdminArgs, AdminCommand, KmsCommand};

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    if args.offline {
        return crate::offline::run(args).await;
    }
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
    let endpoint = endpoint.trim_end_matches('/').to_owned();
    let command = match args.command {
        AdminCommand::Account(command) => return account(&endpoint, &access_key, &secret_key, command).await,
        AdminCommand::User(_) => bail!(
            "users of a running server are managed with `aws iam` (create-user, create-access-key, put-user-policy); \
             `coffer admin --offline --data-dir DIR user create` works on a stopped one"
        ),
        AdminCommand::Kms(command) => command,
    };
    let base = format!("{endpoint}{}", coffer_s3::ADMIN_KMS_KEYS);
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

    let text = call(&endpoint, &access_key, &secret_key, method, &url).await?;
    println!("{text}");
    Ok(())
}

async fn account(
    endpoint: &str,
    access_key: &str,
    secret_key: &str,
    command: AccountCommand,
) -> anyhow::Result<()> {
    let base = format!("{endpoint}{}", coffer_s3::ADMIN_ACCOUNTS);
    match command {
        AccountCommand::Create { name, json } => {
            let url = format!("{base}&name={}", encode(&name));
            let text = call(endpoint, access_key, secret_key, "POST", &url).await?;
            let v: serde_json::Value =
                serde_json::from_str(&text).context("the server's answer is not JSON")?;
            let field = |k: &str| v[k].as_str().map(str::to_owned).unwrap_or_default();
            let (id, key, secret) = (
                field("account_id"),
                field("access_key_id"),
                field("secret_access_key"),
            );
            if json {
                println!(
                    "{{\"account_id\": {}, \"access_key_id\": {}, \"secret_access_key\": {}}}",
                    serde_json::Value::from(id),
                    serde_json::Value::from(key),
                    serde_json::Value::from(secret)
                );
            } else {
                println!(
                    "Account {name} created with id {id}. Its root credentials (the secret is not shown again):\n\n  \
                     export AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret}"
                );
            }
        }
        AccountCommand::List { json } => {
            let text = call(endpoint, access_key, secret_key, "GET", &base).await?;
            if json {
                println!("{text}");
            } else {
                let v: serde_json::Value =
                    serde_json::from_str(&text).context("the server's answer is not JSON")?;
                println!("{:<14} NAME", "ACCOUNT ID");
                for a in v["Accounts"].as_array().into_iter().flatten() {
                    let deployment = if a["deployment"].as_bool() == Some(true) {
                        "  (this deployment's own)"
                    } else {
                        ""
                    };
                    println!(
                        "{:<14} {}{deployment}",
                        a["account_id"].as_str().unwrap_or_default(),
                        a["name"].as_str().unwrap_or_default()
                    );
                }
            }
        }
        AccountCommand::PublicAccessBlock {
            name,
            block_public_acls,
            ignore_public_acls,
            block_public_policy,
            restrict_public_buckets,
        } => {
            let url = format!(
                "{base}&name={}&BlockPublicAcls={block_public_acls}&IgnorePublicAcls={ignore_public_acls}\
                 &BlockPublicPolicy={block_public_policy}&RestrictPublicBuckets={restrict_public_buckets}",
                encode(&name)
            );
            println!("{}", call(endpoint, access_key, secret_key, "PUT", &url).await?);
        }
        AccountCommand::RotateRootKey { name, json } => {
            let url = format!("{base}&name={}", encode(&name));
            let text = call(endpoint, access_key, secret_key, "PATCH", &url).await?;
            if json {
                println!("{text}");
            } else {
                let v: serde_json::Value =
                    serde_json::from_str(&text).context("the server's answer is not JSON")?;
                println!(
                    "A new root key for account {name}; older ones no longer work (the secret is not shown again):\n\n  \
                     export AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}",
                    v["access_key_id"].as_str().unwrap_or_default(),
                    v["secret_access_key"].as_str().unwrap_or_default()
                );
            }
        }
        AccountCommand::Delete { name } => {
            let url = format!("{base}&name={}", encode(&name));
            call(endpoint, access_key, secret_key, "DELETE", &url).await?;
            println!("Account {name} deleted.");
        }
    }
    Ok(())
}

/// Sends one signed admin request; the body of a 2xx answer, else its S3 error.
async fn call(
    endpoint: &str,
    access_key: &str,
    secret_key: &str,
    method: &str,
    url: &str,
) -> anyhow::Result<String> {
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
    let signable = SignableRequest::new(method, url, headers.into_iter(), SignableBody::UnsignedPayload)
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
    Ok(text.into_owned())
}
