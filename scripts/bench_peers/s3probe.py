"""Readiness probe for an S3 endpoint: a SigV4-signed ListBuckets (GET /), stdlib only.

`wait_ready` polls until the endpoint answers 200 to a request signed with the given
keys, so a server counts as ready only once it accepts exactly the credentials the
benchmark will use (an unsigned probe would pass on a server that rejects them).
"""

import datetime
import hashlib
import hmac
import http.client
import json
import time
import urllib.parse

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signed_headers(method, url, access_key, secret_key, region="us-east-1"):
    """Headers of a SigV4 (service s3) request with an empty body."""
    u = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    path = urllib.parse.quote(u.path or "/", safe="/-_.~")
    query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
        for k, v in sorted(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
    )
    headers = {"host": u.netloc, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    names = sorted(headers)
    canonical = "\n".join(
        [method, path, query, "".join(f"{n}:{headers[n]}\n" for n in names), ";".join(names), EMPTY_SHA256]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), day), region), "s3"), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def request(method, url, access_key=None, secret_key=None, timeout=5.0):
    """(status, body bytes); signed when keys are given."""
    u = urllib.parse.urlsplit(url)
    headers = signed_headers(method, url, access_key, secret_key) if access_key else {}
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, (u.path or "/") + (f"?{u.query}" if u.query else ""), headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def seaweedfs_volume_registered(master_url):
    """True once the master's topology holds a volume server with free slots."""
    try:
        status, body = request("GET", master_url.rstrip("/") + "/dir/status")
        return status == 200 and json.loads(body).get("Topology", {}).get("Free", 0) > 0
    except (OSError, ValueError, http.client.HTTPException):
        return False


def wait_ready(endpoint, access_key, secret_key, timeout_s, pid=None, seaweedfs_master=None):
    """Polls every 0.1 s; returns seconds waited, or raises with the last answer seen."""
    start = time.monotonic()
    last = "no answer"
    while time.monotonic() - start < timeout_s:
        if pid is not None and not _alive(pid):
            raise RuntimeError(f"the server (pid {pid}) exited while starting; last probe: {last}")
        try:
            status, body = request("GET", endpoint.rstrip("/") + "/", access_key, secret_key)
            last = f"HTTP {status}: {body[:300]!r}"
            if status == 200 and (seaweedfs_master is None or seaweedfs_volume_registered(seaweedfs_master)):
                return time.monotonic() - start
            if status == 200:
                last = "S3 answers, but no volume server has registered with the master yet"
        except (OSError, http.client.HTTPException) as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.1)
    raise RuntimeError(f"{endpoint} not ready after {timeout_s} s; last probe: {last}")


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            # A zombie (state Z) has exited: nothing will answer any more.
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
