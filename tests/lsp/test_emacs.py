"""A real editor as the client: Emacs (Debian 12's Emacs 28 with elpa-eglot and elpa-yaml-mode, installed
by scripts/test) runs docs/editors.md's eglot configuration as written, in batch mode, opens a config,
and we read back from Flymake the diagnostics that arrive."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lsp.test_neovim import editors_snippet

HERE = Path(__file__).resolve().parent

CONFIG = """\
# é 😀 中文
pruning:
  approach:
    weight_compression_v2:
      start_step: 10
      end_step: 5
      pruners: []
"""

# What an interactive Emacs does at start-up before the init file: activate installed ELPA packages
# (Debian's elpa-* among them). Batch mode skips it.
STARTUP = "(require 'package)\n(package-activate-all)\n"


def _emacs_ready() -> str:
    if shutil.which("emacs") is None:
        return "Emacs is not installed"
    probe = subprocess.run(["emacs", "--batch", "--eval", STARTUP.replace("\n", " ").join(["(progn ", ")"]),
                            "--eval", "(progn (require 'eglot) (require 'yaml-mode))"],
                           capture_output=True, text=True, timeout=60)
    return "" if probe.returncode == 0 else f"Emacs lacks eglot or yaml-mode ({probe.stderr.strip()[-200:]})"


@pytest.fixture(scope="module")
def emacs():
    why = _emacs_ready()
    if why:
        pytest.skip(f"{why}: scripts/test installs Debian's emacs-nox elpa-eglot elpa-yaml-mode "
                    "(`apt-get install emacs-nox elpa-eglot elpa-yaml-mode`)")


def test_docs_eglot_configuration_shows_diagnostics(emacs, tmp_path):
    conf = tmp_path / "conf.el"
    conf.write_text(editors_snippet("Then, in your init file:", "elisp"), encoding="utf-8")
    assert '("prune-lsp" "serve")' in conf.read_text()
    (tmp_path / "startup.el").write_text(STARTUP, encoding="utf-8")
    cfg = tmp_path / "prune.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    bindir = Path(sys.executable).parent
    env = dict(os.environ, TARGET=str(cfg), PATH=str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run(["emacs", "--batch", "-l", str(tmp_path / "startup.el"), "-l", str(conf),
                           "-l", str(HERE / "emacs_e2e.el")], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("[")]
    got = {k: v for k, v in records if k != "diagnostic"}
    diags = [v for k, v in records if k == "diagnostic"]
    assert got.get("mode") == "yaml-mode" and got.get("managed") is True, (proc.stdout, proc.stderr[-2000:])
    (d,) = [d for d in diags if "[PL002]" in d["text"]]
    assert d["type"] == "eglot-error" and "`end_step` (5) is before `start_step` (10)" in d["text"]
    assert (d["line"], d["col"]) == (6, len("      end_step: "))  # 1-based line, 0-based column, from Emacs
