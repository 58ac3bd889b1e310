"""INC's own documentation examples (../shared/reference/inc-docs-configs.md) against INC 2.6.

Each Python block is checked as a file. The oracle's input is built independently of prune-lsp:
each `WeightPruningConfig(...)` call whose arguments are all literals (or names bound at the top of
the block to a literal, read with ast.literal_eval, never exec) is run by INC 2.6 (inc_wpc_oracle.py,
`prepare_pruning` on a small model). A block that only defines the pruner list (the docs pass it to
`WeightPruningConfig(configs)` in their next block) gets that call appended, as the docs do.
- INC (or Python itself) rejects a block: prune-lsp reports at least one error.
- INC accepts every call of a block, or the calls depend on values only known at run time:
  prune-lsp reports no error.
A block whose imports from INC fail on INC 2.6 (INC 2.0's `neural_compressor.pruner`) is rejected: the oracle
runs those import statements, and only those.
A block that changes its config with `update_config(...)` / `update_items_for_all_pruners(...)`
(literal arguments) is run by the oracle with those changes applied, as INC applies them before it
builds the pruners.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
from tests.conftest import shared_path  # noqa: E402

from analysis.diagnostics import Severity  # noqa: E402
from analysis.python_config import check_python_text  # noqa: E402

REPO = HERE.parents[1]
from tests.conftest import INC_PYTHON  # noqa: E402  (scripts/inc_oracle_venv.sh builds it)
CLASS = "WeightPruningConfig"
SIGNATURE_HEAD = ("pruning_configs",)


def inc_python() -> Path | None:
    script = REPO / "scripts" / "inc_oracle_venv.sh"
    if not INC_PYTHON.exists() and script.is_file():
        subprocess.run(["bash", str(script)], check=False, capture_output=True, timeout=1800)
    return INC_PYTHON if INC_PYTHON.exists() else None


def doc_blocks() -> list[tuple[str, str, str]]:
    """(where, language, code) of every fenced block, dedented; the config.py docstring example too."""
    text = shared_path("reference", "inc-docs-configs.md").read_text(encoding="utf-8")
    out = []
    section = where = ""
    for m in re.finditer(r"^## ([^\n]*)$|^### ([^\n]*)$|^````text\n(.*?)\n````$", text, re.S | re.M):
        if m.group(1):
            section, where = m.group(1).split(" @")[0].strip(" `"), ""
        elif m.group(2):
            where = m.group(2)
        else:
            body = m.group(3)
            inner = re.search(r"^\s*```(\w+)\n(.*)\n\s*```\s*$", body, re.S)
            if inner:
                lang, code = inner.group(1), inner.group(2)
            else:  # the docstring example: "Example:" then indented code
                lang, code = "python", body.split("Example:", 1)[-1]
            out.append((f"{section} {where}".strip(), lang, textwrap.dedent(code).strip("\n")))
    return out


def _literal_names(tree: ast.Module) -> dict[str, object]:
    names: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                names[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                names.pop(node.targets[0].id, None)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            names.pop(node.target.id, None)
    return names


def _literal(node: ast.expr, names: dict):
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        raise ValueError(node.id)
    return ast.literal_eval(node)


def program_and_calls(code: str):
    """The block as the file prune-lsp checks, and each call as oracle input (None: not literal)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == CLASS]
    if not calls:
        lists = [n.targets[0].id for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1
                 and isinstance(n.targets[0], ast.Name) and isinstance(n.value, (ast.List, ast.Dict))]
        if not lists:
            return code, []
        code = code + f"\n\nfrom neural_compressor import {CLASS}\nconfig = {CLASS}({lists[-1]})\n"
        tree = ast.parse(code)
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == CLASS]
    names = _literal_names(tree)
    updates = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr in ("update_config", "update_items_for_all_pruners")]
    out = []
    for call in calls:
        try:
            args = [_literal(a, names) for a in call.args]
            kwargs = {k.arg: _literal(k.value, names) for k in call.keywords if k.arg}
            if any(k.arg is None for k in call.keywords):
                raise ValueError("**")
            for up in updates:  # what INC's Pruning.update_config does before it builds the pruners
                _apply_update(args, kwargs, {k.arg: _literal(k.value, names) for k in up.keywords if k.arg})
            out.append({"args": args, "kwargs": kwargs})
        except ValueError:
            out.append(None)
    return code, out


def inc_imports(program: str) -> list[str]:
    """The block's import statements from INC (run by the oracle: INC 2.6 may lack what older docs import)."""
    out = []
    for n in ast.walk(ast.parse(program)):
        mods = [n.module or ""] if isinstance(n, ast.ImportFrom) and not n.level else \
            [a.name for a in n.names] if isinstance(n, ast.Import) else []
        if mods and all(m == "neural_compressor" or m.startswith("neural_compressor.") for m in mods):
            out.append(ast.unparse(n))
    return out


def _apply_update(args: list, kwargs: dict, changes: dict) -> None:
    """Pruning.update_config(**changes) sets each key in every pruner's merged config: the same as
    setting it globally and in every local config."""
    kwargs.update(changes)
    local = args[0] if args else kwargs.get("pruning_configs")
    for item in local if isinstance(local, list) else []:
        if isinstance(item, dict):
            item.update(changes)


@pytest.fixture(scope="module")
def corpus():
    blocks = [b for b in doc_blocks() if b[1] == "python"]
    py = inc_python()
    if py is None:
        pytest.skip("INC 2.6 oracle venv unavailable (scripts/inc_oracle_venv.sh)")
    prepared = []
    cases = []
    for i, (name, _lang, code) in enumerate(blocks):
        program, calls = program_and_calls(code)
        prepared.append((name, program, calls))
        for j, c in enumerate(calls or []):
            if c is not None:
                cases.append({"id": f"{i}.{j}", **c})
        if calls is not None and inc_imports(program):
            cases.append({"id": f"{i}.imports", "imports": inc_imports(program)})
    proc = subprocess.run([str(py), str(HERE / "inc_wpc_oracle.py")], input=json.dumps({"cases": cases}),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    verdicts = json.loads(proc.stdout.strip().splitlines()[-1])
    out = []
    for i, (name, program, calls) in enumerate(prepared):
        if calls is None:
            verdict = "rejected"  # Python itself rejects the block
        elif "error" in verdicts.get(f"{i}.imports", {}):
            verdict = "rejected"  # INC 2.6 lacks what the block imports from it
        else:
            results = [verdicts.get(f"{i}.{j}") for j in range(len(calls))]
            if any(r is not None and "error" in r for r in results):
                verdict = "rejected"
            elif calls and all(r is not None for r in results):
                verdict = "accepted"
            else:
                verdict = "unknown"
        out.append((name, program, calls, verdict, [verdicts.get(f"{i}.{j}") for j in range(len(calls or []))]))
    return out


def test_corpus_has_the_documented_blocks(corpus):
    kinds = [v for *_x, v, _r in corpus]
    assert len(corpus) >= 25
    assert kinds.count("rejected") >= 3 and kinds.count("accepted") >= 3, kinds


def test_each_block_matches_inc(corpus):
    wrong = []
    for name, program, calls, verdict, results in corpus:
        diags = check_python_text(program, "block.py").diagnostics
        errors = [d for d in diags if d.severity is Severity.ERROR]
        if calls is None:
            ok = len(diags) == 1 and diags[0].code == "PL050"
        elif verdict == "rejected":
            ok = bool(errors)
        else:
            ok = not errors
        if not ok:
            wrong.append((name, verdict, results, [(d.code, d.range.start.line, d.message) for d in diags]))
    assert not wrong, json.dumps(wrong, indent=1, default=str)
