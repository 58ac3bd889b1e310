"""cached_layer_index (invalidation, one load under concurrency) and `prune-lsp layers`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from analysis.models import cache as cache_mod
from analysis.models import cached_layer_index, clear_cache

torch = pytest.importorskip("torch")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _save(p, n_out: int):
    torch.save(torch.nn.Sequential(torch.nn.Linear(4, n_out)).state_dict(), p)


def test_cache_hits_and_invalidates_on_change(tmp_path):
    clear_cache()
    p = tmp_path / "m.pt"
    _save(p, 3)
    a = cached_layer_index(p)
    assert cached_layer_index(str(p)) is a
    assert cached_layer_index(p, allow_code_execution=True) is not a  # options are part of the key
    _save(p, 5)
    st = os.stat(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    b = cached_layer_index(p)
    assert b is not a and b.by_name()["0"].shape == (5, 4)
    link = tmp_path / "link.pt"
    link.symlink_to(p)
    assert cached_layer_index(link) is b  # keyed by realpath


def test_concurrent_callers_share_one_load(tmp_path, monkeypatch):
    clear_cache()
    p = tmp_path / "m.pt"
    _save(p, 3)
    calls = []
    real = cache_mod.load_layer_index

    def slow(path, **kw):
        calls.append(path)
        time.sleep(0.3)
        return real(path, **kw)

    monkeypatch.setattr(cache_mod, "load_layer_index", slow)
    results = []
    threads = [threading.Thread(target=lambda: results.append(cached_layer_index(p))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 8 and all(r is results[0] for r in results)


def test_errors_are_not_cached(tmp_path):
    clear_cache()
    p = tmp_path / "later.pt"
    from analysis.models import ModelLoadError

    with pytest.raises(ModelLoadError):
        cached_layer_index(p)
    _save(p, 2)
    assert cached_layer_index(p).by_name()["0"].shape == (2, 4)


def _cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "prune_lsp", "layers", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


CONFIG = """\
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.8
      pattern: "4x1"
      pruners:
        - !PrunerV2
          op_names: ['fc']
        - !PrunerV2
          op_names: ['layer.0']
          excluded_op_names: ['key']
"""


def test_cli_text_and_json_with_config(torch_files, tmp_path):
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(CONFIG)
    r = _cli(str(torch_files["bert.pt"]), "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    row = next(ln for ln in lines if ln.startswith("bert.encoder.layer.0.attention.self.query "))
    assert row.split() == ["bert.encoder.layer.0.attention.self.query", "Linear~", "32x32", "float32", "2"]
    assert next(ln for ln in lines if ln.startswith("bert.encoder.layer.0.attention.self.key ")).split()[-1] == "-"
    assert any("classifier head 'classifier' auto-excluded" in ln for ln in lines)

    r = _cli(str(torch_files["bert.pt"]), "--config", str(cfg), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["framework"] == "pytorch" and data["source"] == "torch-zip"
    by = {ly["name"]: ly for ly in data["layers"]}
    assert by["bert.encoder.layer.0.intermediate.dense"]["pruners"] == [2]
    assert by["bert.encoder.layer.0.intermediate.dense"]["shape"] == [64, 32]
    assert [p["selected"] for p in data["pruners"]][0] == []  # op_names ['fc'] matches no module name
    assert data["pruners"][0]["unmatched_op_names"] == [0]


def test_cli_exit_codes(torch_files, tmp_path):
    r = _cli(str(tmp_path / "missing.pt"))
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = _cli(str(torch_files["mlp.pt"]), "--config", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.replace("op_names: ['fc']", "op_names: ['[oops']"))
    r = _cli(str(torch_files["mlp.pt"]), "--config", str(bad))
    assert r.returncode == 1 and "regular expression match does not support [oops" in r.stdout
    r = _cli(str(torch_files["convnet.pt"]), "--all")
    assert r.returncode == 0 and any(ln.split()[:2] == ["features.2", "?~"] for ln in r.stdout.splitlines())


def test_cli_keras_without_config(keras_files):
    r = _cli(str(keras_files["func.h5"]), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["framework"] == "keras"
    assert [(ly["name"], ly["class"], ly["shape"]) for ly in data["layers"]] == [
        ("conv", "Conv2D", [3, 3, 3, 4]), ("fc1", "Dense", [144, 16]), ("fc", "Dense", [16, 10])]
