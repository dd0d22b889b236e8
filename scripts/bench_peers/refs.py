"""The machine's reference limits, what no object store on it can beat, and its facts.
Each is measured 3 times (the median is reported, with every run: a virtual disk varies).

- seq_write_fsync_mib_s: sequential 1 MiB writes of random bytes to a file on the data
  disk, then one fsync; the clock covers the writes and the fsync.
- fdatasync_4k_per_s: 4 KiB appends to a file on the data disk, each followed by
  fdatasync (what one durable small write costs when nothing batches them).
- loopback_mib_s: one TCP stream over 127.0.0.1 between two processes, 1 MiB buffers.
- md5_one_core_mib_s: hashlib.md5 (OpenSSL's MD5) over 1 MiB buffers on one core: the
  ceiling of one PUT stream that computes its ETag.
- read_ceiling_mib_s: Coffer's own read pipeline with everything but the work a GET
  cannot skip taken away (crates/coffer-blob/examples/read_ceiling.rs): pread of 1 MiB
  batches of an encrypted blob in the page cache, AES-256-GCM decryption in place, a
  loopback TCP send from a second thread, and a receiver comparing every byte. No HTTP,
  no async runtime, no allocation. Also its unencrypted figure.
"""

import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time

MIB = 1 << 20


def seq_write_fsync(directory, total_mib):
    path = os.path.join(directory, "ref-seq-write.bin")
    block = os.urandom(MIB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start = time.perf_counter()
        for _ in range(total_mib):
            os.write(fd, block)
        os.fsync(fd)
        elapsed = time.perf_counter() - start
    finally:
        os.close(fd)
        os.unlink(path)
    return {"mib": total_mib, "seconds": round(elapsed, 3), "mib_per_s": round(total_mib / elapsed, 1)}


def fdatasync_4k(directory, seconds):
    path = os.path.join(directory, "ref-4k-fdatasync.bin")
    block = os.urandom(4096)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    n = 0
    try:
        start = time.perf_counter()
        while True:
            os.write(fd, block)
            os.fdatasync(fd)
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
    finally:
        os.close(fd)
        os.unlink(path)
    return {"writes": n, "seconds": round(elapsed, 3), "per_s": round(n / elapsed, 1)}


_RECEIVER = r"""
import socket, sys, time
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
buf = bytearray(1 << 20)
view = memoryview(buf)
total = 0
first = None
while True:
    n = conn.recv_into(view)
    if not n:
        break
    if first is None:
        first = time.perf_counter()
    total += n
print(total, time.perf_counter() - first, flush=True)
"""


def loopback(seconds):
    recv = subprocess.Popen([sys.executable, "-c", _RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(recv.stdout.readline())
        block = memoryview(os.urandom(MIB))
        s = socket.create_connection(("127.0.0.1", port))
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            s.sendall(block)
        s.shutdown(socket.SHUT_WR)
        s.close()
        total, elapsed = recv.stdout.readline().split()
        total, elapsed = int(total), float(elapsed)
    finally:
        recv.wait(timeout=30)
    return {
        "mib": round(total / MIB, 1),
        "seconds": round(elapsed, 3),
        "mib_per_s": round(total / MIB / elapsed, 1),
    }


def md5_one_core(total_mib):
    block = os.urandom(MIB)
    h = hashlib.md5()
    start = time.perf_counter()
    for _ in range(total_mib):
        h.update(block)
    h.hexdigest()
    elapsed = time.perf_counter() - start
    return {"mib": total_mib, "seconds": round(elapsed, 3), "mib_per_s": round(total_mib / elapsed, 1)}


def read_ceiling(binary, directory, seconds):
    out = subprocess.run(
        [binary, "--dir", directory, "--seconds", str(seconds), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout)


def measure(directory, quick=False, ceiling=None):
    """Each limit measured 3 times (once with quick); the median run, with every rate."""
    os.makedirs(directory, exist_ok=True)
    reps = 1 if quick else 3
    steps = [
        ("seq_write_fsync", "mib_per_s", lambda: seq_write_fsync(directory, 256 if quick else 1024)),
        ("fdatasync_4k", "per_s", lambda: fdatasync_4k(directory, 1.0 if quick else 3.0)),
        ("loopback", "mib_per_s", lambda: loopback(1.0 if quick else 3.0)),
        ("md5_one_core", "mib_per_s", lambda: md5_one_core(256 if quick else 1024)),
    ]
    if ceiling:
        steps.append(("read_ceiling", "mib_per_s", lambda: read_ceiling(ceiling, directory, 1 if quick else 3)))
    out = {}
    for name, rate, step in steps:
        runs = []
        for _ in range(reps):
            os.sync()
            runs.append(step())
        runs.sort(key=lambda r: r[rate])
        out[name] = dict(runs[len(runs) // 2], runs=[r[rate] for r in runs])
        print(f"    {name}: {out[name][rate]:,.1f} (runs: {out[name]['runs']})", file=sys.stderr, flush=True)
    return out


def _run(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(directory):
    info = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            cpuinfo = f.read()
        m = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        info["cpu_model"] = m.group(1).strip() if m else "unknown"
        m = re.search(r"^cpu MHz\s*:\s*(.+)$", cpuinfo, re.M)
        info["cpu_mhz"] = round(float(m.group(1))) if m else None
    except OSError:
        info["cpu_model"] = "unknown"
    try:
        with open("/proc/meminfo") as f:
            m = re.search(r"^MemTotal:\s*(\d+) kB", f.read(), re.M)
        info["mem_gib"] = round(int(m.group(1)) / (1 << 20), 1)
    except (OSError, AttributeError):
        info["mem_gib"] = None
    # The filesystem that holds the data dirs, and the block device under it.
    info["data_dir"] = directory
    info["df"] = _run(["df", "-h", "--output=source,fstype,size,used,avail,target", directory])
    source = _run(["findmnt", "-n", "-o", "SOURCE", "--target", directory]) or (
        info["df"].splitlines()[-1].split()[0] if info["df"] else ""
    )
    info["device"] = source
    info["fstype"] = _run(["findmnt", "-n", "-o", "FSTYPE", "--target", directory])
    info["mount_options"] = _run(["findmnt", "-n", "-o", "OPTIONS", "--target", directory])
    dev = os.path.basename(source)
    rot = f"/sys/class/block/{dev}/queue/rotational"
    if os.path.exists(rot):
        with open(rot) as f:
            info["rotational"] = f.read().strip() == "1"
    model = f"/sys/class/block/{dev}/device/model"
    if os.path.exists(model):
        with open(model) as f:
            info["disk_model"] = f.read().strip()
    elif dev.startswith("vd"):
        info["disk_model"] = "virtio block device"
    total, _, free = shutil.disk_usage(directory)
    info["disk_size_gib"] = round(total / (1 << 30), 1)
    info["disk_free_gib"] = round(free / (1 << 30), 1)
    return info
