"""Which model a config prunes (design.md, "The model a config refers to").

Precedence: `--model PATH` > the modeline `# prune-lsp: model=PATH` (relative to the config's
folder) > the `pruneLsp.models` setting, a map from a glob (relative to the workspace folder) to a
model path (relative to the workspace folder too), first match wins. Pure: nothing is read here
but the path strings; whether the model can be loaded is analysis.models' business.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Mapping, Optional

from .positions import Range

# `package.module:callable` (a Python factory), as analysis.models.load reads it; kept as written.
_FACTORY = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class ModelRef:
    path: str  # absolute path, or a factory spec exactly as written
    source: str  # "cli", "modeline" or "settings"
    written: str  # the text the user wrote
    range: Optional[Range] = None  # where the modeline names it (source == "modeline")
    pattern: Optional[str] = None  # the matching glob (source == "settings")

    @property
    def is_factory(self) -> bool:
        return _is_factory(self.path)


def _is_factory(spec: str) -> bool:
    return bool(_FACTORY.match(spec)) and not os.path.lexists(spec)


def _absolute(spec: str, base: Optional[str]) -> str:
    if _is_factory(spec):
        return spec
    spec = os.path.expanduser(spec)
    if os.path.isabs(spec) or base is None:
        return os.path.normpath(spec)
    return os.path.normpath(os.path.join(base, spec))


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern:
    """A glob as VS Code writes them: `*` within a path segment, `**` across segments, `?`,
    `[abc]` and `{a,b}` alternatives. Matched against the whole '/'-separated path."""
    i, n, out = 0, len(pattern), []
    depth = 0  # inside {...}
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:j]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "{":
            depth += 1
            out.append("(?:")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        elif c == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(c))
        i += 1
    out.append(")" * depth)
    return re.compile("^" + "".join(out) + "$")


def glob_match(pattern: str, path: str, root: Optional[str]) -> bool:
    """Does `path` (absolute) match `pattern`, a glob relative to `root` (or absolute)?"""
    posix = PurePosixPath(path.replace(os.sep, "/")).as_posix()
    pat = pattern.replace("\\", "/") if os.sep == "\\" else pattern
    if pat.startswith("./"):
        pat = pat[2:]
    if pat.startswith("/"):
        return bool(glob_regex(pat).match(posix))
    if root is not None:
        base = PurePosixPath(os.path.normpath(root).replace(os.sep, "/")).as_posix().rstrip("/") + "/"
        if posix.startswith(base):
            return bool(glob_regex(pat).match(posix[len(base):]))
        return False
    # No workspace folder: a bare file-name glob still matches the file's name.
    return "/" not in pat and bool(glob_regex(pat).match(posix.rsplit("/", 1)[-1]))


def resolve_model(
    config_path: Optional[str],
    *,
    cli_model: Optional[str] = None,
    modeline: Optional[str] = None,
    modeline_range: Optional[Range] = None,
    models: Optional[Mapping[str, str]] = None,
    workspace_folder: Optional[str] = None,
) -> Optional[ModelRef]:
    """The model that the config at `config_path` prunes, or None when nothing names one.

    `cli_model` is relative to the current folder, `modeline` to the config's folder (an unsaved
    buffer with no path: the workspace folder), the `models` values to the workspace folder.
    """
    if cli_model:
        return ModelRef(_absolute(cli_model, os.getcwd()), "cli", cli_model)
    config_dir = os.path.dirname(os.path.abspath(config_path)) if config_path else workspace_folder
    if modeline:
        return ModelRef(_absolute(modeline, config_dir), "modeline", modeline, modeline_range)
    if models and config_path:
        full = os.path.abspath(config_path)
        for pattern, target in models.items():
            if not isinstance(pattern, str) or not isinstance(target, str) or not target.strip():
                continue
            if glob_match(pattern, full, workspace_folder):
                return ModelRef(_absolute(target, workspace_folder or config_dir), "settings", target,
                                pattern=pattern)
    return None
