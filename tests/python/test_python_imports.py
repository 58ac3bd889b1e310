"""PL087: INC's pruning API imported from where INC 2.6 lacks it (analysis/python_config/imports.py).

The table of homes is INC 2.6's: the oracle imports every name from every module the table gives, and
every import PL087 flags fails there (INC's language-modeling and GLUE examples import `model_slim` and
`prepare_pruning` from modules INC 2.6 does not fill; INC 2.0's docs import from `neural_compressor.pruner`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from analysis.python_config import check_python_text
from analysis.python_config.imports import GONE, HOMES
from tests.conftest import INC_PYTHON

HERE = Path(__file__).resolve().parent
CALL = "c = WeightPruningConfig([{}], start_step=1, end_step=3)\n"

FLAGGED = [
    "from neural_compressor import prepare_pruning",
    "from neural_compressor.compression import model_slim",
    "from neural_compressor.compression import prepare_pruning",
    "from neural_compressor.training import parse_auto_slim_config",
    "from neural_compressor.pruner.pruning import Pruning, WeightPruningConfig",
    "import neural_compressor.pruning",
]
FINE = [f"from {m} import {name}" for name, homes in HOMES.items() for m in homes] + [
    "from neural_compressor.data import Datasets",  # not a name PL087 judges
    "from neural_compressor.experimental import Pruning",
]


def _codes(src: str) -> list[str]:
    return [d.code for d in check_python_text(src, "t.py").diagnostics]


@pytest.mark.parametrize("stmt", FLAGGED)
def test_imports_inc_26_lacks_are_errors(stmt):
    src = stmt + "\nfrom neural_compressor.training import WeightPruningConfig\n" + CALL
    assert _codes(src).count("PL087") == 1


@pytest.mark.parametrize("stmt", FINE)
def test_imports_from_their_inc_26_homes_are_fine(stmt):
    src = stmt + "\nfrom neural_compressor.training import WeightPruningConfig\n" + CALL
    assert "PL087" not in _codes(src)


def test_the_message_names_where_to_import_from():
    src = "from neural_compressor import prepare_pruning, WeightPruningConfig\n" + CALL
    (d,) = [d for d in check_python_text(src, "t.py").diagnostics if d.code == "PL087"]
    assert "neural_compressor.training" in d.message and d.range.start.character == len("from neural_compressor import ")


def test_a_relative_or_other_package_import_is_not_judged():
    src = ("from .neural_compressor import prepare_pruning\nfrom my_pkg.compression import model_slim\n"
           "from neural_compressor.training import WeightPruningConfig\n" + CALL)
    assert "PL087" not in _codes(src)


@pytest.mark.oracle
def test_inc_26_agrees():
    if not INC_PYTHON.exists():
        pytest.skip("INC 2.6 oracle venv unavailable (scripts/inc_oracle_venv.sh)")
    cases = [{"id": f"flagged {s}", "imports": [s]} for s in FLAGGED]
    cases += [{"id": f"fine {s}", "imports": [s]} for s in FINE]
    cases += [{"id": f"gone {g}", "imports": [f"import {g}"]} for g in GONE]
    proc = subprocess.run([str(INC_PYTHON), str(HERE / "inc_wpc_oracle.py")], input=json.dumps({"cases": cases}),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    verdicts = json.loads(proc.stdout.strip().splitlines()[-1])
    wrong = {k: v for k, v in verdicts.items() if ("error" in v) != (not k.startswith("fine"))}
    assert not wrong, wrong
