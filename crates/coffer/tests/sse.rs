//! Encryption at rest (SSE-S3 by default) against the real binary: round trips of every
//! size with ranges across chunk and part boundaries, no plaintext on disk, tampered
//! blobs fail, master keys across restarts, and SSE modes not built yet refused.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, ServerSideEncryption};
use common::Server;
use s3util::{create_bucket, get, s3_err};

const MIB: usize = 1024 * 1024;
const PATTERN: &[u8] = b"COFFER-PLAINTEXT-MARKER:";

/// A body made of a recognisable pattern, so its plaintext can be searched for on disk.
fn patterned(len: usize) -> Vec<u8> {
    PATTERN.iter().copied().cycle().take(len).collect()
}

fn blob_files(data_dir: &Path) -> Vec<PathBuf> {
    common::files_under(&data_dir.join("blobs"))
}

async fn get_range(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, start: usize, len: usize) -> Vec<u8> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .range(format!("bytes={start}-{}", start + len - 1))
        .send()
        .await
        .unwrap();
    out.body.collect().await.unwrap().into_bytes().to_vec()
}

/// Whether a GET of the whole object fails (an error status or a broken body), as a
/// read of tampered bytes must; it must never return other bytes than `expected`.
async fn get_fails(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, expected: &[u8]) -> bool {
    match s3.get_object().bucket(bucket).key(key).send().await {
        Err(_) => true,
        Ok(out) => match out.body.collect().await {
            Err(_) => true,
            Ok(bytes) => {
                assert!(
                    bytes.into_bytes().as_ref() == expected,
                    "tampered data was returned"
                );
                false
            }
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_size_round_trips_encrypted_with_ranges() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "enc").await;
    for size in [0, 1, 1000, 65_536, 200_000, 5 * MIB + 3] {
        let data = patterned(size);
        let key = format!("obj-{size}");
        let put = s3
            .put_object()
            .bucket("enc")
            .key(&key)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(put.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
        assert_eq!(
            put.e_tag(),
            Some(s3util::etag_of(&data).as_str()),
            "ETag is the plaintext MD5"
        );
        let head = s3.head_object().bucket("enc").key(&key).send().await.unwrap();
        assert_eq!(head.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
        assert_eq!(head.content_length(), Some(i64::try_from(size).unwrap()));
        let got = s3.get_object().bucket("enc").key(&key).send().await.unwrap();
        assert_eq!(got.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
        assert!(
            got.body.collect().await.unwrap().into_bytes().as_ref() == data.as_slice(),
            "{key}"
        );
        if size > 70_000 {
            for (start, len) in [
                (65_530, 20),
                (0, 1),
                (size - 7, 7),
                (131_000, 70_000.min(size - 131_000)),
            ] {
                assert!(
                    get_range(&s3, "enc", &key, start, len).await == data[start..start + len],
                    "{key} {start}+{len}"
                );
            }
        }
    }

    // Multipart: each part its own encrypted stream under the upload's key.
    let parts_data = [patterned(5 * MIB + 11), patterned(5 * MIB), patterned(123_457)];
    let up = s3
        .create_multipart_upload()
        .bucket("enc")
        .key("mp")
        .send()
        .await
        .unwrap();
    assert_eq!(up.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
    let id = up.upload_id().unwrap();
    let mut done = Vec::new();
    for (i, d) in parts_data.iter().enumerate() {
        let n = i32::try_from(i + 1).unwrap();
        let out = s3
            .upload_part()
            .bucket("enc")
            .key("mp")
            .upload_id(id)
            .part_number(n)
            .body(ByteStream::from(d.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(out.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
        done.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .build(),
        );
    }
    // A re-uploaded part is encrypted afresh (a new salt, so no nonce is reused).
    let again = s3
        .upload_part()
        .bucket("enc")
        .key("mp")
        .upload_id(id)
        .part_number(3)
        .body(ByteStream::from(parts_data[2].clone()))
        .send()
        .await
        .unwrap();
    done[2] = CompletedPart::builder()
        .part_number(3)
        .e_tag(again.e_tag().unwrap())
        .build();
    let complete = s3
        .complete_multipart_upload()
        .bucket("enc")
        .key("mp")
        .upload_id(id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(done)).build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        complete.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
    let whole: Vec<u8> = parts_data.concat();
    assert!(get(&s3, "enc", "mp").await == whole);
    let boundary = 5 * MIB + 11;
    for (start, len) in [
        (boundary - 100, 200),
        (65_536 * 3 - 5, 10),
        (whole.len() - 1000, 1000),
    ] {
        assert!(get_range(&s3, "enc", "mp", start, len).await == whole[start..start + len]);
    }
    let part2 = s3
        .get_object()
        .bucket("enc")
        .key("mp")
        .part_number(2)
        .send()
        .await
        .unwrap();
    assert!(part2.body.collect().await.unwrap().into_bytes().as_ref() == parts_data[1].as_slice());

    // A copy is re-encrypted under its own key.
    let copied = s3
        .copy_object()
        .bucket("enc")
        .key("copy")
        .copy_source("enc/obj-200000")
        .send()
        .await
        .unwrap();
    assert_eq!(
        copied.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
    assert!(get(&s3, "enc", "copy").await == patterned(200_000));

    // Nothing on disk (blobs, database, WAL) holds the plaintext.
    for file in common::files_under(&server.data_dir) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(PATTERN.len()).any(|w| w == PATTERN),
            "plaintext found in {}",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_blobs_fail_instead_of_returning_wrong_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path(), &[]);
    let s3 = server.client();
    create_bucket(&s3, "tamper").await;
    let data = patterned(4 * 65_536 + 100);
    s3.put_object()
        .bucket("tamper")
        .key("k")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    let files = blob_files(dir.path());
    assert_eq!(files.len(), 1);
    let path = &files[0];
    let original = std::fs::read(path).unwrap();
    let step = 65_536 + 16;
    let header = 32;

    // A flipped bit in the second chunk.
    let mut flipped = original.clone();
    flipped[header + step + 10] ^= 1;
    std::fs::write(path, &flipped).unwrap();
    assert!(get_fails(&s3, "tamper", "k", &data).await, "flipped bit");
    // The first chunk alone is still authentic and readable.
    assert!(get_range(&s3, "tamper", "k", 0, 100).await == data[..100]);

    // Two chunks swapped.
    let mut swapped = original.clone();
    let (a, b) = (header, header + step);
    let first = original[a..a + step].to_vec();
    swapped[a..a + step].copy_from_slice(&original[b..b + step]);
    swapped[b..b + step].copy_from_slice(&first);
    std::fs::write(path, &swapped).unwrap();
    assert!(get_fails(&s3, "tamper", "k", &data).await, "swapped chunks");

    // Truncated.
    std::fs::write(path, &original[..original.len() - 50]).unwrap();
    assert!(get_fails(&s3, "tamper", "k", &data).await, "truncated");

    // Restored, it reads again.
    std::fs::write(path, &original).unwrap();
    assert!(get(&s3, "tamper", "k").await == data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn master_keys_across_restarts_and_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path(), &[]);
    let s3 = server.client();
    create_bucket(&s3, "keys").await;
    let data = patterned(300_000);
    s3.put_object()
        .bucket("keys")
        .key("old")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    let key_file = dir.path().join("master.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the generated master key is private");
    let old_key: String = std::fs::read_to_string(&key_file)
        .unwrap()
        .lines()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .to_owned();
    assert!(server.terminate());

    // The same data dir: the stored key opens everything.
    let mut server = Server::start_in(dir.path(), &[]);
    let s3 = server.client();
    assert!(get(&s3, "keys", "old").await == data);
    assert!(server.terminate());

    // A new master key alone cannot open objects sealed by the old one...
    let new_key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let mut server = Server::start_with_env(dir.path(), &[], &[("COFFER_MASTER_KEY", new_key)]);
    let s3 = server.client();
    let r = s3.get_object().bucket("keys").key("old").send().await;
    assert_eq!(s3_err(r).0, 500);
    assert!(server.terminate());

    // ...but with the old key kept as a previous key, old and new objects both read.
    let server = Server::start_with_env(
        dir.path(),
        &[],
        &[
            ("COFFER_MASTER_KEY", new_key),
            ("COFFER_PREVIOUS_MASTER_KEYS", &old_key),
        ],
    );
    let s3 = server.client();
    assert!(get(&s3, "keys", "old").await == data);
    s3.put_object()
        .bucket("keys")
        .key("new")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    assert!(get(&s3, "keys", "new").await == data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_modes_as_requested_and_dsse_refused() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "modes").await;
    // Asking for SSE-S3 explicitly is what every object gets.
    let put = s3
        .put_object()
        .bucket("modes")
        .key("aes")
        .server_side_encryption(ServerSideEncryption::Aes256)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
    // aws:kms without a key id uses the default key, created on first use.
    let put = s3
        .put_object()
        .bucket("modes")
        .key("kms")
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap();
    assert_eq!(put.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
    // Dual-layer SSE-KMS is not built.
    let r = s3
        .put_object()
        .bucket("modes")
        .key("dsse")
        .server_side_encryption(ServerSideEncryption::AwsKmsDsse)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (501, "NotImplemented".into()));
    // SSE-C over plain HTTP is refused unless the operator allows it.
    let (key, md5) = customer_key(1);
    let r = s3
        .put_object()
        .bucket("modes")
        .key("ssec")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(key)
        .sse_customer_key_md5(md5)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
    let r = s3.head_object().bucket("modes").key("dsse").send().await;
    assert_eq!(s3_err(r).0, 404, "nothing was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_default_encryption_configuration() {
    use aws_sdk_s3::types::{
        ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    };
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "defaults").await;
    let rule = |algorithm: ServerSideEncryption, key: Option<&str>| {
        ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(algorithm)
                            .set_kms_master_key_id(key.map(str::to_owned))
                            .build()
                            .unwrap(),
                    )
                    .bucket_key_enabled(true)
                    .build(),
            )
            .build()
            .unwrap()
    };
    let algorithm_of = |out: aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput| {
        let rules = out
            .server_side_encryption_configuration()
            .unwrap()
            .rules()
            .to_vec();
        let by_default = rules[0]
            .apply_server_side_encryption_by_default()
            .unwrap()
            .clone();
        (by_default.sse_algorithm().clone(), rules[0].bucket_key_enabled())
    };
    // Without a configuration a bucket reports SSE-S3, as AWS.
    let got = s3
        .get_bucket_encryption()
        .bucket("defaults")
        .send()
        .await
        .unwrap();
    assert_eq!(algorithm_of(got), (ServerSideEncryption::Aes256, Some(false)));
    s3.put_bucket_encryption()
        .bucket("defaults")
        .server_side_encryption_configuration(rule(ServerSideEncryption::Aes256, None))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_bucket_encryption()
        .bucket("defaults")
        .send()
        .await
        .unwrap();
    assert_eq!(algorithm_of(got), (ServerSideEncryption::Aes256, Some(true)));
    // aws:kms with a key id is kept (the key service has its own test).
    s3.put_bucket_encryption()
        .bucket("defaults")
        .server_side_encryption_configuration(rule(ServerSideEncryption::AwsKms, Some("alias/app")))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_bucket_encryption()
        .bucket("defaults")
        .send()
        .await
        .unwrap();
    assert_eq!(algorithm_of(got), (ServerSideEncryption::AwsKms, Some(true)));
    s3.delete_bucket_encryption()
        .bucket("defaults")
        .send()
        .await
        .unwrap();
    let got = s3
        .get_bucket_encryption()
        .bucket("defaults")
        .send()
        .await
        .unwrap();
    assert_eq!(algorithm_of(got), (ServerSideEncryption::Aes256, Some(false)));
    let r = s3.get_bucket_encryption().bucket("no-such-bucket").send().await;
    assert_eq!(s3_err(r), (404, "NoSuchBucket".into()));
    // A deleted and re-created bucket starts without the old configuration (the store
    // keeps bucket settings in memory: this checks it forgets them).
    s3.put_bucket_encryption()
        .bucket("defaults")
        .server_side_encryption_configuration(rule(ServerSideEncryption::AwsKms, None))
        .send()
        .await
        .unwrap();
    s3.delete_bucket().bucket("defaults").send().await.unwrap();
    s3.create_bucket().bucket("defaults").send().await.unwrap();
    s3.put_object()
        .bucket("defaults")
        .key("k")
        .body(b"after".to_vec().into())
        .send()
        .await
        .unwrap();
    let head = s3.head_object().bucket("defaults").key("k").send().await.unwrap();
    assert_eq!(head.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
}

/// A customer key (base64) and its MD5 (base64), as SSE-C headers carry them.
fn customer_key(seed: u8) -> (String, String) {
    use base64::Engine as _;
    use md5::Digest as _;
    let raw = [seed; 32];
    let b64 = base64::engine::general_purpose::STANDARD;
    (b64.encode(raw), b64.encode(md5::Md5::digest(raw)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_c_keys_encrypt_and_are_required_to_read() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path(), &["--allow-sse-c-over-http"]);
    let s3 = server.client();
    create_bucket(&s3, "ssec").await;
    let (key, md5) = customer_key(7);
    let (wrong, wrong_md5) = customer_key(8);
    let data = patterned(300_000);
    let put = s3
        .put_object()
        .bucket("ssec")
        .key("secret")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&key)
        .sse_customer_key_md5(&md5)
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(put.sse_customer_algorithm(), Some("AES256"));
    assert_eq!(put.sse_customer_key_md5(), Some(md5.as_str()));
    assert_eq!(put.server_side_encryption(), None);

    // Without the key: 400 (before any precondition); with another key: 403; with it:
    // the bytes.
    assert_eq!(
        s3_err(s3.get_object().bucket("ssec").key("secret").send().await),
        (400, "InvalidRequest".into())
    );
    let r = s3
        .head_object()
        .bucket("ssec")
        .key("secret")
        .if_none_match(put.e_tag().unwrap())
        .send()
        .await;
    assert_eq!(s3_err(r).0, 400, "no 304 (with the ETag) without the key");
    assert_eq!(
        s3_err(s3.head_object().bucket("ssec").key("secret").send().await).0,
        400
    );
    let r = s3
        .get_object()
        .bucket("ssec")
        .key("secret")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&wrong)
        .sse_customer_key_md5(&wrong_md5)
        .send()
        .await;
    assert_eq!(s3_err(r), (403, "AccessDenied".into()));
    let got = s3
        .get_object()
        .bucket("ssec")
        .key("secret")
        .range("bytes=65530-65549")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&key)
        .sse_customer_key_md5(&md5)
        .send()
        .await
        .unwrap();
    assert_eq!(got.sse_customer_key_md5(), Some(md5.as_str()));
    assert!(got.body.collect().await.unwrap().into_bytes().as_ref() == &data[65_530..65_550]);
    let head = s3
        .head_object()
        .bucket("ssec")
        .key("secret")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&key)
        .sse_customer_key_md5(&md5)
        .send()
        .await
        .unwrap();
    assert_eq!(head.sse_customer_algorithm(), Some("AES256"));
    assert_eq!(head.content_length(), Some(300_000));
    // GetObjectAttributes of an SSE-C object needs the key too, as AWS.
    let attrs = |k: Option<(&str, &str)>| {
        let mut req = s3
            .get_object_attributes()
            .bucket("ssec")
            .key("secret")
            .object_attributes(aws_sdk_s3::types::ObjectAttributes::ObjectSize);
        if let Some((k, m)) = k {
            req = req
                .sse_customer_algorithm("AES256")
                .sse_customer_key(k)
                .sse_customer_key_md5(m);
        }
        req.send()
    };
    assert_eq!(s3_err(attrs(None).await).0, 400);
    assert_eq!(
        attrs(Some((&key, &md5))).await.unwrap().object_size(),
        Some(300_000)
    );
    // A bad key MD5 is refused before anything else.
    let r = s3
        .get_object()
        .bucket("ssec")
        .key("secret")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&key)
        .sse_customer_key_md5(&wrong_md5)
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidArgument".into()));

    // Copies: SSE-C to SSE-S3 needs the source key; SSE-S3 to SSE-C takes a new key.
    let r = s3
        .copy_object()
        .bucket("ssec")
        .key("plain")
        .copy_source("ssec/secret")
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
    s3.copy_object()
        .bucket("ssec")
        .key("plain")
        .copy_source("ssec/secret")
        .copy_source_sse_customer_algorithm("AES256")
        .copy_source_sse_customer_key(&key)
        .copy_source_sse_customer_key_md5(&md5)
        .send()
        .await
        .unwrap();
    assert!(get(&s3, "ssec", "plain").await == data);
    s3.copy_object()
        .bucket("ssec")
        .key("rekeyed")
        .copy_source("ssec/plain")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&wrong)
        .sse_customer_key_md5(&wrong_md5)
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("ssec")
        .key("rekeyed")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&wrong)
        .sse_customer_key_md5(&wrong_md5)
        .send()
        .await
        .unwrap();
    assert!(got.body.collect().await.unwrap().into_bytes().as_ref() == data.as_slice());
    // SSE-C headers on an object that is not SSE-C are refused.
    let r = s3
        .get_object()
        .bucket("ssec")
        .key("plain")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&key)
        .sse_customer_key_md5(&md5)
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));

    // Multipart: every part needs the upload's key.
    let up = s3
        .create_multipart_upload()
        .bucket("ssec")
        .key("mp")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&key)
        .sse_customer_key_md5(&md5)
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap();
    let part = |n: i32, body: Vec<u8>, k: Option<(&str, &str)>| {
        let mut req = s3
            .upload_part()
            .bucket("ssec")
            .key("mp")
            .upload_id(id)
            .part_number(n)
            .body(ByteStream::from(body));
        if let Some((k, m)) = k {
            req = req
                .sse_customer_algorithm("AES256")
                .sse_customer_key(k)
                .sse_customer_key_md5(m);
        }
        req.send()
    };
    assert_eq!(s3_err(part(1, vec![1; 10], None).await).0, 400);
    assert_eq!(
        s3_err(part(1, vec![1; 10], Some((&wrong, &wrong_md5))).await).0,
        403
    );
    let p1 = part(1, patterned(5 * MIB), Some((&key, &md5))).await.unwrap();
    let p2 = part(2, patterned(1000), Some((&key, &md5))).await.unwrap();
    s3.complete_multipart_upload()
        .bucket("ssec")
        .key("mp")
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(p1.e_tag().unwrap())
                        .build(),
                )
                .parts(
                    CompletedPart::builder()
                        .part_number(2)
                        .e_tag(p2.e_tag().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("ssec")
        .key("mp")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&key)
        .sse_customer_key_md5(&md5)
        .send()
        .await
        .unwrap();
    let whole = [patterned(5 * MIB), patterned(1000)].concat();
    assert!(got.body.collect().await.unwrap().into_bytes().as_ref() == whole.as_slice());

    // The key is never stored: nothing on disk holds it.
    let raw = [7u8; 32];
    for file in common::files_under(dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(32).any(|w| w == raw),
            "the customer key is in {}",
            file.display()
        );
        assert!(
            !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
            "the customer key is in {}",
            file.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_master_key_reseals_every_data_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path(), &["--allow-sse-c-over-http"]);
    let s3 = server.client();
    create_bucket(&s3, "rot").await;
    let big = patterned(200_000);
    for (key, body) in [("big", big.clone()), ("small", b"inline".to_vec())] {
        s3.put_object()
            .bucket("rot")
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap();
    }
    let (ck, cmd5) = customer_key(3);
    s3.put_object()
        .bucket("rot")
        .key("customer")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&ck)
        .sse_customer_key_md5(&cmd5)
        .body(ByteStream::from_static(b"customer keyed"))
        .send()
        .await
        .unwrap();
    let up = s3
        .create_multipart_upload()
        .bucket("rot")
        .key("mp")
        .send()
        .await
        .unwrap();
    let id = up.upload_id().unwrap().to_owned();
    let part = s3
        .upload_part()
        .bucket("rot")
        .key("mp")
        .upload_id(&id)
        .part_number(1)
        .body(ByteStream::from(patterned(1000)))
        .send()
        .await
        .unwrap();
    // Rotation refuses to run under a live server (which would keep sealing with the
    // old key).
    let out = common::rotate_master_key(dir.path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another coffer process"));
    assert!(server.terminate());
    let key_path = dir.path().join("master.key");
    let old_key_text = std::fs::read_to_string(&key_path).unwrap();

    // An interrupted rotation left its new key staged: the next run finishes with it.
    let staged_key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    std::fs::write(
        dir.path().join("master.key.new"),
        format!("# staged\n{staged_key}\n"),
    )
    .unwrap();
    let out = common::rotate_master_key(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 data keys re-sealed"), "{stdout}");
    assert!(stdout.contains("Resuming"), "{stdout}");
    assert!(std::fs::read_to_string(&key_path).unwrap().contains(staged_key));
    assert!(!dir.path().join("master.key.new").exists());
    assert!(stdout.contains("1 SSE-C"), "{stdout}");
    assert_ne!(std::fs::read_to_string(&key_path).unwrap(), old_key_text);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("master.key.previous")).unwrap(),
        old_key_text
    );

    // The old key alone no longer opens anything.
    let old_b64 = old_key_text
        .lines()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .to_owned();
    let mut server = Server::start_with_env(dir.path(), &[], &[("COFFER_MASTER_KEY", &old_b64)]);
    let r = server.client().get_object().bucket("rot").key("big").send().await;
    assert_eq!(s3_err(r).0, 500);
    assert!(server.terminate());

    // The new key, alone, opens everything, including the upload in progress.
    let server = Server::start_in(dir.path(), &["--allow-sse-c-over-http"]);
    let s3 = server.client();
    assert!(get(&s3, "rot", "big").await == big);
    assert_eq!(get(&s3, "rot", "small").await, b"inline");
    let got = s3
        .get_object()
        .bucket("rot")
        .key("customer")
        .sse_customer_algorithm("AES256")
        .sse_customer_key(&ck)
        .sse_customer_key_md5(&cmd5)
        .send()
        .await
        .unwrap();
    let got = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(
        got.as_ref(),
        b"customer keyed",
        "SSE-C objects keep their customer's key"
    );
    s3.complete_multipart_upload()
        .bucket("rot")
        .key("mp")
        .upload_id(&id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(part.e_tag().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(get(&s3, "rot", "mp").await == patterned(1000));
}

/// Runs `coffer admin --endpoint ... kms <args>` with the root credentials.
fn kms_admin(server: &Server, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["admin", "--endpoint", &server.endpoint, "kms"])
        .args(args)
        .env("COFFER_ROOT_ACCESS_KEY", common::ACCESS_KEY)
        .env("COFFER_ROOT_SECRET_KEY", common::SECRET_KEY)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_kms_with_the_built_in_key_service() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "kms").await;
    let (ok, text) = kms_admin(&server, &["create-key", "app", "--description", "the app"]);
    assert!(ok, "{text}");
    assert!(text.contains("\"KeyId\":\"app\""), "{text}");
    let (ok, text) = kms_admin(&server, &["create-key", "app"]);
    assert!(!ok && text.contains("AlreadyExists"), "{text}");
    let arn = "arn:aws:kms:us-east-1:000000000000:key/app";

    let data = patterned(200_000);
    for (key, id) in [("by-name", "app"), ("by-alias", "alias/app"), ("by-arn", arn)] {
        let put = s3
            .put_object()
            .bucket("kms")
            .key(key)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(id)
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(put.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
        assert_eq!(put.ssekms_key_id(), Some(arn));
        let head = s3.head_object().bucket("kms").key(key).send().await.unwrap();
        assert_eq!(head.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
        assert_eq!(head.ssekms_key_id(), Some(arn));
        assert!(get(&s3, "kms", key).await == data);
    }
    // Without a key id: the default key aws/s3, created on first use.
    let put = s3
        .put_object()
        .bucket("kms")
        .key("default")
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .body(ByteStream::from_static(b"default key"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        put.ssekms_key_id(),
        Some("arn:aws:kms:us-east-1:000000000000:key/aws/s3")
    );
    let r = s3
        .put_object()
        .bucket("kms")
        .key("nope")
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id("alias/missing")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "KMS.NotFoundException".into()));

    // A disabled key: reads and writes refused; enabled again, they work.
    let (ok, text) = kms_admin(&server, &["disable-key", "alias/app"]);
    assert!(ok, "{text}");
    let r = s3.get_object().bucket("kms").key("by-name").send().await;
    assert_eq!(s3_err(r), (400, "KMS.DisabledException".into()));
    let (ok, text) = kms_admin(&server, &["list-keys"]);
    assert!(
        ok && text.contains("\"Enabled\":false") && text.contains("aws/s3"),
        "{text}"
    );
    assert!(kms_admin(&server, &["enable-key", "app"]).0);
    assert!(get(&s3, "kms", "by-name").await == data);

    // Bucket default SSE-KMS applies to plain PUTs; copies re-encrypt as asked.
    use aws_sdk_s3::types::{
        ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    };
    let rule = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::AwsKms)
                        .kms_master_key_id("alias/app")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build()
        .unwrap();
    s3.put_bucket_encryption()
        .bucket("kms")
        .server_side_encryption_configuration(rule)
        .send()
        .await
        .unwrap();
    let put = s3
        .put_object()
        .bucket("kms")
        .key("plain")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(put.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
    let copy = s3
        .copy_object()
        .bucket("kms")
        .key("as-s3")
        .copy_source("kms/plain")
        .server_side_encryption(ServerSideEncryption::Aes256)
        .send()
        .await
        .unwrap();
    assert_eq!(copy.server_side_encryption(), Some(&ServerSideEncryption::Aes256));
    assert!(get(&s3, "kms", "as-s3").await == data);
    // Copying an object onto itself only to change its encryption is a change.
    let copy = s3
        .copy_object()
        .bucket("kms")
        .key("as-s3")
        .copy_source("kms/as-s3")
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id("app")
        .send()
        .await
        .unwrap();
    assert_eq!(copy.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
    assert!(get(&s3, "kms", "as-s3").await == data);

    // Multipart under a KMS key.
    let up = s3
        .create_multipart_upload()
        .bucket("kms")
        .key("mp")
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id("app")
        .send()
        .await
        .unwrap();
    assert_eq!(up.ssekms_key_id(), Some(arn));
    assert_eq!(up.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
    let part = s3
        .upload_part()
        .bucket("kms")
        .key("mp")
        .upload_id(up.upload_id().unwrap())
        .part_number(1)
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(part.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
    assert_eq!(part.ssekms_key_id(), Some(arn));
    let done = s3
        .complete_multipart_upload()
        .bucket("kms")
        .key("mp")
        .upload_id(up.upload_id().unwrap())
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(part.e_tag().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(done.server_side_encryption(), Some(&ServerSideEncryption::AwsKms));
    assert!(get(&s3, "kms", "mp").await == data);

    // The admin API wants the root's signature.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["admin", "--endpoint", &server.endpoint, "kms", "list-keys"])
        .env("COFFER_ROOT_ACCESS_KEY", common::ACCESS_KEY)
        .env("COFFER_ROOT_SECRET_KEY", "not-the-secret")
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// The encryption a write asks for, as the SDK sends it.
#[derive(Clone, Copy, Debug)]
enum Mode {
    S3,
    Customer,
    Kms,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mode_and_size_round_trips_with_ranges_across_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path(), &["--allow-sse-c-over-http"]);
    let s3 = server.client();
    create_bucket(&s3, "matrix").await;
    assert!(kms_admin(&server, &["create-key", "matrix"]).0);
    let (ck, cmd5) = customer_key(9);
    let with_key = |mode: Mode| match mode {
        Mode::Customer => Some((ck.clone(), cmd5.clone())),
        _ => None,
    };
    for mode in [Mode::S3, Mode::Customer, Mode::Kms] {
        // Single PUTs: empty, one byte, inline, a blob of several chunks.
        for size in [0, 1, 1000, 5 * MIB + 17] {
            let key = format!("{mode:?}-{size}");
            let data = patterned(size);
            let mut put = s3
                .put_object()
                .bucket("matrix")
                .key(&key)
                .body(ByteStream::from(data.clone()));
            put = match mode {
                Mode::S3 => put.server_side_encryption(ServerSideEncryption::Aes256),
                Mode::Kms => put
                    .server_side_encryption(ServerSideEncryption::AwsKms)
                    .ssekms_key_id("matrix"),
                Mode::Customer => put
                    .sse_customer_algorithm("AES256")
                    .sse_customer_key(&ck)
                    .sse_customer_key_md5(&cmd5),
            };
            put.send().await.unwrap();
            let ranges: Vec<(usize, usize)> = if size > 200_000 {
                vec![(0, size), (65_530, 20), (size - 70_000, 70_000)]
            } else {
                vec![(0, size)]
            };
            for (start, len) in ranges {
                let mut get = s3.get_object().bucket("matrix").key(&key);
                if len > 0 && len < size {
                    get = get.range(format!("bytes={start}-{}", start + len - 1));
                }
                if let Some((k, m)) = with_key(mode) {
                    get = get
                        .sse_customer_algorithm("AES256")
                        .sse_customer_key(k)
                        .sse_customer_key_md5(m);
                }
                let got = get
                    .send()
                    .await
                    .unwrap()
                    .body
                    .collect()
                    .await
                    .unwrap()
                    .into_bytes();
                assert!(got.as_ref() == &data[start..start + len], "{key} {start}+{len}");
            }
        }
        // A 100 MiB multipart object: parts of 16 MiB, ranges across chunk and part ends.
        let key = format!("{mode:?}-multipart");
        let part_size = 16 * MIB;
        let total = 100 * MIB;
        let data = patterned(total);
        let mut create = s3.create_multipart_upload().bucket("matrix").key(&key);
        create = match mode {
            Mode::S3 => create.server_side_encryption(ServerSideEncryption::Aes256),
            Mode::Kms => create
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id("alias/matrix"),
            Mode::Customer => create
                .sse_customer_algorithm("AES256")
                .sse_customer_key(&ck)
                .sse_customer_key_md5(&cmd5),
        };
        let id = create.send().await.unwrap().upload_id().unwrap().to_owned();
        let mut parts = Vec::new();
        for (i, chunk) in data.chunks(part_size).enumerate() {
            let n = i32::try_from(i + 1).unwrap();
            let mut up = s3
                .upload_part()
                .bucket("matrix")
                .key(&key)
                .upload_id(&id)
                .part_number(n)
                .body(ByteStream::from(chunk.to_vec()));
            if let Some((k, m)) = with_key(mode) {
                up = up
                    .sse_customer_algorithm("AES256")
                    .sse_customer_key(k)
                    .sse_customer_key_md5(m);
            }
            let out = up.send().await.unwrap();
            parts.push(
                CompletedPart::builder()
                    .part_number(n)
                    .e_tag(out.e_tag().unwrap())
                    .build(),
            );
        }
        s3.complete_multipart_upload()
            .bucket("matrix")
            .key(&key)
            .upload_id(&id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .unwrap();
        for (start, len) in [
            (0, total),
            (part_size - 100, 200),
            (3 * part_size + 65_530, 20),
            (total - 1, 1),
        ] {
            let mut get = s3.get_object().bucket("matrix").key(&key);
            if len < total {
                get = get.range(format!("bytes={start}-{}", start + len - 1));
            }
            if let Some((k, m)) = with_key(mode) {
                get = get
                    .sse_customer_algorithm("AES256")
                    .sse_customer_key(k)
                    .sse_customer_key_md5(m);
            }
            let got = get
                .send()
                .await
                .unwrap()
                .body
                .collect()
                .await
                .unwrap()
                .into_bytes();
            assert!(got.as_ref() == &data[start..start + len], "{key} {start}+{len}");
        }
    }
    // No plaintext anywhere on disk.
    for file in common::files_under(dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(PATTERN.len()).any(|w| w == PATTERN),
            "plaintext found in {}",
            file.display()
        );
    }
}

/// Coffer serves plain HTTP, so `X-Forwarded-Proto: https` is believed only from a trusted
/// proxy (loopback by default). From anyone else it must neither let SSE-C keys in nor
/// satisfy a policy that requires aws:SecureTransport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_https_counts_only_from_a_trusted_proxy() {
    let (key, md5) = customer_key(9);
    let tls_only = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::fwd/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#;
    for (extra, trusted) in [(&[][..], true), (&["--trusted-proxy", "192.0.2.1"][..], false)] {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::start_in(dir.path(), extra);
        let s3 = server.client();
        create_bucket(&s3, "fwd").await;
        let put = |forwarded: bool| {
            let op = s3
                .put_object()
                .bucket("fwd")
                .key("secret")
                .body(ByteStream::from_static(b"customer data"))
                .sse_customer_algorithm("AES256")
                .sse_customer_key(&key)
                .sse_customer_key_md5(&md5)
                .customize();
            let op = if forwarded {
                op.mutate_request(|req| {
                    req.headers_mut().insert("x-forwarded-proto", "https");
                })
            } else {
                op
            };
            op.send()
        };
        assert_eq!(
            s3_err(put(false).await),
            (400, "InvalidRequest".into()),
            "{extra:?}"
        );
        let r = put(true).await;
        if trusted {
            r.unwrap();
        } else {
            assert_eq!(s3_err(r), (400, "InvalidRequest".into()), "{extra:?}");
        }

        s3.put_object()
            .bucket("fwd")
            .key("plain")
            .body(ByteStream::from_static(b"plain data"))
            .send()
            .await
            .unwrap();
        s3.put_bucket_policy()
            .bucket("fwd")
            .policy(tls_only)
            .send()
            .await
            .unwrap();
        let get = |forwarded: bool| {
            let op = s3.get_object().bucket("fwd").key("plain").customize();
            let op = if forwarded {
                op.mutate_request(|req| {
                    req.headers_mut().insert("x-forwarded-proto", "https");
                })
            } else {
                op
            };
            op.send()
        };
        assert_eq!(
            s3_err(get(false).await),
            (403, "AccessDenied".into()),
            "{extra:?}"
        );
        let r = get(true).await;
        if trusted {
            let body = r.unwrap().body.collect().await.unwrap().into_bytes();
            assert_eq!(&body[..], b"plain data");
        } else {
            assert_eq!(s3_err(r), (403, "AccessDenied".into()), "{extra:?}");
        }
    }
}
