//! Accounts (issue 6, ADR 13 phase 1): tenants made with `coffer admin account create`
//! own their buckets; another account's root cannot list, read, write or copy them; an
//! account's credentials survive a restart and a master-key rotation.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ACCESS_KEY, SECRET_KEY, Server, client_with};

struct Account {
    id: String,
    access_key: String,
    secret_key: String,
}

fn admin(endpoint: &str, access_key: &str, secret_key: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["admin", "--endpoint", endpoint])
        .args(args)
        .env("COFFER_ROOT_ACCESS_KEY", access_key)
        .env("COFFER_ROOT_SECRET_KEY", secret_key)
        .output()
        .unwrap()
}

fn create_account(server: &Server, name: &str) -> Account {
    let out = admin(
        &server.endpoint,
        ACCESS_KEY,
        SECRET_KEY,
        &["account", "create", name, "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let field = |k: &str| v[k].as_str().unwrap().to_owned();
    Account {
        id: field("account_id"),
        access_key: field("access_key_id"),
        secret_key: field("secret_access_key"),
    }
}

fn code<E: aws_sdk_s3::error::ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_account_cannot_touch_the_first_accounts_buckets() {
    let server = Server::start();
    let first = server.client();
    first.create_bucket().bucket("first-bucket").send().await.unwrap();
    first
        .put_object()
        .bucket("first-bucket")
        .key("doc.txt")
        .body(b"first account's bytes".to_vec().into())
        .send()
        .await
        .unwrap();

    let b = create_account(&server, "team-b");
    assert_eq!(b.id.len(), 12);
    assert!(b.id.bytes().all(|c| c.is_ascii_digit()));
    let second = client_with(&server.endpoint, &b.access_key, &b.secret_key);

    let listed = second.list_buckets().send().await.unwrap();
    assert!(listed.buckets().is_empty(), "{listed:?}");
    let e = second
        .get_object()
        .bucket("first-bucket")
        .key("doc.txt")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    let e = second
        .put_object()
        .bucket("first-bucket")
        .key("planted")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    let e = second
        .list_objects_v2()
        .bucket("first-bucket")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    let e = second
        .delete_objects()
        .bucket("first-bucket")
        .delete(
            aws_sdk_s3::types::Delete::builder()
                .objects(
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key("doc.txt")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    let e = second
        .delete_bucket()
        .bucket("first-bucket")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    // A bucket that does not exist is NoSuchBucket for anyone, as AWS.
    let e = second
        .list_objects_v2()
        .bucket("no-such-bucket")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "NoSuchBucket");

    // Copying out of the first account's bucket into its own is refused too.
    second
        .create_bucket()
        .bucket("second-bucket")
        .send()
        .await
        .unwrap();
    let e = second
        .copy_object()
        .bucket("second-bucket")
        .key("stolen")
        .copy_source("first-bucket/doc.txt")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    let e = second
        .create_bucket()
        .bucket("first-bucket")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "BucketAlreadyExists");

    // Each sees only its own buckets, owned by its canonical id.
    let names = |out: &aws_sdk_s3::operation::list_buckets::ListBucketsOutput| -> Vec<String> {
        out.buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_owned))
            .collect()
    };
    let mine = second.list_buckets().send().await.unwrap();
    assert_eq!(names(&mine), ["second-bucket"]);
    assert_eq!(mine.owner().unwrap().display_name(), Some("team-b"));
    let theirs = first.list_buckets().send().await.unwrap();
    assert_eq!(names(&theirs), ["first-bucket"]);
    assert_ne!(mine.owner().unwrap().id(), theirs.owner().unwrap().id());
    assert_eq!(theirs.owner().unwrap().id().map(str::len), Some(64));

    // The first account's data is untouched.
    let got = first
        .get_object()
        .bucket("first-bucket")
        .key("doc.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        b"first account's bytes"
    );
    let keys = first
        .list_objects_v2()
        .bucket("first-bucket")
        .send()
        .await
        .unwrap();
    assert_eq!(keys.contents().len(), 1);

    // An account that owns a bucket cannot be deleted; once empty it can, and its keys
    // stop working at once.
    let out = admin(
        &server.endpoint,
        ACCESS_KEY,
        SECRET_KEY,
        &["account", "delete", "team-b"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("owns buckets"));
    second
        .delete_bucket()
        .bucket("second-bucket")
        .send()
        .await
        .unwrap();
    let out = admin(
        &server.endpoint,
        ACCESS_KEY,
        SECRET_KEY,
        &["account", "delete", "team-b"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e = second.list_buckets().send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidAccessKeyId");
}

#[tokio::test(flavor = "multi_thread")]
async fn account_keys_survive_restart_and_master_key_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path(), &[]);
    let a = create_account(&server, "keeps");
    // Not the deployment root: the admin API refuses it.
    let out = admin(
        &server.endpoint,
        &a.access_key,
        &a.secret_key,
        &["account", "list"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("AccessDenied"));
    let client = client_with(&server.endpoint, &a.access_key, &a.secret_key);
    client
        .create_bucket()
        .bucket("keeps-bucket")
        .send()
        .await
        .unwrap();
    assert!(server.terminate());

    let out = common::rotate_master_key(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 access-key secrets re-sealed"), "{stdout}");
    // Only the new key is left: the secret must have been sealed again to be usable.
    std::fs::remove_file(dir.path().join("master.key.previous")).unwrap();

    let server = Server::start_in(dir.path(), &[]);
    let client = client_with(&server.endpoint, &a.access_key, &a.secret_key);
    let listed = client.list_buckets().send().await.unwrap();
    let names: Vec<_> = listed.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["keeps-bucket"]);
    let out = admin(
        &server.endpoint,
        ACCESS_KEY,
        SECRET_KEY,
        &["account", "list", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<_> = v["Accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["account_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&a.id), "{v}");
}

fn offline(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["admin", "--offline", "--data-dir"])
        .arg(dir)
        .args(args)
        .env_remove("COFFER_ROOT_ACCESS_KEY")
        .env_remove("COFFER_ROOT_SECRET_KEY")
        .env_remove("COFFER_MASTER_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A server process, killed when dropped (a failed assertion must not leave it running).
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server on `dir` whose root credentials are the data dir's own (no environment).
fn start_own_credentials(dir: &std::path::Path) -> (Running, String) {
    use std::io::{BufRead as _, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["serve", "--address", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("COFFER_ROOT_ACCESS_KEY")
        .env_remove("COFFER_ROOT_SECRET_KEY")
        .env("COFFER_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut endpoint = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("serving S3 at ").nth(1) {
            endpoint = rest.split_whitespace().next().unwrap().to_owned();
            break;
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    (Running(child), endpoint)
}

/// SIGTERM, and wait for the server to let go of the data dir.
fn stop(mut running: Running) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &running.0.id().to_string()])
        .status();
    let _ = running.0.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_bootstrap_and_rescue() {
    let dir = tempfile::tempdir().unwrap();
    // A first start creates the data dir, its master key and root credentials.
    let (child, endpoint) = start_own_credentials(dir.path());
    let creds = std::fs::read_to_string(dir.path().join("root-credentials.toml")).unwrap();
    let field = |name: &str| {
        creds
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = \"")))
            .unwrap()
            .trim_end_matches('"')
            .to_owned()
    };
    let (old_key, old_secret) = (field("access_key_id"), field("secret_access_key"));
    let root = client_with(&endpoint, &old_key, &old_secret);
    root.create_bucket().bucket("ops-data").send().await.unwrap();
    root.create_bucket().bucket("elsewhere").send().await.unwrap();
    // Offline work refuses a data dir a server holds.
    let busy = std::process::Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["admin", "--offline", "--data-dir"])
        .arg(dir.path())
        .args(["account", "list"])
        .output()
        .unwrap();
    assert!(!busy.status.success());
    stop(child);

    let policy = dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
            "Resource":["arn:aws:s3:::ops-data","arn:aws:s3:::ops-data/*"]}]}"#,
    )
    .unwrap();
    let user = offline(
        dir.path(),
        &[
            "user",
            "create",
            "ops",
            "--policy-file",
            policy.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(user["user_name"], "ops");
    let rotated = offline(
        dir.path(),
        &["account", "rotate-root-key", "deployment", "--json"],
    );

    let (child, endpoint) = start_own_credentials(dir.path());
    let ops = client_with(
        &endpoint,
        user["access_key_id"].as_str().unwrap(),
        user["secret_access_key"].as_str().unwrap(),
    );
    ops.put_object()
        .bucket("ops-data")
        .key("k")
        .body(b"v".to_vec().into())
        .send()
        .await
        .unwrap();
    let e = ops
        .put_object()
        .bucket("elsewhere")
        .key("k")
        .body(b"v".to_vec().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDenied");
    // The old root secret is gone; the new one works.
    let old_root = client_with(&endpoint, &old_key, &old_secret);
    let e = old_root.list_buckets().send().await.unwrap_err();
    assert_eq!(code(&e), "InvalidAccessKeyId");
    let new_root = client_with(
        &endpoint,
        rotated["access_key_id"].as_str().unwrap(),
        rotated["secret_access_key"].as_str().unwrap(),
    );
    assert_eq!(new_root.list_buckets().send().await.unwrap().buckets().len(), 2);

    // A created account's root key rotates online; the old key stops at once.
    let team = {
        let out = admin(
            &endpoint,
            rotated["access_key_id"].as_str().unwrap(),
            rotated["secret_access_key"].as_str().unwrap(),
            &["account", "create", "team", "--json"],
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let out = admin(
        &endpoint,
        rotated["access_key_id"].as_str().unwrap(),
        rotated["secret_access_key"].as_str().unwrap(),
        &["account", "rotate-root-key", "team", "--json"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fresh: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let old = client_with(
        &endpoint,
        team["access_key_id"].as_str().unwrap(),
        team["secret_access_key"].as_str().unwrap(),
    );
    assert_eq!(
        code(&old.list_buckets().send().await.unwrap_err()),
        "InvalidAccessKeyId"
    );
    let new = client_with(
        &endpoint,
        fresh["access_key_id"].as_str().unwrap(),
        fresh["secret_access_key"].as_str().unwrap(),
    );
    new.list_buckets().send().await.unwrap();
    stop(child);
}
