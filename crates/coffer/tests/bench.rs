//! `coffer bench` against the real server: every workload runs without a failed request,
//! its GET bodies verified and its listings complete, and a failure is reported, not
//! dropped.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;

use common::{ACCESS_KEY, SECRET_KEY, Server};

fn bench(server: &Server, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_coffer"))
        .arg("bench")
        .args(args)
        .args(["--endpoint", &server.endpoint, "--json", "--concurrency", "4"])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "coffer bench {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_workload_runs_clean() {
    let server = Server::start();
    let cases: &[&[&str]] = &[
        &["put", "--duration", "1s"],
        &["get", "--duration", "1s", "--objects", "20", "--size", "100KiB"],
        &["mixed", "--duration", "1s", "--objects", "20", "--size", "64KiB"],
        &[
            "multipart",
            "--duration",
            "1s",
            "--size",
            "12MiB",
            "--part-size",
            "5MiB",
        ],
    ];
    for args in cases {
        let r = bench(&server, args);
        assert_eq!(r["errors"], 0, "{args:?}: {r}");
        assert!(r["ops"].as_u64().unwrap() > 0, "{args:?}: {r}");
        assert!(r["client_cpu_s"].as_f64().unwrap() > 0.0, "{args:?}: {r}");
    }

    // Two full listings at least; each page's keys are counted, so keys/s covers them all.
    for delimiter in [None, Some("/")] {
        let mut args = vec!["list", "--objects", "2100", "--duration", "1s"];
        args.extend(delimiter.map(|d| ["--delimiter", d]).into_iter().flatten());
        let r = bench(&server, &args);
        assert_eq!(r["errors"], 0, "{r}");
        let keys = r["per_op"]["LIST"]["items"].as_u64().unwrap();
        assert!(
            keys >= 2100 && keys.is_multiple_of(2100),
            "listings were partial: {r}"
        );
        assert!(r["keys_per_s"].as_f64().unwrap() > 0.0);
    }

    for batch in ["1", "100"] {
        let r = bench(&server, &["delete", "--objects", "300", "--batch", batch]);
        assert_eq!(r["errors"], 0, "{r}");
        assert_eq!(r["ops"], 300, "every object deleted: {r}");
    }

    // Each run cleaned up after itself.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listed = rt.block_on(async {
        server
            .client()
            .list_objects_v2()
            .bucket("coffer-bench")
            .send()
            .await
            .unwrap()
    });
    assert_eq!(listed.key_count(), Some(0));
}

#[test]
fn failures_are_counted_with_their_code() {
    let server = Server::start();
    let out = Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args([
            "bench",
            "put",
            "--duration",
            "1s",
            "--json",
            "--endpoint",
            &server.endpoint,
        ])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", "not-the-secret")
        .output()
        .unwrap();
    // The bucket cannot even be created: the run stops with the reason.
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("403 SignatureDoesNotMatch"), "{stderr}");
}
