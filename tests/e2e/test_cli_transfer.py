"""Object transfer through the AWS CLI (v1): cp, mv, rm, ls, presign."""

import hashlib
import os
import re

import pytest

from e2e_util import (
    MiB,
    cli_lines,
    cli_results,
    curl,
    list_all,
    md5_etag,
    multipart_etag,
    sha256_file,
    write_random_file,
)
from botocore.exceptions import ClientError


def _assert_missing(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def _streamed_sha256(s3, bucket, key):
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    h = hashlib.sha256()
    for chunk in iter(lambda: body.read(MiB), b""):
        h.update(chunk)
    return h.hexdigest()


def test_cp_small_roundtrip(aws, s3, bucket, tmp_path):
    src = tmp_path / "small.bin"
    digest = write_random_file(src, 1024)
    key = "dir/small.bin"

    out = aws("s3", "cp", "--no-progress", src, f"s3://{bucket}/{key}")
    lines = cli_lines(out)
    assert len(lines) == 1 and lines[0].startswith("upload: ")
    assert lines[0].endswith(f" to s3://{bucket}/{key}"), lines

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == 1024
    assert head["ETag"] == md5_etag(src.read_bytes())

    dst = tmp_path / "down" / "small.bin"
    out = aws("s3", "cp", "--no-progress", f"s3://{bucket}/{key}", dst)
    assert cli_lines(out)[0].startswith(f"download: s3://{bucket}/{key} to ")
    assert sha256_file(dst) == digest


def test_cp_large_multipart_roundtrip(aws, s3, bucket, tmp_path):
    size = 64 * MiB
    src = tmp_path / "large.bin"
    digest = write_random_file(src, size)
    key = "big/large.bin"

    aws("s3", "cp", "--no-progress", src, f"s3://{bucket}/{key}")
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == size
    # The CLI uploads in 8 MiB parts above its 8 MiB threshold: 8 parts.
    assert head["ETag"] == multipart_etag(src, 8 * MiB)

    dst = tmp_path / "large.down"
    aws("s3", "cp", "--no-progress", f"s3://{bucket}/{key}", dst)
    assert dst.stat().st_size == size
    assert sha256_file(dst) == digest

    # Server-side copy (the CLI uses UploadPartCopy above 8 MiB).
    aws("s3", "cp", "--no-progress", f"s3://{bucket}/{key}", f"s3://{bucket}/big/copy.bin")
    assert s3.head_object(Bucket=bucket, Key="big/copy.bin")["ContentLength"] == size
    assert _streamed_sha256(s3, bucket, "big/copy.bin") == digest


def test_mv_local_to_s3_to_s3_to_local(aws, s3, bucket, tmp_path):
    src = tmp_path / "moving.bin"
    digest = write_random_file(src, 300_000)

    out = aws("s3", "mv", "--no-progress", src, f"s3://{bucket}/moved/a.bin")
    assert cli_lines(out)[0].startswith("move: ")
    assert not src.exists()
    assert s3.head_object(Bucket=bucket, Key="moved/a.bin")["ContentLength"] == 300_000

    aws("s3", "mv", "--no-progress", f"s3://{bucket}/moved/a.bin", f"s3://{bucket}/moved/b.bin")
    _assert_missing(s3, bucket, "moved/a.bin")
    assert _streamed_sha256(s3, bucket, "moved/b.bin") == digest

    back = tmp_path / "back.bin"
    aws("s3", "mv", "--no-progress", f"s3://{bucket}/moved/b.bin", back)
    assert sha256_file(back) == digest
    assert list_all(s3, bucket) == {}


def test_rm_single_object(aws, s3, bucket):
    s3.put_object(Bucket=bucket, Key="gone.txt", Body=b"bye")
    s3.put_object(Bucket=bucket, Key="stays.txt", Body=b"hi")
    out = aws("s3", "rm", f"s3://{bucket}/gone.txt")
    assert cli_results(out, "delete") == [f"delete: s3://{bucket}/gone.txt"]
    _assert_missing(s3, bucket, "gone.txt")
    assert list_all(s3, bucket) == {"stays.txt": 2}


def test_rm_recursive_prefix(aws, s3, bucket):
    inside = ["logs/a.txt", "logs/b/c.txt", "logs/b/d/e.txt", "logs/ü n i.txt"]
    outside = ["logs", "logs2/x.txt", "logsfile", "other/logs/y.txt", "top.txt"]
    for key in inside + outside:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())

    out = aws("s3", "rm", "--recursive", f"s3://{bucket}/logs/")
    assert cli_results(out, "delete") == sorted(f"delete: s3://{bucket}/{k}" for k in inside)
    assert list_all(s3, bucket) == {k: len(k.encode()) for k in outside}


LS_LINE = re.compile(
    r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) +(\d+(?:\.\d)? (?:Bytes?|KiB|MiB|GiB)|\d+) (.+)$"
)


def _ls_objects(output):
    """{key: size column} from `aws s3 ls` object lines."""
    objects = {}
    for line in output.splitlines():
        m = LS_LINE.match(line)
        if m:
            objects[m.group(3)] = m.group(2)
    return objects


def test_ls_recursive_summarize_human_readable(aws, s3, bucket):
    objects = {
        "top.txt": (0, "0 Bytes"),
        "sum/one": (1, "1 Byte"),
        "sum/almost-k": (1023, "1023 Bytes"),
        "sum/k": (1024, "1.0 KiB"),
        "sum/k-and-half": (1536, "1.5 KiB"),
        "sum/deep/m": (MiB, "1.0 MiB"),
        "sum/deep/three-m": (3 * MiB, "3.0 MiB"),
        "sum/deep/half-m": (MiB // 2, "512.0 KiB"),
    }
    for key, (size, _) in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=os.urandom(size))
    total = sum(size for size, _ in objects.values())
    assert total == 4722176

    out = aws("s3", "ls", f"s3://{bucket}", "--recursive", "--summarize", "--human-readable")
    assert _ls_objects(out) == {k: human for k, (_, human) in objects.items()}
    lines = [line.strip() for line in out.splitlines()]
    assert "Total Objects: 8" in lines, out
    assert "Total Size: 4.5 MiB" in lines, out

    out = aws("s3", "ls", f"s3://{bucket}", "--recursive", "--summarize")
    assert _ls_objects(out) == {k: str(size) for k, (size, _) in objects.items()}
    lines = [line.strip() for line in out.splitlines()]
    assert "Total Objects: 8" in lines, out
    assert f"Total Size: {total}" in lines, out

    # Non-recursive listings show one level, with PRE for common prefixes.
    out = aws("s3", "ls", f"s3://{bucket}/")
    assert [line.strip() for line in out.splitlines() if "PRE " in line] == ["PRE sum/"]
    assert _ls_objects(out) == {"top.txt": "0"}
    out = aws("s3", "ls", f"s3://{bucket}/sum/")
    assert [line.strip() for line in out.splitlines() if "PRE " in line] == ["PRE deep/"]
    assert _ls_objects(out) == {"almost-k": "1023", "k": "1024", "k-and-half": "1536", "one": "1"}


def _sigv4_cli_env(env, tmp_path):
    # awscli v1 presigns with legacy SigV2 query auth unless the profile asks
    # for s3v4; Coffer speaks SigV4, so ask for it (as users of v1 must).
    cfg = tmp_path / "aws-config-s3v4"
    cfg.write_text("[default]\ns3 =\n    signature_version = s3v4\n")
    return {**env, "AWS_CONFIG_FILE": str(cfg)}


def test_presign_default_sigv2_with_curl(aws, s3, bucket):
    """aws CLI v1's default `s3 presign` makes a SigV2 URL; it must work unchanged."""
    data = os.urandom(50_000)
    s3.put_object(Bucket=bucket, Key="v2/obj", Body=data)
    url = aws("s3", "presign", f"s3://{bucket}/v2/obj", "--expires-in", "300").strip()
    assert "AWSAccessKeyId=" in url and "Signature=" in url, url
    status, _, body = curl(url)
    assert status == 200, body[:500]
    assert body == data
    tampered = re.sub(r"Signature=[^&]+", "Signature=AAAA", url)
    status, _, body = curl(tampered)
    assert status == 403, body[:500]


def test_presign_get_with_curl(aws, s3, bucket, env, tmp_path):
    data = os.urandom(200_000)
    key = "pre/signed object ü.bin"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    cli_env = _sigv4_cli_env(env, tmp_path)

    url = aws("s3", "presign", f"s3://{bucket}/{key}", "--expires-in", "300", env=cli_env).strip()
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url, url
    assert "X-Amz-Expires=300" in url, url

    status, headers, body = curl(url)
    assert status == 200, body[:500]
    assert body == data

    sig = re.search(r"X-Amz-Signature=([0-9a-f]{64})", url)
    assert sig, url
    first = sig.group(1)[0]
    tampered_sig = ("1" if first == "0" else "0") + sig.group(1)[1:]
    tampered = url.replace(sig.group(0), f"X-Amz-Signature={tampered_sig}")
    status, headers, body = curl(tampered)
    assert status == 403, body[:500]
    assert b"<Code>SignatureDoesNotMatch</Code>" in body, body[:500]

    # A correctly presigned URL for a missing key reaches the key lookup.
    url = aws("s3", "presign", f"s3://{bucket}/pre/missing", "--expires-in", "300", env=cli_env).strip()
    status, headers, body = curl(url)
    assert status == 404, body[:500]
    assert b"<Code>NoSuchKey</Code>" in body, body[:500]
