//! `coffer serve` as an operator sees it: health checks, generated credentials,
//! configuration sources, graceful shutdown.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Server;

fn http_get(endpoint: &str, path: &str) -> (u16, String) {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).unwrap();
    let status = buf[9..12].parse().unwrap();
    (status, buf)
}

#[test]
fn health_endpoints_answer_without_credentials() {
    let server = Server::start();
    assert_eq!(http_get(&server.endpoint, "/health/live").0, 200);
    assert_eq!(http_get(&server.endpoint, "/health/ready").0, 200);
    // Anything else unsigned is S3: here the bucket "health", which does not exist
    // (NoSuchBucket for anyone, as AWS).
    let (status, body) = http_get(&server.endpoint, "/health/other");
    assert_eq!(status, 404);
    assert!(body.contains("<Code>NoSuchBucket</Code>"), "{body}");
}

#[test]
fn first_start_generates_private_credentials_and_prints_them_once() {
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coffer"))
            .args(["serve", "--address", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env_remove("COFFER_ROOT_ACCESS_KEY")
            .env_remove("COFFER_ROOT_SECRET_KEY")
            .env("COFFER_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            let done = line.contains("serving S3 at");
            printed.push(line);
            if done {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        printed.join("\n")
    };

    let first = start();
    let export = first
        .lines()
        .find(|l| l.trim_start().starts_with("export AWS_ACCESS_KEY_ID="))
        .unwrap();
    assert!(
        export.contains("AWS_SECRET_ACCESS_KEY=") && export.contains("AWS_ENDPOINT_URL=http://127.0.0.1:")
    );
    let file = dir.path().join("root-credentials.toml");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let stored = std::fs::read_to_string(&file).unwrap();
    let key = export
        .split("AWS_ACCESS_KEY_ID=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert!(stored.contains(key));

    // The secret is printed once: later starts reuse the file and only say where it is.
    let second = start();
    assert!(!second.contains("AWS_SECRET_ACCESS_KEY"), "{second}");
    assert!(second.contains("root-credentials.toml"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_sets_the_region_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("coffer.toml");
    std::fs::write(&config, "region = \"eu-west-3\"\ninline-threshold = 1024\n").unwrap();
    let data = dir.path().join("data");
    let config_arg = config.to_str().unwrap().to_owned();
    let server = Server::start_in(&data, &["--config", &config_arg]);
    let s3 = server.client();
    s3.create_bucket().bucket("cfg").send().await.unwrap();
    let loc = s3.get_bucket_location().bucket("cfg").send().await.unwrap();
    assert_eq!(loc.location_constraint().unwrap().as_str(), "eu-west-3");
    drop(server);

    let server = Server::start_in(&data, &["--config", &config_arg, "--region", "ap-south-1"]);
    let s3 = server.client();
    s3.create_bucket().bucket("flag").send().await.unwrap();
    let loc = s3.get_bucket_location().bucket("flag").send().await.unwrap();
    assert_eq!(loc.location_constraint().unwrap().as_str(), "ap-south-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_requests_in_flight_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path(), &[]);
    let s3 = server.client();
    s3.create_bucket().bucket("drain").send().await.unwrap();
    // An upload that is still sending its body when SIGTERM arrives must complete.
    let body = common::bytes(8 * 1024 * 1024, 7);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes_frame::Frame<bytes::Bytes>, std::io::Error>>(1);
    let stream = aws_sdk_s3::primitives::ByteStream::from_body_1_x(bytes_frame::ChannelBody::new(rx));
    let upload = tokio::spawn({
        let s3 = s3.clone();
        async move {
            s3.put_object()
                .bucket("drain")
                .key("slow")
                .content_length(8 * 1024 * 1024)
                .body(stream)
                .send()
                .await
        }
    });
    tx.send(Ok(bytes_frame::Frame::data(body[..1024 * 1024].to_vec().into())))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let terminated = tokio::task::spawn_blocking(move || {
        let ok = server.terminate();
        (ok, server)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    tx.send(Ok(bytes_frame::Frame::data(body[1024 * 1024..].to_vec().into())))
        .await
        .unwrap();
    drop(tx);
    upload.await.unwrap().unwrap();
    let (clean, _server) = terminated.await.unwrap();
    assert!(clean, "coffer did not exit 0 after SIGTERM");

    let server = Server::start_in(dir.path(), &[]);
    let got = server
        .client()
        .get_object()
        .bucket("drain")
        .key("slow")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        body.as_slice()
    );
}

/// A request body fed from a channel, so a test controls when each byte is sent.
mod bytes_frame {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub use http_body::Frame;

    pub struct ChannelBody {
        rx: tokio::sync::mpsc::Receiver<Result<Frame<bytes::Bytes>, std::io::Error>>,
    }

    impl ChannelBody {
        pub fn new(rx: tokio::sync::mpsc::Receiver<Result<Frame<bytes::Bytes>, std::io::Error>>) -> Self {
            Self { rx }
        }
    }

    impl http_body::Body for ChannelBody {
        type Data = bytes::Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
            self.rx.poll_recv(cx)
        }
    }
}
