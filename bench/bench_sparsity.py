"""Sparsity counting throughput and memory, each figure beside a baseline measured in the same run.

    python bench/bench_sparsity.py [--quick] [--dir /tmp]

1. A 1 GiB fp32 safetensors checkpoint (16 layers, ~50 % zeros, a third of them -0.0), read
   from the page cache:
   - prune-lsp's streaming count (element-wise, then element + 4x1 blocks), in GB/s;
   - the machine's copy bandwidth (np.copyto of a 1 GiB array; bytes read per second);
   - INC's way: a per-layer `(t == 0).sum().item()` loop over torch tensors already in memory;
   - the whole `compute_sparsity_report` (index, selection, counting, figures).
   And the same weights saved by TensorFlow as a SavedModel (tf-keras `model.save(dir)`, 16 Dense
   layers whose kernels are the safetensors tensors; Keras 3 `model.export()` without tf-keras),
   counted by `compute_sparsity_report` from the bundle's bytes, beside the safetensors rate of
   the same run; and its layer index read directly beside TensorFlow's own load in the worker.
2. Peak memory above the interpreter's baseline while counting a 4 GiB checkpoint (in a child
   process, so that this process's buffers do not count). Target <= 300 MB.
3. Where torch sees a CUDA GPU (or with --device): the same file counted with `--device cuda`
   (the whole report, host-to-device copies included), the device kernels on tensors already in
   GPU memory, beside the GPU's own copy bandwidth and the host-to-device bandwidth. Without a
   GPU this section says so. `--device cpu` runs it with torch's CPU tensors (a smoke test).
Files are written under --dir and deleted afterwards. --quick: 128 MiB and 512 MiB instead.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def write_checkpoint(path: Path, total_bytes: int, layers: int = 16, seed: int = 0, square: bool = False) -> None:
    """A safetensors file of `layers` [rows, 4096] fp32 weights, written in slabs (bounded memory);
    `square`: [n, n] weights (n a multiple of 4), so that they chain as Dense kernels."""
    cols = 4096
    rows = total_bytes // 4 // cols // layers // 4 * 4
    if square:
        cols = rows = int((total_bytes // 4 // layers) ** 0.5) // 4 * 4
    header, off = {}, 0
    for i in range(layers):
        n = rows * cols * 4
        header[f"layers.{i}.weight"] = {"dtype": "F32", "shape": [rows, cols], "data_offsets": [off, off + n]}
        off += n
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    rng = np.random.default_rng(seed)
    slab_rows = max(4, (16 << 20) // (cols * 4) // 4 * 4)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for _ in range(layers):
            for r in range(0, rows, slab_rows):
                k = min(slab_rows, rows - r)
                w = rng.standard_normal((k, cols), dtype=np.float32)
                zero_rows = rng.random(k // 4) < 0.5  # half the 4x1 row groups pruned
                w.reshape(k // 4, 4, cols)[zero_rows] = 0
                w[rng.random((k, cols)) < 0.1] = 0  # plus scattered zeros
                w[(w == 0) & (rng.random((k, cols)) < 0.33)] = -0.0
                f.write(w.tobytes())


def warm(path: Path) -> None:
    with open(path, "rb") as f:
        while f.read(64 << 20):
            pass


def best_of(fn, repeat=3):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def count_file(path: Path, pattern: str | None):
    """prune-lsp's streaming count over every tensor of the file (no torch)."""
    from analysis.sparsity.dtypes import bit_format
    from analysis.sparsity.kernels import TensorJob, ZeroTest
    from analysis.sparsity.patterns import parse_pattern, resolve_block, torch_geometry
    from analysis.sparsity.thread_pool import run_jobs
    from analysis.sparsity.sources import FileSource, OpenFiles
    from analysis.sparsity.tensors import table_for

    table = table_for(str(path))
    with OpenFiles() as files:
        jobs = []
        for t in table.values():
            fmt = bit_format(t.dtype)
            geom = torch_geometry(t.shape)
            block = resolve_block(parse_pattern(pattern), geom)[0] if pattern else None
            jobs.append(TensorJob(t.name, FileSource(files.fd(t.path), t.offset, fmt.uint, t.size),
                                  ZeroTest(fmt), geom, block))
        run_jobs(jobs)
    return sum(j.counts.zeros for j in jobs), sum(j.counts.size for j in jobs)


def bench_throughput(path: Path, nbytes: int) -> dict:
    warm(path)
    out = {}
    zeros = {}
    t = best_of(lambda: zeros.setdefault("e", count_file(path, None)))
    out["prune-lsp element-wise (mmap, numpy, no torch)"] = nbytes / t / 1e9
    t = best_of(lambda: zeros.setdefault("b", count_file(path, "4x1")))
    out["prune-lsp element + 4x1 blocks"] = nbytes / t / 1e9

    from analysis.sparsity.report import compute_sparsity_report

    t = best_of(lambda: compute_sparsity_report(str(path)), repeat=2)
    out["prune-lsp compute_sparsity_report (whole command)"] = nbytes / t / 1e9

    a = np.empty(nbytes // 4, np.float32)
    a.fill(1.0)
    b = np.empty_like(a)
    t = best_of(lambda: np.copyto(b, a))
    out["machine: np.copyto (bytes read per s)"] = a.nbytes / t / 1e9
    del a, b

    try:
        import torch
        from safetensors.torch import load_file
    except ImportError:
        out["INC's way"] = None
        return out
    tensors = load_file(str(path))  # in memory: the loop alone is timed
    inc_zero = {}

    def inc_loop():
        inc_zero["z"] = sum(torch.sum(t == 0).data.item() for t in tensors.values())
    t = best_of(inc_loop)
    out["INC's way: per-layer (t == 0).sum().item() on torch tensors"] = nbytes / t / 1e9
    assert inc_zero["z"] == zeros["e"][0], (inc_zero["z"], zeros["e"])
    del tensors
    return out


# Child process: the safetensors tensors as the kernels of a Keras model, saved as a SavedModel.
SAVEDMODEL_WRITER = """
import importlib.util, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
legacy = importlib.util.find_spec("tf_keras") is not None
if legacy:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
import numpy as np, tensorflow as tf
sys.path.insert(0, {repo!r})
from analysis.sparsity.tensors import table_for
src, out = {src!r}, {out!r}
table = table_for(src)
keras = tf.keras
first = next(iter(table.values()))
m = keras.Sequential([keras.Input((first.shape[0],))] + [keras.layers.Dense(t.shape[1], use_bias=False, name=f"d{{i}}")
                                                        for i, t in enumerate(table.values())])
for ly, t in zip(m.layers, table.values()):
    ly.set_weights([np.memmap(src, np.float32, "r", t.offset, t.shape)])
if legacy:
    m.save(out)
else:
    m.export(out)
print("tf-keras model.save" if legacy else "Keras 3 model.export")
"""


def write_savedmodel(src: Path, out: Path) -> str:
    """The SavedModel of `src`'s tensors (all [n, n]: kernels of chained Dense layers); returns
    which Keras wrote it. Raises RuntimeError when TensorFlow is missing or fails."""
    p = subprocess.run([sys.executable, "-c", SAVEDMODEL_WRITER.format(repo=str(REPO), src=str(src), out=str(out))],
                       capture_output=True, text=True, timeout=900)
    if p.returncode:
        raise RuntimeError(f"TensorFlow could not write the SavedModel: {p.stderr.strip().splitlines()[-1:]}")
    return p.stdout.strip().splitlines()[-1]


def bench_savedmodel(src: Path, nbytes: int) -> dict:
    """GB/s of compute_sparsity_report on a SavedModel of the same weights as `src` and on `src`
    itself, interleaved; its layer index read directly vs by TensorFlow in the limited worker."""
    import shutil
    import tempfile

    from analysis.models.keras_files import load_savedmodel_with_tf
    from analysis.models.tf_files import load_savedmodel
    from analysis.sparsity.report import compute_sparsity_report

    d = Path(tempfile.mkdtemp(prefix="prune_lsp_bench_sm_", dir=src.parent))
    try:
        writer = write_savedmodel(src, d / "saved")
        for f in (d / "saved" / "variables").iterdir():
            warm(f)
        rep = {}
        # interleaved with the safetensors file, best of 3 each: both see the same machine state
        warm(src)
        t, t_st = float("inf"), float("inf")
        compute_sparsity_report(str(d / "saved"))
        for _ in range(3):
            t0 = time.perf_counter()
            compute_sparsity_report(str(src))
            t_st = min(t_st, time.perf_counter() - t0)
            t0 = time.perf_counter()
            rep["r"] = compute_sparsity_report(str(d / "saved"))
            t = min(t, time.perf_counter() - t0)
        safetensors_rate = nbytes / t_st / 1e9
        counted = rep["r"]["totals"]["bytes_counted"]
        assert rep["r"]["totals"]["complete"] and counted >= nbytes * 0.99, rep["r"]["totals"]
        from analysis.formats import tf_objects

        def index_uncached():
            tf_objects._MEMO.clear()  # the parse itself, not the memo the count shares
            load_savedmodel(str(d / "saved"), timeout_s=600, memory_mb=8192)
        direct = best_of(index_uncached)
        t0 = time.perf_counter()
        load_savedmodel_with_tf(str(d / "saved"), timeout_s=600, memory_mb=8192)
        via_tf = time.perf_counter() - t0
        vbytes = sum(f.stat().st_size for f in (d / "saved" / "variables").iterdir())
        return {"writer": writer, "rate": counted / t / 1e9, "safetensors_rate": safetensors_rate,
                "variables_bytes": vbytes, "index_direct_ms": direct * 1000, "index_tf_ms": via_tf * 1000}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def cuda_device() -> str | None:
    """The GPU to benchmark on, or None (no torch, or no CUDA device)."""
    try:
        import torch
    except ImportError:
        return None
    return "cuda:0" if torch.cuda.is_available() else None


def bench_device(path: Path, nbytes: int, device: str) -> dict:
    """GB/s of the torch device path and the device's own bandwidths, all in this run."""
    import torch
    from safetensors.torch import load_file

    from analysis.sparsity.dtypes import bit_format
    from analysis.sparsity.kernels import TensorJob, ZeroTest
    from analysis.sparsity.patterns import parse_pattern, resolve_block, torch_geometry
    from analysis.sparsity.report import compute_sparsity_report
    from analysis.sparsity.torch_backend import TorchSource, run_jobs_torch

    sync = (lambda: torch.cuda.synchronize(device)) if device.startswith("cuda") else (lambda: None)
    warm(path)
    out = {}
    t = best_of(lambda: compute_sparsity_report(str(path), device=device), repeat=2)
    out[f"prune-lsp sparsity --device {device} (file -> device, whole report)"] = nbytes / t / 1e9

    on_dev = {k: v.to(device) for k, v in load_file(str(path)).items()}
    sync()

    def kernels(pattern):
        jobs = []
        for name, w in on_dev.items():
            geom = torch_geometry(tuple(w.shape))
            block = resolve_block(parse_pattern(pattern), geom)[0] if pattern else None
            jobs.append(TensorJob(name, TorchSource(w), ZeroTest(bit_format(str(w.dtype))), geom, block))
        run_jobs_torch(jobs, device)  # ends with its one synchronisation
        return sum(j.counts.zeros for j in jobs)

    t = best_of(lambda: kernels(None))
    out["device kernels, element-wise, tensors in device memory"] = nbytes / t / 1e9
    t = best_of(lambda: kernels("4x1"))
    out["device kernels, element + 4x1 blocks, tensors in device memory"] = nbytes / t / 1e9
    inc = {}

    def inc_loop():  # INC's per-layer .item() loop, on the device
        inc["z"] = sum(torch.sum(w == 0).data.item() for w in on_dev.values())
    t = best_of(inc_loop)
    out["INC's way on the device: per-layer (t == 0).sum().item()"] = nbytes / t / 1e9
    assert inc["z"] == kernels(None), "device kernels disagree with (t == 0).sum()"
    del on_dev

    def copy_rate(dst, src) -> float:
        def run():
            dst.copy_(src)
            sync()
        return nbytes / best_of(run) / 1e9

    a = torch.ones(nbytes // 4, dtype=torch.float32, device=device)
    out["device: copy_ of a tensor (bytes read per s)"] = copy_rate(torch.empty_like(a), a)
    out["host -> device copy (pageable memory)"] = copy_rate(a, torch.ones(nbytes // 4, dtype=torch.float32))
    return out


# VmHWM, not ru_maxrss: Linux carries the parent's peak RSS across fork + exec into ru_maxrss.
CHILD = """
import sys
sys.path.insert(0, {repo!r})
def status(key):
    for line in open('/proc/self/status'):
        if line.startswith(key):
            return int(line.split()[1]) // 1024
import numpy, analysis.sparsity.report, analysis.sparsity.thread_pool, analysis.models, analysis.selection
base = status('VmRSS')
from analysis.sparsity.report import compute_sparsity_report
rep = compute_sparsity_report({path!r})
print(base, status('VmHWM'), rep['totals']['bytes_counted'])
"""


def bench_memory(path: Path) -> dict:
    warm(path)
    p = subprocess.run([sys.executable, "-c", CHILD.format(repo=str(REPO), path=str(path))],
                       capture_output=True, text=True, timeout=600)
    if p.returncode:
        raise SystemExit(p.stderr)
    base, peak, counted = map(int, p.stdout.split())
    return {"baseline_mb": base, "peak_mb": peak, "above_baseline_mb": peak - base, "bytes_counted": counted}


def device_rows(res: dict, device: str, size: str) -> list:
    from report import Row

    copy = res["device: copy_ of a tensor (bytes read per s)"]
    whole = res[f"prune-lsp sparsity --device {device} (file -> device, whole report)"]
    return [
        Row(f"sparsity on {device}: whole report, {size} file", whole, "GB/s",
            res["host -> device copy (pageable memory)"], "host->device copy", lower_is_better=False),
        Row(f"sparsity on {device}: kernels, element + 4x1, tensors in device memory",
            res["device kernels, element + 4x1 blocks, tensors in device memory"], "GB/s", copy,
            "device copy_ bandwidth", lower_is_better=False),
        Row(f"sparsity on {device}: same, vs INC's loop on the device",
            res["device kernels, element + 4x1 blocks, tensors in device memory"], "GB/s",
            res["INC's way on the device: per-layer (t == 0).sum().item()"], "INC's loop", lower_is_better=False),
    ]


def rows(quick: bool = False, directory: str = "/tmp") -> list:
    """The figures as bench/report.Row objects (for bench/run_all.py)."""
    from report import Row

    small, big = ((128 << 20), (512 << 20)) if quick else ((1 << 30), (4 << 30))
    d = Path(directory)
    f1 = d / f"prune_lsp_bench_{os.getpid()}_1.safetensors"
    f4 = d / f"prune_lsp_bench_{os.getpid()}_4.safetensors"
    out = []
    try:
        write_checkpoint(f1, small, layers=16, square=True)
        nbytes = f1.stat().st_size
        res = bench_throughput(f1, nbytes)
        size = f"{nbytes / 2**30:.2g} GiB"
        ours = res["prune-lsp element-wise (mmap, numpy, no torch)"]
        copy = res["machine: np.copyto (bytes read per s)"]
        inc = res.get("INC's way: per-layer (t == 0).sum().item() on torch tensors")
        report = res["prune-lsp compute_sparsity_report (whole command)"]
        try:
            sm = bench_savedmodel(f1, nbytes)
        except (RuntimeError, ImportError) as e:
            sm = None
            out.append(Row(f"sparsity: SavedModel not measured ({e})", None, "GB/s"))
        f1.unlink()
        # The target is on what a user runs (`prune-lsp sparsity` = compute_sparsity_report: zeros,
        # blocks and INC's figures); the bare element-count kernel is shown beside it.
        out.append(Row(f"sparsity: prune-lsp sparsity, {size} fp32 safetensors in page cache", report, "GB/s",
                       copy, "np.copyto bandwidth", 10.0, lower_is_better=False))
        if inc:
            out.append(Row("sparsity: same, vs INC's per-layer (t == 0).sum() loop", report, "GB/s", inc,
                           "INC's loop (target: 5x faster)", 5 * inc, lower_is_better=False))
        out.append(Row("sparsity: element-count kernel alone", ours, "GB/s", copy, "np.copyto bandwidth",
                       lower_is_better=False))
        if sm:
            out.append(Row(f"sparsity: prune-lsp sparsity, SavedModel ({sm['writer']}, "
                           f"{sm['variables_bytes'] / 2**30:.2g} GiB variables) in page cache", sm["rate"], "GB/s",
                           sm["safetensors_rate"], "same weights as safetensors, interleaved", lower_is_better=False))
            out.append(Row("layers: SavedModel layer index read from its bytes", sm["index_direct_ms"], "ms",
                           sm["index_tf_ms"], "TensorFlow loading it in the worker"))
        device = cuda_device()
        if device:
            write_checkpoint(f1, small)
            out += device_rows(bench_device(f1, nbytes, device), device, size)
            f1.unlink()
        else:
            out.append(Row("sparsity on a GPU: no CUDA device on this machine, not measured", None, "GB/s"))
        write_checkpoint(f4, big)
        mem = bench_memory(f4)
        out.append(Row(f"sparsity: peak memory above interpreter, {f4.stat().st_size / 2**30:.2g} GiB checkpoint",
                       mem["above_baseline_mb"], "MB", mem["baseline_mb"], "interpreter RSS", 300.0))
    finally:
        for f in (f1, f4):
            if f.exists():
                f.unlink()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="128 MiB and 512 MiB files instead of 1 and 4 GiB")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--device", help="device for section 3 (default: the first CUDA GPU, if any)")
    ap.add_argument("--skip-cpu", action="store_true", help="only section 3 (the device path)")
    args = ap.parse_args(argv)
    small, big = ((128 << 20), (512 << 20)) if args.quick else ((1 << 30), (4 << 30))
    d = Path(args.dir)
    f1 = d / f"prune_lsp_bench_{os.getpid()}_1.safetensors"
    f4 = d / f"prune_lsp_bench_{os.getpid()}_4.safetensors"
    print(f"cores: {os.cpu_count()}  numpy {np.__version__}")
    try:
        write_checkpoint(f1, small, square=True)
        nbytes = f1.stat().st_size
        if not args.skip_cpu:
            print(f"\n{nbytes / 2**20:.0f} MiB fp32 checkpoint in the page cache")
            res = bench_throughput(f1, nbytes)
            ours = res["prune-lsp element-wise (mmap, numpy, no torch)"]
            for k, v in res.items():
                ratio = f"  (ours / this = {ours / v:.1f}x)" if v and not k.startswith("prune-lsp") else ""
                print(f"  {k:<62} {v:6.1f} GB/s{ratio}" if v else f"  {k:<62}   n/a")
            try:
                sm = bench_savedmodel(f1, nbytes)
                print(f"\nthe same weights as a SavedModel ({sm['writer']}, {sm['variables_bytes'] / 2**20:.0f} MiB "
                      f"of variables): {sm['rate']:.1f} GB/s, safetensors {sm['safetensors_rate']:.1f} GB/s "
                      f"(ratio {sm['rate'] / sm['safetensors_rate']:.2f}); layer index {sm['index_direct_ms']:.1f} ms "
                      f"from its bytes, {sm['index_tf_ms']:.0f} ms by TensorFlow in the worker")
            except RuntimeError as e:
                print(f"\nSavedModel not measured: {e}")
        device = args.device or cuda_device()
        if device:
            print(f"\n{nbytes / 2**20:.0f} MiB fp32 checkpoint, torch on {device}")
            for k, v in bench_device(f1, nbytes, device).items():
                print(f"  {k:<66} {v:7.1f} GB/s")
        else:
            print("\nno CUDA device here (torch missing or no GPU): the GPU path was not measured")
        f1.unlink()
        if args.skip_cpu:
            return 0
        write_checkpoint(f4, big)
        mem = bench_memory(f4)
        print(f"\n{f4.stat().st_size / 2**30:.1f} GiB checkpoint, compute_sparsity_report in a child process:")
        print(f"  RSS baseline {mem['baseline_mb']} MB, peak {mem['peak_mb']} MB, "
              f"above baseline {mem['above_baseline_mb']} MB (target <= 300)")
    finally:
        for f in (f1, f4):
            if f.exists():
                f.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
