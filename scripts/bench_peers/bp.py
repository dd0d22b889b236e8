"""Helper commands of scripts/bench-peers (stdlib only; runs in .venv-bench).

ports N                      N free TCP ports on 127.0.0.1, one line
wait-ready ...               poll an S3 endpoint until a signed ListBuckets answers 200
machine DIR                  the machine's facts (CPU, memory, the disk under DIR) as JSON
refs DIR [--quick] [--ceiling BIN]
                             the reference limits measured on DIR's disk, as JSON
plan [...]                   the runs: WORKLOAD<TAB>SERVER,SERVER...<TAB>BENCH ARGS
summarize FILE               one line about one bench JSON file (exit 1 if unreadable)
json-set FILE KEY VALUE      set KEY (dots for nesting) in a JSON file; --json parses VALUE
report RUN_DIR ...           write the docs section of a run
"""

import argparse
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import refs
import report
import s3probe
import workloads


def cmd_ports(a):
    socks = []
    for _ in range(a.n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def cmd_wait_ready(a):
    try:
        waited = s3probe.wait_ready(
            a.endpoint, a.access_key, a.secret_key, a.timeout, pid=a.pid, seaweedfs_master=a.seaweedfs_master
        )
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"{waited:.1f}")


def cmd_machine(a):
    m = refs.machine(a.dir)
    print(json.dumps(m, indent=2))
    print(
        f"    {m['nproc']} cores, {m['cpu_model']}, {m['mem_gib']} GiB RAM; data dirs on "
        f"{m['device']} ({m['fstype']}), {m['disk_free_gib']} GiB free",
        file=sys.stderr,
    )


def cmd_refs(a):
    print(json.dumps(refs.measure(a.dir, quick=a.quick, ceiling=a.ceiling), indent=2))


def cmd_plan(a):
    only = set(a.only.split(",")) if a.only else None
    if only:
        unknown = only - set(workloads.BY_ID)
        if unknown:
            sys.exit(
                f"unknown workload(s): {', '.join(sorted(unknown))}; known: {', '.join(workloads.BY_ID)}"
            )
    avail = a.variants_available.split(",") if a.variants_available else []
    for wid, servers, args in workloads.plan(a.quick, only, not a.no_variants, avail, a.prepare_concurrency):
        print(f"{wid}\t{','.join(servers)}\t{' '.join(args)}")


def cmd_summarize(a):
    r = report.parse_bench_json(a.file)
    if r is None:
        print(f"no JSON object in {a.file}")
        sys.exit(1)
    lat = r.get("latency_ms") or {}
    parts = [f"{r.get('ops_per_s', 0):,.0f} ops/s", f"{r.get('mib_per_s', 0):,.1f} MiB/s"]
    if r.get("keys_per_s") is not None:
        parts.append(f"{r['keys_per_s']:,.0f} keys/s")
    parts.append(f"p99 {lat.get('p99', 0):.2f} ms")
    parts.append(f"{r.get('errors', 0)} errors")
    if r.get("errors"):
        parts.append(json.dumps(r.get("error_kinds")))
    print(", ".join(parts))


def cmd_json_set(a):
    data = {}
    if os.path.exists(a.file):
        with open(a.file) as f:
            data = json.load(f)
    value = json.loads(a.value) if a.json else a.value
    node = data
    *path, last = a.key.split(".")
    for k in path:
        node = node.setdefault(k, {})
    node[last] = value
    with open(a.file + ".tmp", "w") as f:
        json.dump(data, f, indent=2)
    os.replace(a.file + ".tmp", a.file)


def cmd_report(a):
    section = report.render(a.run_dir, a.targets, a.command_line)
    with open(os.path.join(a.run_dir, "section.md"), "w") as f:
        f.write(section)
    report.splice(a.doc, section, a.out)
    print(a.out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ports")
    s.add_argument("n", type=int)
    s.set_defaults(f=cmd_ports)
    s = sub.add_parser("wait-ready")
    s.add_argument("--endpoint", required=True)
    s.add_argument("--access-key", required=True)
    s.add_argument("--secret-key", required=True)
    s.add_argument("--timeout", type=float, default=60)
    s.add_argument("--pid", type=int)
    s.add_argument("--seaweedfs-master")
    s.set_defaults(f=cmd_wait_ready)
    s = sub.add_parser("machine")
    s.add_argument("dir")
    s.set_defaults(f=cmd_machine)
    s = sub.add_parser("refs")
    s.add_argument("dir")
    s.add_argument("--quick", action="store_true")
    s.add_argument("--ceiling", help="the read_ceiling example binary")
    s.set_defaults(f=cmd_refs)
    s = sub.add_parser("plan")
    s.add_argument("--quick", action="store_true")
    s.add_argument("--only")
    s.add_argument("--no-variants", action="store_true")
    s.add_argument("--variants-available", default="")
    s.add_argument("--prepare-concurrency", action="store_true")
    s.set_defaults(f=cmd_plan)
    s = sub.add_parser("summarize")
    s.add_argument("file")
    s.set_defaults(f=cmd_summarize)
    s = sub.add_parser("json-set")
    s.add_argument("file")
    s.add_argument("key")
    s.add_argument("value")
    s.add_argument("--json", action="store_true")
    s.set_defaults(f=cmd_json_set)
    s = sub.add_parser("report")
    s.add_argument("run_dir")
    s.add_argument("--doc", required=True)
    s.add_argument("--out", required=True)
    s.add_argument(
        "--targets", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets.json")
    )
    s.add_argument("--command-line", default="")
    s.set_defaults(f=cmd_report)
    a = p.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
