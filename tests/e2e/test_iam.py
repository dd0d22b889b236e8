"""Identity and access (issue 6, ADR 13 phase 1): accounts, STS GetCallerIdentity, IAM
users, tags and access keys, driven with the aws CLI and boto3 exactly as the seed
guides use them.  Every account here is a fresh tenant made with `coffer admin`."""

import json
import os
import re
import subprocess
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from e2e_util import REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, error_code, http_status, unique_bucket_name

# IAM and STS answer 4xx with their own codes; never retry them in tests.
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture
def new_account(coffer_bin, endpoint):
    """`new_account()` creates a tenant and returns its JSON (account id and root keys)."""

    def make():
        name = f"t-{uuid.uuid4().hex[:12]}"
        env = {**os.environ, "COFFER_ROOT_ACCESS_KEY": ROOT_ACCESS_KEY, "COFFER_ROOT_SECRET_KEY": ROOT_SECRET_KEY}
        out = subprocess.run(
            [str(coffer_bin), "admin", "--endpoint", endpoint, "account", "create", name, "--json"],
            env=env,
            capture_output=True,
            encoding="utf-8",
            timeout=60,
            check=True,
        ).stdout
        account = json.loads(out)
        account["name"] = name
        return account

    return make


def session(access_key, secret_key):
    return boto3.session.Session(aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=REGION)


def clients(endpoint, access_key, secret_key):
    s = session(access_key, secret_key)
    return (
        s.client("iam", endpoint_url=endpoint, config=NO_RETRY),
        s.client("sts", endpoint_url=endpoint, config=NO_RETRY),
        s.client("s3", endpoint_url=endpoint, config=NO_RETRY),
    )


def cli_env(env, access_key, secret_key):
    return {**env, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}


def test_get_caller_identity_query_account_prints_12_digits(aws):
    # As the seed guides and Terraform's S3 backend use it.
    account = aws("sts", "get-caller-identity", "--query", "Account", "--output", "text").strip()
    assert re.fullmatch(r"[1-9][0-9]{11}", account), account
    identity = json.loads(aws("sts", "get-caller-identity"))
    assert identity == {"UserId": account, "Account": account, "Arn": f"arn:aws:iam::{account}:root"}
    # Stable: generated once and stored.
    assert aws("sts", "get-caller-identity", "--query", "Account", "--output", "text").strip() == account


def test_account_create_json_gives_working_root_credentials(aws, env, new_account):
    account = new_account()
    assert set(account) == {"account_id", "access_key_id", "secret_access_key", "name"}
    assert re.fullmatch(r"[1-9][0-9]{11}", account["account_id"])
    assert account["access_key_id"].startswith("AKIA") and len(account["access_key_id"]) == 20
    assert len(account["secret_access_key"]) == 40
    deployment = aws("sts", "get-caller-identity", "--query", "Account", "--output", "text").strip()
    assert account["account_id"] != deployment
    tenant_env = cli_env(env, account["access_key_id"], account["secret_access_key"])
    identity = json.loads(aws("sts", "get-caller-identity", env=tenant_env))
    assert identity["Account"] == account["account_id"]
    assert identity["Arn"] == f"arn:aws:iam::{account['account_id']}:root"


def test_accounts_do_not_see_each_others_buckets(endpoint, s3, bucket, new_account):
    s3.put_object(Bucket=bucket, Key="secret.txt", Body=b"first account's bytes")
    account = new_account()
    _, _, other = clients(endpoint, account["access_key_id"], account["secret_access_key"])
    assert bucket not in [b["Name"] for b in other.list_buckets()["Buckets"]]
    for call in (
        lambda: other.get_object(Bucket=bucket, Key="secret.txt"),
        lambda: other.put_object(Bucket=bucket, Key="x", Body=b"x"),
        lambda: other.list_objects_v2(Bucket=bucket),
        lambda: other.delete_object(Bucket=bucket, Key="secret.txt"),
        lambda: other.delete_bucket(Bucket=bucket),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "AccessDenied", e.value.response
    # Nothing of the first account's changed.
    assert s3.get_object(Bucket=bucket, Key="secret.txt")["Body"].read() == b"first account's bytes"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["secret.txt"]

    # The second account has its own buckets, which the first does not see either.
    own = unique_bucket_name("tenant")
    other.create_bucket(Bucket=own)
    other.put_object(Bucket=own, Key="k", Body=b"v")
    assert [b["Name"] for b in other.list_buckets()["Buckets"]] == [own]
    assert own not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=own, Key="k")
    assert error_code(e) == "AccessDenied"
    # Bucket names stay unique across the deployment.
    with pytest.raises(ClientError) as e:
        other.create_bucket(Bucket=bucket)
    assert error_code(e) == "BucketAlreadyExists"
    other.delete_object(Bucket=own, Key="k")
    other.delete_bucket(Bucket=own)


def test_iam_user_lifecycle_with_the_cli(aws, env, new_account):
    account = new_account()
    acct = account["account_id"]
    root_env = cli_env(env, account["access_key_id"], account["secret_access_key"])

    user = json.loads(aws("iam", "create-user", "--user-name", "codemap-writer", "--tags", "Key=team,Value=maps", env=root_env))["User"]
    assert user["UserName"] == "codemap-writer"
    assert user["Arn"] == f"arn:aws:iam::{acct}:user/codemap-writer"
    assert user["UserId"].startswith("AIDA") and user["Path"] == "/"
    assert user["Tags"] == [{"Key": "team", "Value": "maps"}]
    got = json.loads(aws("iam", "get-user", "--user-name", "codemap-writer", env=root_env))["User"]
    assert got["UserId"] == user["UserId"]
    names = json.loads(aws("iam", "list-users", env=root_env))["Users"]
    assert [u["UserName"] for u in names] == ["codemap-writer"]

    aws("iam", "tag-user", "--user-name", "codemap-writer", "--tags", "Key=env,Value=prod", env=root_env)
    tags = json.loads(aws("iam", "list-user-tags", "--user-name", "codemap-writer", env=root_env))["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "prod"), ("team", "maps")]
    aws("iam", "untag-user", "--user-name", "codemap-writer", "--tag-keys", "team", env=root_env)
    tags = json.loads(aws("iam", "list-user-tags", "--user-name", "codemap-writer", env=root_env))["Tags"]
    assert tags == [{"Key": "env", "Value": "prod"}]

    key = json.loads(aws("iam", "create-access-key", "--user-name", "codemap-writer", env=root_env))["AccessKey"]
    assert key["UserName"] == "codemap-writer" and key["Status"] == "Active"
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    listed = json.loads(aws("iam", "list-access-keys", "--user-name", "codemap-writer", env=root_env))
    assert [k["AccessKeyId"] for k in listed["AccessKeyMetadata"]] == [key["AccessKeyId"]]

    # The user's key works at once; with no policy the user may do nothing.
    user_env = cli_env(env, key["AccessKeyId"], key["SecretAccessKey"])
    identity = json.loads(aws("sts", "get-caller-identity", env=user_env))
    assert identity == {"UserId": user["UserId"], "Account": acct, "Arn": user["Arn"]}
    denied = aws.run("s3api", "create-bucket", "--bucket", unique_bucket_name("denied"), env=user_env)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr, denied.stderr
    denied = aws.run("s3", "ls", env=user_env)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr, denied.stderr
    denied = aws.run("iam", "create-user", "--user-name", "sneaky", env=user_env)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr, denied.stderr
    assert f"User: {user['Arn']} is not authorized to perform: iam:CreateUser" in denied.stderr

    # A user with keys cannot be deleted.
    conflict = aws.run("iam", "delete-user", "--user-name", "codemap-writer", env=root_env)
    assert conflict.returncode != 0 and "DeleteConflict" in conflict.stderr, conflict.stderr

    # An inactive key stops working; active again, it works again.
    aws("iam", "update-access-key", "--user-name", "codemap-writer", "--access-key-id", key["AccessKeyId"], "--status", "Inactive", env=root_env)
    refused = aws.run("sts", "get-caller-identity", env=user_env)
    assert refused.returncode != 0 and "InvalidClientTokenId" in refused.stderr, refused.stderr
    refused = aws.run("s3", "ls", env=user_env)
    assert refused.returncode != 0 and "InvalidAccessKeyId" in refused.stderr, refused.stderr
    aws("iam", "update-access-key", "--user-name", "codemap-writer", "--access-key-id", key["AccessKeyId"], "--status", "Active", env=root_env)
    aws("sts", "get-caller-identity", env=user_env)

    aws("iam", "delete-access-key", "--user-name", "codemap-writer", "--access-key-id", key["AccessKeyId"], env=root_env)
    aws("iam", "delete-user", "--user-name", "codemap-writer", env=root_env)
    gone = aws.run("iam", "get-user", "--user-name", "codemap-writer", env=root_env)
    assert gone.returncode != 0 and "NoSuchEntity" in gone.stderr, gone.stderr
    refused = aws.run("sts", "get-caller-identity", env=user_env)
    assert refused.returncode != 0 and "InvalidClientTokenId" in refused.stderr


def test_iam_errors_as_aws(endpoint, new_account):
    account = new_account()
    iam, sts, _ = clients(endpoint, account["access_key_id"], account["secret_access_key"])

    with pytest.raises(ClientError) as e:
        iam.get_user(UserName="nobody")
    assert (error_code(e), http_status(e)) == ("NoSuchEntity", 404)
    assert e.value.response["Error"]["Message"] == "The user with name nobody cannot be found."

    iam.create_user(UserName="Alice")
    with pytest.raises(ClientError) as e:
        iam.create_user(UserName="alice")  # names are unique regardless of case
    assert (error_code(e), http_status(e)) == ("EntityAlreadyExists", 409)

    with pytest.raises(ClientError) as e:
        iam.create_user(UserName="has space")
    assert (error_code(e), http_status(e)) == ("ValidationError", 400)

    # At most two keys per user, as AWS.
    iam.create_access_key(UserName="Alice")
    iam.create_access_key(UserName="Alice")
    with pytest.raises(ClientError) as e:
        iam.create_access_key(UserName="Alice")
    assert (error_code(e), http_status(e)) == ("LimitExceeded", 409)
    with pytest.raises(ClientError) as e:
        iam.delete_access_key(UserName="Alice", AccessKeyId="AKIANOTAKEY000000000")
    assert error_code(e) == "NoSuchEntity"

    # Paginated listing walks every user once.
    for i in range(5):
        iam.create_user(UserName=f"u{i}", Path="/team/")
    page = iam.list_users(PathPrefix="/team/", MaxItems=2)
    assert page["IsTruncated"] and len(page["Users"]) == 2
    seen = [u["UserName"] for p in iam.get_paginator("list_users").paginate(PathPrefix="/team/", PaginationConfig={"PageSize": 2}) for u in p["Users"]]
    assert seen == [f"u{i}" for i in range(5)]

    # A documented action Coffer has not built says so.
    with pytest.raises(ClientError) as e:
        iam.get_account_summary()
    assert (error_code(e), http_status(e)) == ("NotImplemented", 501)

    # A bad secret is a signature mismatch; an unknown key is not a valid token.
    bad_iam, bad_sts, _ = clients(endpoint, account["access_key_id"], "x" * 40)
    with pytest.raises(ClientError) as e:
        bad_sts.get_caller_identity()
    assert (error_code(e), http_status(e)) == ("SignatureDoesNotMatch", 403)
    _, unknown_sts, _ = clients(endpoint, "AKIAUNKNOWN000000000", "x" * 40)
    with pytest.raises(ClientError) as e:
        unknown_sts.get_caller_identity()
    assert (error_code(e), http_status(e)) == ("InvalidClientTokenId", 403)
    assert sts.get_caller_identity()["Account"] == account["account_id"]


def test_admin_api_answers_only_the_deployment_root(coffer_bin, endpoint, new_account):
    account = new_account()
    env = {**os.environ, "COFFER_ROOT_ACCESS_KEY": account["access_key_id"], "COFFER_ROOT_SECRET_KEY": account["secret_access_key"]}
    r = subprocess.run(
        [str(coffer_bin), "admin", "--endpoint", endpoint, "account", "create", "not-allowed"],
        env=env, capture_output=True, encoding="utf-8", timeout=60,
    )
    assert r.returncode != 0 and "AccessDenied" in r.stderr, r.stderr
    root_env = {**os.environ, "COFFER_ROOT_ACCESS_KEY": ROOT_ACCESS_KEY, "COFFER_ROOT_SECRET_KEY": ROOT_SECRET_KEY}
    listed = subprocess.run(
        [str(coffer_bin), "admin", "--endpoint", endpoint, "account", "list", "--json"],
        env=root_env, capture_output=True, encoding="utf-8", timeout=60, check=True,
    ).stdout
    names = [a["name"] for a in json.loads(listed)["Accounts"]]
    assert account["name"] in names and "not-allowed" not in names
    deleted = subprocess.run(
        [str(coffer_bin), "admin", "--endpoint", endpoint, "account", "delete", account["name"]],
        env=root_env, capture_output=True, encoding="utf-8", timeout=60,
    )
    assert deleted.returncode == 0, deleted.stderr
    _, sts, _ = clients(endpoint, account["access_key_id"], account["secret_access_key"])
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert error_code(e) == "InvalidClientTokenId"
