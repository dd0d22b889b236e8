"""boto3 with `request_checksum_calculation="when_required"` and
`response_checksum_validation="when_required"`: the setting users pick for
S3-compatible stores, and the behaviour of older SDKs. Requests carry no
flexible checksum unless the operation requires one or the caller asks."""

import base64
import contextlib
import hashlib
import os

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from e2e_util import (
    MiB,
    b64,
    checksum_b64,
    list_all,
    md5_etag,
    multipart_etag,
    put_many,
    sha256_file,
    write_random_file,
)

WHEN_REQUIRED = Config(
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)


@pytest.fixture(scope="module")
def s3wr(client_factory):
    """Like the default `s3` fixture (same endpoint, root credentials, botocore
    defaults otherwise) but computing and validating checksums only when required."""
    return client_factory(config=WHEN_REQUIRED)


@contextlib.contextmanager
def _capture_requests(client, operation):
    """Record the headers (lower-cased names) of every `operation` request as sent."""
    seen = []

    def record(request, **kwargs):
        seen.append({
            k.lower(): v.decode("latin-1") if isinstance(v, bytes) else v
            for k, v in request.headers.items()
        })

    event = f"before-send.s3.{operation}"
    client.meta.events.register(event, record)
    try:
        yield seen
    finally:
        client.meta.events.unregister(event, record)


def _checksum_headers(headers):
    return sorted(k for k in headers if k.startswith("x-amz-checksum-") or k == "x-amz-sdk-checksum-algorithm")


def _code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def _status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


# --------------------------------------------------------------------------
# put_object / get_object


@pytest.mark.parametrize("size", [0, 1, 5000, 8 * MiB], ids=["0B", "1B", "5000B", "8MiB"])
def test_put_get_round_trip(s3wr, bucket, size):
    data = os.urandom(size)
    key = f"rt/obj-{size}"
    with _capture_requests(s3wr, "PutObject") as sent:
        put = s3wr.put_object(Bucket=bucket, Key=key, Body=data)
    # The setting is in force: no flexible checksum, no Content-MD5 on PutObject.
    assert _checksum_headers(sent[-1]) == []
    assert "content-md5" not in sent[-1]
    assert sent[-1]["x-amz-content-sha256"] == hashlib.sha256(data).hexdigest()
    assert put["ETag"] == md5_etag(data)

    got = s3wr.get_object(Bucket=bucket, Key=key)
    assert got["ContentLength"] == size
    assert got["ETag"] == md5_etag(data)
    assert got["Body"].read() == data

    head = s3wr.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == size
    assert head["ETag"] == md5_etag(data)


def test_ranged_get(s3wr, bucket):
    data = os.urandom(3 * MiB + 17)
    s3wr.put_object(Bucket=bucket, Key="range/r", Body=data)
    got = s3wr.get_object(Bucket=bucket, Key="range/r", Range="bytes=1048570-2097160")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes 1048570-2097160/{len(data)}"
    assert got["Body"].read() == data[1048570:2097161]


def test_wrong_content_md5_still_rejected(s3wr, bucket):
    """Content-MD5 given by the caller is verified even though the SDK adds nothing."""
    wrong = b64(hashlib.md5(b"not the body").digest())
    with pytest.raises(ClientError) as e:
        s3wr.put_object(Bucket=bucket, Key="md5/x", Body=b"the body", ContentMD5=wrong)
    assert _code(e) == "BadDigest"
    assert _status(e) == 400
    assert list_all(s3wr, bucket) == {}


# --------------------------------------------------------------------------
# upload_file / download_file (multipart)


def test_upload_download_file_20mib_multipart(s3wr, bucket, tmp_path):
    size = 20 * MiB + 321
    part = 5 * MiB
    src = tmp_path / "twenty.bin"
    digest = write_random_file(src, size)
    tc = TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=4)

    with _capture_requests(s3wr, "UploadPart") as parts, \
            _capture_requests(s3wr, "CreateMultipartUpload") as creates, \
            _capture_requests(s3wr, "CompleteMultipartUpload") as completes:
        s3wr.upload_file(str(src), bucket, "mp/twenty.bin", Config=tc)

    # 5 parts of 5 MiB (the last one 321 B), none carrying a flexible checksum.
    assert len(creates) == 1
    assert len(parts) == 5
    assert all(_checksum_headers(h) == [] for h in parts), [_checksum_headers(h) for h in parts]
    assert len(completes) == 1

    head = s3wr.head_object(Bucket=bucket, Key="mp/twenty.bin")
    assert head["ContentLength"] == size
    assert head["ETag"] == multipart_etag(src, part)
    assert list_all(s3wr, bucket) == {"mp/twenty.bin": size}
    assert s3wr.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    # Ranged, concurrent download (boto3 splits GETs by the same chunk size).
    dst = tmp_path / "twenty.down"
    s3wr.download_file(bucket, "mp/twenty.bin", str(dst), Config=tc)
    assert dst.stat().st_size == size
    assert sha256_file(dst) == digest

    # And a plain whole-object GET of the multipart object.
    body = s3wr.get_object(Bucket=bucket, Key="mp/twenty.bin")["Body"].read()
    assert hashlib.sha256(body).hexdigest() == digest


# --------------------------------------------------------------------------
# explicit checksum


def test_put_object_explicit_sha256(s3wr, bucket):
    data = os.urandom(100_000)
    want = checksum_b64("SHA256", data)
    with _capture_requests(s3wr, "PutObject") as sent:
        put = s3wr.put_object(Bucket=bucket, Key="sha/obj", Body=data, ChecksumAlgorithm="SHA256")
    # Asked for explicitly, so the SDK computes and sends it despite when_required.
    assert sent[-1].get("x-amz-checksum-sha256") == want
    assert put["ChecksumSHA256"] == want
    assert put["ETag"] == md5_etag(data)

    head = s3wr.head_object(Bucket=bucket, Key="sha/obj", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == want
    got = s3wr.get_object(Bucket=bucket, Key="sha/obj", ChecksumMode="ENABLED")
    assert got["ChecksumSHA256"] == want
    assert got["Body"].read() == data


def test_put_object_explicit_sha256_wrong_value_is_bad_digest(s3wr, bucket):
    with pytest.raises(ClientError) as e:
        s3wr.put_object(
            Bucket=bucket, Key="sha/bad", Body=b"real payload",
            ChecksumAlgorithm="SHA256", ChecksumSHA256=checksum_b64("SHA256", b"other payload"),
        )
    assert _code(e) == "BadDigest"
    assert _status(e) == 400
    assert list_all(s3wr, bucket) == {}


# --------------------------------------------------------------------------
# delete_objects (an operation that requires a checksum)


def test_delete_objects_ten_keys(s3wr, bucket):
    keys = [f"del/{i:02d}" for i in range(10)]
    put_many(s3wr, bucket, keys, body=b"d")
    s3wr.put_object(Bucket=bucket, Key="keep", Body=b"keep")
    assert sorted(list_all(s3wr, bucket)) == sorted(keys + ["keep"])

    with _capture_requests(s3wr, "DeleteObjects") as sent:
        resp = s3wr.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    # DeleteObjects requires a checksum, so even when_required botocore sends
    # one (botocore >= 1.36 sends CRC32 here rather than Content-MD5).
    headers = sent[-1]
    assert "content-md5" in headers or "x-amz-checksum-crc32" in headers, headers
    assert resp.get("Errors", []) == []
    assert sorted(d["Key"] for d in resp["Deleted"]) == keys
    assert list_all(s3wr, bucket) == {"keep": 4}


def _content_md5_only(request, **kwargs):
    """Turn botocore's flexible checksum into a legacy Content-MD5 (before signing)."""
    for name in list(request.headers.keys()):
        low = name.lower()
        if low.startswith("x-amz-checksum-") or low == "x-amz-sdk-checksum-algorithm":
            del request.headers[name]
    body = request.body if isinstance(request.body, bytes) else request.body.encode()
    request.headers["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()


def test_delete_objects_with_legacy_content_md5(s3wr, bucket):
    """What SDKs older than the flexible checksums (and many tools) send: Content-MD5 only."""
    keys = [f"legacy/{i:02d}" for i in range(10)]
    put_many(s3wr, bucket, keys, body=b"x")
    event = "before-sign.s3.DeleteObjects"
    s3wr.meta.events.register(event, _content_md5_only)
    try:
        with _capture_requests(s3wr, "DeleteObjects") as sent:
            resp = s3wr.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
            )
    finally:
        s3wr.meta.events.unregister(event, _content_md5_only)
    assert "content-md5" in sent[-1]
    assert _checksum_headers(sent[-1]) == []
    assert resp.get("Errors", []) == []
    assert resp.get("Deleted", []) == []
    assert list_all(s3wr, bucket) == {}


def test_delete_objects_with_wrong_content_md5_is_rejected(s3wr, bucket):
    s3wr.put_object(Bucket=bucket, Key="stay", Body=b"stay")

    def wrong_md5(request, **kwargs):
        _content_md5_only(request)
        request.headers.replace_header("Content-MD5", b64(hashlib.md5(b"not the body").digest()))

    event = "before-sign.s3.DeleteObjects"
    s3wr.meta.events.register(event, wrong_md5)
    try:
        with pytest.raises(ClientError) as e:
            s3wr.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "stay"}]})
    finally:
        s3wr.meta.events.unregister(event, wrong_md5)
    assert _code(e) == "BadDigest"
    assert _status(e) == 400
    assert list_all(s3wr, bucket) == {"stay": 4}
