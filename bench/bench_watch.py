"""`prune-lsp watch` costs, each beside a baseline measured in the same run:

1. latency: a new 1 GiB safetensors checkpoint is written (slab by slab, as a trainer writes it)
   into a folder that the watcher polls every 0.2 s; time from the writer closing the file to the
   measured result. Baseline: the measurement alone (compute_sparsity_report on the same file, in
   page cache). Target: under 1 s.
2. a checkpoint whose tensors did not change: a torch.save checkpoint of 1 GiB, then a second file
   with the same tensors (what a run writes when nothing changed, e.g. frozen or converged
   weights): the watcher's time on the second file, beside its time on the first (every tensor
   counted). Also shown: the same for safetensors, where nothing can be reused (no checksum in the
   file; hashing costs what counting costs), to be honest about the limit.

    python bench/bench_watch.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_sparsity import write_checkpoint  # noqa: E402


def _watch_until(w, n_results: int, timeout: float, poll: float = 0.2):
    got = []
    t_end = time.time() + timeout
    while len(got) < n_results and time.time() < t_end:
        w.poll(lambda r: got.append((time.time(), r)))
        if len(got) < n_results:
            time.sleep(poll)
    return got


def latency(size: int, directory: str) -> tuple[float, float, float]:
    """(ms from complete to measured, ms of the measurement alone, GiB written)."""
    from analysis.sparsity.report import compute_sparsity_report
    from analysis.watch.follow import Watcher

    run = Path(tempfile.mkdtemp(prefix="prune_lsp_watch_", dir=directory))
    try:
        w = Watcher(str(run), None, "cpu")
        _watch_until(w, 0, 0)
        done = {}

        def writer():
            ck = run / "checkpoint-100"
            ck.mkdir()
            write_checkpoint(ck / "model.safetensors", size, layers=16)
            import json
            (ck / "trainer_state.json").write_text(json.dumps({"global_step": 100}))
            done["t"] = time.time()

        th = threading.Thread(target=writer)
        th.start()
        got = _watch_until(w, 1, 600)
        th.join()
        assert got and got[0][1].error is None, got and got[0][1].error
        lat = (got[0][0] - done["t"]) * 1000
        f = run / "checkpoint-100" / "model.safetensors"
        t0 = time.perf_counter()
        compute_sparsity_report(str(f), None, device="cpu")
        alone = (time.perf_counter() - t0) * 1000
        return lat, alone, f.stat().st_size / 2**30
    finally:
        shutil.rmtree(run, ignore_errors=True)


def unchanged(size: int, directory: str, fmt: str) -> tuple[float, float, int, int]:
    """(ms for the unchanged copy, ms for the first file, tensors reused, tensors counted)."""
    from analysis.watch.follow import Watcher

    run = Path(tempfile.mkdtemp(prefix="prune_lsp_watch_", dir=directory))
    try:
        if fmt == "pt":
            import torch

            n = 8
            rows = size // 4 // 4096 // n // 4 * 4
            g = torch.Generator().manual_seed(0)
            sd = {f"layers.{i}.weight": torch.randn(rows, 4096, generator=g) for i in range(n)}
            torch.save(sd, run / "step_100.pt")
            del sd
            first, second = run / "step_100.pt", run / "step_200.pt"
        else:
            write_checkpoint(run / "step_100.safetensors", size, layers=16)
            first, second = run / "step_100.safetensors", run / "step_200.safetensors"
        w = Watcher(str(run), None, "cpu")
        (r1,) = [r for _, r in _watch_until(w, 1, 600)]
        shutil.copyfile(first, second)
        with open(second, "rb") as f:  # in page cache, like the first
            while f.read(64 << 20):
                pass
        (r2,) = [r for _, r in _watch_until(w, 1, 600)]
        assert r1.error is None and r2.error is None, (r1.error, r2.error)
        return r2.seconds * 1000, r1.seconds * 1000, r2.reused, r2.counted
    finally:
        shutil.rmtree(run, ignore_errors=True)


def rows(quick: bool = False, directory: str = "/tmp") -> list:
    from report import Row

    size = (128 << 20) if quick else (1 << 30)
    out = []
    lat, alone, gib = latency(size, directory)
    out.append(Row(f"watch: new {gib:.2g} GiB checkpoint, complete -> measured (poll 0.2 s)", lat, "ms", alone,
                   "the measurement alone", 1000.0))
    try:
        ours, base, reused, counted = unchanged(size, directory, "pt")
        out.append(Row(f"watch: unchanged {size / 2**30:.2g} GiB torch.save checkpoint ({reused} reused, "
                       f"{counted} counted)", ours, "ms", base, "its first measurement (all counted)"))
    except ImportError:
        out.append(Row("watch: unchanged torch checkpoint not measured (no torch)", None, "ms"))
    ours, base, reused, counted = unchanged(size, directory, "safetensors")
    out.append(Row(f"watch: unchanged {size / 2**30:.2g} GiB safetensors, new file ({reused} reused, {counted} counted)",
                   ours, "ms", base, "its first measurement"))
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    from report import print_table

    print_table(rows(a.quick))
