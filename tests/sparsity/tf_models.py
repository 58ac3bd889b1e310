"""Keras models written by TensorFlow 2.21 itself, every way its users save them, once per test
session and Keras flavour: Keras 3 (`keras3`) and tf-keras / Keras 2 (`keras2`,
TF_USE_LEGACY_KERAS=1). One subprocess per flavour (tf_writer.py) writes the files and counts
them back with TensorFlow; tests/sparsity and tests/lsp share the result."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
_written: dict[str, tuple[Path, dict]] = {}

# formats each flavour writes (keys of truth.json's "formats")
FORMATS = {
    "keras3": ("savedmodel", "checkpoint", "seq_checkpoint", "weights_h5", "keras_zip"),
    "keras2": ("savedmodel", "checkpoint", "seq_checkpoint", "weights_prefix", "weights_h5", "full_h5", "saver"),
}


def tf_written(flavour: str, tmp_path_factory) -> tuple[Path, dict]:
    """(folder, truth) for `flavour`; skips when TensorFlow (or tf_keras) is not installed."""
    if flavour in _written:
        return _written[flavour]
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("tensorflow is not installed (scripts/setup_venv.sh full installs tensorflow-cpu)")
    if flavour == "keras2" and importlib.util.find_spec("tf_keras") is None:
        pytest.skip("tf_keras is not installed (scripts/setup_venv.sh full installs it)")
    out = tmp_path_factory.mktemp(f"tf_{flavour}")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, str(HERE / "tf_writer.py"), str(out), flavour], capture_output=True,
                          text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    truth = json.loads((out / "truth.json").read_text())
    assert truth["tf"].startswith("2.21"), truth["tf"]
    _written[flavour] = (out, truth)
    return _written[flavour]
