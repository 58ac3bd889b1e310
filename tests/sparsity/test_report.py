"""compute_sparsity_report and `prune-lsp sparsity` on real files written by torch and
safetensors: every format agrees with torch's own count, tied weights count once, quantized
zeros are the zero point, and the CLI's errors are one line with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

from analysis.sparsity.report import SparsityError, compute_sparsity_report
from analysis.sparsity.thread_pool import Cancelled
from analysis.sparsity.torch_backend import DeviceError, resolve_device

torch = pytest.importorskip("torch")


def _model():
    torch.manual_seed(0)
    m = torch.nn.Sequential()
    m.add_module("emb", torch.nn.Embedding(10, 8))
    m.add_module("conv", torch.nn.Conv2d(4, 8, 3))
    m.add_module("fc1", torch.nn.Linear(36, 64))
    m.add_module("ln", torch.nn.LayerNorm(64))
    m.add_module("fc", torch.nn.Linear(64, 2))
    with torch.no_grad():
        m.fc1.weight[:32] = 0
        m.fc1.weight[40, :] *= -0.0  # -0.0 everywhere in a row
        m.conv.weight[:4] = 0
        m.emb.weight[0] = 0
    return m


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    st = pytest.importorskip("safetensors.torch")
    d = tmp_path_factory.mktemp("sparsity_files")
    m = _model()
    sd = m.state_dict()
    st.save_file({k: v.contiguous() for k, v in sd.items()}, d / "m.safetensors")
    torch.save(sd, d / "m.pt")
    torch.save(sd, d / "m_legacy.pt", _use_new_zipfile_serialization=False)
    # tied: an LM head sharing the embedding's storage
    tied = torch.nn.Module()
    tied.emb = torch.nn.Embedding(20, 8)
    tied.body = torch.nn.Linear(8, 8)
    tied.head = torch.nn.Linear(8, 20, bias=False)
    tied.head.weight = tied.emb.weight
    with torch.no_grad():
        tied.emb.weight[:5] = 0
    torch.save(tied.state_dict(), d / "tied.pt")
    with warnings.catch_warnings():  # torch deprecates quantized tensors
        warnings.simplefilter("ignore")
        q = torch.quantize_per_tensor(torch.tensor([[0.0, 0.5] * 4] * 8), 0.1, 3, torch.quint8)
    torch.save({"fc.weight": q, "fc.bias": torch.zeros(8)}, d / "quant.pt")
    (d / "junk.safetensors").write_bytes(b"not a model at all")
    return d, sd


def _true_counts(sd):
    zeros = sum(int((v == 0).sum()) for k, v in sd.items() if not k.endswith(("running_mean", "running_var")))
    size = sum(v.numel() for v in sd.values())
    return zeros, size


@pytest.mark.parametrize("name", ["m.safetensors", "m.pt", "m_legacy.pt"])
def test_formats_agree_with_torch(files, name):
    d, sd = files
    rep = compute_sparsity_report(d / name)
    zeros, size = _true_counts(sd)
    assert (rep["totals"]["zeros"], rep["totals"]["parameters"]) == (zeros, size)
    rows = {r["name"]: r for r in rep["layers"]}
    assert rows["fc1"]["zeros"] == 32 * 36 + 36  # the -0.0 row counts
    assert rows["conv"]["zeros"] == int((sd["conv.weight"] == 0).sum())
    for key in ("elementwise_over_matmul_gemm_conv", "elementwise_over_all", "blockwise_over_matmul_gemm_conv"):
        assert 0.0 <= rep["inc"][key] <= 1.0 and 0.0 <= rep["selected"][key] <= 1.0


def test_file_formats_give_identical_figures(files):
    d, _ = files
    a = compute_sparsity_report(d / "m.pt")
    b = compute_sparsity_report(d / "m_legacy.pt")
    assert a["inc"] == b["inc"] and a["selected"] == b["selected"]
    assert [r["zeros"] for r in a["layers"]] == [r["zeros"] for r in b["layers"]]


def test_tied_weights_count_once(files):
    d, _ = files
    rep = compute_sparsity_report(d / "tied.pt")
    # emb/head share 160 elements; body 64 + 8 bias
    assert rep["totals"]["parameters"] == 160 + 64 + 8
    assert rep["totals"]["zeros"] == 40
    rows = {r["name"]: r for r in rep["layers"]}
    assert rows["head"]["zeros"] == rows["emb"]["zeros"] == 40


def test_quantized_zero_is_the_zero_point(files):
    d, _ = files
    rep = compute_sparsity_report(d / "quant.pt")
    rows = {r["name"]: r for r in rep["layers"]}
    assert rows["fc"]["zeros"] == 32  # int_repr == 3 (the zero point), not int_repr == 0


def test_progress_and_cancel(files):
    d, _ = files
    seen = []
    compute_sparsity_report(d / "m.pt", progress=lambda done, total, msg: seen.append((done, total, msg)))
    assert seen and seen[-1][0] == seen[-1][1] > 0 and "MiB" in seen[-1][2]
    with pytest.raises(Cancelled):
        compute_sparsity_report(d / "m.pt", cancel=lambda: True)


def test_errors(files, tmp_path):
    d, _ = files
    with pytest.raises(SparsityError, match="no such file"):
        compute_sparsity_report(tmp_path / "missing.pt")
    with pytest.raises(SparsityError):
        compute_sparsity_report(d / "junk.safetensors")
    with pytest.raises(SparsityError, match="no such file"):
        compute_sparsity_report(d / "m.pt", config_path=tmp_path / "nope.yaml")


def test_device_resolution():
    assert resolve_device("auto") == "cpu"
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        for dev in ("cuda", "cuda:0"):
            with pytest.raises(DeviceError, match="no CUDA GPU"):
                resolve_device(dev)
    else:
        with pytest.raises(DeviceError, match="only"):
            resolve_device(f"cuda:{torch.cuda.device_count()}")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "prune_lsp", "sparsity", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_cli_json_is_the_report(files):
    d, _ = files
    p = _cli(d / "m.pt", "--format", "json")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""  # no progress bar when stderr is not a terminal
    out = json.loads(p.stdout)
    assert out == json.loads(json.dumps(compute_sparsity_report(str(d / "m.pt"))))


def test_cli_text(files):
    d, _ = files
    p = _cli(d / "m.safetensors")
    assert p.returncode == 0, p.stderr
    for word in ("elementwise_over_matmul_gemm_conv", "elementwise_over_all",
                 "blockwise_over_matmul_gemm_conv", "fc1", "totals:"):
        assert word in p.stdout


@pytest.mark.parametrize("args,needle", [
    (["{d}/missing.pt"], "no such file"),
    (["{d}/junk.safetensors"], "junk.safetensors"),
    (["{d}/m.pt", "--device", "tpu"], "unknown device"),
])
def test_cli_errors_one_line_exit_2(files, args, needle):
    d, _ = files
    p = _cli(*[a.format(d=d) for a in args])
    assert p.returncode == 2
    assert needle in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_cli_cuda_unavailable(files):
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    d, _ = files
    p = _cli(d / "m.pt", "--device", "cuda")
    assert p.returncode == 2 and "no CUDA GPU" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_config_selects_layers_the_inc_way(files, tmp_path):
    d, _ = files
    cfg = tmp_path / "prune.yaml"
    cfg.write_text("version: 1.0\nmodel:\n  name: m\n  framework: pytorch\npruning:\n  approach:\n"
                   "    weight_compression_v2:\n      pruning_type: magnitude\n      target_sparsity: 0.5\n"
                   "      pattern: 4x1\n      pruners:\n        - !PrunerV2\n            op_names: ['conv']\n"
                   "        - !PrunerV2\n            op_names: ['fc1']\n            target_sparsity: 0.7\n")
    rep = compute_sparsity_report(d / "m.pt", config_path=cfg)
    # INC appends the head 'fc' to excluded_op_names and re.search-es it: 'fc1' goes too
    assert [p["layers"] for p in rep["pruners"]] == [["conv"], []]
    assert any("'fc'" in n["message"] for n in rep["notes"] if n["code"] == "selection")
    rows = {r["name"]: r for r in rep["layers"]}
    assert rows["conv"]["block_sparsity"] == 0.5 and rows["conv"]["target_sparsity"] == 0.5
    assert rows["fc1"]["pruner"] is None
    assert rep["selected"]["elementwise_over_matmul_gemm_conv"] == 144 / 288
