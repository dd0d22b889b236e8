"""End-to-end fixtures: one real `coffer serve` process for the whole session.

The binary comes from $COFFER_BIN, else <repo>/target/debug/coffer.  The AWS
CLI (v1) and boto3 are used exactly as a user would, with their default
settings (in particular the default request checksums), pointed at the server
on a free loopback port.  The user's own AWS config never leaks in.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from e2e_util import (
    CLI_TIMEOUT_S,
    READY_TIMEOUT_S,
    REGION,
    REPO_ROOT,
    ROOT_ACCESS_KEY,
    STS_SESSION_SECS,
    ROOT_SECRET_KEY,
    STOP_TIMEOUT_S,
    VHOST_DOMAIN,
    empty_and_delete_bucket,
    unique_bucket_name,
)

_server_logs = {}


def _coffer_bin():
    configured = os.environ.get("COFFER_BIN")
    path = Path(configured).resolve() if configured else REPO_ROOT / "target" / "debug" / "coffer"
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"coffer binary not found or not executable: {path} "
            "(set COFFER_BIN or build it with `cargo build`)",
            pytrace=False,
        )
    return path


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path, limit=16000):
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    text = data[-limit:].decode("utf-8", "replace")
    return text if text.strip() else "<empty>"


# A urllib opener that never goes through an HTTP proxy.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _ready(url):
    try:
        with _direct.open(url, timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _stop(proc):
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)


# --------------------------------------------------------------------------
# environment isolation for this (pytest) process


@pytest.fixture(scope="session", autouse=True)
def _isolated_aws_env(tmp_path_factory):
    """Keep the user's AWS config/credentials/env out of boto3 in this process."""
    cfg_dir = tmp_path_factory.mktemp("aws-home")
    mp = pytest.MonkeyPatch()
    for name in list(os.environ):
        if name.startswith("AWS_"):
            mp.delenv(name)
    mp.setenv("AWS_CONFIG_FILE", str(cfg_dir / "nonexistent-config"))
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(cfg_dir / "nonexistent-credentials"))
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
    no_proxy = ",".join(x for x in (os.environ.get("NO_PROXY"), "127.0.0.1,localhost") if x)
    mp.setenv("NO_PROXY", no_proxy)
    mp.setenv("no_proxy", no_proxy)
    yield cfg_dir
    mp.undo()


# --------------------------------------------------------------------------
# the server


@pytest.fixture(scope="session")
def coffer_server(tmp_path_factory, _isolated_aws_env):
    binary = _coffer_bin()
    base = tmp_path_factory.mktemp("coffer")
    data_dir = base / "data"
    data_dir.mkdir()
    stdout_log = base / "server.stdout.log"
    stderr_log = base / "server.stderr.log"
    port = _free_port()
    address = f"127.0.0.1:{port}"
    endpoint = f"http://{address}"

    env = dict(os.environ)
    env.update(
        COFFER_ADDRESS=address,
        COFFER_DATA_DIR=str(data_dir),
        COFFER_REGION=REGION,
        COFFER_ROOT_ACCESS_KEY=ROOT_ACCESS_KEY,
        COFFER_ROOT_SECRET_KEY=ROOT_SECRET_KEY,
        # Virtual-hosted style under a name that resolves nowhere; test_vhost.py maps it
        # to the loopback address inside the test process.
        COFFER_DOMAIN=VHOST_DOMAIN,
        # The suite talks plain HTTP on loopback, where SSE-C keys are allowed only so.
        COFFER_ALLOW_SSE_C_OVER_HTTP="true",
        # STS sessions end after this many seconds whatever they ask for, so that
        # test_iam_roles.py can watch one expire (AWS's shortest is 15 minutes).
        COFFER_STS_MAX_SESSION_SECS=str(STS_SESSION_SECS),
    )
    cmd = [str(binary), "serve", "--address", address, "--data-dir", str(data_dir), "--region", REGION]
    with open(stdout_log, "wb") as out, open(stderr_log, "wb") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=base)
    _server_logs.update(stdout=stdout_log, stderr=stderr_log, pid=proc.pid)

    ready_url = f"{endpoint}/health/ready"
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(
                f"coffer exited with code {proc.returncode} before becoming ready\n"
                f"command: {' '.join(cmd)}\n--- stderr ({stderr_log}) ---\n{_tail(stderr_log)}\n"
                f"--- stdout ({stdout_log}) ---\n{_tail(stdout_log)}",
                pytrace=False,
            )
        if _ready(ready_url):
            break
        if time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(
                f"coffer did not answer 200 on {ready_url} within {READY_TIMEOUT_S:.0f}s\n"
                f"command: {' '.join(cmd)}\n--- stderr ({stderr_log}) ---\n{_tail(stderr_log)}\n"
                f"--- stdout ({stdout_log}) ---\n{_tail(stdout_log)}",
                pytrace=False,
            )
        time.sleep(0.1)

    yield {"endpoint": endpoint, "port": port, "process": proc, "data_dir": data_dir, "domain": VHOST_DOMAIN}

    _stop(proc)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _server_logs:
        return
    terminalreporter.write_sep("-", "coffer server")
    terminalreporter.write_line(f"pid {_server_logs['pid']}")
    terminalreporter.write_line(f"stderr log: {_server_logs['stderr']}")
    terminalreporter.write_line(f"stdout log: {_server_logs['stdout']}")
    if exitstatus != 0:
        terminalreporter.write_line("--- tail of server stderr ---")
        terminalreporter.write_line(_tail(_server_logs["stderr"], 8000))


@pytest.fixture(scope="session")
def endpoint(coffer_server):
    return coffer_server["endpoint"]


@pytest.fixture(scope="session")
def coffer_bin():
    return _coffer_bin()


# --------------------------------------------------------------------------
# clients


@pytest.fixture(scope="session")
def client_factory(endpoint):
    """Build an S3 client for the server; defaults are root credentials and
    botocore's default config (default checksum behaviour untouched)."""

    def make(access_key=ROOT_ACCESS_KEY, secret_key=ROOT_SECRET_KEY, config=None):
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=REGION,
        )
        return session.client("s3", endpoint_url=endpoint, config=config or Config())

    return make


@pytest.fixture(scope="session")
def s3(client_factory):
    return client_factory()


@pytest.fixture(scope="session")
def env(endpoint, _isolated_aws_env):
    """Environment for subprocess calls of the aws CLI."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(
        AWS_ACCESS_KEY_ID=ROOT_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=ROOT_SECRET_KEY,
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
        AWS_CONFIG_FILE=str(_isolated_aws_env / "nonexistent-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(_isolated_aws_env / "nonexistent-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
        PYTHONUTF8="1",
        PYTHONIOENCODING="utf-8",
    )
    return e


def _aws_command():
    exe = Path(sys.executable).parent / "aws"
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("aws", path=str(Path(sys.executable).parent))
    if found:
        return [found]
    # awscli v1 is importable as a module from the same interpreter.
    return [sys.executable, "-m", "awscli"]


class AwsCli:
    """`aws(*args)` runs the CLI against the server, fails the test on a
    non-zero exit and returns stdout; `aws.run(*args)` returns the
    CompletedProcess without checking."""

    def __init__(self, endpoint, env):
        self.endpoint = endpoint
        self.env = env
        self.base = _aws_command()

    def run(self, *args, env=None, cwd=None, timeout=CLI_TIMEOUT_S):
        cmd = [*self.base, "--endpoint-url", self.endpoint, *(str(a) for a in args)]
        return subprocess.run(
            cmd,
            env=env or self.env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            encoding="utf-8",
            timeout=timeout,
        )

    def __call__(self, *args, env=None, cwd=None, timeout=CLI_TIMEOUT_S):
        r = self.run(*args, env=env, cwd=cwd, timeout=timeout)
        if r.returncode != 0:
            pytest.fail(
                f"aws {' '.join(str(a) for a in args)} exited with {r.returncode}\n"
                f"--- stdout ---\n{r.stdout}\n--- stderr ---\n{r.stderr}",
                pytrace=False,
            )
        return r.stdout


@pytest.fixture(scope="session")
def aws(endpoint, env):
    return AwsCli(endpoint, env)


# --------------------------------------------------------------------------
# buckets


@pytest.fixture
def bucket_factory(s3):
    """`bucket_factory()` creates a fresh bucket and returns its name;
    `bucket_factory(create=False)` only reserves a unique name. Every name is
    cleaned up (best effort) after the test."""
    names = []

    def make(tag="b", create=True):
        name = unique_bucket_name(tag)
        names.append(name)
        if create:
            s3.create_bucket(Bucket=name)
        return name

    yield make
    for name in names:
        empty_and_delete_bucket(s3, name)


@pytest.fixture
def bucket(bucket_factory):
    return bucket_factory()

