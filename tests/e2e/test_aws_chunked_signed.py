"""Signed aws-chunked uploads, as older SDKs (Java v1, Go v1) send them.

`x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD` (every chunk carries a
chunk-signature chained from the seed signature) and the `...-PAYLOAD-TRAILER`
variant (signed chunks plus a signed `x-amz-checksum-crc32` trailer). boto3 never
sends these, so the client side is built here by hand with hmac/hashlib following
the AWS "Signature Calculations for the Authorization Header: Transferring Payload
in Multiple Chunks" documents, and sent with http.client.
"""

import hashlib
import hmac
import http.client
import os
import re
import socket
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from e2e_util import REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, checksum_b64, md5_etag

SERVICE = "s3"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
CHUNK = 64 * 1024
SIZE = 200 * 1024 + 123  # three full 64 KiB chunks and a short one


# --------------------------------------------------------------------------
# client side of SigV4 streaming


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _signing_key(secret, day):
    k = _hmac(("AWS4" + secret).encode("utf-8"), day)
    k = _hmac(k, REGION)
    k = _hmac(k, SERVICE)
    return _hmac(k, "aws4_request")


class _Signer:
    def __init__(self, secret=ROOT_SECRET_KEY, now=None):
        now = now or datetime.now(timezone.utc)
        self.amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        self.day = now.strftime("%Y%m%d")
        self.scope = f"{self.day}/{REGION}/{SERVICE}/aws4_request"
        self.key = _signing_key(secret, self.day)

    def sign(self, string_to_sign):
        return hmac.new(self.key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    def seed(self, method, path, headers, content_sha256):
        names = sorted(headers)
        canonical_headers = "".join(f"{n}:{headers[n].strip()}\n" for n in names)
        signed_headers = ";".join(names)
        canonical_request = "\n".join(
            [method, path, "", canonical_headers, signed_headers, content_sha256]
        )
        string_to_sign = "\n".join([
            "AWS4-HMAC-SHA256",
            self.amz_date,
            self.scope,
            hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
        ])
        return self.sign(string_to_sign), signed_headers

    def chunk(self, prev, data):
        return self.sign("\n".join([
            "AWS4-HMAC-SHA256-PAYLOAD",
            self.amz_date,
            self.scope,
            prev,
            EMPTY_SHA256,
            hashlib.sha256(data).hexdigest(),
        ]))

    def trailer(self, prev, canonical_trailer):
        return self.sign("\n".join([
            "AWS4-HMAC-SHA256-TRAILER",
            self.amz_date,
            self.scope,
            prev,
            hashlib.sha256(canonical_trailer.encode("utf-8")).hexdigest(),
        ]))


def _known_answers():
    """The worked examples of the AWS streaming-SigV4 documents, so a wrong
    client helper can never masquerade as a server bug."""
    signer = _Signer("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", datetime(2013, 5, 24, tzinfo=timezone.utc))
    assert signer.amz_date == "20130524T000000Z"
    # sigv4-streaming.html (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)
    prev = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    for data, expected in [
        (b"a" * 65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
        (b"a" * 1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
        (b"", "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
    ]:
        prev = signer.chunk(prev, data)
        assert prev == expected
    # sigv4-streaming-trailers.html (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)
    prev = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
    for data, expected in [
        (b"a" * 65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"),
        (b"a" * 1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"),
        (b"", "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"),
    ]:
        prev = signer.chunk(prev, data)
        assert prev == expected
    assert signer.trailer(prev, "x-amz-checksum-crc32c:sOO8/Q==\n") == (
        "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
    )


_known_answers()


def build_signed_chunked_put(endpoint, bucket, key, data, *, crc32_trailer=None,
                             tamper_chunk=None, chunk_size=CHUNK):
    """Return (path, headers, framed_body) of a signed aws-chunked PUT.

    crc32_trailer: None for STREAMING-AWS4-HMAC-SHA256-PAYLOAD, else the base64
    value sent (and signed) in an `x-amz-checksum-crc32` trailer.
    tamper_chunk: index of a data chunk whose chunk-signature is corrupted (the
    chain continues from the correct signature, so only that chunk is wrong)."""
    host = urlsplit(endpoint).netloc
    path = f"/{bucket}/{key}"
    content_sha256 = SIGNED_TRAILER if crc32_trailer is not None else SIGNED
    signer = _Signer()
    signed = {
        "content-encoding": "aws-chunked",
        "host": host,
        "x-amz-content-sha256": content_sha256,
        "x-amz-date": signer.amz_date,
        "x-amz-decoded-content-length": str(len(data)),
    }
    if crc32_trailer is not None:
        signed["x-amz-trailer"] = "x-amz-checksum-crc32"
    seed, signed_headers = signer.seed("PUT", path, signed, content_sha256)

    parts = []
    prev = seed
    pieces = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    for index, piece in enumerate(pieces):
        sig = signer.chunk(prev, piece)
        prev = sig
        if index == tamper_chunk:
            sig = ("0" if sig[0] != "0" else "1") + sig[1:]
        parts.append(b"%x;chunk-signature=%s\r\n" % (len(piece), sig.encode("ascii")))
        if piece:
            parts.append(piece + b"\r\n")
    if crc32_trailer is None:
        parts.append(b"\r\n")
    else:
        canonical_trailer = f"x-amz-checksum-crc32:{crc32_trailer}\n"
        trailer_sig = signer.trailer(prev, canonical_trailer)
        parts.append(f"x-amz-checksum-crc32:{crc32_trailer}\r\n".encode("ascii"))
        parts.append(f"x-amz-trailer-signature:{trailer_sig}\r\n\r\n".encode("ascii"))
    body = b"".join(parts)

    headers = {
        "Host": host,
        "Content-Encoding": "aws-chunked",
        "Content-Length": str(len(body)),
        "x-amz-content-sha256": content_sha256,
        "x-amz-date": signer.amz_date,
        "x-amz-decoded-content-length": str(len(data)),
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={ROOT_ACCESS_KEY}/{signer.scope}, "
            f"SignedHeaders={signed_headers}, Signature={seed}"
        ),
    }
    if crc32_trailer is not None:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    return path, headers, body


def send(endpoint, path, headers, body):
    """PUT with http.client; return (status, error_code_or_None, headers, body)."""
    u = urlsplit(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        try:
            for i in range(0, len(body), 16 * 1024):
                conn.send(body[i:i + 16 * 1024])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (and close) before reading everything
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, _xml_code(data), {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def _xml_code(data):
    m = re.search(rb"<Code>([^<]*)</Code>", data or b"")
    return m.group(1).decode() if m else None


def _assert_missing(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --------------------------------------------------------------------------
# tests


def test_signed_chunked_put_roundtrip(endpoint, s3, bucket):
    data = os.urandom(SIZE)
    path, headers, body = build_signed_chunked_put(endpoint, bucket, "signed.bin", data)
    assert body.count(b";chunk-signature=") == 5  # 4 data chunks + final 0 chunk

    status, code, resp_headers, resp_body = send(endpoint, path, headers, body)
    assert status == 200, (status, code, resp_body)
    assert resp_headers.get("etag") == md5_etag(data)

    got = s3.get_object(Bucket=bucket, Key="signed.bin")
    assert got["Body"].read() == data
    assert got["ETag"] == md5_etag(data)
    assert got["ContentLength"] == SIZE


def test_signed_chunked_put_bad_chunk_signature(endpoint, s3, bucket):
    data = os.urandom(SIZE)
    path, headers, body = build_signed_chunked_put(
        endpoint, bucket, "tampered.bin", data, tamper_chunk=1
    )
    status, code, _, resp_body = send(endpoint, path, headers, body)
    assert status == 403, (status, code, resp_body)
    assert code == "SignatureDoesNotMatch", resp_body
    _assert_missing(s3, bucket, "tampered.bin")


def test_signed_chunked_put_with_trailer(endpoint, s3, bucket):
    data = os.urandom(SIZE)
    crc = checksum_b64("CRC32", data)
    path, headers, body = build_signed_chunked_put(
        endpoint, bucket, "trailer.bin", data, crc32_trailer=crc
    )
    status, code, resp_headers, resp_body = send(endpoint, path, headers, body)
    assert status == 200, (status, code, resp_body)
    assert resp_headers.get("etag") == md5_etag(data)

    head = s3.head_object(Bucket=bucket, Key="trailer.bin", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc
    assert head["ETag"] == md5_etag(data)
    assert s3.get_object(Bucket=bucket, Key="trailer.bin")["Body"].read() == data


def test_signed_chunked_put_with_wrong_trailer_checksum(endpoint, s3, bucket):
    data = os.urandom(SIZE)
    wrong = checksum_b64("CRC32", data + b"x")
    assert wrong != checksum_b64("CRC32", data)
    path, headers, body = build_signed_chunked_put(
        endpoint, bucket, "badcrc.bin", data, crc32_trailer=wrong
    )
    status, code, _, resp_body = send(endpoint, path, headers, body)
    assert status == 400, (status, code, resp_body)
    assert code == "BadDigest", resp_body
    _assert_missing(s3, bucket, "badcrc.bin")


def test_signed_chunked_put_truncated_body(endpoint, s3, bucket):
    data = os.urandom(SIZE)
    path, headers, body = build_signed_chunked_put(endpoint, bucket, "truncated.bin", data)
    # Stop in the middle of the second data chunk.
    cut = CHUNK + CHUNK // 2 + 200
    assert cut < len(body)

    u = urlsplit(endpoint)
    head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock = socket.create_connection((u.hostname, u.port), timeout=30)
    response = b""
    try:
        sock.sendall(head.encode("ascii") + body[:cut])
        sock.shutdown(socket.SHUT_WR)  # EOF before Content-Length bytes
        try:
            while True:
                got = sock.recv(65536)
                if not got:
                    break
                response += got
        except (ConnectionResetError, socket.timeout):
            pass
    finally:
        sock.close()

    # Either no response at all (connection dropped) or 400 IncompleteBody.
    if response:
        status_line = response.split(b"\r\n", 1)[0]
        assert int(status_line.split()[1]) == 400, response[:2000]
        assert _xml_code(response) == "IncompleteBody", response[:2000]
    # Give a (buggy) server a moment to finish anything it might commit late.
    time.sleep(0.5)
    _assert_missing(s3, bucket, "truncated.bin")
