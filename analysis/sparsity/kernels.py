"""Exact zero counting on raw bits with numpy: elements, NxM blocks, N:M groups.

Each kernel takes a flat unsigned-integer view of a contiguous range of a tensor's elements
(from memory or an mmap window) and adds to a `Counts`. Work is cut in ~1 M element chunks
with reused buffers: full-tensor temporaries cost page faults and a second trip to memory.
Numbers are Python ints (exact, no float accumulation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .dtypes import BitFormat
from .patterns import Block, Geometry

CHUNK_ELEMENTS = 1 << 20  # measured best on this box: 1 M elements (4 MiB f32)


@dataclass
class Counts:
    size: int = 0
    zeros: int = 0
    nan: int = 0
    blocks: int = 0  # NxM blocks or N:M groups examined
    zero_blocks: int = 0  # NxM: all elements zero; N:M: at least N zeros in the group
    inc_zero_blocks: int = 0  # what INC's reduced mask calls zero (N:M: nonzeros <= N)

    def add(self, other: "Counts") -> "Counts":
        self.size += other.size
        self.zeros += other.zeros
        self.nan += other.nan
        self.blocks += other.blocks
        self.zero_blocks += other.zero_blocks
        self.inc_zero_blocks += other.inc_zero_blocks
        return self


@dataclass
class ZeroTest:
    """How to turn raw bits into "nonzero" for one tensor."""

    fmt: BitFormat
    zero_point: object = None  # scalar, or 1-D per-channel array along `axis`
    axis: int = 0

    def __post_init__(self):
        if self.zero_point is not None:
            if self.fmt.native is None:
                raise ValueError(f"a zero point needs an integer tensor, not {self.fmt.name}")
            zp = np.asarray(self.zero_point)
            self.zero_point = zp.astype(np.int64) if zp.ndim else int(zp)
        elif self.fmt.quantized:
            raise ValueError(f"{self.fmt.name} needs a zero point")

    @property
    def per_channel(self) -> bool:
        return isinstance(self.zero_point, np.ndarray)


class _Scratch:
    """Per-thread reusable buffers."""

    def __init__(self):
        self._bufs: dict = {}

    def get(self, dtype, n: int) -> np.ndarray:
        dtype = np.dtype(dtype)
        buf = self._bufs.get(dtype)
        if buf is None or buf.size < n:
            buf = np.empty(max(n, CHUNK_ELEMENTS), dtype)
            self._bufs[dtype] = buf
        return buf[:n]


def _prep(raw: np.ndarray, test: ZeroTest, scratch: _Scratch):
    """(value array whose nonzero-ness is the answer, nan count). Floats: bits << 1 drops the
    sign, so -0.0 becomes 0; NaN bits stay nonzero."""
    fmt = test.fmt
    if fmt.signed_zero:
        b = scratch.get(raw.dtype, raw.size)
        np.left_shift(raw, 1, out=b)
        nan_above = raw.dtype.type(fmt.nan_above)
        if not b.size or np.maximum.reduce(b) <= nan_above:  # NaN is rare: one vectorised max
            return b, 0
        bb = scratch.get(np.bool_, raw.size)
        np.greater(b, nan_above, out=bb)
        return b, int(np.count_nonzero(bb))
    if fmt.nan_equal is not None:
        bb = scratch.get(np.bool_, raw.size)
        np.equal(raw, raw.dtype.type(fmt.nan_equal), out=bb)
        return raw, int(np.count_nonzero(bb))
    return raw, 0


# A subnormal float32. If a library turned on "denormals are zero" on this thread (e.g.
# torch.set_flush_denormal(True)), float comparisons would call it zero, so the bit test is used.
_SUBNORMAL = np.array([1e-45], np.float32)


def _float_nonzero(raw: np.ndarray, test: ZeroTest, scratch: _Scratch):
    """(bool nonzero array, nan count) through SIMD float compares, or None where the bit test
    must be used. Same answer as the bit test: -0.0 == 0 and NaN != 0. NaN is rare: one
    vectorised max (NaN propagates) decides whether to count them."""
    fv = test.fmt.float_view
    if fv is None or not raw.size or _SUBNORMAL[0] == 0:  # == 0: this thread flushes subnormals
        return None
    vals = raw.view(fv)
    nz = scratch.get(np.bool_, raw.size)
    np.not_equal(vals, 0, out=nz)
    nan = 0
    if np.isnan(np.maximum.reduce(vals)):
        bb = scratch.get(np.bool_, 2 * raw.size)[raw.size:]  # the half `nz` does not use
        np.isnan(vals, out=bb)
        nan = int(np.count_nonzero(bb))
    return nz, nan


def count_elements(raw: np.ndarray, test: ZeroTest, scratch: _Scratch, counts: Counts,
                   row_len: int = 0, row0: int = 0) -> None:
    """Zeros and NaNs of a flat chunk (row_len/row0 locate it for per-channel zero points)."""
    # per-channel chunks arrive as whole rows and must stay whole
    step = max(raw.size, 1) if test.per_channel else CHUNK_ELEMENTS
    for s in range(0, raw.size, step):
        chunk = raw[s:s + step]
        if test.zero_point is not None:
            nz = _nonzero_zp(chunk, test, scratch, row_len, row0 + (s // row_len if row_len else 0))
            counts.zeros += chunk.size - int(np.count_nonzero(nz))
        elif (fast := _float_nonzero(chunk, test, scratch)) is not None:
            counts.nan += fast[1]
            counts.zeros += chunk.size - int(np.count_nonzero(fast[0]))
        else:
            vals, nan = _prep(chunk, test, scratch)
            counts.nan += nan
            counts.zeros += chunk.size - int(np.count_nonzero(vals))
        counts.size += chunk.size


def _nonzero_zp(raw, test: ZeroTest, scratch: _Scratch, row_len: int, row0: int) -> np.ndarray:
    vals = raw.view(test.fmt.native)
    nz = scratch.get(np.bool_, raw.size)
    if not test.per_channel:
        np.not_equal(vals, test.zero_point, out=nz)
        return nz
    # Per-channel zero points along axis 0 (torch's usual axis): chunks are whole rows.
    rows = vals.size // row_len
    zp = test.zero_point[row0:row0 + rows].reshape(rows, 1)
    np.not_equal(vals.reshape(rows, row_len), zp, out=nz.reshape(rows, row_len))
    return nz


def _nonzero(raw, test: ZeroTest, scratch: _Scratch, counts: Counts, row_len: int, row0: int):
    """Bool array (True = nonzero) for a flat chunk; adds element zeros/nan/size on the way."""
    if test.zero_point is not None:
        nz = _nonzero_zp(raw, test, scratch, row_len, row0)
    elif (fast := _float_nonzero(raw, test, scratch)) is not None:
        nz, nan = fast
        counts.nan += nan
    else:
        vals, nan = _prep(raw, test, scratch)
        counts.nan += nan
        nz = scratch.get(np.bool_, raw.size)
        np.not_equal(vals, 0, out=nz)
    counts.size += raw.size
    counts.zeros += raw.size - int(np.count_nonzero(nz))
    return nz


def _any_inner(nz2d: np.ndarray, k: int) -> np.ndarray:
    """[r, c] bool -> [r, c/k]: any over groups of k consecutive columns. Groups of 2/4/8 bytes
    are read as one 16/32/64-bit word (nonzero iff any byte is), far faster than .any(-1)."""
    r, c = nz2d.shape
    if k == 1:
        return nz2d
    if k in (2, 4, 8):
        return np.ascontiguousarray(nz2d).view(f"<u{k}") != 0
    if k % 8 == 0:
        return (np.ascontiguousarray(nz2d).view("<u8").reshape(r, c // k, k // 8) != 0).any(-1)
    return nz2d.reshape(r, c // k, k).any(-1)


def _count_inner(nz2d: np.ndarray, k: int) -> np.ndarray:
    """[r, c] bool -> [r, c/k] number of nonzeros in each group of k consecutive columns.
    A 4-byte group of 0/1 bytes read as one uint32 has popcount = number of nonzero bytes."""
    r, c = nz2d.shape
    if k in (2, 4, 8):
        return np.bitwise_count(np.ascontiguousarray(nz2d).view(f"<u{k}"))
    return nz2d.reshape(r, c // k, k).sum(-1, dtype=np.uint8 if k < 256 else np.int64)


def _to_inc_columns(nz: np.ndarray, rows: int, geom: Geometry) -> np.ndarray:
    """Stored torch rows [r, cin, *spatial] -> INC's [r, *spatial * cin] column order."""
    ts = geom.torch_shape
    if not geom.permute:
        return nz.reshape(rows, geom.cols)
    t = nz.reshape(rows, ts[1], *ts[2:])
    order = (0, *range(2, len(ts)), 1)
    return np.ascontiguousarray(t.transpose(order)).reshape(rows, geom.cols)


class BlockAccumulator:
    """Block state of one INC block-row (NxM) that spans several chunks."""

    def __init__(self):
        self.acc = None

    def add_any(self, part: np.ndarray) -> None:
        self.acc = part.copy() if self.acc is None else (self.acc | part)


def count_block_rows(raw: np.ndarray, row0: int, nrows: int, test: ZeroTest, geom: Geometry,
                     block: Block, scratch: _Scratch, counts: Counts,
                     accum: BlockAccumulator | None = None) -> None:
    """A chunk of whole stored rows (each an INC row, its columns in stored order). When the
    chunk does not hold whole blocks (a block taller than a chunk, e.g. channelx1 on a big
    layer), `accum` carries the partial state; the caller finishes it with `finish_accumulator`."""
    row_len = geom.cols
    nz = _nonzero(raw, test, scratch, counts, row_len, row0)
    nz2d = _to_inc_columns(nz, nrows, geom) if (block.bm > 1 or block.kind == "nm") \
        else nz.reshape(nrows, row_len)
    if block.kind == "nm":  # groups lie within one row: never accumulated
        cnt = _count_inner(nz2d, block.bm)
        _tally_groups(cnt, block, counts)
        return
    per_row = _any_inner(nz2d, block.bm)  # [r, cols/bm]
    unit = block.bn
    if accum is None:
        grouped = per_row.reshape(nrows // unit, unit, per_row.shape[1]).any(1)
        counts.blocks += grouped.size
        zero = grouped.size - int(np.count_nonzero(grouped))
        counts.zero_blocks += zero
        counts.inc_zero_blocks += zero
    else:
        accum.add_any(per_row.any(0))


def finish_accumulator(accum: BlockAccumulator, block: Block, counts: Counts) -> None:
    if accum.acc is None:
        return
    counts.blocks += accum.acc.size
    zero = accum.acc.size - int(np.count_nonzero(accum.acc))
    counts.zero_blocks += zero
    counts.inc_zero_blocks += zero


def _tally_groups(nonzeros: np.ndarray, block: Block, counts: Counts) -> None:
    """N:M groups: compliant when at least N of M are zero (nonzeros <= M-N). INC's reduced mask
    (ninm.py) calls a group zero when nonzeros <= N: the same only when N >= M-N."""
    m, n = block.bm, block.n_pruned
    counts.blocks += nonzeros.size
    counts.zero_blocks += int(np.count_nonzero(nonzeros <= m - n))
    counts.inc_zero_blocks += int(np.count_nonzero(nonzeros <= n))


def as_bits(arr: np.ndarray, fmt: BitFormat) -> np.ndarray:
    """A contiguous flat unsigned view of an array's bytes (copies only when not contiguous)."""
    arr = np.ascontiguousarray(arr)
    if arr.dtype.itemsize != fmt.itemsize:
        raise ValueError(f"{arr.dtype} is not {fmt.itemsize}-byte {fmt.name}")
    return arr.reshape(-1).view(fmt.uint)


@dataclass
class TensorJob:
    """One tensor to count: where its bytes are, how to test them, which block metric."""

    key: object
    source: object  # has .window(e0, e1) -> context manager yielding a flat uint array
    test: ZeroTest
    geom: Geometry
    block: Block | None = None
    counts: Counts = field(default_factory=Counts)
