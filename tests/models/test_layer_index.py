"""load_layer_index on real files of every supported format, and its failures."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from analysis.models import LayerIndex, ModelLoadError, load_layer_index

torch = pytest.importorskip("torch")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _truth(name: str) -> dict[str, tuple[str, tuple]]:
    """name -> (class, weight shape) from the real torch model."""
    import toy_models

    out = {}
    for n, m in toy_models.build(name).named_modules():
        w = getattr(m, "weight", None)
        out[n] = (type(m).__name__, tuple(w.shape) if isinstance(w, torch.Tensor) else ())
    return out


def _classes(ix: LayerIndex) -> dict[str, str]:
    return {ly.name: ly.class_name for ly in ix.layers}


def test_state_dict_zip_names_order_and_inferred_classes(torch_files):
    ix = load_layer_index(torch_files["bert.pt"])
    truth = _truth("bert")
    assert ix.source == "torch-zip" and ix.framework == "pytorch" and not ix.exact_classes
    assert ix.complete and ix.ordered
    # _metadata gives every module, weightless ones included, in registration order
    assert [ly.name for ly in ix.layers] == [n for n in truth if n]
    for ly in ix.layers:
        assert ly.class_inferred
        cls, shape = truth[ly.name]
        assert ly.shape == shape
        if shape:  # every weighted module of this model has an inferable class
            assert ly.class_name == cls, ly.name
    assert _classes(ix)["bert.encoder.layer.0.output.dropout"] == "Dropout"  # guessed from the name
    q = ix.by_name()["bert.encoder.layer.0.attention.self.query"]
    assert (q.weight, q.dtype, q.size) == ("bert.encoder.layer.0.attention.self.query.weight", "float32", 32 * 32)
    assert q.params == ("bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query.bias")


def test_convnet_state_dict_batchnorm_conv1d(torch_files):
    ix = load_layer_index(torch_files["convnet.pt"])
    c = _classes(ix)
    assert c["features.0"] == "Conv2d" and c["features.1"] == "BatchNorm2d" and c["proj"] == "Conv1d"
    bn = ix.by_name()["features.1"]
    assert "features.1.running_mean" not in bn.params  # buffers are not parameters


def test_checkpoint_dict_wrapper_is_unwrapped(torch_files):
    ix = load_layer_index(torch_files["mlp_ckpt.pt"])
    assert [ly.name for ly in ix.layers] == ["fc1", "act", "fc2", "drop", "fc"]
    assert any("'model'" in n for n in ix.notes)


def test_tied_weights_torch_zip_and_safetensors(torch_files):
    ix = load_layer_index(torch_files["tied.pt"])
    assert ix.tied == {"head.weight": "emb.weight"}
    ix2 = load_layer_index(torch_files["tied.safetensors"])
    # save_model dropped one of the two names; the index restores the module and the tie
    assert set(ix2.tied.items()) <= {("head.weight", "emb.weight"), ("emb.weight", "head.weight")} and ix2.tied
    names = {ly.name for ly in ix2.layers}
    assert {"emb", "head", "body"} <= names


def test_dtypes_of_low_precision_weights(torch_files):
    ix = load_layer_index(torch_files["dtypes.pt"])
    assert {ly.name: ly.dtype for ly in ix.layers} == {"a": "bfloat16", "b": "float8_e4m3fn"}


def _fresh_process(code: str) -> str:
    """stdout of `code` run in a new interpreter (imports checked there are not this process's)."""
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_safetensors_header_only(torch_files):
    code = (
        "import sys; from analysis.models import load_layer_index;"
        f"ix = load_layer_index({str(torch_files['mixed.safetensors'])!r});"
        "assert 'torch' not in sys.modules and 'numpy' not in sys.modules;"
        "print(ix.source, ix.ordered, sorted((l.name, l.class_name) for l in ix.layers if l.weight))"
    )
    src, ordered, rest = _fresh_process(code).split(" ", 2)
    assert (src, ordered) == ("safetensors-header", "False")
    pairs = dict(eval(rest))  # noqa: S307 - our own repr
    assert pairs["emb"] == "Embedding" and pairs["conv"] == "Conv2d" and pairs["fc"] == "Linear"
    assert pairs["ln"] == "LayerNorm" and pairs["convt"] == "Conv2d"  # ConvTranspose2d is indistinguishable
    assert "attn" not in pairs and pairs["attn.out_proj"] == "Linear"


def test_sharded_safetensors_index(torch_files):
    ix = load_layer_index(torch_files["sharded"])
    truth = {n for n, (_, s) in _truth("bert").items() if s}
    assert {ly.name for ly in ix.layers if ly.weight} == truth
    assert len({f for f, _ in ix.locations.values()}) == 2


def test_torchscript_exact_classes(torch_files):
    ix = load_layer_index(torch_files["convnet.ts"])
    truth = _truth("convnet")
    assert ix.source == "torchscript" and ix.exact_classes and ix.complete
    assert [(ly.name, ly.class_name) for ly in ix.layers] == [(n, c) for n, (c, _) in truth.items() if n]
    assert all(not ly.class_inferred for ly in ix.layers)
    assert ix.by_name()["head"].shape == (10, 32, 1, 1)


def test_legacy_pickle_state_dict(torch_files):
    ix = load_layer_index(torch_files["convnet_legacy.pt"])
    assert ix.source == "torch-legacy"
    assert [ly.name for ly in ix.layers] == [n for n in _truth("convnet") if n]


def test_weights_only_constructs_the_reader_does_not_model_fall_back_to_torch(tmp_path):
    p = tmp_path / "with_size.pt"
    torch.save({"fc.weight": torch.ones(3, 2), "input_shape": torch.Size([2, 3])}, p)
    ix = load_layer_index(p)
    assert ix.source == "torch-weights-only"
    assert ix.by_name()["fc"].shape == (3, 2) and ix.by_name()["fc"].class_name == "Linear"


def test_factory_needs_permission_and_builds_on_meta(monkeypatch):
    here = os.path.dirname(os.path.abspath(__file__))
    monkeypatch.chdir(here)
    with pytest.raises(ModelLoadError, match="code execution"):
        load_layer_index("toy_models:Mixed")
    ix = load_layer_index("toy_models:Mixed", allow_code_execution=True)
    assert ix.source == "factory" and ix.exact_classes
    c = _classes(ix)
    assert c["attn"] == "MultiheadAttention" and c["attn.out_proj"] == "NonDynamicallyQuantizableLinear"
    assert c["c1d"] == "Conv1D" and c["convt"] == "ConvTranspose2d" and c["drop"] == "Dropout"
    assert ix.by_name()["attn"].weight is None
    assert set(ix.by_name()["attn"].params) == {"attn.in_proj_weight", "attn.in_proj_bias"}


def test_unsafe_pickle_refused_by_default_file_never_created(tmp_path):
    marker = tmp_path / "created-by-unpickling"
    payload = f"import os; os.system('touch {marker}')"

    class Evil:
        def __reduce__(self):
            return (exec, (payload,))

    zipped = tmp_path / "evil.pt"
    torch.save({"w": torch.ones(2), "x": Evil()}, zipped)
    with pytest.raises(ModelLoadError, match="refused to unpickle 'builtins.exec'"):
        load_layer_index(zipped)
    legacy = tmp_path / "evil_legacy.pt"
    torch.save({"x": Evil()}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(ModelLoadError, match="refused"):
        load_layer_index(legacy)
    assert not marker.exists()


def test_full_module_pickle_only_with_code_execution(tmp_path, monkeypatch):
    here = os.path.dirname(os.path.abspath(__file__))
    import toy_models

    p = tmp_path / "full.pt"
    torch.save(toy_models.build("mlp"), p)
    with pytest.raises(ModelLoadError, match="toy_models.MLP"):
        load_layer_index(p)
    monkeypatch.chdir(here)  # the child imports toy_models from the working directory
    ix = load_layer_index(p, allow_code_execution=True)
    assert ix.exact_classes and _classes(ix) == {"fc1": "Linear", "act": "ReLU", "fc2": "Linear", "drop": "Dropout",
                                                 "fc": "Linear"}


def test_hf_folder_minilm(minilm_folder):
    ix = load_layer_index(minilm_folder)
    assert ix.source == "hf-folder" and ix.framework == "pytorch"
    q = ix.by_name()["encoder.layer.5.attention.self.query"]
    assert q.shape == (384, 384) and q.dtype == "float32" and q.class_name == "Linear"
    assert ix.by_name()["embeddings.word_embeddings"].shape == (30522, 384)
    assert ix.by_name()["embeddings.word_embeddings"].class_name == "Embedding"
    import importlib.util

    if importlib.util.find_spec("transformers") is not None:
        # built from config.json on the meta device: exact classes and weightless modules
        assert ix.exact_classes and ix.complete
        c = _classes(ix)
        assert c["embeddings"] == "BertEmbeddings" and c["pooler.activation"] == "Tanh"
        assert ix.layers[-1].name == "pooler.activation"
    else:
        assert not ix.exact_classes


def test_hf_folder_without_transformers_infers_classes(minilm_folder, monkeypatch):
    from analysis.models import hf_folder

    monkeypatch.setattr(hf_folder, "_transformers_available", lambda: False)
    ix = load_layer_index(minilm_folder)
    assert ix.source == "hf-folder" and not ix.exact_classes and not ix.ordered
    assert any("install transformers" in n for n in ix.notes)
    c = _classes(ix)
    assert c["encoder.layer.0.attention.self.query"] == "Linear" and c["embeddings.LayerNorm"] == "LayerNorm"
    assert c["embeddings.token_type_embeddings"] == "Embedding"
    # natural order: layer 2 before layer 10 would hold; parents before children
    names = [ly.name for ly in ix.layers]
    assert names.index("encoder.layer.1.attention.self.query") < names.index("encoder.layer.5.attention.self.query")


def test_hf_folder_safetensors_alone_is_inferred(minilm_folder):
    ix = load_layer_index(minilm_folder / "model.safetensors")
    assert ix.source == "safetensors-header" and not ix.exact_classes
    assert len([ly for ly in ix.layers if ly.class_name == "Linear"]) == 6 * 6 + 1


def test_keras_zip_and_h5_without_tensorflow(keras_files):
    code = (
        "import sys; from analysis.models import load_layer_index;"
        f"a = load_layer_index({str(keras_files['func.keras'])!r}); b = load_layer_index({str(keras_files['func.h5'])!r});"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules;"
        "print([(l.name, l.class_name, l.shape, l.params) for l in a.layers] == [(l.name, l.class_name, l.shape, l.params) for l in b.layers])"
    )
    assert _fresh_process(code).strip() == "True"
    ix = load_layer_index(keras_files["func.keras"])
    assert ix.framework == "keras" and ix.exact_classes
    assert [(ly.name, ly.class_name) for ly in ix.layers] == [
        ("img", "InputLayer"), ("conv", "Conv2D"), ("flat", "Flatten"), ("fc1", "Dense"), ("drop", "Dropout"), ("fc", "Dense")]
    fc1 = ix.by_name()["fc1"]
    assert (fc1.weight, fc1.shape, fc1.dtype, fc1.params) == ("fc1/kernel", (144, 16), "float32", ("fc1/kernel", "fc1/bias"))
    assert ix.by_name()["conv"].shape == (3, 3, 3, 4)


def test_keras_sequential_and_h5_dataset_locations(keras_files):
    import h5py
    import numpy as np

    ix = load_layer_index(keras_files["seq.keras"])
    assert [(ly.name, ly.class_name) for ly in ix.layers] == [
        ("emb", "Embedding"), ("flat", "Flatten"), ("d1", "Dense"), ("ln", "LayerNormalization"), ("d2", "Dense")]
    assert ix.by_name()["emb"].shape == (7, 4) and ix.by_name()["d1"].shape == (20, 6)
    h5 = load_layer_index(keras_files["seq.h5"])
    assert [(ly.name, ly.shape, ly.weight) for ly in h5.layers] == [(ly.name, ly.shape, ly.weight) for ly in ix.layers]
    path, ds = h5.locations["d1/kernel"]
    with h5py.File(path, "r") as f:
        assert f[ds].shape == (20, 6)
    # the .keras weights file is a stored zip member: the dataset's absolute offset reads the data
    from analysis.formats.keras import read_keras_zip

    km = read_keras_zip(keras_files["seq.keras"])
    w = next(w for ly in km.layers for w in ly.weights if w.name == "d1/kernel")
    assert w.data_offset is not None
    mm = np.memmap(keras_files["seq.keras"], dtype=np.float32, mode="r", offset=w.data_offset, shape=w.shape)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(mm, f[ds][()])


def test_savedmodel_folder(keras_files):
    ix = load_layer_index(keras_files["saved"])
    assert ix.source == "savedmodel" and ix.framework == "keras"
    assert [(ly.name, ly.class_name, ly.shape) for ly in ix.layers] == [
        ("conv", "Conv2D", (3, 3, 3, 4)), ("fc1", "Dense", (144, 16)), ("fc", "Dense", (16, 10))]


def _write(p, data: bytes):
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d: d / "missing.pt", "no such file"),
        (lambda d: _write(d / "empty.pt", b""), "empty file"),
        (lambda d: _write(d / "junk.bin", b"just some text, not a model"), "not a recognised"),
        (lambda d: (d / "nomodel").mkdir() or d / "nomodel", "neither a Hugging Face"),
    ],
)
def test_unreadable_paths(tmp_path, make, reason):
    p = make(tmp_path)
    with pytest.raises(ModelLoadError) as ei:
        load_layer_index(p)
    assert reason in ei.value.reason and str(p) in str(ei.value)


def test_symlink_loop(tmp_path):
    a, b = tmp_path / "a.pt", tmp_path / "b.pt"
    os.symlink(b, a)
    os.symlink(a, b)
    with pytest.raises(ModelLoadError, match="symlink loop"):
        load_layer_index(a)


def test_truncated_files(torch_files, tmp_path):
    for key in ("bert.pt", "bert.safetensors", "convnet.ts"):
        data = torch_files[key].read_bytes()
        cut = tmp_path / f"cut-{key}"
        cut.write_bytes(data[: len(data) * 2 // 3])
        with pytest.raises(ModelLoadError) as ei:
            load_layer_index(cut)
        assert "truncated" in ei.value.reason or "damaged" in ei.value.reason, ei.value.reason


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead, waiting to be reaped
    except FileNotFoundError:
        return False


def test_factory_timeout_kills_the_process_group(tmp_path, monkeypatch):
    pidfile = tmp_path / "grandchild.pid"
    (tmp_path / "slowmod.py").write_text(
        "import subprocess, time\n"
        "def make():\n"
        "    p = subprocess.Popen(['sleep', '300'])  # a grandchild that must die too\n"
        f"    open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "    time.sleep(300)\n")
    monkeypatch.chdir(tmp_path)
    t = time.monotonic()
    with pytest.raises(ModelLoadError, match="timed out after 4 s"):
        load_layer_index("slowmod:make", allow_code_execution=True, timeout_s=4)
    assert time.monotonic() - t < 30
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_factory_memory_limit(tmp_path, monkeypatch):
    (tmp_path / "bigmod.py").write_text(
        "import torch\n"
        "def make():\n"
        "    x = torch.ones(4096, 1024, 1024, device='cpu')  # 16 GiB, past the limit\n"
        "    return torch.nn.Linear(2, 2)\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelLoadError, match=r"out of memory \(limit 3000 MB\)"):
        load_layer_index("bigmod:make", allow_code_execution=True, memory_mb=3000)
