"""Every benchmark of the project in one run, printed as one table: figure, our value, the
baseline measured in the same run, the ratio, the target and whether it is met.

    python bench/run_all.py            # full sizes (1 GiB / 4 GiB sparsity files: needs ~5 GB of /tmp)
    python bench/run_all.py --quick    # small sizes, a few minutes
    python bench/run_all.py --markdown docs/benchmarks.md   # also write the table there

Each bench/bench_*.py module exposes rows(...) -> list[report.Row]; a module whose
dependencies are missing (torch, npm for the peer) is reported, not fatal.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from report import Row, print_table  # noqa: E402

SUITES = [
    ("bench_engine", lambda m, q: m.rows(repeat=30 if q else 0)),
    ("bench_server", lambda m, q: m.rows(quick=q)),
    ("bench_big_config", lambda m, q: m.rows(runs=1 if q else 3)),
    ("bench_layers", lambda m, q: m.rows(repeat=3 if q else 7)),
    ("bench_layer_completion", lambda m, q: m.rows(runs=20 if q else 60)),
    ("bench_sparsity", lambda m, q: m.rows(quick=q)),
    ("bench_watch", lambda m, q: m.rows(quick=q)),
    ("bench_peer", lambda m, q: m.rows(n_cases=120 if q else 400)),
]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", nargs="*", help="suite names, e.g. bench_engine bench_peer")
    ap.add_argument("--markdown", help="also write the table (with date and machine) to this file")
    ap.add_argument("--suite", help=argparse.SUPPRESS)  # internal: run one suite in this process
    ap.add_argument("--rows-to", help=argparse.SUPPRESS)
    args = ap.parse_args()
    rows: list[Row] = []
    problems = []
    if args.suite:  # the child: one suite, its rows as JSON on the file the parent named
        call = dict(SUITES)[args.suite]
        got = call(importlib.import_module(args.suite), args.quick)
        Path(args.rows_to).write_text(json.dumps([dataclasses.asdict(r) for r in got]))
        return 0
    for name, _call in SUITES:
        if args.only and name not in args.only:
            continue
        print(f"[run_all] {name} ...", file=sys.stderr, flush=True)
        # Each suite in a fresh interpreter: a suite that leaves a big heap behind (the 2 MB config's
        # million objects) made the next one's garbage collections, and so its figures, slower.
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "rows.json"
            child = [sys.executable, __file__, "--suite", name, "--rows-to", str(out)] + (["--quick"] if args.quick else [])
            rc = subprocess.run(child).returncode
            if rc == 0 and out.exists():
                rows.extend(Row(**r) for r in json.loads(out.read_text()))
            else:  # one missing dependency must not lose the other figures
                problems.append(f"{name}: exited {rc} (its traceback is above)")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = f"prune-lsp benchmarks, {stamp}, {machine()}{' (--quick)' if args.quick else ''}"
    print(header)
    print_table(rows)
    for p in problems:
        print(f"not measured: {p}")
    if args.markdown:
        buf = io.StringIO()
        print_table(rows, file=buf)
        body = "\n".join(["# Benchmarks", "", f"{header}. Produced by `python bench/run_all.py"
                          f"{' --quick' if args.quick else ''} --markdown {args.markdown}`.", "", "```",
                          buf.getvalue().rstrip(), "```"] + [f"- not measured: {p}" for p in problems]) + "\n"
        Path(args.markdown).write_text(body)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
