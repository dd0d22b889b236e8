//! Starts the real `coffer` binary on a loopback port for black-box tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ACCESS_KEY: &str = "COFFERTESTACCESSKEY1";
pub const SECRET_KEY: &str = "coffer/test/secret/key/0123456789abcdefgh";

/// `coffer rotate-master-key --data-dir DIR`, the key taken from the data dir.
pub fn rotate_master_key(data_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["rotate-master-key", "--data-dir"])
        .arg(data_dir)
        .env_remove("COFFER_MASTER_KEY")
        .output()
        .unwrap()
}

/// A running server. Killed (SIGKILL) on drop.
pub struct Server {
    child: Option<Child>,
    pub endpoint: String,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl Server {
    /// A server on a fresh temporary data dir.
    pub fn start() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = Self::start_in(tmp.path(), &[]);
        s._tmp = Some(tmp);
        s
    }

    /// A server on `data_dir`, with extra `serve` arguments.
    pub fn start_in(data_dir: &Path, extra: &[&str]) -> Self {
        Self::start_with_env(data_dir, extra, &[])
    }

    /// A server on `data_dir`, with extra `serve` arguments and environment variables.
    pub fn start_with_env(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coffer"))
            .args(["serve", "--address", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .envs(env.iter().copied())
            .env("COFFER_ROOT_ACCESS_KEY", ACCESS_KEY)
            .env("COFFER_ROOT_SECRET_KEY", SECRET_KEY)
            .env("COFFER_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("serving S3 at ").nth(1) {
                    let url = rest.split_whitespace().next().unwrap_or_default().to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        let endpoint = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server did not start within 60 s");
        wait_ready(&endpoint);
        Self {
            child: Some(child),
            endpoint,
            data_dir: data_dir.to_path_buf(),
            _tmp: None,
        }
    }

    /// An SDK client with the root credentials, path-style, default checksum behaviour.
    pub fn client(&self) -> aws_sdk_s3::Client {
        client_with(&self.endpoint, ACCESS_KEY, SECRET_KEY)
    }

    /// SIGKILL, as a crash.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and wait for a clean exit; returns whether it exited successfully.
    pub fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn wait_ready(endpoint: &str) {
    let addr = endpoint.trim_start_matches("http://").to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            use std::io::{Read as _, Write as _};
            let _ = s.write_all(b"GET /health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{endpoint} never became ready");
}

/// A client for `endpoint` with the given keys.
pub fn client_with(endpoint: &str, access_key: &str, secret_key: &str) -> aws_sdk_s3::Client {
    let creds = aws_sdk_s3::config::Credentials::new(access_key, secret_key, None, None, "test");
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// Deterministic pseudo-random bytes (fast, no RNG state to share).
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Every file below `dir`, recursively (blob files, for on-disk checks).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}
