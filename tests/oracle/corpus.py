"""The INC corpus (`<repo>/../shared/corpus` or $PRUNE_LSP_CORPUS, see tests/conftest.py) and its verdict table.

The corpus is data read at test time, never copied into the repository; tests skip when it is
absent (a user's clone has no ../shared), with a reason that says how to run them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from tests.conftest import SHARED, corpus_dir, corpus_skip_reason

REPO = Path(__file__).resolve().parents[2]
CORPUS = corpus_dir() or SHARED / "corpus"
CONFIGS = CORPUS / "inc-configs"
SKIP_REASON = corpus_skip_reason()

_ROW = re.compile(r"^\|\s*(?P<file>[^|]+?\.ya?ml)\s*\|\s*(?P<dialect>[^|]*?)\s*\|\s*(?P<verdict>[^|]*?)\s*\|\s*(?P<error>[^|]*?)\s*\|\s*$")


def available() -> bool:
    return (CORPUS / "README.md").is_file() and CONFIGS.is_dir()


def verdicts() -> dict[str, tuple[str, str, str]]:
    """file name -> (dialect, INC 2.6 verdict: ok|load|config|construct, INC's error)."""
    out = {}
    for line in (CORPUS / "README.md").read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line.strip())
        if m:
            out[m["file"]] = (m["dialect"], m["verdict"], m["error"])
    return out


def read(name: str) -> str:
    return (CONFIGS / name).read_text(encoding="utf-8")


def dialect_b_files() -> list[str]:
    return sorted(f for f, (d, _v, _e) in verdicts().items() if d.startswith("B"))


def dialect_of(name: str) -> Optional[str]:
    v = verdicts().get(name)
    return v[0][:1] if v else None
