//! Crash safety: concurrent writers, the server SIGKILLed at random moments, restarted on
//! the same data dir. After every restart each acknowledged object reads back
//! byte-exact, and every listed object is whole (its bytes match the MD5 its writer put
//! in its metadata), so no partial object is ever visible.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use md5::{Digest as _, Md5};

const ROUNDS: usize = 20;
const WRITERS: usize = 6;
/// Sizes on both sides of the 64 KiB inline threshold.
const SIZES: [usize; 5] = [0, 100, 70_000, 300_000, 1_000_000];

fn md5_hex(data: &[u8]) -> String {
    hex(&Md5::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What writers were told was stored: key -> MD5 of the last acknowledged body.
type Acked = Arc<Mutex<HashMap<String, String>>>;

async fn writer(
    client: aws_sdk_s3::Client,
    id: usize,
    round: usize,
    acked: Acked,
    attempts: Arc<Mutex<usize>>,
) {
    for i in 0.. {
        let size = SIZES[(id + i) % SIZES.len()];
        // Fresh keys test "no loss"; the hot key, overwritten each time, tests that
        // replacing never tears.
        let key = if i % 3 == 0 {
            format!("w{id}/hot")
        } else {
            format!("w{id}/r{round}/k{i}")
        };
        let body = common::bytes(size, (round * 1_000_000 + id * 10_000 + i) as u64);
        let md5 = md5_hex(&body);
        *attempts.lock().unwrap() += 1;
        let put = client
            .put_object()
            .bucket("crash")
            .key(&key)
            .metadata("md5", &md5)
            .body(ByteStream::from(body))
            .send()
            .await;
        match put {
            Ok(_) => {
                acked.lock().unwrap().insert(key, md5);
            }
            // The server was killed: this write's fate is unknown, and that is allowed.
            Err(_) => return,
        }
    }
}

async fn get_md5(client: &aws_sdk_s3::Client, key: &str) -> (String, Option<String>) {
    let out = client
        .get_object()
        .bucket("crash")
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {key}: {e:?}"));
    let declared = out.metadata().and_then(|m| m.get("md5").cloned());
    let data = out.body.collect().await.unwrap().into_bytes();
    (md5_hex(&data), declared)
}

async fn list_all(client: &aws_sdk_s3::Client) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_objects_v2()
            .bucket("crash")
            .set_continuation_token(token)
            .send()
            .await
            .unwrap();
        out.extend(
            page.contents()
                .iter()
                .map(|o| (o.key().unwrap().to_owned(), o.size().unwrap())),
        );
        token = page.next_continuation_token().map(str::to_owned);
        if token.is_none() {
            return out;
        }
    }
}

fn no_retries(client: &aws_sdk_s3::Client) -> aws_sdk_s3::Client {
    let conf = client
        .config()
        .to_builder()
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_sdk_s3::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// Checks the store against what was acknowledged; returns the number of listed objects.
async fn verify(client: &aws_sdk_s3::Client, acked: &HashMap<String, String>) -> usize {
    let listed: HashMap<_, _> = list_all(client).await.into_iter().collect();
    for key in acked.keys() {
        assert!(listed.contains_key(key), "acknowledged {key} is not listed");
    }
    // Read everything back, 16 at a time.
    let mut reads = tokio::task::JoinSet::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(16));
    for key in listed.keys() {
        let key = key.clone();
        let client = client.clone();
        let limit = limit.clone();
        let want = acked.get(&key).filter(|_| !key.ends_with("/hot")).cloned();
        reads.spawn(async move {
            let _permit = limit.acquire().await.unwrap();
            let (actual, declared) = get_md5(&client, &key).await;
            assert_eq!(
                Some(&actual),
                declared.as_ref(),
                "{key} is listed but its bytes are torn"
            );
            // A hot key may hold a later, unacknowledged overwrite that committed before
            // the kill; it must still be whole, checked above.
            if let Some(want) = want {
                assert_eq!(actual, want, "acknowledged {key} changed");
            }
        });
    }
    while let Some(done) = reads.join_next().await {
        done.unwrap();
    }
    listed.len()
}

fn blob_bytes_on_disk(dir: &std::path::Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                total += entry.metadata().unwrap().len();
            }
        }
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_kill_9_and_nothing_partial_is_visible() {
    let dir = tempfile::tempdir().unwrap();
    let acked: Acked = Arc::default();
    let attempts = Arc::new(Mutex::new(0usize));
    {
        let server = common::Server::start_in(dir.path(), &[]);
        server
            .client()
            .create_bucket()
            .bucket("crash")
            .send()
            .await
            .unwrap();
    }
    let mut listed = 0;
    for round in 0..ROUNDS {
        let mut server = common::Server::start_in(dir.path(), &[]);
        let client = server.client();
        let snapshot = acked.lock().unwrap().clone();
        listed = verify(&client, &snapshot).await;

        let writers_client = no_retries(&client);
        let tasks: Vec<_> = (0..WRITERS)
            .map(|id| {
                tokio::spawn(writer(
                    writers_client.clone(),
                    id,
                    round,
                    acked.clone(),
                    attempts.clone(),
                ))
            })
            .collect();
        // Kill at a different moment each round: early, mid-body, mid-commit.
        let delay = 150 + (round as u64 * 7919) % 900;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill9();
        for t in tasks {
            t.await.unwrap();
        }
    }
    // Restart with no grace period: the start-up GC must sweep every blob that a killed
    // write left behind, so what is on disk is exactly what objects reference.
    let server = common::Server::start_in(dir.path(), &["--gc-grace-secs", "0"]);
    let client = server.client();
    let acked = acked.lock().unwrap().clone();
    let final_listed = verify(&client, &acked).await;
    let expected_blob_bytes: u64 = list_all(&client)
        .await
        .iter()
        .map(|(_, size)| u64::try_from(*size).unwrap())
        .filter(|&size| size > 64 * 1024)
        // Blobs are encrypted at rest: header and a tag per chunk on top of the bytes.
        .map(coffer_blob::crypt::encrypted_len)
        .sum();
    assert_eq!(
        blob_bytes_on_disk(&dir.path().join("blobs")),
        expected_blob_bytes,
        "orphaned blobs remain"
    );
    println!(
        "crash test: {ROUNDS} rounds, {} writes attempted, {} keys acknowledged, {listed} listed before the last round, {final_listed} listed at the end",
        attempts.lock().unwrap(),
        acked.len()
    );
}
