"""Identity policies (issue 6, ADR 13 phase 2): managed and inline policies, groups,
explicit Deny, policy variables and conditions, evaluated on real S3 requests made with
the aws CLI and boto3.  The CodeMap policy of the seed guides is used verbatim."""

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from e2e_util import error_code, http_status
from test_iam import clients, cli_env, new_account  # noqa: F401  (fixture)

# ../shared/seeds/000: the IAM policy the CodeMap guide pastes, verbatim.
CODEMAP_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "S3ResultsAccess",
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "s3:DeleteObject"
      ],
      "Resource": [
        "arn:aws:s3:::codemap-results-*",
        "arn:aws:s3:::codemap-results-*/*"
      ]
    }
  ]
}"""


def suffix():
    return uuid.uuid4().hex[:10]


@pytest.fixture
def tenant(endpoint, new_account):  # noqa: F811
    """A fresh account: its id, root clients and a helper that makes users with keys."""
    account = new_account()
    iam, sts, s3 = clients(endpoint, account["access_key_id"], account["secret_access_key"])

    def user(name):
        iam.create_user(UserName=name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key, clients(endpoint, key["AccessKeyId"], key["SecretAccessKey"])

    return {"account": account, "iam": iam, "s3": s3, "user": user}


def denied(call):
    with pytest.raises(ClientError) as e:
        call()
    assert (error_code(e), http_status(e)) == ("AccessDenied", 403), e.value.response
    return e


def test_codemap_seed_policy_limits_a_user_to_its_buckets(aws, env, tenant, tmp_path):
    s3 = tenant["s3"]
    results, other = f"codemap-results-{suffix()}", f"other-bucket-{suffix()}"
    s3.create_bucket(Bucket=results)
    s3.create_bucket(Bucket=other)
    account = tenant["account"]
    root_env = cli_env(env, account["access_key_id"], account["secret_access_key"])
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(CODEMAP_POLICY)

    created = json.loads(aws("iam", "create-policy", "--policy-name", "CodeMapS3Access",
                             "--policy-document", f"file://{policy_file}", env=root_env))["Policy"]
    assert created["Arn"] == f"arn:aws:iam::{account['account_id']}:policy/CodeMapS3Access"
    assert created["DefaultVersionId"] == "v1"
    version = json.loads(aws("iam", "get-policy-version", "--policy-arn", created["Arn"], "--version-id", "v1",
                             env=root_env))["PolicyVersion"]
    assert version["Document"] == json.loads(CODEMAP_POLICY)
    aws("iam", "create-user", "--user-name", "codemap", env=root_env)
    aws("iam", "attach-user-policy", "--user-name", "codemap", "--policy-arn", created["Arn"], env=root_env)
    attached = json.loads(aws("iam", "list-attached-user-policies", "--user-name", "codemap", env=root_env))
    assert attached["AttachedPolicies"] == [{"PolicyName": "CodeMapS3Access", "PolicyArn": created["Arn"]}]
    key = json.loads(aws("iam", "create-access-key", "--user-name", "codemap", env=root_env))["AccessKey"]
    user_env = cli_env(env, key["AccessKeyId"], key["SecretAccessKey"])

    body = tmp_path / "x"
    body.write_bytes(b"codemap output")
    aws("s3", "cp", str(body), f"s3://{results}/codemap/x", env=user_env)
    assert aws("s3", "cp", f"s3://{results}/codemap/x", "-", env=user_env).encode() == b"codemap output"
    assert "codemap/x" in aws("s3", "ls", f"s3://{results}", "--recursive", env=user_env)
    refused = aws.run("s3", "cp", str(body), f"s3://{other}/x", env=user_env)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr, refused.stderr
    refused = aws.run("s3", "ls", f"s3://{other}", env=user_env)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr, refused.stderr
    # ListBuckets needs s3:ListAllMyBuckets, which the policy does not grant.
    refused = aws.run("s3", "ls", env=user_env)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr, refused.stderr
    aws("s3", "rm", f"s3://{results}/codemap/x", env=user_env)

    # Detached, the policy grants nothing any more; it cannot be deleted while attached.
    conflict = aws.run("iam", "delete-policy", "--policy-arn", created["Arn"], env=root_env)
    assert conflict.returncode != 0 and "DeleteConflict" in conflict.stderr
    aws("iam", "detach-user-policy", "--user-name", "codemap", "--policy-arn", created["Arn"], env=root_env)
    refused = aws.run("s3", "cp", str(body), f"s3://{results}/x", env=user_env)
    assert refused.returncode != 0 and "AccessDenied" in refused.stderr
    aws("iam", "delete-policy", "--policy-arn", created["Arn"], env=root_env)


def test_inline_user_policy_reads_back_as_put(aws, env, tenant, tmp_path):
    account = tenant["account"]
    root_env = cli_env(env, account["access_key_id"], account["secret_access_key"])
    aws("iam", "create-user", "--user-name", "inline", env=root_env)
    aws("iam", "put-user-policy", "--user-name", "inline", "--policy-name", "CodeMapS3Access",
        "--policy-document", CODEMAP_POLICY, env=root_env)
    got = json.loads(aws("iam", "get-user-policy", "--user-name", "inline", "--policy-name", "CodeMapS3Access",
                         env=root_env))
    assert got["UserName"] == "inline" and got["PolicyName"] == "CodeMapS3Access"
    assert got["PolicyDocument"] == json.loads(CODEMAP_POLICY)
    names = json.loads(aws("iam", "list-user-policies", "--user-name", "inline", env=root_env))["PolicyNames"]
    assert names == ["CodeMapS3Access"]
    # The exact text comes back (boto3 decodes the percent-encoded document).
    raw = tenant["iam"].get_user_policy(UserName="inline", PolicyName="CodeMapS3Access")["PolicyDocument"]
    assert raw == json.loads(CODEMAP_POLICY)
    aws("iam", "delete-user-policy", "--user-name", "inline", "--policy-name", "CodeMapS3Access", env=root_env)
    gone = aws.run("iam", "get-user-policy", "--user-name", "inline", "--policy-name", "CodeMapS3Access", env=root_env)
    assert gone.returncode != 0 and "NoSuchEntity" in gone.stderr


def test_group_policies_apply_to_members_only(tenant):
    iam, s3 = tenant["iam"], tenant["s3"]
    bucket = f"group-{suffix()}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    _, (_, _, reader) = tenant["user"]("reader")
    iam.create_group(GroupName="Readers")
    iam.attach_group_policy(GroupName="Readers", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    denied(lambda: reader.get_object(Bucket=bucket, Key="k"))
    iam.add_user_to_group(GroupName="Readers", UserName="reader")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="reader")["Groups"]] == ["Readers"]
    assert [u["UserName"] for u in iam.get_group(GroupName="Readers")["Users"]] == ["reader"]
    assert reader.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert bucket in [b["Name"] for b in reader.list_buckets()["Buckets"]]
    denied(lambda: reader.put_object(Bucket=bucket, Key="w", Body=b"w"))
    with pytest.raises(ClientError) as e:
        iam.delete_group(GroupName="Readers")
    assert error_code(e) == "DeleteConflict"
    iam.remove_user_from_group(GroupName="Readers", UserName="reader")
    denied(lambda: reader.get_object(Bucket=bucket, Key="k"))


def test_explicit_deny_wins_over_any_allow(tenant):
    iam, s3 = tenant["iam"], tenant["s3"]
    bucket = f"deny-{suffix()}"
    s3.create_bucket(Bucket=bucket)
    for key in ("keep/a", "keep/b", "scratch/c"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    _, (_, _, user) = tenant["user"]("worker")
    iam.attach_user_policy(UserName="worker", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    iam.put_user_policy(UserName="worker", PolicyName="protect", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/keep/*"}],
    }))
    user.put_object(Bucket=bucket, Key="keep/new", Body=b"n")
    denied(lambda: user.delete_object(Bucket=bucket, Key="keep/a"))
    # DeleteObjects answers per key: the protected keys fail, the others go.
    out = user.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "keep/b"}, {"Key": "scratch/c"}]})
    assert [d["Key"] for d in out.get("Deleted", [])] == ["scratch/c"]
    assert [(e["Key"], e["Code"]) for e in out["Errors"]] == [("keep/b", "AccessDenied")]
    listed = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert listed == ["keep/a", "keep/b", "keep/new"]


def test_policy_variables_and_conditions(tenant):
    iam, s3 = tenant["iam"], tenant["s3"]
    bucket = f"home-{suffix()}"
    s3.create_bucket(Bucket=bucket)
    home_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
             "Resource": f"arn:aws:s3:::{bucket}/home/${{aws:username}}/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
             "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}},
        ],
    }
    _, (_, _, alice) = tenant["user"]("alice")
    iam.put_user_policy(UserName="alice", PolicyName="home", PolicyDocument=json.dumps(home_policy))
    alice.put_object(Bucket=bucket, Key="home/alice/notes", Body=b"mine")
    denied(lambda: alice.put_object(Bucket=bucket, Key="home/bob/notes", Body=b"not mine"))
    assert alice.list_objects_v2(Bucket=bucket, Prefix="home/alice/")["KeyCount"] == 1
    denied(lambda: alice.list_objects_v2(Bucket=bucket, Prefix="home/"))
    denied(lambda: alice.list_objects_v2(Bucket=bucket))

    # aws:SourceIp: the tests reach the server from loopback.
    _, (_, _, local) = tenant["user"]("local")
    iam.attach_user_policy(UserName="local", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    iam.put_user_policy(UserName="local", PolicyName="net", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                       "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}}],
    }))
    local.put_object(Bucket=bucket, Key="from-loopback", Body=b"ok")
    iam.put_user_policy(UserName="local", PolicyName="net", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                       "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}],
    }))
    denied(lambda: local.put_object(Bucket=bucket, Key="from-loopback", Body=b"no"))


def test_iam_permissions_come_from_policies_too(tenant):
    iam = tenant["iam"]
    _, (admin_iam, _, _) = tenant["user"]("auditor")
    with pytest.raises(ClientError) as e:
        admin_iam.list_users()
    assert error_code(e) == "AccessDenied"
    iam.attach_user_policy(UserName="auditor", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    assert "auditor" in [u["UserName"] for u in admin_iam.list_users()["Users"]]
    with pytest.raises(ClientError) as e:
        admin_iam.create_user(UserName="nope")
    assert error_code(e) == "AccessDenied"
    # A user allowed to manage its own keys only, through ${aws:username}.
    iam.put_user_policy(UserName="auditor", PolicyName="own-keys", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys"],
                       "Resource": "arn:aws:iam::*:user/${aws:username}"}],
    }))
    assert len(admin_iam.list_access_keys()["AccessKeyMetadata"]) == 1
    with pytest.raises(ClientError) as e:
        admin_iam.list_access_keys(UserName="someone-else")
    assert error_code(e) in ("AccessDenied", "NoSuchEntity")


def test_malformed_and_managed_policy_errors(tenant):
    iam = tenant["iam"]
    for bad in ("{not json", json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]})):
        with pytest.raises(ClientError) as e:
            iam.create_policy(PolicyName=f"bad-{suffix()}", PolicyDocument=bad)
        assert (error_code(e), http_status(e)) == ("MalformedPolicyDocument", 400), bad
    iam.create_user(UserName="u")
    with pytest.raises(ClientError) as e:
        iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}))
    assert error_code(e) == "MalformedPolicyDocument"
    arn = iam.create_policy(PolicyName="versions", PolicyDocument=CODEMAP_POLICY)["Policy"]["Arn"]
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=CODEMAP_POLICY)
    with pytest.raises(ClientError) as e:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=CODEMAP_POLICY)
    assert error_code(e) == "LimitExceeded"
    versions = [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]]
    assert versions == ["v5", "v4", "v3", "v2", "v1"]
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    with pytest.raises(ClientError) as e:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert error_code(e) == "DeleteConflict"
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    with pytest.raises(ClientError) as e:
        iam.attach_user_policy(UserName="u", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")
    assert error_code(e) == "NoSuchEntity"
    local = [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]
    assert local == ["versions"]
    assert "AmazonS3ReadOnlyAccess" in [p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]]


def test_tag_condition_keys(tenant):
    iam, s3 = tenant["iam"], tenant["s3"]
    bucket = f"tags-{suffix()}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="open", Body=b"o", Tagging="share=yes")
    s3.put_object(Bucket=bucket, Key="closed", Body=b"c", Tagging="share=no")
    _, (user_iam, _, user) = tenant["user"]("tagged")
    iam.put_user_policy(UserName="tagged", PolicyName="tags", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            # s3:ExistingObjectTag: only objects tagged share=yes.
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
             "Condition": {"StringEquals": {"s3:ExistingObjectTag/share": "yes"}}},
            # aws:RequestTag: uploads must carry team=maps (tagging on upload needs
            # s3:PutObjectTagging too, as AWS).
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging"], "Resource": f"arn:aws:s3:::{bucket}/*",
             "Condition": {"StringEquals": {"aws:RequestTag/team": "maps"}}},
            # aws:RequestTag on IAM: users may be created only with team=maps.
            {"Effect": "Allow", "Action": ["iam:CreateUser", "iam:TagUser"], "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestTag/team": "maps"}, "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}},
        ],
    }))
    assert user.get_object(Bucket=bucket, Key="open")["Body"].read() == b"o"
    denied(lambda: user.get_object(Bucket=bucket, Key="closed"))
    user.put_object(Bucket=bucket, Key="new", Body=b"n", Tagging="team=maps")
    denied(lambda: user.put_object(Bucket=bucket, Key="new2", Body=b"n", Tagging="team=other"))
    denied(lambda: user.put_object(Bucket=bucket, Key="new3", Body=b"n"))
    user_iam.create_user(UserName="made-by-user", Tags=[{"Key": "team", "Value": "maps"}])
    with pytest.raises(ClientError) as e:
        user_iam.create_user(UserName="untagged")
    assert error_code(e) == "AccessDenied"
    with pytest.raises(ClientError) as e:
        user_iam.create_user(UserName="extra", Tags=[{"Key": "team", "Value": "maps"}, {"Key": "cost", "Value": "x"}])
    assert error_code(e) == "AccessDenied"


def _claim_tls(client):
    """Adds what a TLS-terminating proxy adds: the tests run on loopback, a trusted proxy."""
    def add(request, **_):
        request.headers["X-Forwarded-Proto"] = "https"
    client.meta.events.register_first("before-sign", add)
    return client


def test_secure_transport_conditions_follow_the_trusted_proxy(tenant):
    """aws:SecureTransport is true only through a trusted proxy saying https (loopback by
    default): the common "deny insecure transport" guard then admits IAM and S3 calls."""
    iam = tenant["iam"]
    _, (user_iam, _, user_s3) = tenant["user"]("tls-only")
    iam.put_user_policy(UserName="tls-only", PolicyName="tls", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["iam:ListUsers", "s3:ListAllMyBuckets"], "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }))
    denied(user_iam.list_users)
    denied(user_s3.list_buckets)
    assert "tls-only" in [u["UserName"] for u in _claim_tls(user_iam).list_users()["Users"]]
    _claim_tls(user_s3).list_buckets()
