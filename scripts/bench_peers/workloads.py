"""The workloads of scripts/bench-peers: one table that the runner and the report share.

Each workload is one `coffer bench` invocation, run `rounds` times against each of its
servers, the server order rotating every round. `metrics` are the table rows it feeds:
(metric key, unit, better), where the key names a field of the bench JSON (`p99` is
latency_ms.p99) and better is "higher" or "lower".

Servers: `coffer` (as shipped: fsync on, encryption on), `seaweedfs`, and the Coffer
variants `coffer-nofsync` (--no-fsync) and `coffer-noenc` (--no-encryption).
"""

import re

SERVERS = ["coffer", "seaweedfs"]
VARIANTS = {
    "coffer-nofsync": "--no-fsync",
    "coffer-noenc": "--no-encryption",
}
LABELS = {
    "coffer": "Coffer",
    "seaweedfs": "SeaweedFS",
    "coffer-nofsync": "Coffer --no-fsync",
    "coffer-noenc": "Coffer --no-encryption",
}

OPS = ("ops_per_s", "ops/s", "higher")
MIBS = ("mib_per_s", "MiB/s", "higher")
KEYS = ("keys_per_s", "keys/s", "higher")
DELS = ("ops_per_s", "objects/s", "higher")
P99 = ("p99", "p99 ms", "lower")

# quick: the overrides of a --quick smoke run (fewer objects, smaller sizes).
WORKLOADS = [
    {
        "id": "put-4k",
        "label": "4 KiB PUT, 32 streams",
        "args": "put --size 4KiB --concurrency 32",
        "metrics": [OPS],
        "variants": ["coffer-nofsync"],
    },
    {
        "id": "get-4k",
        "label": "4 KiB GET, 32 streams",
        "args": "get --size 4KiB --objects 10000 --concurrency 32",
        "quick": {"--objects": "500"},
        "metrics": [OPS],
        "variants": [],
    },
    {
        "id": "mixed-64k",
        "label": "mixed 64 KiB (45% GET, 30% HEAD, 15% PUT, 10% DELETE), 32 streams",
        "args": "mixed --size 64KiB --objects 2000 --concurrency 32",
        "quick": {"--objects": "200"},
        "metrics": [OPS, P99],
        "variants": [],
    },
    {
        "id": "put-1m",
        "label": "1 MiB PUT, 8 streams",
        "args": "put --size 1MiB --concurrency 8",
        "metrics": [MIBS],
        "variants": ["coffer-nofsync"],
    },
    {
        "id": "get-1m",
        "label": "1 MiB GET, 8 streams",
        "args": "get --size 1MiB --objects 256 --concurrency 8",
        "quick": {"--objects": "32"},
        "metrics": [MIBS],
        "variants": [],
    },
    {
        "id": "put-64m",
        "label": "64 MiB PUT, 1 stream",
        "args": "put --size 64MiB --concurrency 1",
        "metrics": [MIBS],
        "variants": ["coffer-nofsync", "coffer-noenc"],
    },
    {
        "id": "get-64m",
        "label": "64 MiB GET, 1 stream",
        "args": "get --size 64MiB --objects 8 --concurrency 1",
        "quick": {"--objects": "2"},
        "metrics": [MIBS],
        "variants": ["coffer-noenc"],
    },
    {
        "id": "list-100k",
        "label": "full flat listing of a {objects}-key bucket, {streams}",
        # Without --prepare-concurrency the bench fills the bucket with --concurrency
        # workers, so the listing runs 16 full listings at once to keep the fill short.
        "args": "list --size 0 --objects 100000 --concurrency 16",
        "args_prepare": "list --size 0 --objects 100000 --concurrency 1 --prepare-concurrency 32",
        "quick": {"--objects": "2000"},
        "metrics": [KEYS],
        "variants": [],
    },
    {
        "id": "multipart-64m",
        "label": "multipart upload, {size} in 8 MiB parts, 4 uploads at once",
        "args": "multipart --size 64MiB --part-size 8MiB --concurrency 4",
        "quick": {"--size": "16MiB"},
        "metrics": [MIBS],
        "variants": [],
    },
    {
        "id": "delete-1",
        "label": "DeleteObject of {objects} 4 KiB objects, 32 streams",
        "args": "delete --size 4KiB --objects 10000 --batch 1 --concurrency 32",
        "quick": {"--objects": "1000"},
        "metrics": [DELS],
        "variants": [],
    },
    {
        "id": "delete-1000",
        "label": "DeleteObjects (1,000 keys each) of {objects} 4 KiB objects, 8 streams",
        "args": "delete --size 4KiB --objects 20000 --batch 1000 --concurrency 8",
        "quick": {"--objects": "2000"},
        "metrics": [DELS],
        "variants": [],
    },
]

BY_ID = {w["id"]: w for w in WORKLOADS}


def args_of(w, quick=False, prepare_concurrency=False):
    """The bench arguments of workload `w` (a list), with the --quick overrides applied."""
    text = w["args_prepare"] if prepare_concurrency and "args_prepare" in w else w["args"]
    args = text.split()
    if quick:
        for flag, value in w.get("quick", {}).items():
            if flag in args:
                args[args.index(flag) + 1] = value
            else:
                args += [flag, value]
    return args


def label_of(w, quick=False, args=None):
    """The row label, its {objects}, {size} and {streams} filled from the arguments run
    (`args`, else those the plan gives)."""
    args = args or args_of(w, quick)

    def value(flag):
        return args[args.index(flag) + 1] if flag in args else ""

    objects = value("--objects")
    size = value("--size")
    streams = value("--concurrency")
    return w["label"].format(
        streams="1 stream" if streams == "1" else f"{streams} streams at once",
        objects=f"{int(objects):,}" if objects.isdigit() else objects,
        size=re.sub(r"(\d)([KMGT]iB)", r"\1 \2", size),
    )


def plan(quick=False, only=None, variants=True, variants_available=(), prepare_concurrency=False):
    """[(workload id, [servers], [bench args])] in run order."""
    out = []
    for w in WORKLOADS:
        if only and w["id"] not in only:
            continue
        servers = list(SERVERS)
        if variants:
            servers += [v for v in w["variants"] if v in variants_available]
        out.append((w["id"], servers, args_of(w, quick, prepare_concurrency)))
    return out
