"""S3 error codes, authentication failures and request ids."""

import re

import pytest
from botocore.exceptions import ClientError

from e2e_util import ROOT_SECRET_KEY, curl, empty_and_delete_bucket, header_value, list_all


def _code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def _status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_no_such_bucket(s3, bucket_factory):
    missing = bucket_factory("nosuch", create=False)
    for call in (
        lambda: s3.list_objects_v2(Bucket=missing),
        lambda: s3.get_object(Bucket=missing, Key="k"),
        lambda: s3.put_object(Bucket=missing, Key="k", Body=b"data"),
        lambda: s3.delete_bucket(Bucket=missing),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert _code(e) == "NoSuchBucket"
        assert _status(e) == 404
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=missing)
    assert _code(e) == "404"
    assert _status(e) == 404


def test_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing/key")
    assert _code(e) == "NoSuchKey"
    assert _status(e) == 404
    assert e.value.response["Error"].get("Key") in (None, "missing/key")

    # HEAD has no body: botocore reports the status code as the error code.
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing/key")
    assert _code(e) == "404"
    assert _status(e) == 404

    # Deleting a missing key succeeds (204), as in S3.
    resp = s3.delete_object(Bucket=bucket, Key="missing/key")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204


@pytest.mark.parametrize("name", ["Bad_Name", "UPPERCASE", "trailing-", "double..dot", "192.168.5.4", "-lead"])
def test_invalid_bucket_name(s3, name):
    try:
        with pytest.raises(ClientError) as e:
            s3.create_bucket(Bucket=name)
        assert _code(e) == "InvalidBucketName"
        assert _status(e) == 400
    finally:
        empty_and_delete_bucket(s3, name)  # only matters if it was wrongly created


def test_bucket_already_owned_by_you(s3, bucket, aws):
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=bucket)
    assert _code(e) == "BucketAlreadyOwnedByYou"
    assert _status(e) == 409

    r = aws.run("s3", "mb", f"s3://{bucket}")
    assert r.returncode != 0
    assert "BucketAlreadyOwnedByYou" in r.stderr, r.stderr


def test_wrong_secret_is_signature_does_not_match(client_factory, s3, bucket):
    bad = client_factory(secret_key=ROOT_SECRET_KEY + "x")
    with pytest.raises(ClientError) as e:
        bad.list_buckets()
    assert _code(e) == "SignatureDoesNotMatch"
    assert _status(e) == 403

    with pytest.raises(ClientError) as e:
        bad.put_object(Bucket=bucket, Key="forged", Body=b"should not be stored")
    assert _code(e) == "SignatureDoesNotMatch"
    assert _status(e) == 403
    assert list_all(s3, bucket) == {}

    with pytest.raises(ClientError) as e:
        bad.head_bucket(Bucket=bucket)
    assert _status(e) == 403


def test_unknown_access_key_is_invalid_access_key_id(client_factory, s3, bucket):
    stranger = client_factory(access_key="AKIAE2EUNKNOWN000000", secret_key="whatever-secret")
    with pytest.raises(ClientError) as e:
        stranger.list_buckets()
    assert _code(e) == "InvalidAccessKeyId"
    assert _status(e) == 403

    with pytest.raises(ClientError) as e:
        stranger.put_object(Bucket=bucket, Key="forged", Body=b"nope")
    assert _code(e) == "InvalidAccessKeyId"
    assert list_all(s3, bucket) == {}


def _assert_access_denied(status, headers, body):
    assert status == 403, body[:500]
    text = body.decode("utf-8")
    assert "<Code>AccessDenied</Code>" in text, text
    m = re.search(r"<RequestId>([^<]+)</RequestId>", text)
    assert m, text
    request_id = header_value(headers, "x-amz-request-id")
    assert request_id, headers
    assert m.group(1) == request_id


def test_unsigned_requests_are_access_denied(endpoint, s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="private.txt", Body=b"secret")

    _assert_access_denied(*curl(f"{endpoint}/"))
    _assert_access_denied(*curl(f"{endpoint}/{bucket}"))
    _assert_access_denied(*curl(f"{endpoint}/{bucket}/private.txt"))

    upload = tmp_path / "upload.txt"
    upload.write_bytes(b"anonymous upload")
    _assert_access_denied(*curl(f"{endpoint}/{bucket}/anon.txt", "--upload-file", str(upload)))
    _assert_access_denied(*curl(f"{endpoint}/{bucket}/private.txt", "-X", "DELETE"))

    assert list_all(s3, bucket) == {"private.txt": 6}
    assert s3.get_object(Bucket=bucket, Key="private.txt")["Body"].read() == b"secret"


def test_every_response_has_a_request_id(client_factory, bucket_factory):
    client = client_factory()
    seen = []

    def record(http_response, model, **kwargs):
        seen.append((model.name, http_response.status_code, http_response.headers.get("x-amz-request-id")))

    client.meta.events.register("after-call.s3", record)

    name = bucket_factory("reqid", create=False)
    client.create_bucket(Bucket=name)
    client.list_buckets()
    client.head_bucket(Bucket=name)
    client.put_object(Bucket=name, Key="k", Body=b"v")
    client.head_object(Bucket=name, Key="k")
    client.get_object(Bucket=name, Key="k")["Body"].read()
    client.list_objects_v2(Bucket=name)
    client.copy_object(Bucket=name, Key="k2", CopySource={"Bucket": name, "Key": "k"})
    client.delete_objects(Bucket=name, Delete={"Objects": [{"Key": "k2"}]})
    for failing in (
        lambda: client.get_object(Bucket=name, Key="missing"),
        lambda: client.head_object(Bucket=name, Key="missing"),
        lambda: client.get_object(Bucket=name, Key="k", Range="bytes=5-"),
        lambda: client.create_bucket(Bucket=name),
        lambda: client.create_bucket(Bucket="Bad_Name"),
        lambda: client.list_objects_v2(Bucket=name + "-missing"),
        lambda: client.delete_bucket(Bucket=name),
    ):
        with pytest.raises(ClientError) as e:
            failing()
        assert e.value.response["ResponseMetadata"].get("RequestId"), e.value.response
    client.delete_object(Bucket=name, Key="k")
    client.delete_bucket(Bucket=name)
    client.meta.events.unregister("after-call.s3", record)
    empty_and_delete_bucket(client, "Bad_Name")  # only matters if it was wrongly created

    assert [(op, status) for op, status, _ in seen] == [
        ("CreateBucket", 200),
        ("ListBuckets", 200),
        ("HeadBucket", 200),
        ("PutObject", 200),
        ("HeadObject", 200),
        ("GetObject", 200),
        ("ListObjectsV2", 200),
        ("CopyObject", 200),
        ("DeleteObjects", 200),
        ("GetObject", 404),
        ("HeadObject", 404),
        ("GetObject", 416),
        ("CreateBucket", 409),
        ("CreateBucket", 400),
        ("ListObjectsV2", 404),
        ("DeleteBucket", 409),
        ("DeleteObject", 204),
        ("DeleteBucket", 204),
    ]
    missing = [(op, status) for op, status, request_id in seen if not request_id]
    assert missing == [], f"responses without x-amz-request-id: {missing}"
    ids = [request_id for _, _, request_id in seen]
    assert len(set(ids)) == len(ids), "request ids must be unique"


@pytest.mark.parametrize("name", ["x", "ab"])
def test_short_bucket_names_are_accepted(s3, name):
    """docs/adr/0003: names of 1-2 characters are allowed (`aws s3 mb s3://x` works)."""
    s3.create_bucket(Bucket=name)
    try:
        s3.head_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="k", Body=b"v")
        assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"v"
        s3.delete_object(Bucket=name, Key="k")
    finally:
        s3.delete_bucket(Bucket=name)
