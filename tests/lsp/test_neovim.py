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


def editors_snippet(after: str, lang: str) -> str:
    """The first `lang` code block of docs/editors.md after the line that starts with `after`."""
    text = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")
    start = text.index("\n" + after)
    block = text.index(f"```{lang}\n", start) + len(f"```{lang}\n")
    return text[block:text.index("```", block)]


@pytest.mark.skipif(shutil.which("nvim") is None,
                    reason="Neovim is not installed (scripts/test installs Debian's `neovim`)")
def test_docs_neovim_snippet_runs_one_server_per_workspace(tmp_path):
    """docs/editors.md's Neovim 0.7 snippet, as written (`prune-lsp serve` found on PATH, as a user's
    install puts it there): two configs of one workspace share one server, and both get diagnostics."""
    snippet = tmp_path / "snippet.lua"
    snippet.write_text(editors_snippet("Without nvim-lspconfig", "lua"), encoding="utf-8")
    assert '{ "prune-lsp", "serve" }' in snippet.read_text()
    (tmp_path / "a.yaml").write_text(CONFIG, encoding="utf-8")  # PL002 (end before start)
    (tmp_path / "b.yaml").write_text(CONFIG.replace("      end_step: 5\n", "      end_step: 50\n")
                                     .replace("pattern: 4x1", "pattern: 4X1"), encoding="utf-8")  # PL015
    bindir = Path(sys.executable).parent
    assert (bindir / "prune-lsp").exists(), "the venv's prune-lsp console script"
    env = dict(os.environ, SNIPPET=str(snippet), FILES="a.yaml b.yaml",
               PATH=str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(["nvim", "--headless", "-u", "NONE", "-c", f"luafile {HERE / 'nvim_two_files.lua'}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90)
    records = dict(json.loads(line) for line in proc.stdout.splitlines() if line.startswith("["))
    assert "servers" in records, (proc.stdout, proc.stderr)
    assert records["servers"] == 1 and len(set(records["pids"])) == 1, records
    assert records["attached1"] == 1 and records["attached2"] == 1, records
    assert "PL002" in records["diagnostics1"] and "PL002" not in records["diagnostics2"], records
    assert "PL015" in records["diagnostics2"], records
