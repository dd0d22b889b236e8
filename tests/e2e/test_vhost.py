"""Virtual-hosted-style addressing with boto3 and the aws CLI's `s3api`.

The server runs with COFFER_DOMAIN=s3.coffer.test.  That name resolves nowhere, so
these tests map it and its subdomains to 127.0.0.1 inside this process (boto3) and
check that path style keeps working beside it.
"""

import socket

import boto3
import pytest
from botocore.config import Config

from e2e_util import REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, VHOST_DOMAIN

_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def vhost_dns(monkeypatch):
    """Resolve <anything>.s3.coffer.test and s3.coffer.test to the loopback address."""
    seen = []

    def fake(host, port, *args, **kwargs):
        if isinstance(host, str) and (host == VHOST_DOMAIN or host.endswith("." + VHOST_DOMAIN)):
            seen.append(host)
            return _real_getaddrinfo("127.0.0.1", port, *args, **kwargs)
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return seen


@pytest.fixture
def vhost_s3(coffer_server, vhost_dns):
    session = boto3.session.Session(
        aws_access_key_id=ROOT_ACCESS_KEY,
        aws_secret_access_key=ROOT_SECRET_KEY,
        region_name=REGION,
    )
    return session.client(
        "s3",
        endpoint_url=f"http://{VHOST_DOMAIN}:{coffer_server['port']}",
        config=Config(s3={"addressing_style": "virtual"}),
    )


def test_virtual_hosted_round_trip_listing_and_errors(vhost_s3, vhost_dns, s3, bucket):
    vhost_s3.put_object(Bucket=bucket, Key="docs/readme.txt", Body=b"virtual host")
    assert f"{bucket}.{VHOST_DOMAIN}" in vhost_dns, "the request went to the bucket's host name"
    # Path style sees what virtual-host style wrote, and back.
    assert s3.get_object(Bucket=bucket, Key="docs/readme.txt")["Body"].read() == b"virtual host"
    s3.put_object(Bucket=bucket, Key="docs/other.txt", Body=b"path style")
    got = vhost_s3.get_object(Bucket=bucket, Key="docs/other.txt")
    assert got["Body"].read() == b"path style"

    listed = vhost_s3.list_objects_v2(Bucket=bucket, Prefix="docs/")
    assert [o["Key"] for o in listed["Contents"]] == ["docs/other.txt", "docs/readme.txt"]
    assert listed["Name"] == bucket

    # Multipart through the bucket host.
    up = vhost_s3.create_multipart_upload(Bucket=bucket, Key="big.bin")
    part = vhost_s3.upload_part(
        Bucket=bucket, Key="big.bin", UploadId=up["UploadId"], PartNumber=1, Body=b"x" * 1000
    )
    vhost_s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big.bin",
        UploadId=up["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ContentLength"] == 1000

    vhost_s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "docs/readme.txt"}, {"Key": "docs/other.txt"}]}
    )
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="docs/")

    with pytest.raises(vhost_s3.exceptions.NoSuchBucket):
        vhost_s3.list_objects_v2(Bucket=f"{bucket}-missing")


def test_bucket_operations_on_the_bucket_host(vhost_s3, s3, bucket_factory):
    name = bucket_factory(create=False)
    vhost_s3.create_bucket(Bucket=name)
    vhost_s3.head_bucket(Bucket=name)
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    vhost_s3.delete_bucket(Bucket=name)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
