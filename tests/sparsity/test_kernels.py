"""Exact counts on crafted arrays, against a naive float-semantics reference (ml_dtypes for
bf16/fp8), with chunk and task sizes shrunk so that every chunking path is crossed."""

from __future__ import annotations

import zlib

import ml_dtypes
import numpy as np
import pytest

from analysis.sparsity import kernels, thread_pool
from analysis.sparsity.arrays import count_array
from analysis.sparsity.patterns import parse_pattern


@pytest.fixture(params=["big", "tiny"])
def chunking(request, monkeypatch):
    """'tiny' makes chunks and tasks smaller than one block row, forcing the accumulators."""
    if request.param == "tiny":
        monkeypatch.setattr(kernels, "CHUNK_ELEMENTS", 8)
        monkeypatch.setattr(thread_pool, "CHUNK_ELEMENTS", 8)
        monkeypatch.setattr(thread_pool, "TASK_ELEMENTS", 24)
    return request.param


def to_torch_layout(w: np.ndarray, layout: str) -> np.ndarray:
    # INC's Keras pattern (nxm.py KerasPatternNxM) takes the Keras array as stored and applies
    # torch's 4-D permutation to it: inc_2d below does exactly that to either layout
    return w


def inc_2d(w: np.ndarray) -> np.ndarray:
    if w.ndim == 4:
        return np.transpose(w, (0, 2, 3, 1)).reshape(w.shape[0], -1)
    if w.ndim == 3:
        return np.transpose(w, (0, 2, 1)).reshape(w.shape[0], -1)
    if w.ndim == 1:
        return w.reshape(-1, 8)
    return w


def reference(w_float: np.ndarray, pattern: str | None, layout: str = "torch"):
    """Float semantics: -0.0 == 0, NaN != 0; a block is zero iff all its elements are."""
    nz = w_float != 0
    out = {"size": w_float.size, "zeros": int(w_float.size - nz.sum()), "nan": int(np.isnan(w_float).sum())}
    if pattern is None:
        return out
    t = to_torch_layout(nz, layout)
    x = inc_2d(t)
    p = parse_pattern(pattern)
    r, c = x.shape
    if p.kind == "nm":
        cnt = x.reshape(r, c // p.m, p.m).sum(-1)
        out.update(blocks=cnt.size, zero_blocks=int((cnt <= p.m - p.n).sum()),
                   inc_zero_blocks=int((cnt <= p.n).sum()))
        return out
    bn = t.shape[0] if p.n == "channel" else p.n
    bm = t.shape[1] if p.m == "channel" else p.m
    blk = x.reshape(r // bn, bn, c // bm, bm).any(axis=(1, 3))
    z = int(blk.size - blk.sum())
    out.update(blocks=blk.size, zero_blocks=z, inc_zero_blocks=z)
    return out


def check(w_float, raw, dtype, pattern=None, layout="torch", class_name=""):
    counts, reason = count_array(raw, dtype=dtype, pattern=pattern, layout=layout, class_name=class_name)
    assert reason is None
    ref = reference(w_float, pattern, layout)
    got = {k: getattr(counts, k) for k in ref}
    assert got == ref


def sparse(rng, shape, zero_frac=0.5, dtype=np.float32):
    w = rng.standard_normal(shape).astype(dtype)
    w[rng.random(shape) < zero_frac] = 0
    neg = rng.random(shape) < 0.3
    w[neg & (w == 0)] = -0.0  # mask products leave -0.0 behind
    return w


def test_negative_zero_counts_as_zero_nan_does_not():
    w = np.array([0.0, -0.0, np.nan, -np.nan, 1.0, np.inf], np.float32)
    counts, _ = count_array(w)
    assert (counts.size, counts.zeros, counts.nan) == (6, 2, 2)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "bfloat16",
                                   "float8_e4m3fn", "float8_e5m2"])
def test_float_formats_via_bits(dtype, chunking):
    rng = np.random.default_rng(1)
    w = sparse(rng, (16, 12))
    w[0, 0] = np.nan
    w[1, 1] = -np.nan
    np_dtype = {"bfloat16": ml_dtypes.bfloat16, "float8_e4m3fn": ml_dtypes.float8_e4m3fn,
                "float8_e5m2": ml_dtypes.float8_e5m2}.get(dtype, dtype)
    cast = w.astype(np_dtype)
    as_float = cast.astype(np.float32)
    raw = cast.view(f"u{cast.dtype.itemsize}")
    assert np.signbit(as_float[as_float == 0]).any(), "the test needs some -0.0"
    check(as_float, raw, dtype, pattern="4x1")
    check(as_float, raw, dtype, pattern="2:4")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_compare_path_equals_bit_path(dtype, monkeypatch):
    """f32/f64 are counted with SIMD float compares; they must give the bit test's answer on
    every special value: -0.0, NaN of both signs, infinities and subnormals (nonzero)."""
    rng = np.random.default_rng(5)
    w = sparse(rng, (64, 24), dtype=dtype)
    tiny = np.finfo(dtype).smallest_subnormal
    w.flat[[3, 50, 77]] = [np.nan, -np.nan, np.inf]
    w.flat[[5, 90, 200]] = [tiny, -tiny, 4 * tiny]
    w[8:12] = 0  # a whole zero 4x1 block row
    raw = w.view(f"u{w.itemsize}")
    fast = {p: count_array(raw, dtype=np.dtype(dtype).name, pattern=p)[0] for p in (None, "4x1", "2:4")}
    monkeypatch.setattr(kernels, "_SUBNORMAL", np.zeros(1, np.float32))  # as if denormals were zero
    bits = {p: count_array(raw, dtype=np.dtype(dtype).name, pattern=p)[0] for p in (None, "4x1", "2:4")}
    assert fast == bits
    assert fast[None].nan == 2
    check(w, raw, np.dtype(dtype).name, pattern="4x1")  # subnormals are nonzero in the reference too


def test_fnuz_has_no_negative_zero():
    raw = np.array([0x00, 0x80, 0x01, 0x81], np.uint8)  # 0, NaN, tiny, -tiny
    counts, _ = count_array(raw, dtype="float8_e4m3fnuz")
    assert (counts.zeros, counts.nan) == (1, 1)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, np.bool_])
def test_integers(dtype):
    rng = np.random.default_rng(2)
    w = (rng.integers(-3, 3, (8, 16)) * (rng.random((8, 16)) < 0.5)).astype(dtype)
    check(w.astype(np.float64), w, None, pattern="1x4")


def test_quantized_zero_point_per_tensor_and_per_channel():
    q = np.array([[10, 10, 3, 10], [0, 0, 7, 0]], np.uint8)
    counts, _ = count_array(q, dtype="quint8", zero_point=10)
    assert counts.zeros == 3
    counts, _ = count_array(q, dtype="quint8", zero_point=np.array([10, 0]))
    assert counts.zeros == 6
    counts, _ = count_array(q, dtype="quint8", zero_point=np.array([10, 0]), pattern="1x2")
    assert (counts.blocks, counts.zero_blocks) == (4, 2)
    signed = np.array([-3, -3, 5], np.int8)
    counts, _ = count_array(signed, dtype="qint8", zero_point=-3)
    assert counts.zeros == 2
    with pytest.raises(ValueError):
        count_array(q, dtype="quint8")


def test_sign_cancellation_block_is_not_zero():
    w = np.zeros((4, 4), np.float32)
    w[:, 0] = [1.5, -1.5, 0, 0]  # sums to 0 in its 4x1 block: still a nonzero block
    counts, _ = count_array(w, pattern="4x1")
    assert (counts.blocks, counts.zero_blocks) == (4, 3)


@pytest.mark.parametrize("pattern", ["4x1", "1x4", "2x2", "channelx1", "1xchannel", "2xchannel",
                                     "1x1", "2:4", "1:4", "4:8", "1x3", "1x16", "3:6"])
@pytest.mark.parametrize("shape", [(8, 48), (8, 6, 2, 2), (16, 3, 3, 4), (8, 6, 4)])
def test_torch_layouts_against_reference(pattern, shape, chunking):
    rng = np.random.default_rng(zlib.crc32(repr((pattern, shape)).encode()))
    w = sparse(rng, shape, 0.6)
    # make whole blocks zero too, or every block would be nonzero
    w.reshape(shape[0], -1)[: shape[0] // 2] = 0
    counts, reason = count_array(w, pattern=pattern)
    if reason is not None:  # INC would find the layer invalid: check that INC's rule says so
        x = inc_2d(w)
        p = parse_pattern(pattern)
        bn = w.shape[0] if p.n == "channel" else p.n
        bm = w.shape[1] if p.m == "channel" else p.m
        assert x.shape[0] % (1 if p.kind == "nm" else bn) or x.shape[1] % bm
        return
    ref = reference(w, pattern)
    assert {k: getattr(counts, k) for k in ref} == ref


@pytest.mark.parametrize("pattern", ["4x1", "1x4", "channelx1", "1xchannel", "2:4", "1:4"])
@pytest.mark.parametrize("shape,cls", [((24, 8), "Dense"), ((3, 3, 4, 8), "Conv2D"),
                                       ((3, 4, 8), "Conv1D")])
def test_keras_layouts_against_reference(pattern, shape, cls, chunking):
    rng = np.random.default_rng(7)
    w = sparse(rng, shape, 0.6)
    w[..., :4] = 0  # zero the first 4 output channels
    counts, reason = count_array(w, pattern=pattern, layout="keras", class_name=cls)
    if len(shape) == 3 or ":" in pattern or "channel" in pattern:
        assert reason and "raises" in reason  # INC's Keras pattern fails on these: no block figures
        assert counts.zeros == int((w == 0).sum()) and counts.blocks == 0
        return
    if reason:  # not divisible in INC's Keras view: e.g. 4x1 on a Conv2D's 3 kernel rows
        x = inc_2d(w)
        bn, bm = (int(v) for v in pattern.split("x"))
        assert "cannot be divided" in reason and (x.shape[0] % bn or x.shape[1] % bm)
        return
    ref = reference(w, pattern, "keras")
    assert {k: getattr(counts, k) for k in ref} == ref


def test_invalid_shape_reports_reason():
    counts, reason = count_array(np.zeros((6, 30), np.float32), pattern="4x1")
    assert reason and "cannot be divided" in reason
    assert counts.zeros == 180 and counts.blocks == 0


def test_large_counts_are_exact_int64():
    # 2^25 + 3 elements: float32 accumulators (L0 norms) saturate at 2^24..2^25
    n = (1 << 25) + 3
    w = np.zeros(n, np.float32)
    w[::5] = 1.0
    counts, _ = count_array(w, threads=2)
    assert counts.zeros == n - len(range(0, n, 5))
