"""The resource side (issue 6, ADR 13 phase 3): bucket policies, Block Public Access,
Object Ownership and canned ACLs, cross-account and anonymous access."""

import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from e2e_util import ROOT_ACCESS_KEY, ROOT_SECRET_KEY, error_code, http_status
from test_iam import clients, cli_env, new_account  # noqa: F401  (fixture)

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def anonymous_get(url):
    """The status of an unsigned GET."""
    try:
        with _direct.open(url, timeout=10) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def deny_unencrypted(bucket):
    # AWS's DenyUnencryptedObjectUploads example, verbatim but for the bucket name.
    return json.dumps({
        "Version": "2012-10-17",
        "Id": "PutObjPolicy",
        "Statement": [
            {
                "Sid": "DenyIncorrectEncryptionHeader",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}},
            },
            {
                "Sid": "DenyUnEncryptedObjectUploads",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"Null": {"s3:x-amz-server-side-encryption": "true"}},
            },
        ],
    }, indent=2)


def test_deny_unencrypted_object_uploads(aws, s3, bucket, tmp_path):
    policy = deny_unencrypted(bucket)
    aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy)
    assert json.loads(aws("s3api", "get-bucket-policy", "--bucket", bucket))["Policy"] == policy
    status = json.loads(aws("s3api", "get-bucket-policy-status", "--bucket", bucket))["PolicyStatus"]
    assert status == {"IsPublic": False}

    small = tmp_path / "small"
    small.write_bytes(b"x" * 1000)
    refused = aws.run("s3", "cp", str(small), f"s3://{bucket}/plain")
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr, refused.stderr
    aws("s3", "cp", str(small), f"s3://{bucket}/encrypted", "--sse", "AES256")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="sdk-plain", Body=b"x")
    assert error_code(e) == "AccessDenied"
    s3.put_object(Bucket=bucket, Key="sdk-encrypted", Body=b"x", ServerSideEncryption="AES256")

    # A multipart upload made with --sse: the parts carry no header of their own.
    big = tmp_path / "big"
    big.write_bytes(os.urandom(20 * 1024 * 1024))
    aws("s3", "cp", str(big), f"s3://{bucket}/big", "--sse", "AES256")
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == 20 * 1024 * 1024
    refused = aws.run("s3", "cp", str(big), f"s3://{bucket}/big-plain")
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr

    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["big", "encrypted", "sdk-encrypted"]
    aws("s3api", "delete-bucket-policy", "--bucket", bucket)
    s3.put_object(Bucket=bucket, Key="sdk-plain", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert (error_code(e), http_status(e)) == ("NoSuchBucketPolicy", 404)


def test_malformed_bucket_policies_are_refused(s3, bucket):
    for bad in (
        "{not json",
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                             "Resource": f"arn:aws:s3:::{bucket}/*"}]}),
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                             "Resource": "arn:aws:s3:::some-other-bucket/*"}]}),
    ):
        with pytest.raises(ClientError) as e:
            s3.put_bucket_policy(Bucket=bucket, Policy=bad)
        assert (error_code(e), http_status(e)) == ("MalformedPolicy", 400), bad


def test_a_bucket_policy_grants_another_account_exactly_what_it_says(endpoint, s3, bucket, new_account):  # noqa: F811
    s3.put_object(Bucket=bucket, Key="shared/report", Body=b"report")
    s3.put_object(Bucket=bucket, Key="private/secret", Body=b"secret")
    other = new_account()
    other_iam, _, other_s3 = clients(endpoint, other["access_key_id"], other["secret_access_key"])
    with pytest.raises(ClientError) as e:
        other_s3.get_object(Bucket=bucket, Key="shared/report")
    assert error_code(e) == "AccessDenied"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{other['account_id']}:root"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/shared/*",
        }],
    }))
    assert other_s3.get_object(Bucket=bucket, Key="shared/report")["Body"].read() == b"report"
    for call in (
        lambda: other_s3.get_object(Bucket=bucket, Key="private/secret"),
        lambda: other_s3.put_object(Bucket=bucket, Key="shared/planted", Body=b"x"),
        lambda: other_s3.list_objects_v2(Bucket=bucket),
        lambda: other_s3.delete_object(Bucket=bucket, Key="shared/report"),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "AccessDenied"
    # The other account's users need their own account's permission as well.
    other_iam.create_user(UserName="reader")
    key = other_iam.create_access_key(UserName="reader")["AccessKey"]
    _, _, reader = clients(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as e:
        reader.get_object(Bucket=bucket, Key="shared/report")
    assert error_code(e) == "AccessDenied"
    other_iam.attach_user_policy(UserName="reader", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert reader.get_object(Bucket=bucket, Key="shared/report")["Body"].read() == b"report"
    with pytest.raises(ClientError) as e:
        reader.get_object(Bucket=bucket, Key="private/secret")
    assert error_code(e) == "AccessDenied"
    s3.delete_bucket_policy(Bucket=bucket)


def public_read_policy(bucket):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    })


def test_block_public_access_keeps_objects_private(endpoint, s3, bucket, coffer_bin, new_account):  # noqa: F811
    s3.put_object(Bucket=bucket, Key="doc", Body=b"doc")
    url = f"{endpoint}/{bucket}/doc"
    assert anonymous_get(url) == 403
    # New buckets block public access, all four flags.
    config = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert config == {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                      "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    assert error_code(e) == "AccessDenied"
    # ACLs are disabled (BucketOwnerEnforced) and public ones blocked.
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="acl", Body=b"x", ACL="public-read")
    assert error_code(e) in ("AccessDenied", "AccessControlListNotSupported")
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]
    assert anonymous_get(url) == 403

    # Turned off, a public policy may be put and makes the object readable by anyone...
    s3.delete_public_access_block(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_public_access_block(Bucket=bucket)
    assert (error_code(e), http_status(e)) == ("NoSuchPublicAccessBlockConfiguration", 404)
    s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    assert anonymous_get(url) == 200
    # ...until RestrictPublicBuckets is on again, whatever the policy says.
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    assert anonymous_get(url) == 403
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"RestrictPublicBuckets": False})
    assert anonymous_get(url) == 200

    # A public bucket ACL (with ACLs enabled) lets anyone list, until IgnorePublicAcls.
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    assert anonymous_get(f"{endpoint}/{bucket}?list-type=2") == 200
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    assert anonymous_get(f"{endpoint}/{bucket}?list-type=2") == 403
    assert anonymous_get(url) == 200  # the policy still grants GetObject

    # The account-wide setting (deployment admin) applies on top of the bucket's.
    env = {**os.environ, "COFFER_ROOT_ACCESS_KEY": ROOT_ACCESS_KEY, "COFFER_ROOT_SECRET_KEY": ROOT_SECRET_KEY}
    listed = json.loads(subprocess.run([str(coffer_bin), "admin", "--endpoint", endpoint, "account", "list", "--json"],
                                       env=env, capture_output=True, encoding="utf-8", check=True).stdout)
    deployment = next(a["name"] for a in listed["Accounts"] if a["deployment"])
    subprocess.run([str(coffer_bin), "admin", "--endpoint", endpoint, "account", "public-access-block", deployment],
                   env=env, capture_output=True, encoding="utf-8", check=True)
    try:
        assert anonymous_get(url) == 403
    finally:
        subprocess.run([str(coffer_bin), "admin", "--endpoint", endpoint, "account", "public-access-block", deployment,
                        "--block-public-acls", "false", "--ignore-public-acls", "false",
                        "--block-public-policy", "false", "--restrict-public-buckets", "false"],
                       env=env, capture_output=True, encoding="utf-8", check=True)
    assert anonymous_get(url) == 200
    s3.delete_bucket_policy(Bucket=bucket)
    assert anonymous_get(url) == 403


def test_create_bucket_acls_follow_object_ownership(s3):
    name = f"acl-{uuid.uuid4().hex[:10]}"
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name, ACL="public-read")
    assert error_code(e) == "InvalidBucketAclWithObjectOwnership"
    s3.create_bucket(Bucket=name, ObjectOwnership="BucketOwnerPreferred")
    try:
        rules = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]
        s3.delete_bucket_ownership_controls(Bucket=name)
        with pytest.raises(ClientError) as e:
            s3.get_bucket_ownership_controls(Bucket=name)
        assert error_code(e) == "OwnershipControlsNotFoundError"
    finally:
        s3.delete_bucket(Bucket=name)


def test_object_acls_when_enabled(endpoint, s3, bucket):
    # With ACLs disabled (the default), an ACL granting others is refused.
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="x", Body=b"x", ACL="bucket-owner-read")
    assert error_code(e) == "AccessControlListNotSupported"
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    # BlockPublicAcls (on by default) refuses a public object ACL.
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="pub", Body=b"p", ACL="public-read")
    assert error_code(e) == "AccessDenied"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={})
    s3.put_object(Bucket=bucket, Key="pub", Body=b"public bytes", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="priv", Body=b"private bytes")
    assert anonymous_get(f"{endpoint}/{bucket}/pub") == 200
    assert anonymous_get(f"{endpoint}/{bucket}/priv") == 403
    grants = s3.get_object_acl(Bucket=bucket, Key="pub")["Grants"]
    assert {(g["Grantee"].get("URI"), g["Permission"]) for g in grants} == {
        (None, "FULL_CONTROL"), ("http://acs.amazonaws.com/groups/global/AllUsers", "READ")}
    # IgnorePublicAcls makes the grant void without changing it.
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"IgnorePublicAcls": True})
    assert anonymous_get(f"{endpoint}/{bucket}/pub") == 403
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={})
    assert anonymous_get(f"{endpoint}/{bucket}/pub") == 200
    s3.put_object_acl(Bucket=bucket, Key="pub", ACL="private")
    assert anonymous_get(f"{endpoint}/{bucket}/pub") == 403
    s3.put_object_acl(Bucket=bucket, Key="priv", ACL="public-read")
    assert anonymous_get(f"{endpoint}/{bucket}/priv") == 200
    # Back to ACLs disabled: every grant is ignored.
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert anonymous_get(f"{endpoint}/{bucket}/priv") == 403
