"""Issue 3's data plane with boto3 (default checksum settings) and the aws CLI's s3api:
conditional requests, partNumber reads, response overrides, checksums of multipart
objects, GetObjectAttributes and tags."""

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from e2e_util import MiB, checksum_b64, error_code, http_status, md5_etag


def _fails(fn, **kwargs):
    with pytest.raises(ClientError) as e:
        fn(**kwargs)
    return http_status(e.value), error_code(e.value)


def test_conditional_reads(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"conditional")
    head = s3.head_object(Bucket=bucket, Key="k")
    etag, modified = head["ETag"], head["LastModified"]
    earlier, later = modified - timedelta(minutes=5), modified + timedelta(minutes=5)

    assert s3.get_object(Bucket=bucket, Key="k", IfMatch=etag)["Body"].read() == b"conditional"
    assert _fails(s3.get_object, Bucket=bucket, Key="k", IfMatch='"nope"') == (412, "PreconditionFailed")
    assert _fails(s3.get_object, Bucket=bucket, Key="k", IfNoneMatch=etag)[0] == 304
    assert _fails(s3.head_object, Bucket=bucket, Key="k", IfModifiedSince=modified)[0] == 304
    # A date in the future is ignored (RFC 7232 3.3), as AWS does.
    s3.head_object(Bucket=bucket, Key="k", IfModifiedSince=later)
    assert _fails(s3.head_object, Bucket=bucket, Key="k", IfUnmodifiedSince=earlier)[0] == 412
    s3.head_object(Bucket=bucket, Key="k", IfModifiedSince=earlier)
    # AWS's precedence: If-Match true beats If-Unmodified-Since false.
    s3.get_object(Bucket=bucket, Key="k", IfMatch=etag, IfUnmodifiedSince=earlier)
    # If-None-Match false beats If-Modified-Since true: 304.
    assert _fails(s3.get_object, Bucket=bucket, Key="k", IfNoneMatch=etag, IfModifiedSince=earlier)[0] == 304


def test_conditional_writes_and_a_race(s3, bucket):
    s3.put_object(Bucket=bucket, Key="lock", Body=b"first", IfNoneMatch="*")
    assert _fails(s3.put_object, Bucket=bucket, Key="lock", Body=b"second", IfNoneMatch="*") == (
        412,
        "PreconditionFailed",
    )
    etag = s3.head_object(Bucket=bucket, Key="lock")["ETag"]
    s3.put_object(Bucket=bucket, Key="lock", Body=b"second", IfMatch=etag)
    assert _fails(s3.put_object, Bucket=bucket, Key="lock", Body=b"third", IfMatch=etag)[0] == 412
    assert _fails(s3.put_object, Bucket=bucket, Key="absent", Body=b"x", IfMatch=etag) == (404, "NoSuchKey")

    # Many threads race to create one key: exactly one wins.
    results = []

    def create(i):
        try:
            s3.put_object(Bucket=bucket, Key="race", Body=f"writer {i}".encode(), IfNoneMatch="*")
            results.append(("won", i))
        except ClientError as e:
            results.append((http_status(e), i))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [i for outcome, i in results if outcome == "won"]
    assert len(winners) == 1, results
    assert all(outcome in ("won", 412) for outcome, _ in results), results
    assert s3.get_object(Bucket=bucket, Key="race")["Body"].read() == f"writer {winners[0]}".encode()


def test_copy_conditions(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"source")
    etag = s3.head_object(Bucket=bucket, Key="src")["ETag"]
    src = {"Bucket": bucket, "Key": "src"}
    s3.copy_object(Bucket=bucket, Key="a", CopySource=src, CopySourceIfMatch=etag)
    assert _fails(s3.copy_object, Bucket=bucket, Key="b", CopySource=src, CopySourceIfNoneMatch=etag) == (
        412,
        "PreconditionFailed",
    )
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    assert _fails(s3.copy_object, Bucket=bucket, Key="b", CopySource=src, CopySourceIfModifiedSince=future)[0] == 412
    assert _fails(s3.copy_object, Bucket=bucket, Key="a", CopySource=src, IfNoneMatch="*")[0] == 412


def test_multipart_part_reads_checksums_and_attributes(s3, bucket, tmp_path):
    data = bytes(range(256)) * (20 * MiB // 256) + b"tail"
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    config = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB)
    # boto3's defaults: a CRC32 checksum on every part.
    s3.upload_file(str(path), bucket, "big.bin", Config=config)

    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert head["ETag"].endswith('-3"')
    assert "ChecksumCRC32" in head, head
    # s3transfer creates the upload with ChecksumAlgorithm=CRC32 and no type: COMPOSITE.
    assert head["ChecksumType"] == "COMPOSITE", head
    assert head["ChecksumCRC32"].endswith("-3")

    # partNumber: the second part, with the parts count.
    part = s3.get_object(Bucket=bucket, Key="big.bin", PartNumber=2)
    assert part["PartsCount"] == 3
    assert part["ContentRange"] == f"bytes {8 * MiB}-{16 * MiB - 1}/{len(data)}"
    assert part["Body"].read() == data[8 * MiB : 16 * MiB]
    assert _fails(s3.get_object, Bucket=bucket, Key="big.bin", PartNumber=4) == (416, "InvalidPartNumber")
    # Range across the part boundary.
    got = s3.get_object(Bucket=bucket, Key="big.bin", Range=f"bytes={8 * MiB - 10}-{8 * MiB + 9}")
    assert got["Body"].read() == data[8 * MiB - 10 : 8 * MiB + 10]

    attrs = s3.get_object_attributes(
        Bucket=bucket,
        Key="big.bin",
        ObjectAttributes=["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"],
    )
    assert attrs["ObjectSize"] == len(data)
    assert attrs["StorageClass"] == "STANDARD"
    assert attrs["ObjectParts"]["TotalPartsCount"] == 3
    sizes = [p["Size"] for p in attrs["ObjectParts"]["Parts"]]
    assert sizes == [8 * MiB, 8 * MiB, len(data) - 16 * MiB]
    assert attrs["ObjectParts"]["Parts"][0]["ChecksumCRC32"] == checksum_b64("CRC32", data[: 8 * MiB])
    assert attrs["Checksum"]["ChecksumCRC32"] == head["ChecksumCRC32"].split("-")[0]


def test_full_object_crc32_multipart(s3, bucket):
    # (CRC64NVME and CRC32C need botocore[crt]; the Rust suite covers CRC64NVME.)
    parts_data = [b"a" * (5 * MiB), b"b" * (5 * MiB), b"c" * 100]
    up = s3.create_multipart_upload(Bucket=bucket, Key="crc", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
    assert up["ChecksumType"] == "FULL_OBJECT"
    parts = []
    for n, body in enumerate(parts_data, start=1):
        r = s3.upload_part(
            Bucket=bucket, Key="crc", UploadId=up["UploadId"], PartNumber=n, Body=body, ChecksumAlgorithm="CRC32"
        )
        assert r["ChecksumCRC32"] == checksum_b64("CRC32", body)
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    whole = b"".join(parts_data)
    done = s3.complete_multipart_upload(
        Bucket=bucket,
        Key="crc",
        UploadId=up["UploadId"],
        MultipartUpload={"Parts": parts},
        ChecksumCRC32=checksum_b64("CRC32", whole),
        ChecksumType="FULL_OBJECT",
    )
    assert done["ChecksumCRC32"] == checksum_b64("CRC32", whole)
    assert done["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=bucket, Key="crc", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == checksum_b64("CRC32", whole)
    assert got["Body"].read() == whole


def test_response_overrides_and_tags(s3, bucket):
    s3.put_object(Bucket=bucket, Key="doc", Body=b"{}", ContentType="application/json", Tagging="team=storage&tier=gold")
    got = s3.get_object(
        Bucket=bucket,
        Key="doc",
        ResponseContentType="text/plain",
        ResponseContentDisposition='attachment; filename="doc.txt"',
        ResponseCacheControl="no-store",
    )
    assert got["ContentType"] == "text/plain"
    assert got["ContentDisposition"] == 'attachment; filename="doc.txt"'
    assert got["CacheControl"] == "no-store"
    assert got["TagCount"] == 2
    assert s3.head_object(Bucket=bucket, Key="doc")["ContentType"] == "application/json"
    s3.copy_object(
        Bucket=bucket, Key="doc2", CopySource={"Bucket": bucket, "Key": "doc"}, TaggingDirective="REPLACE", Tagging="x=1"
    )
    assert s3.get_object(Bucket=bucket, Key="doc2")["TagCount"] == 1


def test_limits(s3, bucket):
    assert _fails(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"x") == (400, "KeyTooLongError")
    assert _fails(s3.put_object, Bucket=bucket, Key="m", Body=b"x", Metadata={"big": "v" * 2100}) == (
        400,
        "MetadataTooLarge",
    )
    keys = [f"k{i:04}" for i in range(1005)]
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]], "Quiet": True})
    listed = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert listed["MaxKeys"] == 1000


def test_cli_s3api_attributes_and_conditional_put(aws, s3, bucket, tmp_path):
    body = tmp_path / "body.txt"
    body.write_bytes(b"from the cli")
    aws("s3api", "put-object", "--bucket", bucket, "--key", "cli.txt", "--body", str(body), "--if-none-match", "*")
    failed = aws.run("s3api", "put-object", "--bucket", bucket, "--key", "cli.txt", "--body", str(body), "--if-none-match", "*")
    assert failed.returncode != 0
    assert "PreconditionFailed" in failed.stderr
    out = json.loads(
        aws("s3api", "get-object-attributes", "--bucket", bucket, "--key", "cli.txt", "--object-attributes", "ETag", "ObjectSize")
    )
    assert out["ObjectSize"] == len(b"from the cli")
    assert out["ETag"].strip('"') == md5_etag(b"from the cli").strip('"')
