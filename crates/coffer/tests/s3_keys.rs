//! Hostile object keys: they round-trip exactly, list exactly, and never touch the file system by name.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use std::path::Path;

use common::Server;
use s3util::{create_bucket, etag_of, get, put, s3_err};

fn hostile_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "../x",
        "../../escape-coffer",
        "./dot",
        "a//b",
        "/leading",
        "trailing/",
        "日本語/ключ/emoji😀",
        "100%",
        "%41%2F%2e%2e",
        "a+b",
        "with space",
        " leading space",
        "what?x=1&y=2",
        "frag#ment",
        "xml&<>\"'",
        "semi;colon,comma=eq@at$dollar",
        "back\\slash",
        "~tilde!bang*star(paren)",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    keys.push("k".repeat(1024));
    keys.push("é".repeat(512)); // 1024 bytes, 512 characters
    keys
}

fn file_names(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        out.push(entry.file_name().to_string_lossy().into_owned());
        if entry.file_type().unwrap().is_dir() {
            file_names(&entry.path(), out);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_keys_round_trip_and_list_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    std::fs::create_dir(&data_dir).unwrap();
    let server = Server::start_in(&data_dir, &[]);
    let s3 = server.client();
    create_bucket(&s3, "hostile").await;

    let keys = hostile_keys();
    for key in &keys {
        let body = format!("body of {key}");
        let out = put(&s3, "hostile", key, body.as_bytes()).await;
        assert_eq!(out.e_tag(), Some(etag_of(body.as_bytes()).as_str()), "{key:?}");
    }
    for key in &keys {
        assert_eq!(
            get(&s3, "hostile", key).await,
            format!("body of {key}").as_bytes(),
            "{key:?}"
        );
        let head = s3.head_object().bucket("hostile").key(key).send().await.unwrap();
        assert_eq!(head.content_length(), Some(8 + key.len() as i64), "{key:?}");
    }

    let mut expected = keys.clone();
    expected.sort();
    let listed = s3.list_objects_v2().bucket("hostile").send().await.unwrap();
    let got: Vec<&str> = listed.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(got, expected);
    let v1 = s3.list_objects().bucket("hostile").send().await.unwrap();
    let got: Vec<&str> = v1.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(got, expected);

    // Each listed under its own exact prefix.
    for key in &keys {
        let listed = s3
            .list_objects_v2()
            .bucket("hostile")
            .prefix(key)
            .send()
            .await
            .unwrap();
        assert!(
            listed.contents().iter().any(|o| o.key() == Some(key.as_str())),
            "{key:?}: {listed:?}"
        );
    }

    // Nothing named after a key outside the data dir, nor inside it.
    let mut outside: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    outside.sort();
    assert_eq!(outside, ["data"]);
    assert!(!tmp.path().parent().unwrap().join("escape-coffer").exists());
    let mut names = Vec::new();
    file_names(&data_dir, &mut names);
    for bad in [
        "x",
        "b",
        "leading",
        "escape-coffer",
        "ключ",
        "emoji😀",
        "dot",
        "frag#ment",
        "100%",
    ] {
        assert!(
            !names.iter().any(|n| n == bad),
            "a file named {bad:?} appeared in the data dir: {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.contains("ключ") || n.contains("kkkkkkkk")),
        "{names:?}"
    );

    // Deleting by the hostile names removes exactly those objects.
    for key in &keys {
        s3.delete_object()
            .bucket("hostile")
            .key(key)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        s3.list_objects_v2()
            .bucket("hostile")
            .send()
            .await
            .unwrap()
            .key_count(),
        Some(0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_length_limit_is_1024_bytes() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "long").await;
    put(&s3, "long", &"k".repeat(1024), b"ok").await;
    let too_long = "k".repeat(1025);
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("long")
                .key(&too_long)
                .body(b"no".to_vec().into())
                .send()
                .await
        ),
        (400, "KeyTooLongError".to_owned())
    );
    // Bytes, not characters.
    let too_long = format!("{}x", "é".repeat(512));
    assert_eq!(too_long.len(), 1025);
    assert_eq!(
        s3_err(
            s3.put_object()
                .bucket("long")
                .key(&too_long)
                .body(b"no".to_vec().into())
                .send()
                .await
        ),
        (400, "KeyTooLongError".to_owned())
    );
    assert_eq!(
        s3_err(
            s3.create_multipart_upload()
                .bucket("long")
                .key(&too_long)
                .send()
                .await
        ),
        (400, "KeyTooLongError".to_owned())
    );
    let listed = s3.list_objects_v2().bucket("long").send().await.unwrap();
    let got: Vec<&str> = listed.contents().iter().map(|o| o.key().unwrap()).collect();
    assert_eq!(got, ["k".repeat(1024)]);
}
