"""`prune-lsp check FILE|DIR... [--model PATH] [--format text|json|sarif] [--strict] [--disable CODES]`

Exit status (design.md): 0 no error found, 1 an error found (with --strict, a warning too),
2 the command itself could not run: a path missing, bad arguments (an unknown rule in --disable),
a --model that cannot be read, a file named on the command line that could not be checked
(too large, binary, unreadable: PL056), or --fix could not write a file it had fixes for. Files found
by walking a folder that cannot be checked are findings (PL056), not exit 2.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from pathlib import Path
from typing import Optional

import orjson

from analysis import __version__
from analysis.diagnostics import Diagnostic, Severity
from analysis.engine import CheckSettings, check_text, filter_findings
from analysis.gc_pause import gc_paused
from analysis.files import ReadError, find_configs, read_error_diagnostic, read_text
from analysis.rules.registry import RULES
from analysis.rules.selectors import UnknownRule, resolve as resolve_rules
from analysis.rules.structure import NOT_CHECKED


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="FILE|DIR", help="config files, or folders to search for them")
    p.add_argument("--model", metavar="PATH", help="the model the configs prune (overrides the modeline)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--show-all", action="store_true",
                   help=f"text format: print every finding (by default, after {FLOOD_LIMIT} findings of one "
                   "kind in a file, one line says how many more)")
    p.add_argument("--disable", metavar="RULES", action="append", default=[],
                   help="comma-separated rule codes or names to skip (PL031 or unknown-key; docs/rules.md); "
                   "may be given more than once")
    p.add_argument("--fix", action="store_true",
                   help="apply the fixes that cannot change what the config means, in place, keeping comments "
                   "and formatting; the findings and exit status are then those that remain")
    p.add_argument("--diff", action="store_true", help="print --fix's changes as a unified diff; write nothing")


def check_path(path: Path, settings: CheckSettings, cli_model: Optional[str] = None) -> list[Diagnostic]:
    """Diagnostics for one file; a file that cannot be read gets one diagnostic saying why."""
    try:
        text = read_text(path)
    except ReadError as exc:
        return [read_error_diagnostic(f"cannot read {path}: {exc}")]
    return check_source(text, path, settings, cli_model)


def check_source(text: str, path: Path, settings: CheckSettings, cli_model: Optional[str] = None) -> list[Diagnostic]:
    """Diagnostics for the text of the file at `path` (check_path; --fix checks each fixed text)."""
    model, problem = _model_for(text, path, cli_model)
    if path.suffix == ".py":
        from analysis.python_config import check_python_text

        result = check_python_text(text, str(path), settings, model=model)
    elif path.suffix == ".json":
        from analysis.json_config import check_json_text

        result = check_json_text(text, str(path), settings, model=model)
    else:
        result = check_text(text, str(path), settings, model=model)
    if problem is not None and not result.is_pruning_config:
        problem = None  # a modeline in a file that holds no config: nothing to check against
    if problem is None:
        return result.diagnostics
    # PL070 is a finding like the others: --disable and `# prune-lsp: disable` comments turn it off
    return result.diagnostics + filter_findings([problem], result.directives, settings)


def _model_for(text: str, path: Path, cli_model: Optional[str]):
    """The layer index of the model this config names (--model, else its modeline), or a
    PL070 diagnostic saying why it cannot be read. Models are read without running user code."""
    from analysis.comments import parse_directives
    from analysis.model_ref import resolve_model
    from analysis.positions import LineIndex, Range

    if cli_model is None and "prune-lsp:" not in text:
        return None, None
    directives = parse_directives(LineIndex(text))
    ref = resolve_model(str(path), cli_model=cli_model, modeline=directives.model,
                        modeline_range=directives.model_range)
    if ref is None:
        return None, None
    try:
        from analysis.models import ModelLoadError, cached_layer_index
    except ImportError:
        return None, None
    try:
        return cached_layer_index(ref.path), None
    except ModelLoadError as exc:
        rng = ref.range or Range.point(0, 0)
        from analysis.rules.model_ref import MODEL_UNREADABLE, unreadable_message

        return None, Diagnostic(MODEL_UNREADABLE.code, MODEL_UNREADABLE.severity,
                                unreadable_message(ref, exc.reason), rng)


def _cli_model_problem(spec: str) -> Optional[str]:
    """Why the model given by --model cannot be read, or None: a typo in a CI job must fail it, not
    turn into a warning per config."""
    from analysis.model_ref import resolve_model

    ref = resolve_model("", cli_model=spec)
    try:
        from analysis.models import ModelLoadError, cached_layer_index
    except ImportError as exc:  # pragma: no cover - a partial installation
        return f"model support is not installed ({exc})"
    try:
        cached_layer_index(ref.path)
    except ModelLoadError as exc:
        return exc.reason
    return None


def run(args: argparse.Namespace) -> int:
    # One pause of the cyclic collector for the whole command, not one per file: re-enabled after
    # each check, its first pass walked every object the check left alive (~1 M for a 2 MB config,
    # 0.3 s). A short-lived process; reference counting frees each file's tree as before.
    with gc_paused():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        disabled = resolve_rules(",".join(args.disable).split(","))  # every --disable counts, as in ruff
    except UnknownRule as exc:
        print(f"prune-lsp check: --disable: {exc}", file=sys.stderr)
        return 2
    settings = CheckSettings(disabled_rules=disabled)
    if args.diff and args.format != "text":
        print("prune-lsp check: --diff prints the diff on stdout, where --format json/sarif would go too; "
              "use --fix with --format json/sarif, or --diff alone", file=sys.stderr)
        return 2
    if args.model:
        problem = _cli_model_problem(args.model)
        if problem is not None:
            print(f"prune-lsp check: --model {args.model}: cannot read the model: {problem}", file=sys.stderr)
            return 2
    files: list[tuple[Path, bool]] = []
    for raw in args.paths:
        p = Path(raw)
        if p.is_dir():
            files.extend((f, False) for f in find_configs(p))
        elif p.exists():
            files.append((p, True))
        else:
            print(f"prune-lsp check: {raw}: no such file or directory", file=sys.stderr)
            return 2
    # A file named twice, or named and found in a folder too, is checked and counted once (as named)
    once: dict[Path, tuple[Path, bool]] = {}
    for f, explicit in files:
        key = f.resolve()
        if key not in once or (explicit and not once[key][1]):
            once[key] = (f, explicit)
    files = list(once.values())
    results: list[tuple[str, Diagnostic]] = []
    not_checked: list[str] = []  # files named on the command line that could not be checked: exit 2
    fixing = args.fix or args.diff
    fixed = {"fixes": 0, "files": 0}
    if fixing:
        from .check_fix import fix_path
    for path, explicit in files:
        found = fix_path(path, settings, args.model, write=args.fix and not args.diff,
                         diff_out=sys.stdout if args.diff else None, stats=fixed) if fixing \
            else check_path(path, settings, args.model)
        for d in found:
            results.append((str(path), d))
            if explicit and d.code == NOT_CHECKED.code:
                not_checked.append(str(path))
    out = sys.stderr if args.diff else sys.stdout  # --diff: stdout is the diff alone
    if args.format in ("json", "sarif"):  # every finding, never summarised; orjson: 40,000 findings in ms
        doc = [d.to_json(path) for path, d in results] if args.format == "json" else to_sarif(results)
        data = orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"
        if hasattr(out, "buffer"):
            out.flush()
            out.buffer.write(data)
            out.buffer.flush()
        else:  # a text stream without bytes underneath (a test's capture)
            out.write(data.decode("utf-8"))
    else:
        write_text(out, results, None if args.show_all else FLOOD_LIMIT)
        out.flush()
        if sys.stderr.isatty() or results or fixed["fixes"]:
            n_err = sum(d.severity is Severity.ERROR for _, d in results)
            n_warn = sum(d.severity is Severity.WARNING for _, d in results)
            done = (f"; {fixed['fixes']} fix(es) {'applied' if args.fix and not args.diff else 'to apply'} in "
                    f"{fixed['files']} file(s), remaining" if fixing else "")
            print(f"{len(files)} file(s) checked{done}: {n_err} error(s), {n_warn} warning(s)", file=sys.stderr)
    if not_checked:
        print(f"prune-lsp check: {len(not_checked)} file(s) named on the command line could not be checked "
              f"(PL056): {', '.join(not_checked)}", file=sys.stderr)
        return 2
    if fixed.get("unwritten"):
        return 2  # each said why above ("cannot write the fixes")
    failing = {Severity.ERROR} | ({Severity.WARNING} if args.strict else set())
    return 1 if any(d.severity in failing for _, d in results) else 0


# Text output: a generated config can repeat one mistake thousands of times; after this many findings
# of one kind (code and message shape) in a file, one line says how many more. JSON and SARIF keep all.
FLOOD_LIMIT = 20
_VARYING = re.compile(r"`[^`]*`|\"[^\"]*\"|'[^']*'|\d+(?:\.\d+)?")


def message_shape(d: Diagnostic) -> tuple[str, str]:
    """The kind of a finding: its code and its message with names, quoted values and numbers blanked."""
    return d.code, _blanked(d.message)


@functools.lru_cache(maxsize=4096)
def _blanked(message: str) -> str:
    """Once per distinct message: a flood repeats a few messages tens of thousands of times, and the
    regex over each was a third of `check`'s time on a 21,000-pruner config."""
    return _VARYING.sub("_", message)


def write_text(out, results: list[tuple[str, Diagnostic]], limit: Optional[int]) -> None:
    """`path:line:col: severity CODE message` per finding (1-based); floods summarised per file."""
    shown: dict[tuple[str, str, str], int] = {}
    hidden: dict[tuple[str, str, str], tuple[int, str, Diagnostic]] = {}

    def flush_hidden(path: str) -> None:
        for (p, code, _shape), (n, first_path, d) in list(hidden.items()):
            if p == path:
                out.write(f"{first_path}: note: {n:,} more {code} finding(s) like the ones above not shown "
                          "(--show-all or --format json lists every one)\n")
                del hidden[(p, code, _shape)]

    prev = None
    for path, d in results:
        if prev is not None and path != prev:
            flush_hidden(prev)
        prev = path
        key = (path, *message_shape(d))
        n = shown.get(key, 0)
        if limit is not None and n >= limit:
            count, _p, first = hidden.get(key, (0, path, d))
            hidden[key] = (count + 1, path, first)
            continue
        shown[key] = n + 1
        out.write(f"{path}:{d.range.start.line + 1}:{d.range.start.character + 1}: "
                  f"{d.severity.value} {d.code} {d.message}\n")
    if prev is not None:
        flush_hidden(prev)


_SARIF_LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def _artifact_uri(path: str) -> str:
    """A SARIF artifact URI: relative to the current folder when the file is under it (GitHub code
    scanning resolves it against the repository root, where CI runs), else an absolute file: URI."""
    from urllib.parse import quote

    p = Path(path)
    if not p.is_absolute():
        return quote(p.as_posix())  # a URI reference: `my conf.yaml` is my%20conf.yaml
    try:
        return quote(p.relative_to(Path.cwd()).as_posix())
    except ValueError:
        return p.as_uri()


def to_sarif(results: list[tuple[str, Diagnostic]]) -> dict:
    """SARIF 2.1.0 as GitHub code scanning reads it: 1-based lines and columns, columns counted in
    Unicode code points (declared by `columnKind`), one rule entry per code used, with its docs page."""
    used = sorted({d.code for _, d in results})
    index = {code: i for i, code in enumerate(used)}
    rules = []
    for code in used:
        r = RULES.get(code)
        rule = {"id": code, "name": r.name if r else code,
                "shortDescription": {"text": r.summary if r else code},
                "helpUri": Diagnostic(code, Severity.ERROR, "", None).docs_url}  # type: ignore[arg-type]
        if r is not None:
            rule["fullDescription"] = {"text": r.explanation or r.summary}
            rule["defaultConfiguration"] = {"level": _SARIF_LEVEL[r.severity.value]}
        rules.append(rule)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "prune-lsp", "version": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": [{
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _SARIF_LEVEL[d.severity.value],
                "message": {"text": d.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _artifact_uri(path)},
                    "region": {"startLine": d.range.start.line + 1, "startColumn": d.range.start.character + 1,
                               "endLine": d.range.end.line + 1, "endColumn": d.range.end.character + 1},
                }}],
            } for path, d in results],
        }],
    }
