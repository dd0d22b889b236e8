"""Roles and STS (issue 6, ADR 13 phase 4): roles with trust policies and inline
policies as the seed guides use them, AssumeRole with its temporary credentials until
they expire, session policies that narrow them."""

import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from e2e_util import REGION, STS_SESSION_SECS, error_code
from test_iam import NO_RETRY, clients, cli_env, new_account, session  # noqa: F401  (fixture)
from test_iam_policies import CODEMAP_POLICY

EC2_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})

# ../shared/seeds/002: put-role-policy with a shell-expanded document (the `${...}` the
# guide's shell would have left in the text is kept verbatim).
SEED_002_POLICY = """{
    "Version": "2012-10-17",
    "Statement": [
      {
        "Effect": "Allow",
        "Action": [
          "s3:PutObject",
          "s3:GetObject",
          "s3:DeleteObject",
          "s3:ListBucket"
        ],
        "Resource": [
          "arn:aws:s3:::${trustworthy-registry-artifacts-47906}",
          "arn:aws:s3:::${trustworthy-registry-artifacts-47906}/*"
        ]
      }
    ]
  }"""


def session_clients(endpoint, creds):
    s = boto3_session(creds)
    return (s.client("sts", endpoint_url=endpoint, config=NO_RETRY),
            s.client("s3", endpoint_url=endpoint, config=NO_RETRY))


def boto3_session(creds):
    import boto3
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )


def test_role_policies_read_back_as_the_seed_guides_check_them(aws, env, new_account):  # noqa: F811
    account = new_account()
    root_env = cli_env(env, account["access_key_id"], account["secret_access_key"])
    role = json.loads(aws("iam", "create-role", "--role-name", "CodeMapEC2Role",
                          "--assume-role-policy-document", EC2_TRUST, env=root_env))["Role"]
    assert role["Arn"] == f"arn:aws:iam::{account['account_id']}:role/CodeMapEC2Role"
    assert role["RoleId"].startswith("AROA")
    assert role["AssumeRolePolicyDocument"] == json.loads(EC2_TRUST)
    aws("iam", "put-role-policy", "--role-name", "CodeMapEC2Role", "--policy-name", "CodeMapS3Access",
        "--policy-document", CODEMAP_POLICY, env=root_env)
    got = json.loads(aws("iam", "get-role", "--role-name", "CodeMapEC2Role", env=root_env))["Role"]
    assert got["RoleName"] == "CodeMapEC2Role" and got["MaxSessionDuration"] == 3600
    names = json.loads(aws("iam", "list-role-policies", "--role-name", "CodeMapEC2Role", env=root_env))
    assert names["PolicyNames"] == ["CodeMapS3Access"]
    doc = json.loads(aws("iam", "get-role-policy", "--role-name", "CodeMapEC2Role",
                         "--policy-name", "CodeMapS3Access", env=root_env))
    assert doc["RoleName"] == "CodeMapEC2Role" and doc["PolicyName"] == "CodeMapS3Access"
    assert doc["PolicyDocument"] == json.loads(CODEMAP_POLICY)

    aws("iam", "put-role-policy", "--role-name", "CodeMapEC2Role", "--policy-name", "S3AccessPolicy",
        "--policy-document", SEED_002_POLICY, env=root_env)
    doc = json.loads(aws("iam", "get-role-policy", "--role-name", "CodeMapEC2Role",
                         "--policy-name", "S3AccessPolicy", env=root_env))
    assert doc["PolicyDocument"] == json.loads(SEED_002_POLICY)
    listed = json.loads(aws("iam", "list-roles", env=root_env))["Roles"]
    assert [r["RoleName"] for r in listed] == ["CodeMapEC2Role"]
    conflict = aws.run("iam", "delete-role", "--role-name", "CodeMapEC2Role", env=root_env)
    assert conflict.returncode != 0 and "DeleteConflict" in conflict.stderr
    for name in ("CodeMapS3Access", "S3AccessPolicy"):
        aws("iam", "delete-role-policy", "--role-name", "CodeMapEC2Role", "--policy-name", name, env=root_env)
    aws("iam", "delete-role", "--role-name", "CodeMapEC2Role", env=root_env)
    gone = aws.run("iam", "get-role", "--role-name", "CodeMapEC2Role", env=root_env)
    assert gone.returncode != 0 and "NoSuchEntity" in gone.stderr


@pytest.fixture
def role_setup(endpoint, new_account):  # noqa: F811
    """An account with a bucket, a role that may read and write it, and a user trusted to
    assume the role (and allowed to by its own policy)."""
    account = new_account()
    iam, _, s3 = clients(endpoint, account["access_key_id"], account["secret_access_key"])
    acct = account["account_id"]
    bucket = f"role-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="existing", Body=b"existing")
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    user_arn = f"arn:aws:iam::{acct}:user/deployer"
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}],
    }))
    iam.put_role_policy(RoleName="worker", PolicyName="bucket", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}],
    }))
    iam.put_user_policy(UserName="deployer", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{acct}:role/worker"}],
    }))
    _, user_sts, user_s3 = clients(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    return {"acct": acct, "iam": iam, "bucket": bucket, "sts": user_sts, "user_s3": user_s3, "root_s3": s3,
            "role_arn": f"arn:aws:iam::{acct}:role/worker", "account": account}


def test_assumed_role_credentials_work_until_they_expire(endpoint, role_setup):
    out = role_setup["sts"].assume_role(RoleArn=role_setup["role_arn"], RoleSessionName="deploy-1")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{role_setup['acct']}:assumed-role/worker/deploy-1"
    started = time.monotonic()
    sts, s3 = session_clients(endpoint, creds)
    bucket = role_setup["bucket"]
    identity = sts.get_caller_identity()
    assert identity["Arn"] == out["AssumedRoleUser"]["Arn"]
    assert identity["UserId"] == out["AssumedRoleUser"]["AssumedRoleId"]
    assert identity["Account"] == role_setup["acct"]
    s3.put_object(Bucket=bucket, Key="from-role", Body=b"role wrote this")
    assert s3.get_object(Bucket=bucket, Key="existing")["Body"].read() == b"existing"
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="existing")
    assert error_code(e) == "AccessDenied"
    # The user itself has no S3 permission: only the role's.
    with pytest.raises(ClientError) as e:
        role_setup["user_s3"].get_object(Bucket=bucket, Key="existing")
    assert error_code(e) == "AccessDenied"
    assert time.monotonic() - started < STS_SESSION_SECS, "too slow to observe the session alive"

    time.sleep(max(0.0, STS_SESSION_SECS - (time.monotonic() - started)) + 1.5)
    with pytest.raises(ClientError) as e:
        sts.get_caller_identity()
    assert error_code(e) == "ExpiredToken"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="existing")
    assert error_code(e) == "ExpiredToken"
    assert role_setup["root_s3"].get_object(Bucket=bucket, Key="from-role")["Body"].read() == b"role wrote this"


def test_session_policy_narrows_and_tokens_are_checked(endpoint, role_setup):
    bucket = role_setup["bucket"]
    narrow = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    creds = role_setup["sts"].assume_role(RoleArn=role_setup["role_arn"], RoleSessionName="narrow",
                                          Policy=narrow)["Credentials"]
    _, s3 = session_clients(endpoint, creds)
    assert s3.get_object(Bucket=bucket, Key="existing")["Body"].read() == b"existing"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="nope", Body=b"x")
    assert error_code(e) == "AccessDenied"

    # The session key without its token, or with another session's, is refused.
    other = role_setup["sts"].assume_role(RoleArn=role_setup["role_arn"], RoleSessionName="other")["Credentials"]
    tokenless = session(creds["AccessKeyId"], creds["SecretAccessKey"]).client("s3", endpoint_url=endpoint, config=NO_RETRY)
    with pytest.raises(ClientError) as e:
        tokenless.get_object(Bucket=bucket, Key="existing")
    assert error_code(e) == "InvalidToken"
    swapped = boto3_session({**creds, "SessionToken": other["SessionToken"]}).client("s3", endpoint_url=endpoint, config=NO_RETRY)
    with pytest.raises(ClientError) as e:
        swapped.get_object(Bucket=bucket, Key="existing")
    assert error_code(e) == "InvalidToken"


def test_trust_policy_decides_who_may_assume(endpoint, role_setup):
    iam = role_setup["iam"]
    iam.create_user(UserName="stranger")
    key = iam.create_access_key(UserName="stranger")["AccessKey"]
    iam.attach_user_policy(UserName="stranger", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    _, stranger_sts, _ = clients(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    # Allowed by its own policy, but not named by the trust policy.
    with pytest.raises(ClientError) as e:
        stranger_sts.assume_role(RoleArn=role_setup["role_arn"], RoleSessionName="stranger-session")
    assert error_code(e) == "AccessDenied"
    account = role_setup["account"]
    _, root_sts, _ = clients(endpoint, account["access_key_id"], account["secret_access_key"])
    with pytest.raises(ClientError) as e:
        root_sts.assume_role(RoleArn=role_setup["role_arn"], RoleSessionName="stranger-session")
    assert error_code(e) == "AccessDenied"
    with pytest.raises(ClientError) as e:
        role_setup["sts"].assume_role(RoleArn=role_setup["role_arn"], RoleSessionName="too-long", DurationSeconds=7200)
    assert error_code(e) == "ValidationError"
    # A deleted role's sessions are worth nothing.
    creds = role_setup["sts"].assume_role(RoleArn=role_setup["role_arn"], RoleSessionName="doomed")["Credentials"]
    _, s3 = session_clients(endpoint, creds)
    s3.get_object(Bucket=role_setup["bucket"], Key="existing")
    iam.delete_role_policy(RoleName="worker", PolicyName="bucket")
    iam.delete_role(RoleName="worker")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=role_setup["bucket"], Key="existing")
    assert error_code(e) == "AccessDenied"
