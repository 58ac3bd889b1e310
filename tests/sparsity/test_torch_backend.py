"""The torch (device) kernels, run on CPU tensors, give exactly the numpy kernels' counts; CPU
torch tensors (bf16, fp8, quantized) are read through integer views."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.sparsity import torch_backend
from analysis.sparsity.arrays import count_array
from analysis.sparsity.dtypes import bit_format
from analysis.sparsity.kernels import TensorJob, ZeroTest, as_bits
from analysis.sparsity.patterns import keras_geometry, parse_pattern, resolve_block, torch_geometry
from analysis.sparsity.thread_pool import run_jobs
from analysis.sparsity.sources import ArraySource

torch = pytest.importorskip("torch")

FIELDS = ("size", "zeros", "nan", "blocks", "zero_blocks", "inc_zero_blocks")


def _jobs(bits, fmt_name, shape, pattern, layout="torch", cls="", zp=None):
    fmt = bit_format(fmt_name)
    geom = keras_geometry(shape, cls) if layout == "keras" else torch_geometry(shape)
    block = None
    if pattern:
        block, reason = resolve_block(parse_pattern(pattern), geom)
        assert reason is None, reason
    src = ArraySource(bits.reshape(-1).view(fmt.uint))
    return [TensorJob(i, src, ZeroTest(fmt, zp), geom, block) for i in range(2)]


@pytest.fixture(params=["big", "small"])
def device_chunks(request, monkeypatch):
    if request.param == "small":  # chunks smaller than a block row: the accumulating path
        monkeypatch.setattr(torch_backend, "DEVICE_CHUNK_ELEMENTS", 16)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16, torch.float8_e4m3fn])
@pytest.mark.parametrize("pattern", [None, "4x1", "1x4", "channelx1", "1xchannel", "2:4", "1:4"])
@pytest.mark.parametrize("shape", [(8, 32), (8, 4, 3, 3)])
def test_torch_kernels_equal_numpy(dtype, pattern, shape, device_chunks):
    g = torch.Generator().manual_seed(3)
    w = torch.randn(shape, generator=g)
    w[torch.rand(shape, generator=g) < 0.5] = 0
    w[:4] = -0.0
    w.view(-1)[5] = float("nan")
    w.view(-1)[6] = -float("nan")
    w.view(-1)[7] = float("inf")
    w.view(-1)[9] = torch.finfo(dtype).smallest_normal / 4 if dtype.is_floating_point else 0  # subnormal
    t = w.to(dtype)
    bits, name, zp, _ = torch_backend.cpu_tensor_bits(t)
    a, b = _jobs(bits, name, shape, pattern, zp=zp)
    run_jobs([a])
    torch_backend.run_jobs_torch([b], "cpu")
    assert {f: getattr(b.counts, f) for f in FIELDS} == {f: getattr(a.counts, f) for f in FIELDS}
    assert a.counts.zeros == int((t.float() == 0).sum())


@pytest.mark.parametrize("pattern", ["3x1", "1x4", "3x8"])
def test_torch_kernels_keras_layout(pattern, device_chunks):
    rng = np.random.default_rng(0)
    k = rng.standard_normal((3, 3, 4, 8)).astype(np.float32)
    k[rng.random(k.shape) < 0.6] = 0
    a, b = _jobs(as_bits(k, bit_format("float32")), "float32", k.shape, pattern, "keras", "Conv2D")
    run_jobs([a])
    torch_backend.run_jobs_torch([b], "cpu")
    assert {f: getattr(b.counts, f) for f in FIELDS} == {f: getattr(a.counts, f) for f in FIELDS}


def test_quantized_tensor_zero_point_both_backends():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = torch.quantize_per_tensor(torch.tensor([[0.0, 0.3, 0.0, 0.0]] * 4), 0.1, 200, torch.quint8)
        qc = torch.quantize_per_channel(torch.tensor([[0.0, 1.0]] * 4), torch.ones(4) * 0.5,
                                        torch.tensor([1, 2, 3, 4]), 0, torch.quint8)
    for t, expected in ((q, 12), (qc, 4)):
        bits, name, zp, axis = torch_backend.cpu_tensor_bits(t)
        counts, _ = count_array(bits, dtype=name, zero_point=zp, axis=axis)
        assert counts.zeros == expected
        a, b = _jobs(bits, name, tuple(t.shape), "1x2", zp=zp)
        run_jobs([a])
        torch_backend.run_jobs_torch([b], "cpu")
        assert (b.counts.zeros, b.counts.zero_blocks) == (a.counts.zeros, a.counts.zero_blocks)
        assert a.counts.zeros == expected


def test_report_through_the_torch_backend_equals_numpy(tmp_path):
    from analysis.models import load_layer_index
    from analysis.sparsity.access import open_model_tensors
    from analysis.sparsity.report import PrunerSpec, build_report, default_pruner_config

    m = torch.nn.Sequential(torch.nn.Conv2d(4, 8, 3), torch.nn.Flatten(), torch.nn.Linear(288, 64),
                            torch.nn.Linear(64, 2))
    with torch.no_grad():
        m[0].weight[:4] = 0
        m[2].weight[:, ::2] = 0
    torch.save(m.state_dict(), tmp_path / "m.pt")
    index = load_layer_index(tmp_path / "m.pt")
    sel = [(PrunerSpec(0, "p", dict(default_pruner_config(), pattern="2:4")), ["0", "2"])]
    with open_model_tensors(str(tmp_path / "m.pt"), index) as t:
        a = build_report(index, t, sel, "cpu", backend="numpy")
        b = build_report(index, t, sel, "cpu", backend="torch")
    assert a["backend"] == "numpy" and b["backend"] == "torch"
    for k in ("inc", "selected", "pruners", "layers", "notes"):
        assert a[k] == b[k]
