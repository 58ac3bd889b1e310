"""The Keras path on models written by Keras itself (.keras and legacy .h5): counts equal
Keras' own weights, blocks are taken as INC's Keras pattern takes them, INC's Keras denominators
are used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from analysis.sparsity.report import compute_sparsity_report

pytest.importorskip("h5py")

WRITER = textwrap.dedent("""
    import os, sys, json
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np, keras
    out = sys.argv[1]
    m = keras.Sequential([keras.Input((6, 6, 4)), keras.layers.Conv2D(8, 3, name="conv"),
                          keras.layers.Flatten(name="flat"), keras.layers.Dense(16, name="hidden"),
                          keras.layers.Dense(4, name="fc")])
    w = m.get_layer("hidden").get_weights()
    w[0][:, :8] = 0          # output units 0..7 of the [in, out] kernel: whole columns of INC's Keras view
    w[0][0, 8] = -0.0
    m.get_layer("hidden").set_weights(w)
    c = m.get_layer("conv").get_weights()
    c[0][..., :4] = 0        # output channels 0..3 of the HWIO kernel
    m.get_layer("conv").set_weights(c)
    m.save(os.path.join(out, "m.keras")); m.save(os.path.join(out, "m.h5"))
    np.savez(os.path.join(out, "w.npz"), **{f"{l.name}/{i}": v for l in m.layers for i, v in enumerate(l.get_weights())})
""")


@pytest.fixture(scope="session")
def keras_files(tmp_path_factory):
    pytest.importorskip("keras")
    d = tmp_path_factory.mktemp("keras")
    p = subprocess.run([sys.executable, "-c", WRITER, str(d)], capture_output=True, text=True, timeout=300)
    if p.returncode:
        pytest.skip(f"Keras could not write a model: {p.stderr[-500:]}")
    return d


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_keras_counts(keras_files, tmp_path, name):
    weights = np.load(keras_files / "w.npz")
    cfg = tmp_path / "k.yaml"
    cfg.write_text("version: 1.0\nmodel:\n  name: k\n  framework: keras\npruning:\n  approach:\n"
                   "    weight_compression_v2:\n      pruning_type: magnitude\n      target_sparsity: 0.5\n"
                   "      pattern: 4x1\n      pruning_op_types: [Conv, Dense]\n      pruners: []\n")
    rep = compute_sparsity_report(keras_files / name, config_path=cfg)
    assert rep["framework"] == "keras"
    rows = {r["name"]: r for r in rep["layers"]}
    for layer in ("conv", "hidden", "fc"):
        assert rows[layer]["zeros"] == int((weights[f"{layer}/0"] == 0).sum())
    assert rows["hidden"]["zeros"] == 128 * 8 + 1
    total = sum(int((v == 0).sum()) for v in weights.values())
    assert rep["totals"]["zeros"] == total
    assert rep["totals"]["parameters"] == sum(v.size for v in weights.values())
    # fc is the head (auto-excluded); conv and hidden are selected
    assert rep["pruners"][0]["layers"] == ["conv", "hidden"]
    assert rows["hidden"]["block_sparsity"] == 0.5  # 8 of 16 output columns zero: 4 inputs x 1 output blocks
    # INC's Keras pattern views the [3, 3, 4, 8] kernel as [3, 96] (transpose (0, 2, 3, 1)): 3 rows
    # cannot hold 4x1 blocks, so INC lists the layer invalid and never prunes it
    assert rows["conv"]["block_sparsity"] is None
    assert "[3, 96] cannot be divided by 4x1" in rows["conv"]["invalid_reason"]
    # INC's Keras denominators: Dense kernels only; 'all' = first weight of each layer
    d = weights["hidden/0"].size + weights["fc/0"].size
    assert rep["figures"]["inc"]["matmul_gemm_conv_weights"] == d
    assert rep["figures"]["inc"]["all_parameters"] == sum(weights[f"{n}/0"].size for n in ("conv", "hidden", "fc"))
    assert any(n["code"] == "keras" for n in rep["notes"])
