"""A real editor as the client: headless Neovim 0.7 (Debian's `neovim`) opens a config; we read
back from Neovim itself the diagnostics it shows and a completion list."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

CONFIG = """\
# é 😀 中文
pruning:
  approach:
    weight_compression_v2:
      start_step: 10
      end_step: 5
      pruners:
        - !PrunerV2
          pattern: 4x1
          
"""


@pytest.mark.skipif(shutil.which("nvim") is None,
                    reason="Neovim is not installed (the CI set-up installs Debian's `neovim`; "
                           "install it with `apt-get install -y neovim`)")
def test_neovim_shows_diagnostics_and_completion(tmp_path):
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    env = dict(os.environ, PY=sys.executable, TARGET=str(cfg), LINE="9", COL="10",
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(["nvim", "--headless", "-u", "NONE", "-c", f"luafile {HERE / 'nvim_e2e.lua'}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    records = {}
    for line in proc.stdout.splitlines():
        if line.startswith("["):
            k, v = json.loads(line)
            records[k] = v
    assert "diagnostics" in records, (proc.stdout, proc.stderr)
    diags = records["diagnostics"]
    pl002 = [d for d in diags if d.get("code") == "PL002"]
    assert pl002, diags
    assert pl002[0]["lnum"] == 5 and pl002[0]["col"] == len("      end_step: ")  # 0-based, from Neovim
    labels = records.get("completion")
    assert labels and "target_sparsity" in labels and "pattern" not in labels, records
