"""Encryption at rest as the aws CLI and boto3 see it: SSE-S3 on every object, the
`--sse AES256` and `ServerSideEncryption` paths, and modes not built yet refused."""

import json
import os
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from e2e_util import MiB, error_code, http_status, write_random_file


def test_every_object_reports_sse_s3(s3, bucket, tmp_path):
    s3.put_object(Bucket=bucket, Key="plain", Body=b"no sse asked for")
    head = s3.head_object(Bucket=bucket, Key="plain")
    assert head["ServerSideEncryption"] == "AES256"
    got = s3.get_object(Bucket=bucket, Key="plain")
    assert got["ServerSideEncryption"] == "AES256"
    assert got["Body"].read() == b"no sse asked for"

    path = tmp_path / "big.bin"
    write_random_file(path, 20 * MiB)
    s3.upload_file(str(path), bucket, "big.bin", ExtraArgs={"ServerSideEncryption": "AES256"})
    assert s3.head_object(Bucket=bucket, Key="big.bin")["ServerSideEncryption"] == "AES256"
    out = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(out))
    assert out.read_bytes() == path.read_bytes()
    copy = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "big.bin"})
    assert copy["ServerSideEncryption"] == "AES256"


def test_cli_sse_aes256(aws, s3, bucket, tmp_path):
    src = tmp_path / "doc.txt"
    src.write_bytes(b"encrypted by default" * 1000)
    aws("s3", "cp", str(src), f"s3://{bucket}/doc.txt", "--sse", "AES256")
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "doc.txt"))
    assert head["ServerSideEncryption"] == "AES256"
    aws("s3", "cp", str(src), f"s3://{bucket}/plain.txt")
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "plain.txt"))
    assert head["ServerSideEncryption"] == "AES256"
    back = tmp_path / "back.txt"
    aws("s3", "cp", f"s3://{bucket}/doc.txt", str(back))
    assert back.read_bytes() == src.read_bytes()


def test_sse_kms_with_the_default_key_and_bucket_defaults(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="kms", Body=b"kms", ServerSideEncryption="aws:kms")
    assert put["ServerSideEncryption"] == "aws:kms"
    assert put["SSEKMSKeyId"].endswith(":key/aws/s3")
    head = s3.head_object(Bucket=bucket, Key="kms")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert s3.get_object(Bucket=bucket, Key="kms")["Body"].read() == b"kms"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/missing")
    assert error_code(e.value) == "KMS.NotFoundException"
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "aws/s3"}}]
        },
    )
    plain = s3.put_object(Bucket=bucket, Key="plain", Body=b"by default")
    assert plain["ServerSideEncryption"] == "aws:kms"
    explicit = s3.put_object(Bucket=bucket, Key="s3", Body=b"explicit", ServerSideEncryption="AES256")
    assert explicit["ServerSideEncryption"] == "AES256"


def test_sse_c_with_boto3(s3, bucket, tmp_path):
    key = os.urandom(32)
    other = os.urandom(32)
    s3.put_object(Bucket=bucket, Key="c", Body=b"customer keyed", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    got = s3.get_object(Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    assert got["Body"].read() == b"customer keyed"
    assert got["SSECustomerAlgorithm"] == "AES256"
    assert "ServerSideEncryption" not in got
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c")
    assert http_status(e.value) == 400
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="c", SSECustomerAlgorithm="AES256", SSECustomerKey=other)
    assert http_status(e.value) == 403
    # Multipart through s3transfer with the key on every part.
    path = tmp_path / "big.bin"
    write_random_file(path, 12 * MiB)
    extra = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}
    s3.upload_file(str(path), bucket, "big", ExtraArgs=extra)
    out = tmp_path / "back.bin"
    s3.download_file(bucket, "big", str(out), ExtraArgs=extra)
    assert out.read_bytes() == path.read_bytes()


def test_sse_c_with_the_cli(aws, bucket, tmp_path):
    key_file = tmp_path / "key.bin"
    key_file.write_bytes(os.urandom(32))
    src = tmp_path / "doc.txt"
    src.write_bytes(b"cli customer key" * 100)
    aws("s3", "cp", str(src), f"s3://{bucket}/doc.txt", "--sse-c", "AES256", "--sse-c-key", f"fileb://{key_file}")
    failed = aws.run("s3", "cp", f"s3://{bucket}/doc.txt", str(tmp_path / "nokey.txt"))
    assert failed.returncode != 0
    back = tmp_path / "back.txt"
    aws("s3", "cp", f"s3://{bucket}/doc.txt", str(back), "--sse-c", "AES256", "--sse-c-key", f"fileb://{key_file}")
    assert back.read_bytes() == src.read_bytes()


def test_put_bucket_encryption_then_plain_cp_is_encrypted(aws, s3, bucket, tmp_path):
    # As the setup guides do it.
    default = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    aws(
        "s3api",
        "put-bucket-encryption",
        "--bucket",
        bucket,
        "--server-side-encryption-configuration",
        '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": true}]}',
    )
    got = json.loads(aws("s3api", "get-bucket-encryption", "--bucket", bucket))
    rule = got["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert rule["BucketKeyEnabled"] is True
    src = tmp_path / "f.txt"
    src.write_bytes(b"plain upload")
    aws("s3", "cp", str(src), f"s3://{bucket}/f.txt")
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "f.txt"))
    assert head["ServerSideEncryption"] == "AES256"
    aws("s3api", "delete-bucket-encryption", "--bucket", bucket)
    got = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert got["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert got.get("BucketKeyEnabled") is False


def test_cli_sse_kms_with_a_key_made_by_coffer_admin(aws, s3, bucket, endpoint, tmp_path):
    import subprocess
    import uuid

    from conftest import _coffer_bin
    from e2e_util import ROOT_ACCESS_KEY, ROOT_SECRET_KEY

    name = f"e2e-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, COFFER_ROOT_ACCESS_KEY=ROOT_ACCESS_KEY, COFFER_ROOT_SECRET_KEY=ROOT_SECRET_KEY)
    made = subprocess.run(
        [str(_coffer_bin()), "admin", "--endpoint", endpoint, "kms", "create-key", name],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["Alias"] == f"alias/{name}"
    src = tmp_path / "big.bin"
    write_random_file(src, 12 * MiB)
    aws("s3", "cp", str(src), f"s3://{bucket}/big.bin", "--sse", "aws:kms", "--sse-kms-key-id", f"alias/{name}")
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "big.bin"))
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith(f":key/{name}")
    back = tmp_path / "back.bin"
    aws("s3", "cp", f"s3://{bucket}/big.bin", str(back))
    assert back.read_bytes() == src.read_bytes()
