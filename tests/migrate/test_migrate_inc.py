"""Proof by INC 2.6: a config and its `prune-lsp migrate` output make INC build the same pruners (type,
pattern, target, scope, steps, frequency, selected layers on the oracle's model), and INC accepts the
migrated file. Where INC 2.x selects other layers than INC 1.x (the classifier head 2.x excludes,
1.x's every-2-D-parameter default), the migration must say so in a note; nothing else may differ.

Cases: the own configs under tests/migrate/configs/ (always: a fresh clone has them) and every C and D
config of the corpus INC accepts (skipped without ../shared, see tests/conftest.py). INC runs in its
own venv (tests/oracle/oracle.py inc_python); results are cached under ~/.cache/prune-lsp/migrate/
keyed by the runner's source and both texts, so a re-run without changes takes no INC time.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from analysis.migrate import MigrateError, migrate
from tests.oracle import corpus

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "inc_pruners.py"
OWN = sorted((HERE / "configs").glob("*.yaml"))
CACHE = Path(os.environ.get("PRUNE_LSP_MIGRATE_CACHE", Path.home() / ".cache" / "prune-lsp" / "migrate")) / "pruners.json"
SPE = 3  # steps per epoch given to migrate for D configs: epochs x 3 must match on both sides
FIELDS = ("type", "pattern", "target", "scope", "start", "end", "frequency", "layers")
# Notes that account for a difference in selected layers (and nothing else).
LAYER_NOTES = ("classifier head", "every 2-D and 4-D parameter")


def _dialect(text: str) -> str:
    return "C" if "weight_compression_pytorch" in text else "D"


def cases() -> list[dict]:
    out = []
    for p in OWN:
        out.append({"id": f"own/{p.name}", "text": p.read_text(encoding="utf-8"), "must_build": True})
    if corpus.available():
        for name, (dialect, verdict, _err) in sorted(corpus.verdicts().items()):
            if dialect[:1] in "CD" and verdict == "ok":
                out.append({"id": f"corpus/{name}", "text": corpus.read(name), "must_build": True})
    for c in out:
        c["dialect"] = _dialect(c["text"])
        try:
            m = migrate(c["text"], "v2", steps_per_epoch=SPE if c["dialect"] == "D" else None)
            c["migrated"], c["notes"] = m.text, m.notes
        except MigrateError as exc:
            c["migrated"], c["notes"], c["refused"] = None, [], str(exc)
    return out


def _key(c: dict) -> str:
    h = hashlib.sha256(RUNNER.read_bytes())
    h.update((HERE.parent / "oracle" / "corpus_model.py").read_bytes())
    for part in (c["dialect"], c["text"], c["migrated"], str(SPE)):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def run_inc(todo: list[dict]) -> dict:
    try:
        cache = json.loads(CACHE.read_text())
    except (OSError, ValueError):
        cache = {}
    missing = [c for c in todo if _key(c) not in cache]
    if missing:
        from tests.oracle.oracle import inc_python

        python, why = inc_python()
        if python is None:
            pytest.skip(f"INC 2.6 venv unavailable: {why}")
        with tempfile.TemporaryDirectory() as d:
            req, res = Path(d) / "req.json", Path(d) / "res.json"
            req.write_text(json.dumps({"cases": [{"id": c["id"], "dialect": c["dialect"], "text": c["text"],
                                                  "migrated": c["migrated"], "spe": SPE} for c in missing]}))
            proc = subprocess.run([str(python), str(RUNNER), str(req), str(res)], capture_output=True, text=True,
                                  timeout=1200, env={**os.environ, "PYTHONWARNINGS": "ignore"})
            assert proc.returncode == 0, proc.stderr[-3000:]
            got = json.loads(res.read_text())
        for c in missing:
            cache[_key(c)] = got[c["id"]]
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        tmp = CACHE.with_suffix(".tmp")
        tmp.write_text(json.dumps(cache))
        tmp.replace(CACHE)
    return {c["id"]: cache[_key(c)] for c in todo}


def compare(c: dict, r: dict) -> tuple[list[str], dict]:
    """(problems, counts) for one case: counts of pruners equal in every field, and equal except for
    a layer difference a note accounts for."""
    problems, counts = [], {"pruners": 0, "equal": 0, "layers_noted": 0}
    src, mig = r["source"], r["migrated"]
    if not src["ok"]:
        return [f"INC rejects the source: {src['error']}"], counts
    if not mig["ok"]:
        return [f"INC rejects the migrated config: {mig['error']}"], counts
    if len(src["pruners"]) != len(mig["pruners"]):
        return [f"{len(src['pruners'])} pruners vs {len(mig['pruners'])}"], counts
    noted = any(n in note for note in c["notes"] for n in LAYER_NOTES)
    for i, (a, b) in enumerate(zip(src["pruners"], mig["pruners"])):
        counts["pruners"] += 1
        diff = [f for f in FIELDS if a[f] != b[f]]
        if not diff:
            counts["equal"] += 1
        elif diff == ["layers"] and noted:
            counts["layers_noted"] += 1
        else:
            problems.append(f"pruner {i + 1}: " + "; ".join(f"{f} {a[f]!r} -> {b[f]!r}" for f in diff))
    return problems, counts


def test_inc_builds_the_same_pruners_from_the_migrated_configs():
    all_cases = cases()
    todo = [c for c in all_cases if c["migrated"] is not None]
    refused = [c for c in all_cases if c["migrated"] is None]
    # Refusals must be the dialect's pruners with no 2.x equivalent, never the own configs.
    assert not [c["id"] for c in refused if c["id"].startswith("own/")]
    assert all("gradient_sensitivity" in c["refused"] for c in refused), [c["refused"] for c in refused]
    results = run_inc(todo)
    failures, totals = {}, {"configs": len(todo), "pruners": 0, "equal": 0, "layers_noted": 0}
    for c in todo:
        problems, counts = compare(c, results[c["id"]])
        for k, v in counts.items():
            totals[k] += v
        if problems:
            failures[c["id"]] = problems
    print(f"\nmigrate vs INC 2.6: {totals}, refused {len(refused)} (gradient_sensitivity)")
    assert not failures, json.dumps(failures, indent=1)
    assert totals["pruners"] >= 5  # the own configs alone build 5 pruners


def test_own_configs_differences_are_the_documented_ones():
    """The own configs exercise each conversion: C defaults made explicit, D epochs x steps per epoch,
    1.x names as exact module regexes, group_lasso as reg_type, pattern_lock one-shot."""
    by = {c["id"]: c for c in cases()}
    c = by["own/c_defaults.yaml"]["migrated"]
    assert "target_sparsity: 0.0" in c and "pruning_op_types: [Conv2d, Linear]" in c and "pattern: 1x1" in c
    assert "excluded_op_names: [layer2.0.*, classifier]" in c  # extra + excluded, as C concatenates them
    d = by["own/d_names.yaml"]
    assert "op_names: ['^layer1\\.0$', '^layer2\\.0$']" in d["migrated"] or "^layer1\\.0$" in d["migrated"]
    assert "reg_type: group_lasso" in d["migrated"] and "reg_coeff: 0.01" in d["migrated"]
    assert f"start_step: {1 * SPE}" in d["migrated"] and f"end_step: {3 * SPE}" in d["migrated"]
    assert any("pattern_lock" in n and "one-shot" in n for n in d["notes"])


def _comments(text: str) -> list[str]:
    from analysis.comments import line_comment

    out = []
    for ln in text.splitlines():
        col = line_comment(ln)
        if col is not None:
            out.append(ln[col:].strip())
    return out


def test_every_comment_survives_migration():
    """Each comment of each migrated config (own, with comments in every position and on dropped keys;
    corpus) is in the v2 output, and in the Python output (as `# ...` beside its keyword or dict key)."""
    checked = 0
    for c in cases():
        if c["migrated"] is None:
            continue
        lost = [x for x in _comments(c["text"]) if x not in c["migrated"]]
        assert not lost, (c["id"], lost)
        checked += 1
    assert checked >= 3
    own = (HERE / "configs" / "d_comments.yaml").read_text()
    assert len(_comments(own)) >= 20
    py = migrate(own, "python").text
    for x in ("the global target", "a Linear", "lock zeros", "the type"):
        assert x in py, x
