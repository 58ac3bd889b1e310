"""`prune-lsp check --fix` and `--diff`: apply the safe fixes to each file (analysis/fix_all.py, the
code the server's source.fixAll runs) and report what was fixed; the findings `check` then prints,
and its exit status, are those of the fixed text (what remains).

--fix writes each changed file (same line endings: the text is written back unchanged outside the
fixed spans), all or nothing: a file that cannot be written is left as it was, said, and exit 2;
--diff writes nothing and prints a unified diff of what --fix would do.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from analysis.diagnostics import Diagnostic
from analysis.engine import CheckSettings
from analysis.files import ReadError, read_error_diagnostic, read_text, text_encoding


def fix_path(path: Path, settings: CheckSettings, cli_model: Optional[str], *, write: bool, diff_out,
             stats: Optional[dict] = None) -> list[Diagnostic]:
    """Fix one file; returns the diagnostics that remain (of the fixed text). `stats` counts fixes and files."""
    from analysis.fix_all import fix_text

    from .check import check_source

    try:
        text = read_text(path)
    except ReadError as exc:
        return [read_error_diagnostic(f"cannot read {path}: {exc}")]
    result = fix_text(text, lambda t: check_source(t, path, settings, cli_model),
                      yaml=path.suffix not in (".py", ".json"))
    if not result.changed:
        return result.remaining
    if write:
        try:
            _replace(path, result.text)
        except OSError as exc:
            print(f"prune-lsp check: {path}: cannot write the fixes: {exc.strerror or exc}", file=sys.stderr)
            if stats is not None:  # --fix asked for a change it could not make: exit 2, never a quiet 0
                stats.setdefault("unwritten", []).append(str(path))
            return check_source(text, path, settings, cli_model)
    if diff_out is not None:
        diff_out.write(result.diff(path.as_posix()))
    if stats is not None:
        stats["fixes"] = stats.get("fixes", 0) + len(result.applied)
        stats["files"] = stats.get("files", 0) + 1
    verb = "fixed" if write else "would fix"
    for a in result.applied:
        print(f"{path}:{a.line + 1}: {verb} {a.code}: {a.title}", file=sys.stderr)
    return result.remaining


def _replace(path: Path, text: str) -> None:
    """Write `text` as `path`'s new content, all or nothing: into a file beside it, then renamed over it.
    Written in place, a failure half way (a full disk, a file size limit) left the config truncated."""
    import os
    import shutil
    import tempfile

    with open(path, "rb") as f:  # written back as read: its BOM and encoding (UTF-8 or UTF-16)
        encoding, bom = text_encoding(f.read(4))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".prune-lsp-fix", dir=path.parent)
    try:
        with open(fd, "wb") as f:
            f.write(bom + text.encode(encoding))
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
