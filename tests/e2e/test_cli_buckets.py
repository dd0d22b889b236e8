"""Bucket lifecycle through the AWS CLI (v1)."""

import json

from e2e_util import cli_lines, cli_results


def _bucket_names(ls_output):
    # `aws s3 ls` prints "YYYY-MM-DD hh:mm:ss NAME" per bucket.
    names = []
    for line in ls_output.splitlines():
        parts = line.split(" ", 2)
        assert len(parts) == 3, f"unexpected `aws s3 ls` line: {line!r}"
        names.append(parts[2])
    return names


def test_mb_ls_head_rb(aws, bucket_factory):
    name = bucket_factory("mb", create=False)

    assert aws("s3", "mb", f"s3://{name}") == f"make_bucket: {name}\n"
    assert name in _bucket_names(aws("s3", "ls"))

    aws("s3api", "head-bucket", "--bucket", name)
    loc = json.loads(aws("s3api", "get-bucket-location", "--bucket", name, "--output", "json"))
    # us-east-1 is reported as an empty LocationConstraint, like S3.
    assert loc.get("LocationConstraint") is None

    # An empty bucket listing prints nothing.
    assert aws("s3", "ls", f"s3://{name}") == ""

    assert aws("s3", "rb", f"s3://{name}") == f"remove_bucket: {name}\n"
    assert name not in _bucket_names(aws("s3", "ls"))
    r = aws.run("s3api", "head-bucket", "--bucket", name)
    assert r.returncode != 0
    assert "(404)" in r.stderr, r.stderr


def test_create_bucket_with_location_constraint(aws, bucket_factory):
    name = bucket_factory("loc", create=False)
    aws(
        "s3api", "create-bucket", "--bucket", name,
        "--create-bucket-configuration", "LocationConstraint=us-west-2",
    )
    loc = json.loads(aws("s3api", "get-bucket-location", "--bucket", name, "--output", "json"))
    assert loc == {"LocationConstraint": "us-west-2"}
    aws("s3api", "head-bucket", "--bucket", name)


def test_head_missing_bucket_is_404(aws, bucket_factory):
    name = bucket_factory("missing", create=False)
    r = aws.run("s3api", "head-bucket", "--bucket", name)
    assert r.returncode != 0
    assert "An error occurred (404) when calling the HeadBucket operation" in r.stderr, r.stderr


def test_rb_non_empty_fails_then_force(aws, bucket_factory, tmp_path, s3):
    name = bucket_factory("rb")
    f = tmp_path / "f.txt"
    f.write_bytes(b"keep me\n")
    aws("s3", "cp", "--no-progress", f, f"s3://{name}/a/f.txt")
    aws("s3", "cp", "--no-progress", f, f"s3://{name}/g.txt")

    r = aws.run("s3", "rb", f"s3://{name}")
    assert r.returncode != 0
    assert "BucketNotEmpty" in r.stderr, r.stderr
    # Nothing was removed.
    aws("s3api", "head-bucket", "--bucket", name)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == ["a/f.txt", "g.txt"]

    out = aws("s3", "rb", "--force", f"s3://{name}")
    assert cli_lines(out)[-1] == f"remove_bucket: {name}"
    assert cli_results(out, "delete") == [
        f"delete: s3://{name}/a/f.txt",
        f"delete: s3://{name}/g.txt",
    ]
    r = aws.run("s3api", "head-bucket", "--bucket", name)
    assert r.returncode != 0
    assert "(404)" in r.stderr, r.stderr
