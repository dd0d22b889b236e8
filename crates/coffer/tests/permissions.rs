//! The permission matrix (issue 6, ADR 13): every implemented S3 operation, called as
//! anonymous, as an IAM user without policy, as one whose policy allows it, and as one
//! whose Allow is cut by an explicit Deny. Allowed calls must succeed; denied ones must
//! answer AccessDenied and change nothing.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::SystemTime;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::primitives::ByteStream;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use common::{ACCESS_KEY, SECRET_KEY, Server, client_with};

/// One signed IAM Query call; the response body, which must be a success.
async fn iam(endpoint: &str, access_key: &str, secret_key: &str, params: &[(&str, &str)]) -> String {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().copied().chain([("Version", "2010-05-08")]))
        .finish();
    let identity = aws_credential_types::Credentials::new(access_key, secret_key, None, None, "test").into();
    let signing = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("iam")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let url = format!("{endpoint}/");
    let host = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
    ];
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &signing).unwrap().into_parts();
    let mut req = http::Request::builder()
        .method("POST")
        .uri(&url)
        .header("host", &host)
        .header("content-type", "application/x-www-form-urlencoded; charset=utf-8")
        .body(body.clone())
        .unwrap();
    instructions.apply_to_request_http1x(&mut req);
    let mut out = reqwest::Client::new().post(&url).body(body);
    for (k, v) in req.headers() {
        out = out.header(k.as_str(), v.to_str().unwrap());
    }
    let resp = out.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert!(status.is_success(), "{params:?}: {status} {text}");
    text
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    text.split(open).nth(1).unwrap().split(close).next().unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    NoPolicy,
    Allowed,
    AllowedButDenied,
}

impl Who {
    fn allowed(self) -> bool {
        self == Self::Allowed
    }
}

type SdkResult<T, E> = Result<T, aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>>;

/// The result of one call: allowed (succeeded) or denied (AccessDenied; a HEAD answers a
/// bare 403).
fn outcome<T, E: aws_sdk_s3::error::ProvideErrorMetadata + std::fmt::Debug>(
    op: &str,
    who: Who,
    r: SdkResult<T, E>,
) {
    match (who.allowed(), r) {
        (true, Ok(_)) => {}
        (false, Err(e))
            if e.code() == Some("AccessDenied")
                || (e.code().is_none() && e.raw_response().map(|r| r.status().as_u16()) == Some(403)) => {}
        (_, Err(e)) => panic!("{op} as {who:?}: {e:?}"),
        (false, Ok(_)) => panic!("{op} as {who:?} was allowed"),
    }
}

async fn run_matrix(who: Who, c: &Client, root: &Client) {
    let b = "matrix-bucket";
    let tag = format!("{who:?}").to_lowercase();
    let put_key = format!("put-{tag}");
    outcome("ListBuckets", who, c.list_buckets().send().await);
    let new_bucket = format!("matrix-new-{tag}");
    outcome(
        "CreateBucket",
        who,
        c.create_bucket().bucket(&new_bucket).send().await,
    );
    outcome("HeadBucket", who, c.head_bucket().bucket(b).send().await);
    outcome(
        "GetBucketLocation",
        who,
        c.get_bucket_location().bucket(b).send().await,
    );
    outcome("ListObjectsV2", who, c.list_objects_v2().bucket(b).send().await);
    outcome("ListObjects", who, c.list_objects().bucket(b).send().await);
    outcome(
        "PutObject",
        who,
        c.put_object()
            .bucket(b)
            .key(&put_key)
            .body(ByteStream::from_static(b"p"))
            .send()
            .await,
    );
    outcome("GetObject", who, c.get_object().bucket(b).key("obj").send().await);
    outcome(
        "HeadObject",
        who,
        c.head_object().bucket(b).key("obj").send().await,
    );
    outcome(
        "GetObjectAttributes",
        who,
        c.get_object_attributes()
            .bucket(b)
            .key("obj")
            .object_attributes(aws_sdk_s3::types::ObjectAttributes::Etag)
            .send()
            .await,
    );
    outcome(
        "CopyObject",
        who,
        c.copy_object()
            .bucket(b)
            .key(format!("copy-{tag}"))
            .copy_source(format!("{b}/obj"))
            .send()
            .await,
    );
    outcome(
        "ListMultipartUploads",
        who,
        c.list_multipart_uploads().bucket(b).send().await,
    );
    // An upload of the bucket owner's, for the calls on an existing upload.
    let upload = root
        .create_multipart_upload()
        .bucket(b)
        .key(format!("mp-{tag}"))
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();
    outcome(
        "UploadPart",
        who,
        c.upload_part()
            .bucket(b)
            .key(format!("mp-{tag}"))
            .upload_id(upload_id)
            .part_number(1)
            .body(ByteStream::from_static(b"part"))
            .send()
            .await,
    );
    outcome(
        "UploadPartCopy",
        who,
        c.upload_part_copy()
            .bucket(b)
            .key(format!("mp-{tag}"))
            .upload_id(upload_id)
            .part_number(2)
            .copy_source(format!("{b}/obj"))
            .send()
            .await,
    );
    outcome(
        "ListParts",
        who,
        c.list_parts()
            .bucket(b)
            .key(format!("mp-{tag}"))
            .upload_id(upload_id)
            .send()
            .await,
    );
    let completed = c
        .complete_multipart_upload()
        .bucket(b)
        .key(format!("mp-{tag}"))
        .upload_id(upload_id)
        .multipart_upload(
            aws_sdk_s3::types::CompletedMultipartUpload::builder()
                .parts(aws_sdk_s3::types::CompletedPart::builder().part_number(1).build())
                .build(),
        )
        .send()
        .await;
    match (who.allowed(), completed) {
        // The part's ETag was not sent: refused for that reason, after authorization.
        (true, Err(e)) => assert_ne!(e.code(), Some("AccessDenied"), "CompleteMultipartUpload {e:?}"),
        (true, Ok(_)) => {}
        (false, r) => outcome("CompleteMultipartUpload", who, r),
    }
    let second = root
        .create_multipart_upload()
        .bucket(b)
        .key(format!("abort-{tag}"))
        .send()
        .await
        .unwrap();
    outcome(
        "AbortMultipartUpload",
        who,
        c.abort_multipart_upload()
            .bucket(b)
            .key(format!("abort-{tag}"))
            .upload_id(second.upload_id().unwrap())
            .send()
            .await,
    );
    outcome(
        "CreateMultipartUpload",
        who,
        c.create_multipart_upload()
            .bucket(b)
            .key(format!("new-mp-{tag}"))
            .send()
            .await,
    );
    outcome(
        "GetBucketEncryption",
        who,
        c.get_bucket_encryption().bucket(b).send().await,
    );
    outcome(
        "PutBucketEncryption",
        who,
        c.put_bucket_encryption()
            .bucket(b)
            .server_side_encryption_configuration(
                aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(aws_sdk_s3::types::ServerSideEncryption::Aes256)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    outcome(
        "DeleteBucketEncryption",
        who,
        c.delete_bucket_encryption().bucket(b).send().await,
    );
    // Access configuration: a Deny-only policy (not public, so BPA lets it in) that
    // denies nobody the matrix uses.
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",
        "Action":"s3:GetObject","Resource":"arn:aws:s3:::matrix-bucket/never-read"}]}"#;
    outcome(
        "PutBucketPolicy",
        who,
        c.put_bucket_policy().bucket(b).policy(policy).send().await,
    );
    if !who.allowed() {
        root.put_bucket_policy()
            .bucket(b)
            .policy(policy)
            .send()
            .await
            .unwrap();
    }
    outcome(
        "GetBucketPolicy",
        who,
        c.get_bucket_policy().bucket(b).send().await,
    );
    outcome(
        "GetBucketPolicyStatus",
        who,
        c.get_bucket_policy_status().bucket(b).send().await,
    );
    outcome(
        "DeleteBucketPolicy",
        who,
        c.delete_bucket_policy().bucket(b).send().await,
    );
    if !who.allowed() {
        // The denied delete left the policy in place.
        root.get_bucket_policy().bucket(b).send().await.unwrap();
        root.delete_bucket_policy().bucket(b).send().await.unwrap();
    }
    let bpa = aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
        .block_public_acls(true)
        .ignore_public_acls(true)
        .block_public_policy(true)
        .restrict_public_buckets(true)
        .build();
    outcome(
        "PutPublicAccessBlock",
        who,
        c.put_public_access_block()
            .bucket(b)
            .public_access_block_configuration(bpa)
            .send()
            .await,
    );
    outcome(
        "GetPublicAccessBlock",
        who,
        c.get_public_access_block().bucket(b).send().await,
    );
    let ownership = aws_sdk_s3::types::OwnershipControls::builder()
        .rules(
            aws_sdk_s3::types::OwnershipControlsRule::builder()
                .object_ownership(aws_sdk_s3::types::ObjectOwnership::BucketOwnerEnforced)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    outcome(
        "PutBucketOwnershipControls",
        who,
        c.put_bucket_ownership_controls()
            .bucket(b)
            .ownership_controls(ownership)
            .send()
            .await,
    );
    outcome(
        "GetBucketOwnershipControls",
        who,
        c.get_bucket_ownership_controls().bucket(b).send().await,
    );
    outcome("GetBucketAcl", who, c.get_bucket_acl().bucket(b).send().await);
    outcome(
        "PutBucketAcl",
        who,
        c.put_bucket_acl()
            .bucket(b)
            .acl(aws_sdk_s3::types::BucketCannedAcl::Private)
            .send()
            .await,
    );
    outcome(
        "GetObjectAcl",
        who,
        c.get_object_acl().bucket(b).key("obj").send().await,
    );
    outcome(
        "PutObjectAcl",
        who,
        c.put_object_acl()
            .bucket(b)
            .key("obj")
            .acl(aws_sdk_s3::types::ObjectCannedAcl::BucketOwnerFullControl)
            .send()
            .await,
    );
    root.put_object()
        .bucket(b)
        .key(format!("del-{tag}"))
        .body(ByteStream::from_static(b"d"))
        .send()
        .await
        .unwrap();
    outcome(
        "DeleteObject",
        who,
        c.delete_object().bucket(b).key(format!("del-{tag}")).send().await,
    );
    // DeleteObjects answers per key.
    root.put_object()
        .bucket(b)
        .key(format!("multi-{tag}"))
        .body(ByteStream::from_static(b"m"))
        .send()
        .await
        .unwrap();
    let del = aws_sdk_s3::types::Delete::builder()
        .objects(
            aws_sdk_s3::types::ObjectIdentifier::builder()
                .key(format!("multi-{tag}"))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    match (who, c.delete_objects().bucket(b).delete(del).send().await) {
        (Who::Anonymous, r) => outcome("DeleteObjects", who, r),
        (Who::Allowed, r) => assert_eq!(r.unwrap().deleted().len(), 1),
        (_, r) => {
            let out = r.unwrap();
            assert!(out.deleted().is_empty(), "DeleteObjects as {who:?}");
            assert_eq!(out.errors()[0].code(), Some("AccessDenied"));
        }
    }
    if who.allowed() {
        outcome(
            "DeleteBucket",
            who,
            c.delete_bucket().bucket(&new_bucket).send().await,
        );
    } else {
        outcome("DeleteBucket", who, c.delete_bucket().bucket(b).send().await);
    }

    // Denied calls changed nothing.
    let exists = |key: String| async move { root.head_object().bucket(b).key(key).send().await.is_ok() };
    assert_eq!(exists(put_key).await, who.allowed(), "PutObject as {who:?}");
    assert_eq!(
        exists(format!("copy-{tag}")).await,
        who.allowed(),
        "CopyObject as {who:?}"
    );
    assert_eq!(
        exists(format!("del-{tag}")).await,
        !who.allowed(),
        "DeleteObject as {who:?}"
    );
    assert_eq!(
        exists(format!("multi-{tag}")).await,
        !who.allowed(),
        "DeleteObjects as {who:?}"
    );
    root.head_bucket().bucket(b).send().await.unwrap();
}

/// An anonymous client: requests go unsigned.
fn anonymous(endpoint: &str) -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .allow_no_auth()
        .build();
    Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_as_anonymous_no_policy_allowed_and_denied() {
    let server = Server::start();
    let e = &server.endpoint;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coffer"))
        .args(["admin", "--endpoint", e, "account", "create", "matrix", "--json"])
        .env("COFFER_ROOT_ACCESS_KEY", ACCESS_KEY)
        .env("COFFER_ROOT_SECRET_KEY", SECRET_KEY)
        .output()
        .unwrap();
    let account: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (ak, sk) = (
        account["access_key_id"].as_str().unwrap(),
        account["secret_access_key"].as_str().unwrap(),
    );
    let root = client_with(e, ak, sk);
    root.create_bucket().bucket("matrix-bucket").send().await.unwrap();
    root.put_object()
        .bucket("matrix-bucket")
        .key("obj")
        .body(ByteStream::from_static(b"object"))
        .send()
        .await
        .unwrap();

    let allow = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::matrix-*","arn:aws:s3:::matrix-*/*"]},
        {"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#;
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
    let mut clients = vec![(Who::Anonymous, anonymous(e))];
    for (who, name, policies) in [
        (Who::NoPolicy, "nopolicy", vec![]),
        (Who::Allowed, "allowed", vec![("allow", allow)]),
        (
            Who::AllowedButDenied,
            "denied",
            vec![("allow", allow), ("deny", deny)],
        ),
    ] {
        iam(e, ak, sk, &[("Action", "CreateUser"), ("UserName", name)]).await;
        for (policy_name, doc) in policies {
            iam(
                e,
                ak,
                sk,
                &[
                    ("Action", "PutUserPolicy"),
                    ("UserName", name),
                    ("PolicyName", policy_name),
                    ("PolicyDocument", doc),
                ],
            )
            .await;
        }
        let created = iam(e, ak, sk, &[("Action", "CreateAccessKey"), ("UserName", name)]).await;
        let key = between(&created, "<AccessKeyId>", "</AccessKeyId>");
        let secret = between(&created, "<SecretAccessKey>", "</SecretAccessKey>");
        clients.push((who, client_with(e, key, secret)));
    }
    for (who, client) in &clients {
        run_matrix(*who, client, &root).await;
    }
}
