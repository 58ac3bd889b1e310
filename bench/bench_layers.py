"""Benchmark of the layer index, each figure beside a baseline measured in the same run.

    .venv/bin/python bench/bench_layers.py [--repeat N]

1. a safetensors file of 20,000 tensors: load_layer_index (target <= 100 ms) vs
   safetensors.safe_open(...).keys() and a bare json.loads of the header;
2. a 1,000-tensor torch.save state dict, each in a fresh process: our torch-free index
   (target <= 300 ms) vs `import torch; torch.load(weights_only=True)`;
3. cached_layer_index: a hit vs the first (missing) lookup.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def fresh_process_ms(code: str, repeat: int) -> float:
    def run():
        subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True)

    run()  # warm the page cache
    return median_ms(run, repeat)


def rows(repeat: int = 7) -> list:
    """The figures as bench/report.Row objects (for bench/run_all.py)."""
    from report import Row

    raw = _measure(repeat)
    return [
        Row("layers: index of a 20,000-tensor safetensors file, median", raw["st"], "ms", raw["st_keys"],
            "safe_open().keys()", 100.0),
        Row("layers: index of a 1,000-tensor .pt, fresh process", raw["pt"], "ms", raw["pt_base"],
            "import torch + torch.load(weights_only)", 300.0),
        Row("layers: cached index lookup", raw["hit"], "ms", raw["miss"], "uncached load"),
    ]


def _measure(repeat: int) -> dict:
    class _A:
        pass

    a = _A()
    a.repeat = repeat
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import save_file

    from analysis.models import cached_layer_index, clear_cache, load_layer_index

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # 1. 20,000 tensors: 5,000 modules x (weight, bias, 2 LayerNorm-like tensors)
        st = Path(tmp) / "many.safetensors"
        tensors = {}
        for i in range(5000):
            tensors[f"model.layers.{i}.proj.weight"] = np.zeros((4, 4), np.float32)
            tensors[f"model.layers.{i}.proj.bias"] = np.zeros((4,), np.float32)
            tensors[f"model.layers.{i}.norm.weight"] = np.zeros((4,), np.float32)
            tensors[f"model.layers.{i}.norm.bias"] = np.zeros((4,), np.float32)
        save_file(tensors, str(st))
        ix = load_layer_index(st)
        assert len(ix.layers) == 10000

        def raw_json():
            with open(st, "rb") as f:
                (n,) = struct.unpack("<Q", f.read(8))
                json.loads(f.read(n))

        def st_keys():
            with safe_open(str(st), framework="numpy") as f:
                list(f.keys())

        ours = median_ms(lambda: load_layer_index(st), a.repeat)
        rows.append(("safetensors 20,000 tensors: load_layer_index", ours, "target <= 100 ms"))
        rows.append(("  baseline safe_open(...).keys()", median_ms(st_keys, a.repeat), ""))
        rows.append(("  baseline json.loads(header)", median_ms(raw_json, a.repeat), ""))

        # 2. 1,000-tensor state dict, fresh processes
        import torch

        pt = Path(tmp) / "sd.pt"
        sd = {}
        for i in range(500):
            sd[f"layers.{i}.weight"] = torch.zeros(8, 8)
            sd[f"layers.{i}.bias"] = torch.zeros(8)
        torch.save(sd, pt)
        ours_pt = fresh_process_ms(
            f"from analysis.models import load_layer_index; assert len(load_layer_index({str(pt)!r}).layers) == 500",
            a.repeat)
        base_pt = fresh_process_ms(
            f"import torch; assert len(torch.load({str(pt)!r}, weights_only=True)) == 1000", a.repeat)
        bare = fresh_process_ms("pass", a.repeat)
        rows.append(("torch .pt 1,000 tensors, fresh process: load_layer_index", ours_pt, "target <= 300 ms"))
        rows.append(("  baseline fresh process: import torch; torch.load(weights_only=True)", base_pt, ""))
        rows.append(("  baseline fresh process: python -c pass", bare, ""))

        # 3. cache
        def first():
            clear_cache()
            cached_layer_index(st)

        miss = median_ms(first, a.repeat)
        cached_layer_index(st)
        hit = median_ms(lambda: cached_layer_index(st), a.repeat * 20)
        rows.append(("cached_layer_index hit (20,000-tensor file)", hit, "stat() of the file + dict lookup"))
        rows.append(("  baseline cached_layer_index miss (a load)", miss, ""))

    return {"st": ours, "st_keys": rows[1][1], "st_json": rows[2][1], "pt": ours_pt, "pt_base": base_pt,
            "bare": bare, "hit": hit, "miss": miss, "table": rows}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    rows = _measure(a.repeat)["table"]
    width = max(len(r[0]) for r in rows)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {a.repeat} runs")
    for name, ms, note in rows:
        print(f"{name.ljust(width)}  {ms:9.2f} ms  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
