"""Helpers for the robustness tests: client profiles in push mode, the server's process tree."""

from __future__ import annotations

import os
from pathlib import Path

from tests.lsp.conftest import neovim_caps, vscode_caps

FULL = os.environ.get("PRUNE_LSP_FUZZ") == "full"


def utf16_push_caps():
    """VS Code's capabilities (UTF-16) without pull diagnostics: the server pushes, so the test
    sees every publishDiagnostics it sends."""
    caps = vscode_caps()
    caps.text_document.diagnostic = None
    caps.workspace.configuration = False  # settings from initializationOptions only
    return caps


PUSH_PROFILES = {"utf16": utf16_push_caps, "utf8": neovim_caps}


def descendants(pid: int) -> list[int]:
    """Every live process whose ancestry leads to `pid` (from /proc; no psutil needed)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields follow the last ')'
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parents[int(entry.name)] = int(fields[1])
    out = []
    for p in parents:
        q, seen = p, 0
        while q in parents and seen < 64:
            q = parents[q]
            seen += 1
            if q == pid:
                out.append(p)
                break
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def processes_with(marker: str) -> list[int]:
    """Live processes whose command line contains `marker` (a unique temp path of one test)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            env = (entry / "environ").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if marker in cmd or marker in env:
            if alive(int(entry.name)):
                out.append(int(entry.name))
    return out
