"""Counting with torch: device choice, CPU torch tensors, and device (CUDA) kernels.

`auto` means CPU: the weights of a checkpoint are in host memory (the page cache), and copying
them over PCIe to count on a GPU is slower than counting them where they are
(sparsity-reference.md section 6). `cuda`/`cuda:N` counts on that GPU: chunks are copied in
(bounded GPU memory), every count stays on the device, and the host reads all of them with one
synchronisation at the end, never one `.item()` per layer.

The device kernels are plain torch ops, so the same code runs on CPU tensors; the tests check
them there against the numpy kernels.
"""

from __future__ import annotations

import re

import numpy as np

from .dtypes import bit_format
from .kernels import _SUBNORMAL, Counts, TensorJob
from .patterns import Geometry, block_rows
from .thread_pool import Cancelled

DEVICE_CHUNK_ELEMENTS = 1 << 26  # 64 M elements per device chunk: bounded GPU memory
_INT = {1: "int8", 2: "int16", 4: "int32", 8: "int64"}
_FLOAT_VIEWS = {"float64", "float32", "float16", "bfloat16"}  # compared natively by torch on every device


class DeviceError(RuntimeError):
    """The requested device cannot be used; the message is one line for the user."""


def resolve_device(device: str | None) -> str:
    """"auto"/"cpu" -> "cpu"; "cuda"/"cuda:N" -> "cuda:N" when that GPU exists, else DeviceError."""
    d = (device or "auto").strip().lower()
    if d in ("auto", "cpu"):
        return "cpu"
    if d == "cuda" or re.fullmatch(r"cuda:\d+", d):
        try:
            import torch
        except ImportError:
            raise DeviceError(f"device {device!r} needs torch (pip install 'prune-lsp[torch]')") from None
        if not torch.cuda.is_available():
            raise DeviceError(f"device {device!r} requested but no CUDA GPU is available "
                              "(use --device cpu or auto)")
        n = torch.cuda.device_count()
        idx = int(d.split(":")[1]) if ":" in d else torch.cuda.current_device()
        if idx >= n:
            raise DeviceError(f"device {device!r} requested but only {n} CUDA device(s) exist")
        return f"cuda:{idx}"
    raise DeviceError(f"unknown device {device!r}: use auto, cpu, cuda or cuda:N")


def torch_dtype_name(t) -> str:
    return str(t.dtype).replace("torch.", "")


def cpu_tensor_bits(t) -> tuple[np.ndarray, str, object, int]:
    """(raw bits as numpy, format name, zero point, channel axis) of a CPU torch tensor, without
    a float copy: bf16/fp8 are viewed as integers. Quantized tensors give their int_repr and
    zero point(s) (a value equal to the zero point is a zero)."""
    import torch

    t = t.detach()
    if t.is_quantized:
        name = torch_dtype_name(t)
        if t.qscheme() in (torch.per_tensor_affine, torch.per_tensor_symmetric):
            zp, axis = int(t.q_zero_point()), 0
        else:
            zp, axis = t.q_per_channel_zero_points().numpy().astype(np.int64), int(t.q_per_channel_axis())
        return t.int_repr().contiguous().numpy(), name, zp, axis
    if t.layout != torch.strided:
        t = t.to_dense()  # sparse COO/CSR: stored values may include explicit zeros
    name = torch_dtype_name(t)
    fmt = bit_format(name)
    bits = t.contiguous().view(getattr(torch, _INT[fmt.itemsize])).numpy()
    return bits, name, None, 0


class TorchSource:
    """A tensor already on the target device, read as a flat signed-integer view."""

    def __init__(self, t):
        import torch

        fmt = bit_format(torch_dtype_name(t))
        self.flat = t.detach().contiguous().view(getattr(torch, _INT[fmt.itemsize])).reshape(-1)

    def torch_window(self, e0, e1, device):
        return self.flat[e0:e1]


def _device_window(source, e0: int, e1: int, device: str, fmt):
    """Elements [e0, e1) as a signed-int torch tensor on `device` (copied from a file window or
    an in-memory array when needed)."""
    import torch

    if hasattr(source, "torch_window"):
        return source.torch_window(e0, e1, device)
    out = {}

    def grab(raw):
        import warnings

        with warnings.catch_warnings():  # a read-only mapping: we only read it
            warnings.simplefilter("ignore")
            t = torch.from_numpy(np.asarray(raw).view(f"<i{fmt.itemsize}" if fmt.itemsize > 1 else "i1"))
        # a blocking copy: the mapped window is released as soon as this returns
        out["t"] = t.to(device) if device != "cpu" else t.clone()
    source.apply(e0, e1, grab)
    return out["t"]


class _DeviceCounts:
    """zeros, nan, zero_blocks, inc_zero_blocks accumulated on the device."""

    def __init__(self, torch, device):
        self.v = torch.zeros(4, dtype=torch.int64, device=device)
        self.size = 0
        self.blocks = 0


def _nonzero_t(x, job: TensorJob, acc: _DeviceCounts, row0: int, row_len: int, need_mask: bool = True):
    """Adds x's size, zeros and NaNs to `acc`; returns the bool nonzero mask (None when the
    caller counts elements only and the float path could do without one)."""
    import torch

    fmt, test = job.test.fmt, job.test
    if test.zero_point is not None:
        v = x.to(torch.int64)  # the stored integers as the format reads them (quint8: 0..255)
        if fmt.native.lstrip("<").startswith("u") and fmt.itemsize < 8:
            v = torch.bitwise_and(v, (1 << (8 * fmt.itemsize)) - 1)
        if test.per_channel:
            zp = torch.as_tensor(test.zero_point, device=x.device)
            rows = x.numel() // row_len
            nz = (v.view(rows, row_len) != zp[row0:row0 + rows].view(rows, 1)).view(-1)
        else:
            nz = v != int(test.zero_point)
    elif fmt.name in _FLOAT_VIEWS and (x.device.type != "cpu" or _SUBNORMAL[0] != 0):
        # one compare instead of mask, compare and compare: `!= 0` is the bit test's answer
        # (-0.0 == 0, NaN != 0); CUDA kernels keep subnormals (no flush-to-zero), a CPU thread
        # that flushes them falls back to the bits (kernels._SUBNORMAL)
        xf = x.view(getattr(torch, fmt.name))
        acc.v[1] += torch.isnan(xf).sum()
        if not need_mask:  # count_nonzero reads the floats once and writes no mask
            acc.size += x.numel()
            acc.v[0] += x.numel() - torch.count_nonzero(xf)
            return None
        nz = xf != 0
    elif fmt.signed_zero:
        maxpos = (1 << (8 * fmt.itemsize - 1)) - 1
        a = torch.bitwise_and(x, maxpos)
        nz = a != 0
        acc.v[1] += (a > (fmt.nan_above >> 1)).sum()
    elif fmt.nan_equal is not None:
        nz = x != 0
        acc.v[1] += (x == fmt.nan_equal - 256).sum()  # 0x80 read as int8
    else:
        nz = x != 0
    acc.size += x.numel()
    acc.v[0] += x.numel() - nz.sum()
    return nz


def _inc_2d_t(nz, rows: int, geom: Geometry):
    ts = geom.torch_shape
    if geom.permute:
        t = nz.view(rows, ts[1], *ts[2:])
        return t.permute(0, *range(2, len(ts)), 1).reshape(rows, geom.cols)
    return nz.view(rows, -1)


def _run_job(torch, job: TensorJob, device: str, cancel) -> _DeviceCounts:
    acc = _DeviceCounts(torch, device)
    geom, block, fmt = job.geom, job.block, job.test.fmt
    if block is None:
        size = geom.size
        row_len = size // geom.stored_shape[0] if job.test.per_channel else 0
        step = DEVICE_CHUNK_ELEMENTS
        if row_len:
            step = max(1, step // row_len) * row_len
        for e0 in range(0, size, step):
            if cancel is not None and cancel():
                raise Cancelled()
            e1 = min(size, e0 + step)
            x = _device_window(job.source, e0, e1, device, fmt)
            _nonzero_t(x, job, acc, e0 // row_len if row_len else 0, row_len, need_mask=False)
        return acc
    total, row_len, unit = block_rows(geom, block)
    if total == 0 or row_len == 0:
        return acc
    groups = max(1, DEVICE_CHUNK_ELEMENTS // (unit * row_len))
    if unit * row_len <= DEVICE_CHUNK_ELEMENTS:
        spans = [(r, min(total, r + groups * unit), False) for r in range(0, total, groups * unit)]
    else:  # one group is bigger than a chunk: accumulate it
        sub = max(1, DEVICE_CHUNK_ELEMENTS // row_len)
        spans = [(s, min(g + unit, s + sub), s + sub >= g + unit)
                 for g in range(0, total, unit) for s in range(g, g + unit, sub)]
    partial = None
    for r0, r1, closes in spans:
        if cancel is not None and cancel():
            raise Cancelled()
        x = _device_window(job.source, r0 * row_len, r1 * row_len, device, fmt)
        nz = _nonzero_t(x, job, acc, r0, row_len)
        rows = r1 - r0
        x2 = _inc_2d_t(nz, rows, geom)
        whole = unit * row_len <= DEVICE_CHUNK_ELEMENTS
        if block.kind == "nm":  # groups lie within one row
            cnt = x2.view(rows, -1, block.bm).sum(-1)
            _tally_t(acc, cnt, block)
            continue
        per_row = x2.view(rows, -1, block.bm).any(-1)
        if whole:
            g = per_row.view(rows // unit, unit, -1).any(1)
            acc.blocks += g.numel()
            z = g.numel() - g.sum()
            acc.v[2] += z
            acc.v[3] += z
        else:
            part = per_row.any(0)
            partial = part if partial is None else (partial | part)
            if closes:
                acc.blocks += partial.numel()
                z = partial.numel() - partial.sum()
                acc.v[2] += z
                acc.v[3] += z
                partial = None
    return acc


def _tally_t(acc: _DeviceCounts, nonzeros, block) -> None:
    acc.blocks += nonzeros.numel()
    acc.v[2] += (nonzeros <= block.bm - block.n_pruned).sum()
    acc.v[3] += (nonzeros <= block.n_pruned).sum()


def run_jobs_torch(jobs: list[TensorJob], device: str, progress=None, cancel=None) -> None:
    """Fill each job.counts with torch kernels on `device`; one host synchronisation at the end."""
    import torch

    accs = []
    total = sum(j.geom.size * j.test.fmt.itemsize for j in jobs)
    done = 0
    with torch.no_grad():
        for job in jobs:
            if cancel is not None and cancel():
                raise Cancelled()
            accs.append(_run_job(torch, job, device, cancel))
            done += job.geom.size * job.test.fmt.itemsize
            if progress:
                progress(done, total)  # queued work; the device may still be running it
        if not accs:
            return
        values = torch.stack([a.v for a in accs]).cpu().tolist()  # the one synchronisation
    for job, acc, (zeros, nan, zb, izb) in zip(jobs, accs, values):
        job.counts.add(Counts(size=acc.size, zeros=int(zeros), nan=int(nan), blocks=acc.blocks,
                              zero_blocks=int(zb), inc_zero_blocks=int(izb)))
