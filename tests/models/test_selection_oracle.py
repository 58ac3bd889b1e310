"""select_layers == INC 2.6's own parse_to_prune, on the same models, config by config.

INC runs in its own venv (tests/models/inc_oracle.py, one child for all cases); we compare the
selected names (as a set and in INC's order) and, where INC raises, the exception text.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from analysis.models import load_layer_index
from analysis.models.torch_files import index_from_worker_modules
from analysis.selection import select_layers
from inc_env import inc_python

torch = pytest.importorskip("torch")

HERE = Path(__file__).resolve().parent

CONFIGS: list[dict] = [
    {},
    {"pruning_op_types": "Linear"},  # a bare string: iterated per character
    {"pruning_op_types": ["Linear"]},
    {"pruning_op_types": ["Conv"]},
    {"pruning_op_types": ["Conv2d"]},
    {"pruning_op_types": ["Embedding", "LayerNorm"]},
    {"pruning_op_types": ["Norm"]},
    {"op_names": ["fc"]},
    {"op_names": ["fc1", "fc2"]},
    {"op_names": "fc"},  # a bare string: "f" and "c" are two regexes
    {"op_names": None},
    {"op_names": {}},  # what a YAML null inside INC's merge turns into: selects nothing
    {"op_names": [3]},
    {"op_names": ["[bad"]},
    {"excluded_op_names": ["c"]},
    {"excluded_op_names": "classifier"},  # AttributeError when a head is appended
    {"excluded_op_names": ["[bad"]},
    {"excluded_op_names": [".*"]},
    {"op_names": [".*attention.*"]},
    {"op_names": ["layer.0"], "excluded_op_names": ["query|key"]},
    {"op_names": [".*dense$"], "pruning_op_types": ["Linear"]},
    {"op_names": ["^features\\.\\d$"]},
    {"pruning_op_types": ["Linear"], "excluded_op_names": ["head"]},
    {"pruning_op_types": [None]},
    {"pruning_op_types": None},
    {"op_names": ["emb", "conv"], "pruning_op_types": ["Conv", "Linear", "Embedding"]},
]
MODELS = ["mlp", "convnet", "bert", "mixed"]
CASES = [(m, i) for m in MODELS for i in range(len(CONFIGS))]


@pytest.fixture(scope="module")
def inc_results() -> dict:
    py = inc_python()
    if py is None:
        pytest.skip("INC 2.6 oracle venv not found at /root/.cache/prune-lsp-inc26 (scripts/inc_oracle_venv.sh sets it up)")
    req = {"cases": [{"id": f"{m}/{i}", "model": m, "config": CONFIGS[i]} for m, i in CASES]}
    r = subprocess.run([str(py), str(HERE / "inc_oracle.py")], input=json.dumps(req), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _exact_index(name: str):
    """The index load_layer_index builds for a factory, built in-process (same code path after the child)."""
    import toy_models
    from analysis.models.worker import _describe_torch_module

    return index_from_worker_modules(name, _describe_torch_module(toy_models.build(name)), "factory")


def _ours(index, cfg: dict) -> dict:
    sel = select_layers(cfg, index)
    if sel.errors:
        return {"error": sel.errors[0]}
    return {"selected": sel.names}


@pytest.mark.oracle
@pytest.mark.parametrize("model, i", CASES, ids=[f"{m}-{i}" for m, i in CASES])
def test_exact_classes_match_inc(inc_results, model, i):
    assert _ours(_exact_index(model), CONFIGS[i]) == inc_results[f"{model}/{i}"]


@pytest.mark.oracle
@pytest.mark.parametrize("model", ["mlp", "convnet", "bert"])
def test_state_dict_index_matches_inc(inc_results, torch_files, model):
    """A plain state dict (classes inferred, module list from _metadata) selects what INC selects."""
    index = load_layer_index(torch_files[f"{model}.pt"])
    mismatches = {i: (_ours(index, CONFIGS[i]), inc_results[f"{model}/{i}"]) for i in range(len(CONFIGS))
                  if _ours(index, CONFIGS[i]) != inc_results[f"{model}/{i}"]}
    assert mismatches == {}


@pytest.mark.oracle
def test_oracle_cases_are_not_trivial(inc_results):
    """The oracle set must exercise selections, empty selections and each kind of INC error."""
    errors = {v["error"].split(":")[0] for v in inc_results.values() if "error" in v}
    assert {"AssertionError", "AttributeError", "re.error", "TypeError"} <= errors
    sizes = {len(v["selected"]) for v in inc_results.values() if "selected" in v}
    assert 0 in sizes and max(sizes) >= 10
