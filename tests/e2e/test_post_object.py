"""POST Object: browser form uploads signed by boto3's `generate_presigned_post`.

boto3's default signer for presigned POSTs is still Signature Version 2 (an
`AWSAccessKeyId` and a `signature` field); with `signature_version="s3v4"` it signs with
SigV4. Both are exercised. The form is posted the way a browser would (multipart/form-data, the file last) with
urllib3, which botocore already depends on; redirects are not followed so 303 answers
can be checked.
"""

import xml.etree.ElementTree as ET

import pytest
import urllib3
from botocore.config import Config

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@pytest.fixture(params=["default", "s3v4"])
def signer(request, s3, client_factory):
    """The client that signs the policy: boto3's default (SigV2) or SigV4."""
    if request.param == "default":
        return s3
    return client_factory(config=Config(signature_version="s3v4"))


def _post(presigned, data, filename="report.txt", override=None, extra=()):
    """POSTs `presigned` (from generate_presigned_post) with `data` as the file.

    `override` replaces form field values; `extra` appends (name, value) fields."""
    fields = dict(presigned["fields"])
    fields.update(override or {})
    form = list(fields.items()) + list(extra)
    form.append(("file", (filename, data, "application/octet-stream")))
    body, content_type = urllib3.encode_multipart_formdata(form)
    http = urllib3.PoolManager()
    return http.request(
        "POST",
        presigned["url"],
        body=body,
        headers={"Content-Type": content_type},
        redirect=False,
        retries=False,
    )


def _error_code(resp):
    root = ET.fromstring(resp.data)
    return root.findtext("Code"), root.findtext("Message")


def _find(root, name):
    # AWS's PostResponse has no namespace; accept one if present.
    found = root.find(name)
    return found if found is not None else root.find(NS + name)


def test_presigned_post_stores_the_file_with_fields_and_filename(s3, signer, bucket):
    presigned = signer.generate_presigned_post(
        Bucket=bucket,
        Key="uploads/${filename}",
        Fields={
            "Content-Type": "text/plain",
            "x-amz-meta-owner": "e2e",
            "success_action_status": "201",
        },
        Conditions=[
            ["starts-with", "$Content-Type", "text/"],
            {"x-amz-meta-owner": "e2e"},
            {"success_action_status": "201"},
            ["content-length-range", 1, 1024 * 1024],
        ],
        ExpiresIn=300,
    )
    assert presigned["url"].endswith("/" + bucket)
    data = b"quarterly numbers\n" * 100
    resp = _post(presigned, data, filename="q3 report.txt")
    assert resp.status == 201, resp.data
    root = ET.fromstring(resp.data)
    assert root.tag in ("PostResponse", NS + "PostResponse")
    assert _find(root, "Bucket").text == bucket
    assert _find(root, "Key").text == "uploads/q3 report.txt"
    etag = _find(root, "ETag").text
    assert resp.headers["ETag"] == etag

    got = s3.get_object(Bucket=bucket, Key="uploads/q3 report.txt")
    assert got["Body"].read() == data
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"owner": "e2e"}
    assert got["ETag"] == etag


def test_presigned_post_default_204_and_redirect_303(s3, signer, bucket):
    plain = signer.generate_presigned_post(Bucket=bucket, Key="plain.bin", ExpiresIn=300)
    resp = _post(plain, b"\x00\x01binary")
    assert resp.status == 204, resp.data
    assert resp.data == b""
    assert s3.get_object(Bucket=bucket, Key="plain.bin")["Body"].read() == b"\x00\x01binary"

    redirect = "https://app.example/uploaded"
    presigned = signer.generate_presigned_post(
        Bucket=bucket,
        Key="redirected.txt",
        Fields={"success_action_redirect": redirect},
        Conditions=[{"success_action_redirect": redirect}],
        ExpiresIn=300,
    )
    resp = _post(presigned, b"go elsewhere")
    assert resp.status == 303, resp.data
    location = resp.headers["Location"]
    assert location.startswith(redirect + "?bucket=" + bucket + "&key=redirected.txt&etag=%22")
    assert location.endswith("%22")


def test_presigned_post_refusals(s3, signer, bucket):
    presigned = signer.generate_presigned_post(
        Bucket=bucket,
        Key="limited/${filename}",
        Conditions=[["content-length-range", 2, 16]],
        ExpiresIn=300,
    )
    resp = _post(presigned, b"x" * 17)
    assert resp.status == 400
    assert _error_code(resp)[0] == "EntityTooLarge"
    resp = _post(presigned, b"x")
    assert resp.status == 400
    assert _error_code(resp)[0] == "EntityTooSmall"

    # The key must keep the signed prefix.
    resp = _post(presigned, b"fits", override={"key": "elsewhere/x"})
    assert resp.status == 403
    code, message = _error_code(resp)
    assert code == "AccessDenied"
    assert message.startswith("Invalid according to Policy: Policy Condition failed:")

    # A field the policy does not name.
    resp = _post(presigned, b"fits", extra=[("x-amz-meta-sneaky", "1")])
    assert resp.status == 403
    assert _error_code(resp) == ("AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-sneaky")

    # A signature that does not match the policy.
    sig_field = "x-amz-signature" if "x-amz-signature" in presigned["fields"] else "signature"
    resp = _post(presigned, b"fits", override={sig_field: "AAAA" * 10})
    assert resp.status == 403
    assert _error_code(resp)[0] == "SignatureDoesNotMatch"

    expired = signer.generate_presigned_post(Bucket=bucket, Key="late.txt", ExpiresIn=-60)
    resp = _post(expired, b"late")
    assert resp.status == 403
    assert _error_code(resp) == ("AccessDenied", "Invalid according to Policy: Policy expired.")

    listed = s3.list_objects_v2(Bucket=bucket)
    assert listed.get("KeyCount", 0) == 0, listed.get("Contents")

    # Within the limits it is stored.
    resp = _post(presigned, b"just right", filename="ok.txt")
    assert resp.status == 204, resp.data
    assert s3.get_object(Bucket=bucket, Key="limited/ok.txt")["Body"].read() == b"just right"
