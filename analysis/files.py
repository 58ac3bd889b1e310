"""Reading config files from disk: bytes to text with clear errors, and finding configs in folders."""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Iterator

from .diagnostics import Diagnostic
from .positions import Range

CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".py")
MAX_FILE_BYTES = 10 * 1024 * 1024
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache",
              ".pytest_cache", "build", "dist", "site-packages"}


class ReadError(Exception):
    """The file could not be read as text; the message says why."""


# The byte order marks decode() reads, and the codec of the text after each
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def text_encoding(head: bytes) -> tuple[str, bytes]:
    """(codec, byte order mark) of a file starting with `head`, as decode() reads it: `check --fix`
    writes a file back in them."""
    return next(((codec, bom) for bom, codec in _BOMS if head.startswith(bom)), ("utf-8", b""))


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else is reported, not guessed."""
    codec, bom = text_encoding(data)
    if codec != "utf-8":
        try:
            return data[len(bom):].decode(codec)
        except UnicodeDecodeError as exc:
            raise ReadError(f"invalid UTF-16 at byte {exc.start + len(bom)}") from None
    data = data[len(bom):]
    if b"\x00" in data[:8192]:
        raise ReadError("binary file (NUL bytes), not a text config")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReadError(f"invalid UTF-8 at byte {exc.start} (line {line}): the file must be UTF-8 text") from None


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ReadError(f"file too large to check ({size / 1e6:.1f} MB; a pruning config is a few KB)")
        with open(path, "rb") as f:
            return decode(f.read())
    except FileNotFoundError:
        raise ReadError("no such file") from None
    except IsADirectoryError:
        raise ReadError("is a directory") from None
    except PermissionError:
        raise ReadError("permission denied") from None
    except OSError as exc:
        raise ReadError(exc.strerror or str(exc)) from None


def read_error_diagnostic(message: str) -> Diagnostic:
    from .rules.structure import NOT_CHECKED  # the rule's own code and severity, not a copy

    return Diagnostic(NOT_CHECKED.code, NOT_CHECKED.severity, message, Range.point(0, 0))


def find_configs(root: Path) -> Iterator[Path]:
    """Candidate config files under a folder, sorted, skipping VCS, venvs and build output."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(CONFIG_SUFFIXES):
                yield Path(dirpath) / name
