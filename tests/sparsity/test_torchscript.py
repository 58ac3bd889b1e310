"""Sparsity of a TorchScript file: its weights come out through the limited worker as a plain
checkpoint (torch.load(weights_only) refuses TorchScript archives)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from analysis.sparsity.report import compute_sparsity_report  # noqa: E402


def test_torchscript_counts_match_the_modules_own_weights(tmp_path):
    m = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4))
    with torch.no_grad():
        m[0].weight[:5] = 0
        m[2].weight[:, ::2] = 0
        m[2].weight[0, 1] = -0.0
    path = tmp_path / "m.ts"
    torch.jit.script(m).save(str(path))
    report = compute_sparsity_report(str(path))
    got = {layer["name"]: (layer["zeros"], layer["size"]) for layer in report["layers"]}
    assert got["0"] == (int((m[0].weight == 0).sum()), 128)
    assert got["2"] == (int((m[2].weight == 0).sum()), 64)
    assert not list(tmp_path.glob("prune-lsp-ts-*"))  # the exported checkpoint is cleaned up
