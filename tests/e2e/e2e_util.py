"""Shared constants and helpers for the end-to-end tests (imported by conftest and tests)."""

import base64
import hashlib
import os
import subprocess
import tempfile
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ROOT_ACCESS_KEY = "COFFERE2EROOTACCESS1"
ROOT_SECRET_KEY = "coffer/e2e+root+secret+key+0123456789abcdef"
# Every STS session of the e2e server ends after this many seconds (COFFER_STS_MAX_SESSION_SECS).
STS_SESSION_SECS = 8
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
CLI_TIMEOUT_S = 300
# The base domain of virtual-hosted-style requests the e2e server is started with.
VHOST_DOMAIN = "s3.coffer.test"
MiB = 1024 * 1024


def unique_bucket_name(tag="b"):
    return f"e2e-{tag}-{uuid.uuid4().hex[:16]}"


def error_code(excinfo_or_error):
    err = getattr(excinfo_or_error, "value", excinfo_or_error)
    return err.response["Error"]["Code"]


def http_status(excinfo_or_error):
    err = getattr(excinfo_or_error, "value", excinfo_or_error)
    return err.response["ResponseMetadata"]["HTTPStatusCode"]


def empty_and_delete_bucket(client, name):
    """Best-effort removal of a bucket and everything in it."""
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
    except Exception:
        pass
    try:
        uploads = client.list_multipart_uploads(Bucket=name).get("Uploads", [])
        for up in uploads:
            client.abort_multipart_upload(Bucket=name, Key=up["Key"], UploadId=up["UploadId"])
    except Exception:
        pass
    try:
        client.delete_bucket(Bucket=name)
    except Exception:
        pass


# --------------------------------------------------------------------------
# content helpers


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_random_file(path, size):
    """Write `size` random bytes to `path` (in 1 MiB slices); return the sha256 hex."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, MiB))
            h.update(chunk)
            f.write(chunk)
            remaining -= len(chunk)
    return h.hexdigest()


def multipart_etag(path, part_size=8 * MiB):
    """The S3 ETag of a multipart upload made with fixed-size parts."""
    digests = []
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(part_size), b""):
            digests.append(hashlib.md5(chunk).digest())
    return '"%s-%d"' % (hashlib.md5(b"".join(digests)).hexdigest(), len(digests))


def md5_etag(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def _reflected_crc_table(poly, width):
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _reflected_crc_table(0x82F63B78, 32)
_CRC64NVME_TABLE = _reflected_crc_table(0x9A6C9329AC4BC9B5, 64)


def _reflected_crc(data, table, mask):
    crc = mask
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def crc32c(data):
    return _reflected_crc(data, _CRC32C_TABLE, 0xFFFFFFFF)


def crc64nvme(data):
    return _reflected_crc(data, _CRC64NVME_TABLE, 0xFFFFFFFFFFFFFFFF)


def checksum_b64(algorithm, data):
    """Base64 of the big-endian checksum, as in x-amz-checksum-* headers."""
    algorithm = algorithm.upper()
    if algorithm == "CRC32":
        return b64(crc32(data).to_bytes(4, "big"))
    if algorithm == "CRC32C":
        return b64(crc32c(data).to_bytes(4, "big"))
    if algorithm == "CRC64NVME":
        return b64(crc64nvme(data).to_bytes(8, "big"))
    if algorithm == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if algorithm == "SHA256":
        return b64(hashlib.sha256(data).digest())
    raise ValueError(algorithm)


# Known-answer checks, so a wrong helper can never masquerade as a server bug.
assert crc32c(b"123456789") == 0xE3069283
assert crc64nvme(b"123456789") == 0xAE8B14860A799888


# --------------------------------------------------------------------------
# trees and listings


def tree_snapshot(root):
    """{relative posix path: sha256} of every regular file under root."""
    root = Path(root)
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def tree_sizes(root):
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def list_all(client, bucket, prefix=""):
    """{key: size} of every object under prefix (uses the paginator)."""
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = obj["Size"]
    return out


def put_many(client, bucket, keys, body=b"", workers=8):
    """PUT every key (concurrently) with the same small body."""
    keys = list(keys)

    def put(key):
        client.put_object(Bucket=bucket, Key=key, Body=body)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(put, keys))


# --------------------------------------------------------------------------
# raw HTTP through curl (no proxy, no signing)


def curl(url, *extra, output=None, timeout=60):
    """Run curl; return (status_code:int, headers:str, body:bytes).

    The body goes to `output` if given (then body is b"")."""
    with tempfile.TemporaryDirectory() as tmp:
        header_file = Path(tmp) / "headers"
        body_file = Path(output) if output else Path(tmp) / "body"
        cmd = [
            "curl", "--silent", "--show-error", "--noproxy", "*", "--globoff",
            "--max-time", str(timeout),
            "--dump-header", str(header_file),
            "--output", str(body_file),
            "--write-out", "%{http_code}",
            *extra, url,
        ]
        r = subprocess.run(cmd, capture_output=True, timeout=timeout + 10)
        assert r.returncode == 0, f"curl failed ({r.returncode}): {r.stderr.decode(errors='replace')}"
        status = int(r.stdout.decode().strip())
        headers = header_file.read_text(encoding="latin-1")
        body = b"" if output else body_file.read_bytes()
        return status, headers, body


def header_value(raw_headers, name):
    """Value of the last occurrence of header `name` in curl's --dump-header text."""
    value = None
    for line in raw_headers.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            if k.strip().lower() == name.lower():
                value = v.strip()
    return value


def cli_lines(output):
    """Non-empty, stripped lines of `aws s3` output.

    The CLI may interleave progress lines ending in a bare carriage return and
    pads result lines with spaces; str.splitlines() splits on "\\r" too."""
    return [line.strip() for line in output.splitlines() if line.strip()]


def cli_results(output, verb):
    """The `verb: ...` result lines of `aws s3 cp/mv/rm/sync` output, sorted."""
    prefix = f"{verb}: "
    return sorted(line for line in cli_lines(output) if line.startswith(prefix))
