//! The benchmark switches of `coffer serve` against the real binary (ADR 0010):
//! `--no-encryption` stores what asks for no encryption in plaintext and still encrypts
//! what asks for it; `--no-fsync` serves the same S3 (its durability cost cannot be
//! observed without pulling the power); both log a warning at startup.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    CompletedMultipartUpload, CompletedPart, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use common::Server;
use s3util::{create_bucket, get, s3_err};

const MIB: usize = 1024 * 1024;

/// `len` bytes repeating `marker`, so its plaintext can be searched for on disk.
fn patterned(marker: &[u8], len: usize) -> Vec<u8> {
    marker.iter().copied().cycle().take(len).collect()
}

/// Whether any blob file in the data dir holds `marker` in plain text.
fn on_disk_in_plaintext(data_dir: &Path, marker: &[u8]) -> bool {
    common::files_under(&data_dir.join("blobs")).iter().any(|f| {
        std::fs::read(f)
            .unwrap()
            .windows(marker.len())
            .any(|w| w == marker)
    })
}

async fn put(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    data: &[u8],
    sse: Option<ServerSideEncryption>,
) -> Option<ServerSideEncryption> {
    let out = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(data.to_vec()))
        .set_server_side_encryption(sse)
        .send()
        .await
        .unwrap();
    out.server_side_encryption().cloned()
}

async fn head_sse(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Option<ServerSideEncryption> {
    let head = s3.head_object().bucket(bucket).key(key).send().await.unwrap();
    head.server_side_encryption().cloned()
}

/// A two-part upload of `data` (first part 5 MiB); returns the SSE of the completion.
async fn multipart(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    data: &[u8],
) -> Option<ServerSideEncryption> {
    let up = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap();
    let mut parts = Vec::new();
    for (i, chunk) in data.chunks(5 * MIB).enumerate() {
        let n = i32::try_from(i + 1).unwrap();
        let out = s3
            .upload_part()
            .bucket(bucket)
            .key(key)
            .upload_id(id)
            .part_number(n)
            .body(ByteStream::from(chunk.to_vec()))
            .send()
            .await
            .unwrap();
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .build(),
        );
    }
    let done = s3
        .complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .unwrap();
    done.server_side_encryption().cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_encryption_stores_plaintext_unless_encryption_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path(), &["--no-encryption"]);
    let s3 = server.client();
    create_bucket(&s3, "plain").await;
    create_bucket(&s3, "configured").await;

    // No SSE header, no bucket configuration: plaintext, and no SSE header back. Blob
    // objects (above the 64 KiB inline threshold), a multipart upload, an inline one.
    let single = patterned(b"PLAIN-SINGLE-PUT:", 300_000);
    let multi = patterned(b"PLAIN-MULTIPART:", 5 * MIB + 4321);
    let small = patterned(b"PLAIN-INLINE:", 1000);
    assert_eq!(put(&s3, "plain", "single", &single, None).await, None);
    assert_eq!(multipart(&s3, "plain", "multi", &multi).await, None);
    assert_eq!(put(&s3, "plain", "small", &small, None).await, None);
    for key in ["single", "multi", "small"] {
        assert_eq!(head_sse(&s3, "plain", key).await, None, "{key}");
    }
    let got = s3
        .get_object()
        .bucket("plain")
        .key("single")
        .send()
        .await
        .unwrap();
    assert_eq!(got.server_side_encryption(), None);
    assert!(got.body.collect().await.unwrap().into_bytes().as_ref() == single.as_slice());
    assert!(get(&s3, "plain", "multi").await == multi);
    assert_eq!(get(&s3, "plain", "small").await, small);
    assert!(on_disk_in_plaintext(dir.path(), b"PLAIN-SINGLE-PUT:"));
    assert!(on_disk_in_plaintext(dir.path(), b"PLAIN-MULTIPART:"));
    // Such a bucket has no default encryption, as on AWS before 2023.
    let r = s3.get_bucket_encryption().bucket("plain").send().await;
    assert_eq!(
        s3_err(r),
        (404, "ServerSideEncryptionConfigurationNotFoundError".into())
    );

    // An explicit SSE-S3 request still encrypts.
    let asked = patterned(b"ASKED-FOR-AES256:", 300_000);
    assert_eq!(
        put(&s3, "plain", "asked", &asked, Some(ServerSideEncryption::Aes256)).await,
        Some(ServerSideEncryption::Aes256)
    );
    assert_eq!(
        head_sse(&s3, "plain", "asked").await,
        Some(ServerSideEncryption::Aes256)
    );
    assert!(get(&s3, "plain", "asked").await == asked);
    assert!(!on_disk_in_plaintext(dir.path(), b"ASKED-FOR-AES256:"));

    // So does a bucket's default-encryption configuration.
    let config = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::Aes256)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
        .unwrap();
    s3.put_bucket_encryption()
        .bucket("configured")
        .server_side_encryption_configuration(config)
        .send()
        .await
        .unwrap();
    let by_bucket = patterned(b"BUCKET-DEFAULT-SSE:", 300_000);
    assert_eq!(
        put(&s3, "configured", "obj", &by_bucket, None).await,
        Some(ServerSideEncryption::Aes256)
    );
    assert!(get(&s3, "configured", "obj").await == by_bucket);
    assert!(!on_disk_in_plaintext(dir.path(), b"BUCKET-DEFAULT-SSE:"));

    // Restarted with the default (encryption on), everything reads back, each object as
    // it was stored, and new objects are encrypted again.
    assert!(server.terminate());
    let server = Server::start_in(dir.path(), &[]);
    let s3 = server.client();
    assert_eq!(head_sse(&s3, "plain", "single").await, None);
    assert!(get(&s3, "plain", "single").await == single);
    assert!(get(&s3, "plain", "multi").await == multi);
    assert_eq!(get(&s3, "plain", "small").await, small);
    assert!(get(&s3, "plain", "asked").await == asked);
    assert!(get(&s3, "configured", "obj").await == by_bucket);
    let later = patterned(b"WRITTEN-WITH-DEFAULTS:", 300_000);
    assert_eq!(
        put(&s3, "plain", "later", &later, None).await,
        Some(ServerSideEncryption::Aes256)
    );
    assert!(!on_disk_in_plaintext(dir.path(), b"WRITTEN-WITH-DEFAULTS:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fsync_serves_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    // Through the environment variable, as a benchmark script would set it.
    let mut server = Server::start_with_env(dir.path(), &[], &[("COFFER_NO_FSYNC", "true")]);
    let s3 = server.client();
    create_bucket(&s3, "fast").await;
    let big = common::bytes(3 * MIB + 17, 1);
    let small = common::bytes(5000, 2);
    let multi = common::bytes(5 * MIB + 999, 3);
    put(&s3, "fast", "big", &big, None).await;
    put(&s3, "fast", "small", &small, None).await;
    multipart(&s3, "fast", "multi", &multi).await;
    assert!(get(&s3, "fast", "big").await == big);
    assert_eq!(get(&s3, "fast", "small").await, small);
    assert!(get(&s3, "fast", "multi").await == multi);
    // Encryption is unaffected by the switch.
    assert_eq!(
        head_sse(&s3, "fast", "big").await,
        Some(ServerSideEncryption::Aes256)
    );
    // After a clean stop the data is there for a server with fsync on.
    assert!(server.terminate());
    let server = Server::start_in(dir.path(), &[]);
    let s3 = server.client();
    assert!(get(&s3, "fast", "big").await == big);
    assert_eq!(get(&s3, "fast", "small").await, small);
    assert!(get(&s3, "fast", "multi").await == multi);
}

#[test]
fn both_switches_warn_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["serve", "--address", "127.0.0.1:0", "--no-fsync", "--data-dir"])
        .arg(dir.path())
        .env("COFFER_NO_ENCRYPTION", "true")
        .env("COFFER_ROOT_ACCESS_KEY", common::ACCESS_KEY)
        .env("COFFER_ROOT_SECRET_KEY", common::SECRET_KEY)
        .env("COFFER_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut warned = (false, false);
    while !(warned.0 && warned.1) {
        let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) else {
            break;
        };
        if line.contains("WARN") {
            warned.0 |= line.contains("--no-fsync") && line.contains("power failure");
            warned.1 |= line.contains("--no-encryption") && line.contains("plaintext");
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(warned, (true, true), "both switches must log a WARN line");
}
