//! Checksums end to end: x-amz-checksum-mode, multipart COMPOSITE and FULL_OBJECT
//! checksums, per-part checksums in UploadPart/ListParts/Complete, and
//! GetObjectAttributes, against the real binary.
#![allow(clippy::unwrap_used)]

mod common;
mod s3util;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, ChecksumType, CompletedMultipartUpload, CompletedPart, ObjectAttributes,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Server, bytes};
use s3util::{create_bucket, etag_of, put, s3_err};

const MIB: usize = 1024 * 1024;

fn crc32(data: &[u8]) -> String {
    STANDARD.encode(&crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, data).to_be_bytes()[4..])
}

fn crc64(data: &[u8]) -> String {
    STANDARD.encode(crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Nvme, data).to_be_bytes())
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest as _;
    STANDARD.encode(sha2::Sha256::digest(data))
}

/// Uploads `datas` as parts of a new upload created with `algorithm`/`kind`; returns the
/// upload id and the completed parts as the SDK lists them (with checksums).
async fn upload_parts(
    s3: &Client,
    key: &str,
    algorithm: ChecksumAlgorithm,
    kind: Option<ChecksumType>,
    datas: &[Vec<u8>],
) -> (String, Vec<CompletedPart>) {
    let up = s3
        .create_multipart_upload()
        .bucket("sums")
        .key(key)
        .checksum_algorithm(algorithm.clone())
        .set_checksum_type(kind.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(up.checksum_algorithm(), Some(&algorithm));
    let id = up.upload_id().unwrap().to_owned();
    let mut parts = Vec::new();
    for (i, d) in datas.iter().enumerate() {
        let n = i32::try_from(i + 1).unwrap();
        let out = s3
            .upload_part()
            .bucket("sums")
            .key(key)
            .upload_id(&id)
            .part_number(n)
            .checksum_algorithm(algorithm.clone())
            .body(ByteStream::from(d.clone()))
            .send()
            .await
            .unwrap();
        parts.push(
            CompletedPart::builder()
                .part_number(n)
                .e_tag(out.e_tag().unwrap())
                .set_checksum_crc32(out.checksum_crc32().map(str::to_owned))
                .set_checksum_crc64_nvme(out.checksum_crc64_nvme().map(str::to_owned))
                .set_checksum_sha256(out.checksum_sha256().map(str::to_owned))
                .build(),
        );
    }
    (id, parts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_put_checksums_come_back_only_when_asked() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;
    let data = bytes(100_000, 5);
    s3.put_object()
        .bucket("sums")
        .key("one")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .unwrap();
    let head = s3.head_object().bucket("sums").key("one").send().await.unwrap();
    assert_eq!(head.checksum_sha256(), None);
    let head = s3
        .head_object()
        .bucket("sums")
        .key("one")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_sha256(), Some(sha256(&data).as_str()));
    assert_eq!(head.checksum_type(), Some(&ChecksumType::FullObject));
    let got = s3
        .get_object()
        .bucket("sums")
        .key("one")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(got.checksum_sha256(), Some(sha256(&data).as_str()));
    assert_eq!(
        got.body.collect().await.unwrap().into_bytes().as_ref(),
        data.as_slice()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composite_and_full_object_multipart_checksums() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;
    let datas = vec![bytes(5 * MIB, 1), bytes(5 * MIB, 2), bytes(1234, 3)];
    let whole: Vec<u8> = datas.concat();

    // COMPOSITE SHA256: checksum of the concatenated part digests, "-3".
    let (id, parts) = upload_parts(&s3, "composite", ChecksumAlgorithm::Sha256, None, &datas).await;
    for (p, d) in parts.iter().zip(&datas) {
        assert_eq!(p.checksum_sha256(), Some(sha256(d).as_str()));
    }
    let listed = s3
        .list_parts()
        .bucket("sums")
        .key("composite")
        .upload_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.checksum_algorithm(), Some(&ChecksumAlgorithm::Sha256));
    assert_eq!(listed.checksum_type(), Some(&ChecksumType::Composite));
    for (p, d) in listed.parts().iter().zip(&datas) {
        assert_eq!(p.checksum_sha256(), Some(sha256(d).as_str()));
    }
    let done = s3
        .complete_multipart_upload()
        .bucket("sums")
        .key("composite")
        .upload_id(&id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .unwrap();
    let joined: Vec<u8> = datas
        .iter()
        .flat_map(|d| STANDARD.decode(sha256(d)).unwrap())
        .collect();
    let composite = format!("{}-3", sha256(&joined));
    assert_eq!(done.checksum_sha256(), Some(composite.as_str()));
    assert_eq!(done.checksum_type(), Some(&ChecksumType::Composite));
    let head = s3
        .head_object()
        .bucket("sums")
        .key("composite")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_sha256(), Some(composite.as_str()));
    assert_eq!(head.checksum_type(), Some(&ChecksumType::Composite));
    // A part read reports that part's checksum.
    let part2 = s3
        .head_object()
        .bucket("sums")
        .key("composite")
        .part_number(2)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(part2.checksum_sha256(), Some(sha256(&datas[1]).as_str()));

    // FULL_OBJECT CRC32 and CRC64NVME: the CRC of the whole object.
    for (key, algorithm, kind, expected) in [
        (
            "full32",
            ChecksumAlgorithm::Crc32,
            Some(ChecksumType::FullObject),
            crc32(&whole),
        ),
        ("full64", ChecksumAlgorithm::Crc64Nvme, None, crc64(&whole)),
    ] {
        let (id, parts) = upload_parts(&s3, key, algorithm.clone(), kind, &datas).await;
        let done = s3
            .complete_multipart_upload()
            .bucket("sums")
            .key(key)
            .upload_id(&id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .unwrap();
        assert_eq!(done.checksum_type(), Some(&ChecksumType::FullObject), "{key}");
        let got = done.checksum_crc32().or(done.checksum_crc64_nvme());
        assert_eq!(got, Some(expected.as_str()), "{key}");
        let head = s3
            .head_object()
            .bucket("sums")
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap();
        assert_eq!(
            head.checksum_crc32().or(head.checksum_crc64_nvme()),
            Some(expected.as_str())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_checksum_errors() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;
    // Algorithm/type pairs S3 refuses.
    for (algorithm, kind) in [
        (ChecksumAlgorithm::Sha256, ChecksumType::FullObject),
        (ChecksumAlgorithm::Crc64Nvme, ChecksumType::Composite),
    ] {
        let r = s3
            .create_multipart_upload()
            .bucket("sums")
            .key("bad")
            .checksum_algorithm(algorithm)
            .checksum_type(kind)
            .send()
            .await;
        assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
    }
    let datas = vec![bytes(5 * MIB, 1), bytes(10, 2)];
    let (id, parts) = upload_parts(&s3, "k", ChecksumAlgorithm::Crc32, None, &datas).await;
    // A wrong part checksum in the completion list is InvalidPart.
    let mut wrong = parts.clone();
    wrong[1] = CompletedPart::builder()
        .part_number(2)
        .e_tag(parts[1].e_tag().unwrap())
        .checksum_crc32(crc32(b"other"))
        .build();
    let r = s3
        .complete_multipart_upload()
        .bucket("sums")
        .key("k")
        .upload_id(&id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(wrong)).build())
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidPart".into()));
    // A COMPOSITE upload must list every part checksum.
    let bare: Vec<CompletedPart> = parts
        .iter()
        .map(|p| {
            CompletedPart::builder()
                .part_number(p.part_number().unwrap())
                .e_tag(p.e_tag().unwrap())
                .build()
        })
        .collect();
    let r = s3
        .complete_multipart_upload()
        .bucket("sums")
        .key("k")
        .upload_id(&id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(bare)).build())
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
    // A part sent with another algorithm than the upload's is refused.
    let r = s3
        .upload_part()
        .bucket("sums")
        .key("k")
        .upload_id(&id)
        .part_number(3)
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
    // A whole-object checksum in another algorithm cannot be verified: refused.
    let r = s3
        .complete_multipart_upload()
        .bucket("sums")
        .key("k")
        .upload_id(&id)
        .checksum_sha256(sha256(b"whatever"))
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts.clone()))
                .build(),
        )
        .send()
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
    // The right list completes.
    s3.complete_multipart_upload()
        .bucket("sums")
        .key("k")
        .upload_id(&id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_object_attributes() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;
    put(&s3, "sums", "small", b"attributes").await;
    let all = [
        ObjectAttributes::Etag,
        ObjectAttributes::Checksum,
        ObjectAttributes::ObjectParts,
        ObjectAttributes::StorageClass,
        ObjectAttributes::ObjectSize,
    ];
    let out = s3
        .get_object_attributes()
        .bucket("sums")
        .key("small")
        .set_object_attributes(Some(all.to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.e_tag().map(|t| t.trim_matches('"')),
        Some(etag_of(b"attributes").trim_matches('"'))
    );
    assert_eq!(out.object_size(), Some(10));
    assert_eq!(out.storage_class().map(|c| c.as_str()), Some("STANDARD"));
    assert!(out.object_parts().is_none(), "a single PUT has no parts");
    assert!(out.last_modified().is_some());

    let datas = vec![bytes(5 * MIB, 1), bytes(5 * MIB, 2), bytes(99, 3)];
    let (id, parts) = upload_parts(&s3, "mp", ChecksumAlgorithm::Crc32, None, &datas).await;
    s3.complete_multipart_upload()
        .bucket("sums")
        .key("mp")
        .upload_id(&id)
        .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
        .send()
        .await
        .unwrap();
    let out = s3
        .get_object_attributes()
        .bucket("sums")
        .key("mp")
        .set_object_attributes(Some(all.to_vec()))
        .max_parts(2)
        .send()
        .await
        .unwrap();
    assert_eq!(out.object_size(), Some(i64::try_from(10 * MIB + 99).unwrap()));
    let checksum = out.checksum().unwrap();
    let listed = checksum.checksum_crc32().unwrap();
    assert!(!listed.contains('-'), "no part count here, as AWS: {listed}");
    let head = s3
        .head_object()
        .bucket("sums")
        .key("mp")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_crc32(), Some(format!("{listed}-3").as_str()));
    assert_eq!(checksum.checksum_type(), Some(&ChecksumType::Composite));
    let op = out.object_parts().unwrap();
    assert_eq!(op.total_parts_count(), Some(3));
    assert_eq!(op.is_truncated(), Some(true));
    assert_eq!(op.next_part_number_marker(), Some("2"));
    let sizes: Vec<_> = op.parts().iter().map(|p| (p.part_number(), p.size())).collect();
    let five = Some(i64::try_from(5 * MIB).unwrap());
    assert_eq!(sizes, [(Some(1), five), (Some(2), five)]);
    assert_eq!(op.parts()[0].checksum_crc32(), Some(crc32(&datas[0]).as_str()));
    let out = s3
        .get_object_attributes()
        .bucket("sums")
        .key("mp")
        .object_attributes(ObjectAttributes::ObjectParts)
        .part_number_marker("2")
        .send()
        .await
        .unwrap();
    let op = out.object_parts().unwrap();
    assert_eq!(op.is_truncated(), Some(false));
    assert_eq!(op.parts().len(), 1);
    assert_eq!(op.parts()[0].size(), Some(99));
    assert!(out.e_tag().is_none(), "only the attributes asked for");

    let r = s3
        .get_object_attributes()
        .bucket("sums")
        .key("missing")
        .object_attributes(ObjectAttributes::Etag)
        .send()
        .await;
    assert_eq!(s3_err(r), (404, "NoSuchKey".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_object_checksums_on_complete_are_verified_or_refused() {
    let server = Server::start();
    let s3 = server.client();
    create_bucket(&s3, "sums").await;
    let datas = vec![bytes(5 * MIB, 7), bytes(77, 8)];
    let whole: Vec<u8> = datas.concat();
    let (id, parts) = upload_parts(
        &s3,
        "full",
        ChecksumAlgorithm::Crc32,
        Some(ChecksumType::FullObject),
        &datas,
    )
    .await;
    let complete = |value: String| {
        s3.complete_multipart_upload()
            .bucket("sums")
            .key("full")
            .upload_id(&id)
            .checksum_crc32(value)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts.clone()))
                    .build(),
            )
            .send()
    };
    assert_eq!(
        s3_err(complete(crc32(b"not the object")).await),
        (400, "BadDigest".into())
    );
    let done = complete(crc32(&whole)).await.unwrap();
    assert_eq!(done.checksum_crc32(), Some(crc32(&whole).as_str()));

    // An upload created without an algorithm cannot verify a whole-object checksum.
    let up = s3
        .create_multipart_upload()
        .bucket("sums")
        .key("plain")
        .send()
        .await
        .unwrap();
    let part = s3
        .upload_part()
        .bucket("sums")
        .key("plain")
        .upload_id(up.upload_id().unwrap())
        .part_number(1)
        .body(ByteStream::from_static(b"only part"))
        .send()
        .await
        .unwrap();
    let r = s3
        .complete_multipart_upload()
        .bucket("sums")
        .key("plain")
        .upload_id(up.upload_id().unwrap())
        .checksum_crc32(crc32(b"only part"))
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
        .await;
    assert_eq!(s3_err(r), (400, "InvalidRequest".into()));
}
