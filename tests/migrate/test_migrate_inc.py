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
import re
import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from analysis.migrate import MigrateError, migrate
from tests.oracle import corpus

pytestmark = pytest.mark.oracle

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "inc_pruners.py"
OWN = sorted((HERE / "configs").glob("*.yaml"))
OWN_B = HERE.parent / "configs" / "dialects" / "b_v2.yaml"  # the project's own v2 config: B -> json
CACHE = Path(os.environ.get("PRUNE_LSP_MIGRATE_CACHE", Path.home() / ".cache" / "prune-lsp" / "migrate")) / "pruners.json"
SPE = 3  # steps per epoch given to migrate for D configs: epochs x 3 must match on both sides
FIELDS = ("type", "pattern", "target", "scope", "start", "end", "frequency", "layers")
# Notes that account for a difference in selected layers (and nothing else).
LAYER_NOTES = ("classifier head", "every 2-D and 4-D parameter")


def _dialect(text: str) -> str:
    if "weight_compression_v2" in text:
        return "B"
    return "C" if "weight_compression_pytorch" in text else "D"


def cases() -> list[dict]:
    out = []
    for p in OWN + [OWN_B]:
        out.append({"id": f"own/{p.name}", "text": p.read_text(encoding="utf-8")})
    if corpus.available():
        for name, (dialect, verdict, _err) in sorted(corpus.verdicts().items()):
            if dialect[:1] in "BCD" and verdict == "ok":
                out.append({"id": f"corpus/{name}", "text": corpus.read(name)})
    return [_migrate_case(c) for c in out]


def _migrate_case(c: dict) -> dict:
    c["dialect"] = _dialect(c["text"])
    spe = SPE if c["dialect"] == "D" else None
    try:
        if c["dialect"] == "B":  # already v2: only its WeightPruningConfig form is new
            c["migrated"], c["notes"] = c["text"], []
        else:
            m = migrate(c["text"], "v2", steps_per_epoch=spe)
            c["migrated"], c["notes"] = m.text, m.notes
        c["json"] = migrate(c["text"], "json", steps_per_epoch=spe).text
        c["python"] = migrate(c["text"], "python", steps_per_epoch=spe).text
    except MigrateError as exc:
        c["migrated"], c["notes"], c["refused"] = None, [], str(exc)
    return c


def _key(c: dict) -> str:
    h = hashlib.sha256(RUNNER.read_bytes())
    h.update((HERE.parent / "oracle" / "corpus_model.py").read_bytes())
    h.update((HERE.parent / "oracle" / "inc_runner.py").read_bytes())  # its _d_model builds the D models
    for part in (c["dialect"], c["text"], c["migrated"] or "", c.get("json") or "", c.get("python") or "", str(SPE)):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def _run_chunk(python, cases: list[dict]) -> dict:
    with tempfile.TemporaryDirectory() as d:
        req, res = Path(d) / "req.json", Path(d) / "res.json"
        req.write_text(json.dumps({"cases": [{"id": c["id"], "dialect": c["dialect"], "text": c["text"],
                                              "migrated": c["migrated"], "json": c.get("json"),
                                              "python": c.get("python"), "spe": SPE} for c in cases]}))
        proc = subprocess.run([str(python), str(RUNNER), str(req), str(res)], capture_output=True, text=True,
                              timeout=2400, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(res.read_text())


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
        jobs = max(1, min(os.cpu_count() or 1, 4, len(missing)))
        with ThreadPoolExecutor(jobs) as pool:
            parts = list(pool.map(lambda chunk: _run_chunk(python, chunk), [missing[i::jobs] for i in range(jobs)]))
        got = {k: v for part in parts for k, v in part.items()}
        fresh = {_key(c): got[c["id"]] for c in missing}
        cache.update(fresh)
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        try:  # another session may have added results meanwhile
            merged = {**json.loads(CACHE.read_text()), **fresh}
        except (OSError, ValueError):
            merged = cache
        fd, tmp = tempfile.mkstemp(dir=CACHE.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(merged, f)
        os.replace(tmp, CACHE)
    return {c["id"]: cache[_key(c)] for c in todo}


def _explained(c: dict, r: dict, a: dict, b: dict) -> list[str]:
    """Why the layers of pruner `a` (source) and `b` (migrated) differ, per layer; a layer left unexplained
    is returned as a problem. Explanations must also be said in the migration's notes."""
    classes = r.get("classes", {})
    notes = " ".join(c["notes"])
    problems = []
    for layer in sorted(set(a["layers"]) - set(b["layers"])):
        head = any(re.search(h, layer) for h in b.get("head", []))
        cls = classes.get(layer, "")
        if head and "classifier head" in notes:
            continue  # INC 2.x's own head exclusion, noted
        if "every 2-D and 4-D parameter" in notes and not ("Conv" in cls or "Linear" in cls):
            continue  # 1.x pruned any 2-D/4-D weight; 2.x's default types are Conv and Linear, noted
        problems.append(f"{layer} ({cls}) pruned by the original only")
    for layer in sorted(set(b["layers"]) - set(a["layers"])):
        cls = classes.get(layer, "")
        if "as substrings" in notes and cls not in ("Conv2d", "Linear") and ("Linear" in cls or "Conv2d" in cls):
            continue  # substring vs exact class-name matching, noted
        problems.append(f"{layer} ({cls}) pruned by the migration only")
    return problems


def _fields(pruners: list[dict]) -> list[tuple]:
    # not "head": what INC appends itself; a WeightPruningConfig made without excluded_op_names shares
    # INC's mutable default list, which already holds the head from an earlier call (spec 3.1 P2)
    return [tuple(str(p[f]) for f in FIELDS) for p in pruners]


def compare(c: dict, r: dict) -> tuple[list[str], dict]:
    """(problems, counts) for one case: counts of pruners equal in every field, and equal except for
    layers that a noted difference explains, one by one; the JSON form must equal the v2 one exactly."""
    problems, counts = [], {"pruners": 0, "equal": 0, "layers_noted": 0, "json_equal": 0, "python_equal": 0}
    src, mig = r["source"], r["migrated"]
    if not src["ok"]:
        return [f"INC rejects the source: {src['error']}"], counts
    if not mig["ok"]:
        return [f"INC rejects the migrated config: {mig['error']}"], counts
    if len(src["pruners"]) != len(mig["pruners"]):
        return [f"{len(src['pruners'])} pruners vs {len(mig['pruners'])}"], counts
    for i, (a, b) in enumerate(zip(src["pruners"], mig["pruners"])):
        counts["pruners"] += 1
        diff = [f for f in FIELDS if a[f] != b[f]]
        if not diff:
            counts["equal"] += 1
        elif diff == ["layers"] and not _explained(c, r, a, b):
            counts["layers_noted"] += 1
        else:
            problems.append(f"pruner {i + 1}: " + "; ".join(f"{f} {a[f]!r} -> {b[f]!r}" for f in diff if f != "layers")
                            + "; ".join(_explained(c, r, a, b)))
    js = r.get("json")
    if js is None or not js["ok"]:
        problems.append(f"INC rejects the JSON key set: {js and js['error']}")
    elif _fields(js["pruners"]) != _fields(mig["pruners"]):
        problems.append(f"the JSON key set builds other pruners: {js['pruners']} vs {mig['pruners']}")
    else:
        counts["json_equal"] += len(js["pruners"])
    py = r.get("python")
    if py is None or not py["ok"]:
        problems.append(f"INC rejects the WeightPruningConfig call: {py and py['error']}")
    elif _fields(py["pruners"]) != _fields(mig["pruners"]):
        problems.append(f"the WeightPruningConfig call builds other pruners: {py['pruners']} vs {mig['pruners']}")
    else:
        counts["python_equal"] += len(py["pruners"])
    return problems, counts


def test_inc_builds_the_same_pruners_from_the_migrated_configs():
    all_cases = cases()
    todo = [c for c in all_cases if c["migrated"] is not None]
    refused = [c for c in all_cases if c["migrated"] is None]
    # Refusals must be the dialect's pruners with no 2.x equivalent, never the own configs.
    assert not [c["id"] for c in refused if c["id"].startswith("own/")]
    assert all("gradient_sensitivity" in c["refused"] for c in refused), [c["refused"] for c in refused]
    results = run_inc(todo)
    failures, totals = {}, {"configs": len(todo), "pruners": 0, "equal": 0, "layers_noted": 0, "json_equal": 0,
                            "python_equal": 0}
    for c in todo:
        problems, counts = compare(c, results[c["id"]])
        for k, v in counts.items():
            totals[k] += v
        if problems:
            failures[c["id"]] = problems
    print(f"\nmigrate vs INC 2.6: {totals}, refused {len(refused)} (gradient_sensitivity)")
    assert not failures, json.dumps(failures, indent=1)
    assert totals["pruners"] >= 8  # the own configs alone build 8 pruners


def test_own_configs_differences_are_the_documented_ones():
    """The own configs exercise each conversion: C defaults made explicit, D epochs x steps per epoch,
    1.x names as exact module regexes, group_lasso as reg_type, pattern_lock one-shot."""
    by = {c["id"]: c for c in cases() if c["dialect"] != "B"}
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
        if c["migrated"] is None or c["dialect"] == "B":
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


def test_mutated_c_and_d_configs_migrate_as_inc_reads_them():
    """Single mutations (tests/migrate/mutate_legacy.py) of the own C/D configs and, with ../shared, the
    corpus's: for each one INC accepts, the migration is accepted and INC builds the same pruners from
    it (same comparison as above); a refused migration is only ever one INC itself cannot run or a
    1.x gradient_sensitivity pruner. 3 seeds per mutation; every seed with PRUNE_LSP_ORACLE_FULL=1."""
    from tests.migrate.mutate_legacy import generate

    seeds = {p.stem: p.read_text(encoding="utf-8") for p in OWN}
    if corpus.available():
        seeds.update({name: corpus.read(name) for name, (d, v, _e) in sorted(corpus.verdicts().items())
                      if d[:1] in "CD" and v == "ok"})
    per = None if os.environ.get("PRUNE_LSP_ORACLE_FULL") else 3
    todo = [_migrate_case({"id": m.id, "text": m.text, "kind": m.kind}) for m in generate(seeds, per)]
    assert len(todo) >= 100
    results = run_inc(todo)
    totals = {"mutations": len(todo), "inc_rejects": 0, "refused": 0, "pruners": 0, "equal": 0,
              "layers_noted": 0, "json_equal": 0, "python_equal": 0}
    failures = {}
    for c in todo:
        r = results[c["id"]]
        if not r["source"]["ok"]:
            totals["inc_rejects"] += 1
            continue
        if c["migrated"] is None:
            totals["refused"] += 1
            if "gradient_sensitivity" not in c["refused"]:
                failures[c["id"]] = [f"refused a config INC accepts: {c['refused']}"]
            continue
        problems, counts = compare(c, r)
        for k, v in counts.items():
            totals[k] += v
        if problems:
            failures[c["id"]] = problems
    print(f"\nmigrate of mutated C/D configs vs INC 2.6: {totals}")
    assert not failures, json.dumps(failures, indent=1)[:6000]
    assert totals["pruners"] >= 100
