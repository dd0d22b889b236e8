"""`aws s3 sync` up, down and bucket-to-bucket."""

import os
import shutil
import time

from e2e_util import (
    MiB,
    cli_lines,
    cli_results,
    list_all,
    sha256_bytes,
    tree_sizes,
    tree_snapshot,
)

# relative path -> size. 30 files: nested dirs, empty files, spaces, unicode,
# and one file above the CLI's 8 MiB multipart threshold.
TREE = {
    "a.txt": 10,
    "empty.bin": 0,
    "with space.txt": 100,
    "ünïcødé.txt": 1000,
    "日本語のファイル.txt": 2048,
    "emoji-😀.bin": 3,
    "big.bin": 9 * MiB + 123,
    "dir1/a.bin": 4096,
    "dir1/empty": 0,
    "dir1/sub/b.bin": 65536,
    "dir1/sub/deeper/c.bin": 65537,
    "dir1/sub/deeper/deepest/d.bin": 1,
    "dir1/sub/deeper/deepest/e.bin": 777,
    "dir with space/x y.txt": 12,
    "dir with space/nested dir/z.txt": 13,
    "dïr/ñ.txt": 14,
    "dïr/sub dïr/ö ä ü.bin": 1500,
    "data/0.bin": 1,
    "data/1.bin": 11,
    "data/2.bin": 111,
    "data/3.bin": 1111,
    "data/4.bin": 11111,
    "data/5.bin": 111111,
    "data/6.bin": MiB + 1,
    "data/7.bin": 2 * MiB,
    "data/8.bin": 0,
    "data/9.bin": 5,
    "misc/+plus+.txt": 7,
    "misc/percent%41.txt": 8,
    "misc/semi;colon=equals&amp.txt": 9,
}
assert len(TREE) == 30

OLD = time.time() - 3600


def _write(root, rel, size):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    # Local files older than any upload: a no-op sync stays a no-op even
    # when the server's LastModified has one-second resolution.
    os.utime(path, (OLD, OLD))


def _make_tree(root, spec):
    for rel, size in spec.items():
        _write(root, rel, size)


def _remote_snapshot(s3, bucket, prefix):
    """{relative key: sha256} of every object under prefix."""
    out = {}
    for key in list_all(s3, bucket, prefix):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        out[key[len(prefix):]] = sha256_bytes(body)
    return out


def test_sync_up_modify_delete_down_and_bucket_to_bucket(aws, s3, bucket_factory, tmp_path):
    src_bucket = bucket_factory("sync-a")
    dst_bucket = bucket_factory("sync-b")
    prefix = "backup/p"
    src = tmp_path / "src"
    _make_tree(src, TREE)
    # An object outside the synced prefix must never be touched.
    s3.put_object(Bucket=src_bucket, Key="outside.txt", Body=b"outside")

    # 1. Initial upload.
    out = aws("s3", "sync", "--delete", "--no-progress", src, f"s3://{src_bucket}/{prefix}")
    assert len(cli_results(out, "upload")) == len(TREE), out
    assert cli_results(out, "delete") == []
    expected = {f"{prefix}/{rel}": size for rel, size in TREE.items()}
    assert list_all(s3, src_bucket, f"{prefix}/") == expected

    # Nothing changed: a second sync does nothing.
    out = aws("s3", "sync", "--delete", "--no-progress", src, f"s3://{src_bucket}/{prefix}")
    assert cli_lines(out) == []

    # 2. Modify (sizes change), delete and add local files, then sync again.
    modified = {"a.txt": 20, "dir1/sub/b.bin": 70000, "data/8.bin": 5, "日本語のファイル.txt": 1}
    deleted = ["empty.bin", "dir1/sub/deeper/deepest/d.bin", "dïr/ñ.txt", "data/6.bin", "misc/+plus+.txt"]
    added = {"new/file.txt": 42, "dir1/new empty": 0, "ζ/new ünï.bin": 4321}
    for rel, size in {**modified, **added}.items():
        _write(src, rel, size)
    for rel in deleted:
        (src / rel).unlink()
    shutil.rmtree(src / "dïr" / "sub dïr")  # a whole subtree disappears
    deleted.append("dïr/sub dïr/ö ä ü.bin")

    out = aws("s3", "sync", "--delete", "--no-progress", src, f"s3://{src_bucket}/{prefix}")
    assert cli_results(out, "delete") == sorted(f"delete: s3://{src_bucket}/{prefix}/{rel}" for rel in deleted)
    uploads = cli_results(out, "upload")
    assert sorted(u.rsplit(" to ", 1)[1] for u in uploads) == sorted(
        f"s3://{src_bucket}/{prefix}/{rel}" for rel in {**modified, **added}
    )

    local = tree_sizes(src)
    assert list_all(s3, src_bucket, f"{prefix}/") == {f"{prefix}/{rel}": size for rel, size in local.items()}
    assert list_all(s3, src_bucket, "outside") == {"outside.txt": 7}

    # 3. Sync down into a fresh directory: byte-exact tree.
    down = tmp_path / "down"
    aws("s3", "sync", "--no-progress", f"s3://{src_bucket}/{prefix}", down)
    assert tree_snapshot(down) == tree_snapshot(src)

    # 4. Bucket to bucket (server-side copies, multipart copy for big.bin).
    out = aws("s3", "sync", "--no-progress", f"s3://{src_bucket}/{prefix}", f"s3://{dst_bucket}/{prefix}")
    assert len(cli_results(out, "copy")) == len(local), out
    assert list_all(s3, dst_bucket) == list_all(s3, src_bucket, f"{prefix}/")
    assert _remote_snapshot(s3, dst_bucket, f"{prefix}/") == tree_snapshot(src)

    # A bucket-to-bucket sync with --delete removes what the source lost.
    s3.delete_object(Bucket=src_bucket, Key=f"{prefix}/a.txt")
    out = aws("s3", "sync", "--delete", "--no-progress", f"s3://{src_bucket}/{prefix}", f"s3://{dst_bucket}/{prefix}")
    assert cli_results(out, "delete") == [f"delete: s3://{dst_bucket}/{prefix}/a.txt"]
    assert list_all(s3, dst_bucket) == list_all(s3, src_bucket, f"{prefix}/")
