"""boto3 with its default configuration (default CRC32 request checksums,
8 MiB multipart threshold and part size)."""

import contextlib
import hashlib
import os
from datetime import datetime, timezone

import pytest
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
    unique_bucket_name,
    empty_and_delete_bucket,
    write_random_file,
)


def _code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def _status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def _assert_missing(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert _status(e) == 404


@contextlib.contextmanager
def _capture_requests(client, operation):
    """Record the headers (lower-cased names) of every `operation` request."""
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


# --------------------------------------------------------------------------
# transfers


def test_upload_download_file_30mib_default_config(s3, bucket, tmp_path):
    size = 30 * MiB
    src = tmp_path / "thirty.bin"
    digest = write_random_file(src, size)
    with _capture_requests(s3, "UploadPart") as parts:
        s3.upload_file(str(src), bucket, "t/thirty.bin")

    # Multipart (8 MiB parts: 8+8+8+6) with boto3's default CRC32 checksums.
    assert len(parts) == 4
    assert all("x-amz-checksum-crc32" in h for h in parts)
    head = s3.head_object(Bucket=bucket, Key="t/thirty.bin")
    assert head["ContentLength"] == size
    assert head["ETag"] == multipart_etag(src, 8 * MiB)

    dst = tmp_path / "thirty.down"
    s3.download_file(bucket, "t/thirty.bin", str(dst))
    assert dst.stat().st_size == size
    assert sha256_file(dst) == digest


@pytest.fixture
def s3_trailer(client_factory):
    """A default client whose PutObject/UploadPart send the CRC32 checksum as
    an aws-chunked trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER), which is what
    boto3 does by default over HTTPS; over plain HTTP it would use a header."""
    client = client_factory()

    def force_trailer(params, **kwargs):
        algorithm = params.get("context", {}).get("checksum", {}).get("request_algorithm")
        if isinstance(algorithm, dict) and algorithm.get("in") == "header":
            algorithm["in"] = "trailer"

    for op in ("PutObject", "UploadPart"):
        client.meta.events.register(f"before-call.s3.{op}", force_trailer)
    return client


def test_aws_chunked_trailer_uploads(s3_trailer, s3, bucket, tmp_path):
    data = os.urandom(100_000)
    with _capture_requests(s3_trailer, "PutObject") as sent:
        resp = s3_trailer.put_object(Bucket=bucket, Key="trailer/small", Body=data)
    assert sent[-1]["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert sent[-1]["x-amz-trailer"] == "x-amz-checksum-crc32"
    assert sent[-1]["content-encoding"] == "aws-chunked"
    assert resp["ETag"] == md5_etag(data)
    assert resp["ChecksumCRC32"] == checksum_b64("CRC32", data)
    got = s3.get_object(Bucket=bucket, Key="trailer/small")
    assert got["ContentLength"] == len(data)
    assert got["Body"].read() == data

    empty = s3_trailer.put_object(Bucket=bucket, Key="trailer/empty", Body=b"")
    assert empty["ETag"] == md5_etag(b"")
    assert s3.get_object(Bucket=bucket, Key="trailer/empty")["Body"].read() == b""

    src = tmp_path / "twelve.bin"
    digest = write_random_file(src, 12 * MiB)
    with _capture_requests(s3_trailer, "UploadPart") as sent_parts:
        s3_trailer.upload_file(str(src), bucket, "trailer/multipart")
    assert len(sent_parts) == 2
    assert all(h["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" for h in sent_parts)
    head = s3.head_object(Bucket=bucket, Key="trailer/multipart")
    assert head["ContentLength"] == 12 * MiB
    assert head["ETag"] == multipart_etag(src, 8 * MiB)
    dst = tmp_path / "twelve.down"
    s3.download_file(bucket, "trailer/multipart", str(dst))
    assert sha256_file(dst) == digest


# --------------------------------------------------------------------------
# checksums and digests


def test_put_object_default_checksum_then_get(s3, bucket):
    data = os.urandom(123_457)
    with _capture_requests(s3, "PutObject") as sent:
        resp = s3.put_object(Bucket=bucket, Key="chk/default", Body=data)
    assert sent[-1]["x-amz-checksum-crc32"] == checksum_b64("CRC32", data)
    assert resp["ETag"] == md5_etag(data)
    assert resp["ChecksumCRC32"] == checksum_b64("CRC32", data)

    got = s3.get_object(Bucket=bucket, Key="chk/default", ChecksumMode="ENABLED")
    assert got["ContentLength"] == len(data)
    assert got["ETag"] == md5_etag(data)
    assert got["ChecksumCRC32"] == checksum_b64("CRC32", data)
    assert got["Body"].read() == data


@pytest.mark.parametrize("algorithm", ["SHA256", "CRC32C", "CRC64NVME"])
def test_put_object_checksum_algorithm(s3, bucket, algorithm):
    data = os.urandom(65_537)
    expected = checksum_b64(algorithm, data)
    member = f"Checksum{algorithm}"
    kwargs = {"ChecksumAlgorithm": algorithm}
    if algorithm != "SHA256":
        # botocore computes CRC32C/CRC64NVME only with the optional awscrt
        # package; supplying the value is what such a client sends.
        kwargs[member] = expected
    key = f"chk/{algorithm.lower()}"

    with _capture_requests(s3, "PutObject") as sent:
        resp = s3.put_object(Bucket=bucket, Key=key, Body=data, **kwargs)
    assert sent[-1][f"x-amz-checksum-{algorithm.lower()}"] == expected
    assert resp[member] == expected

    got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert got[member] == expected
    assert got["Body"].read() == data


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA256"])
def test_wrong_checksum_is_bad_digest_and_not_stored(s3, bucket, algorithm):
    data = b"the real payload"
    wrong = checksum_b64(algorithm, b"some other payload")
    with pytest.raises(ClientError) as e:
        s3.put_object(
            Bucket=bucket, Key="chk/wrong", Body=data,
            ChecksumAlgorithm=algorithm, **{f"Checksum{algorithm}": wrong},
        )
    assert _code(e) == "BadDigest"
    assert _status(e) == 400
    _assert_missing(s3, bucket, "chk/wrong")


def test_wrong_content_md5_is_bad_digest_and_not_stored(s3, bucket):
    wrong_md5 = b64(hashlib.md5(b"something else").digest())
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5/new", Body=b"payload", ContentMD5=wrong_md5)
    assert _code(e) == "BadDigest"
    assert _status(e) == 400
    _assert_missing(s3, bucket, "md5/new")

    # An existing object is left untouched by a rejected overwrite.
    s3.put_object(Bucket=bucket, Key="md5/existing", Body=b"version one")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5/existing", Body=b"version two", ContentMD5=wrong_md5)
    assert _code(e) == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="md5/existing")["Body"].read() == b"version one"

    # And the right Content-MD5 is accepted.
    good_md5 = b64(hashlib.md5(b"version three").digest())
    s3.put_object(Bucket=bucket, Key="md5/existing", Body=b"version three", ContentMD5=good_md5)
    assert s3.get_object(Bucket=bucket, Key="md5/existing")["Body"].read() == b"version three"


# --------------------------------------------------------------------------
# listing

DIRS = [f"d{j:02d}/" for j in range(60)]
DIR_FILES = [f"{d}f{k:02d}" for d in DIRS for k in range(12)]
DIR_SUB_FILES = [f"{d}sub/g{k}" for d in DIRS for k in range(3)]
TOP_FILES = [f"a-{i:03d}" for i in range(150)] + [f"z-{i:03d}" for i in range(150)]
ALL_KEYS = sorted(DIR_FILES + DIR_SUB_FILES + TOP_FILES)
assert len(ALL_KEYS) == 1200


@pytest.fixture(scope="module")
def listing_bucket(s3):
    name = unique_bucket_name("list")
    s3.create_bucket(Bucket=name)
    put_many(s3, name, ALL_KEYS, body=b"x")
    yield name
    empty_and_delete_bucket(s3, name)


def _pages(s3, op="list_objects_v2", **kwargs):
    return list(s3.get_paginator(op).paginate(**kwargs))


def _check_v2_pages(pages, page_size):
    entries = []
    for i, page in enumerate(pages):
        contents = [o["Key"] for o in page.get("Contents", [])]
        prefixes = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        assert len(contents) + len(prefixes) <= page_size
        assert page["KeyCount"] == len(contents) + len(prefixes)
        assert page["MaxKeys"] == page_size
        last = i == len(pages) - 1
        assert page["IsTruncated"] is (not last)
        if not last:
            assert page["NextContinuationToken"]
        entries.extend(sorted(contents + prefixes))
    # Across pages: strictly increasing, so no duplicates and no reordering.
    assert all(a < b for a, b in zip(entries, entries[1:]))


def test_list_objects_v2_paginated_flat(s3, listing_bucket):
    pages = _pages(s3, Bucket=listing_bucket, PaginationConfig={"PageSize": 100})
    _check_v2_pages(pages, 100)
    assert len(pages) >= 12
    keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
    assert keys == ALL_KEYS
    assert all(o["Size"] == 1 and o["ETag"] == md5_etag(b"x") for p in pages for o in p["Contents"])

    # Default page size (1000).
    pages = _pages(s3, Bucket=listing_bucket)
    _check_v2_pages(pages, 1000)
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == ALL_KEYS

    # StartAfter and Prefix.
    pages = _pages(s3, Bucket=listing_bucket, StartAfter="d30/f05", PaginationConfig={"PageSize": 77})
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == [k for k in ALL_KEYS if k > "d30/f05"]
    pages = _pages(s3, Bucket=listing_bucket, Prefix="d4", PaginationConfig={"PageSize": 33})
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == [k for k in ALL_KEYS if k.startswith("d4")]


def test_list_objects_v2_paginated_with_delimiter(s3, listing_bucket):
    pages = _pages(s3, Bucket=listing_bucket, Delimiter="/", PaginationConfig={"PageSize": 50})
    _check_v2_pages(pages, 50)
    assert len(pages) >= 8  # 300 keys + 60 prefixes
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == sorted(TOP_FILES)
    assert [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])] == DIRS

    pages = _pages(s3, Bucket=listing_bucket, Prefix="d07/", Delimiter="/", PaginationConfig={"PageSize": 5})
    _check_v2_pages(pages, 5)
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == [f"d07/f{k:02d}" for k in range(12)]
    assert [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])] == ["d07/sub/"]

    resp = s3.list_objects_v2(Bucket=listing_bucket, Prefix="d07/sub/", Delimiter="/")
    assert [o["Key"] for o in resp["Contents"]] == ["d07/sub/g0", "d07/sub/g1", "d07/sub/g2"]
    assert "CommonPrefixes" not in resp or resp["CommonPrefixes"] == []
    assert resp["IsTruncated"] is False

    resp = s3.list_objects_v2(Bucket=listing_bucket, Prefix="nothing-here/", Delimiter="/")
    assert resp["KeyCount"] == 0
    assert resp.get("Contents", []) == [] and resp.get("CommonPrefixes", []) == []


def test_list_objects_v1_paginated(s3, listing_bucket):
    pages = _pages(s3, "list_objects", Bucket=listing_bucket, PaginationConfig={"PageSize": 250})
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == ALL_KEYS
    pages = _pages(s3, "list_objects", Bucket=listing_bucket, Delimiter="/", PaginationConfig={"PageSize": 40})
    assert [o["Key"] for p in pages for o in p.get("Contents", [])] == sorted(TOP_FILES)
    assert [c["Prefix"] for p in pages for c in p.get("CommonPrefixes", [])] == DIRS


SPECIAL_KEYS = [
    "sp ace",
    "plus+sign",
    "amp&er",
    "lt<gt>",
    "quote\"s'",
    "ünï/cödé",
    "日本/語",
    "percent%20lit",
    "question?mark",
    "hash#tag",
    "eq=ual;semi",
    "a/b//c",
    "~tilde",
    "emoji😀",
]


def test_special_character_keys(s3, bucket):
    for key in SPECIAL_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode("utf-8"))
    # boto3 asks for EncodingType=url and decodes the keys.
    assert list_all(s3, bucket) == {k: len(k.encode("utf-8")) for k in SPECIAL_KEYS}
    # Listed in UTF-8 byte order.
    assert list(list_all(s3, bucket)) == sorted(SPECIAL_KEYS, key=lambda k: k.encode("utf-8"))
    for key in SPECIAL_KEYS:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode("utf-8")
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(key.encode("utf-8"))
    resp = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [c["Prefix"] for c in resp["CommonPrefixes"]] == ["a/b/"]
    resp = s3.list_objects_v2(Bucket=bucket, Prefix="a/b/", Delimiter="/")
    assert [c["Prefix"] for c in resp["CommonPrefixes"]] == ["a/b//"]


# --------------------------------------------------------------------------
# delete_objects


def test_delete_objects_1000_quiet(s3, bucket):
    keys = [f"del/{i:04d}" for i in range(1000)]
    put_many(s3, bucket, keys, body=b"d")
    s3.put_object(Bucket=bucket, Key="keep", Body=b"keep")
    assert len(list_all(s3, bucket, "del/")) == 1000

    with _capture_requests(s3, "DeleteObjects") as sent:
        resp = s3.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
        )
    # boto3 sends a CRC32 flexible checksum, not Content-MD5.
    assert "x-amz-checksum-crc32" in sent[-1]
    assert "content-md5" not in sent[-1]
    assert resp.get("Errors", []) == []
    assert resp.get("Deleted", []) == []  # quiet mode reports only errors
    assert list_all(s3, bucket) == {"keep": 4}

    # Verbose mode; deleting a key that does not exist is a success.
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "keep"}, {"Key": "never-existed"}]})
    assert resp.get("Errors", []) == []
    assert sorted(d["Key"] for d in resp["Deleted"]) == ["keep", "never-existed"]
    assert list_all(s3, bucket) == {}


# --------------------------------------------------------------------------
# copy_object


def _put_source(s3, bucket, key, data):
    return s3.put_object(
        Bucket=bucket, Key=key, Body=data, ContentType="text/plain", Metadata={"color": "blue"}
    )


@pytest.mark.parametrize("cross_bucket", [False, True], ids=["same-bucket", "cross-bucket"])
def test_copy_object_metadata_directives(s3, bucket_factory, cross_bucket):
    src_bucket = bucket_factory("copy-src")
    dst_bucket = bucket_factory("copy-dst") if cross_bucket else src_bucket
    data = os.urandom(4321)
    src_key = "src/ü object +1.txt"
    put = _put_source(s3, src_bucket, src_key, data)
    source = {"Bucket": src_bucket, "Key": src_key}

    resp = s3.copy_object(Bucket=dst_bucket, Key="dst/copied.txt", CopySource=source, MetadataDirective="COPY")
    assert resp["CopyObjectResult"]["ETag"] == put["ETag"] == md5_etag(data)
    head = s3.head_object(Bucket=dst_bucket, Key="dst/copied.txt")
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"color": "blue"}
    assert head["ContentLength"] == len(data)
    assert s3.get_object(Bucket=dst_bucket, Key="dst/copied.txt")["Body"].read() == data

    resp = s3.copy_object(
        Bucket=dst_bucket, Key="dst/replaced.json", CopySource=source,
        MetadataDirective="REPLACE", ContentType="application/json", Metadata={"shape": "round"},
    )
    assert resp["CopyObjectResult"]["ETag"] == md5_etag(data)
    head = s3.head_object(Bucket=dst_bucket, Key="dst/replaced.json")
    assert head["ContentType"] == "application/json"
    assert head["Metadata"] == {"shape": "round"}
    assert s3.get_object(Bucket=dst_bucket, Key="dst/replaced.json")["Body"].read() == data

    # The source is unchanged.
    head = s3.head_object(Bucket=src_bucket, Key=src_key)
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"color": "blue"}


def test_copy_object_onto_itself_replacing_metadata(s3, bucket):
    data = os.urandom(1000)
    _put_source(s3, bucket, "self.txt", data)
    s3.copy_object(
        Bucket=bucket, Key="self.txt", CopySource={"Bucket": bucket, "Key": "self.txt"},
        MetadataDirective="REPLACE", ContentType="text/csv", Metadata={"color": "red", "v": "2"},
    )
    head = s3.head_object(Bucket=bucket, Key="self.txt")
    assert head["ContentType"] == "text/csv"
    assert head["Metadata"] == {"color": "red", "v": "2"}
    assert s3.get_object(Bucket=bucket, Key="self.txt")["Body"].read() == data


# --------------------------------------------------------------------------
# headers and ranges


def test_object_headers_and_metadata_round_trip(s3, bucket):
    expires = datetime(2030, 1, 1, tzinfo=timezone.utc)
    data = b"not really gzip, but the header is stored verbatim"
    s3.put_object(
        Bucket=bucket, Key="meta/obj", Body=data,
        ContentType="application/x-coffer-test",
        ContentEncoding="gzip",
        ContentDisposition='attachment; filename="report.txt"',
        ContentLanguage="de-DE",
        CacheControl="max-age=3600, must-revalidate",
        Expires=expires,
        Metadata={"color": "blue", "multi-word-key": "Some Value 123"},
        StorageClass="STANDARD_IA",
    )
    for resp in (
        s3.head_object(Bucket=bucket, Key="meta/obj"),
        s3.get_object(Bucket=bucket, Key="meta/obj"),
    ):
        assert resp["ContentType"] == "application/x-coffer-test"
        assert resp["ContentEncoding"] == "gzip"
        assert resp["ContentDisposition"] == 'attachment; filename="report.txt"'
        assert resp["ContentLanguage"] == "de-DE"
        assert resp["CacheControl"] == "max-age=3600, must-revalidate"
        assert resp["Expires"] == expires
        assert resp["ExpiresString"] == "Tue, 01 Jan 2030 00:00:00 GMT"
        assert resp["Metadata"] == {"color": "blue", "multi-word-key": "Some Value 123"}
        assert resp["StorageClass"] == "STANDARD_IA"
        assert resp["ContentLength"] == len(data)
        assert resp["ETag"] == md5_etag(data)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="meta/")["Contents"]
    assert [(o["Key"], o["StorageClass"]) for o in listed] == [("meta/obj", "STANDARD_IA")]


def test_range_gets(s3, bucket):
    data = os.urandom(100)
    s3.put_object(Bucket=bucket, Key="range", Body=data)

    cases = [
        ("bytes=0-9", data[0:10], "bytes 0-9/100"),
        ("bytes=-5", data[95:], "bytes 95-99/100"),
        ("bytes=10-", data[10:], "bytes 10-99/100"),
        ("bytes=50-50", data[50:51], "bytes 50-50/100"),
        ("bytes=90-200", data[90:], "bytes 90-99/100"),
    ]
    for header, body, content_range in cases:
        resp = s3.get_object(Bucket=bucket, Key="range", Range=header)
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 206, header
        assert resp["ContentRange"] == content_range, header
        assert resp["ContentLength"] == len(body), header
        assert resp["Body"].read() == body, header

    for header in ("bytes=100-", "bytes=200-300"):
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket=bucket, Key="range", Range=header)
        assert _code(e) == "InvalidRange", header
        assert _status(e) == 416, header
