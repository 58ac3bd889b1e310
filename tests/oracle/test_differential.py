"""Differential test: our errors against INC 2.6's own verdict on mutated corpus configs.

Each config is a single mutation (tests/oracle/mutations.py) of a dialect-B corpus config or of a
config derived from one, in its YAML form (dialect B) and its WeightPruningConfig form (dialect A).
INC 2.6 runs every config in its own venv, in one batch per core (tests/oracle/inc_runner.py:
load, check, build every pruner, train a few steps through INC's hooks); its verdicts are cached
under ~/.cache/prune-lsp/oracle/.

  agree  INC raises and we report an error, or INC accepts and we report none
  miss   INC raises and we report no error
  fp     INC accepts and we report an error (a warning is fine)

The test prints the table per mutation kind and fails on any miss or false positive.
PRUNE_LSP_ORACLE_FULL=1 runs every mutation on every seed (about 7,500 configs) instead of the
default sample of three seeds per mutation.
"""

from __future__ import annotations

import collections
import os

import pytest

from analysis.diagnostics import Severity
from analysis.engine import check_text

import corpus
import mutations
import oracle

pytestmark = [pytest.mark.oracle, pytest.mark.skipif(not corpus.available(), reason=corpus.SKIP_REASON)]

SEEDS_PER_MUTATION = None if os.environ.get("PRUNE_LSP_ORACLE_FULL") else 3
MIN_CASES = 500


@pytest.fixture(scope="module")
def inc_python():
    python, why = oracle.inc_python()
    if python is None:
        pytest.skip(why)
    return python


@pytest.fixture(scope="module")
def cases():
    texts = {name: corpus.read(name) for name in corpus.dialect_b_files()}
    assert len(texts) >= 3, "the corpus has fewer dialect-B configs than expected"
    seeds = mutations.seeds_from_texts(texts)
    return list(mutations.generate(seeds, SEEDS_PER_MUTATION))


def test_mutations_are_single_and_distinct(cases):
    assert len(cases) >= MIN_CASES
    assert len({c.id for c in cases}) == len(cases)
    assert len({(c.dialect, c.text) for c in cases}) == len(cases)
    kinds = {c.kind for c in cases}
    assert {"seed", "target-range", "pattern-bad", "nm-unquoted", "misspelt-key", "untagged-pruner",
            "empty-value", "gradient-end-zero", "decay-bad"} <= kinds
    assert {c.dialect for c in cases} == {"A", "B"}


def _ours(case) -> bool:
    return any(d.severity is Severity.ERROR for d in check_text(case.text, path="mutated.yaml").diagnostics)


def test_agreement_with_inc(inc_python, cases, capsys):
    results, stats = oracle.verdicts(inc_python, cases)
    assert len(results) == len(cases) >= MIN_CASES, f"INC answered {len(results)} of {len(cases)} configs"

    broken = {cid: r for cid, r in results.items() if r["stage"] in ("timeout", "runner")}
    assert not broken, f"the INC runner did not reach a verdict on {len(broken)} configs: {list(broken.items())[:3]}"

    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    misses, fps = [], []
    for case in cases:
        inc = results[case.id]
        inc_rejects, we_reject = not inc["ok"], _ours(case)
        row = table[f"{case.kind} ({case.dialect})"]
        row["configs"] += 1
        row["inc-rejects"] += inc_rejects
        if inc_rejects and not we_reject:
            row["miss"] += 1
            misses.append((case, inc))
        elif we_reject and not inc_rejects:
            row["fp"] += 1
            fps.append((case, inc))
        else:
            row["agree"] += 1

    total = collections.Counter()
    for row in table.values():
        total.update(row)
    with capsys.disabled():
        print(f"\nINC 2.6 differential test: {stats['cases']} configs ({stats['cached']} cached, {stats['ran']} run "
              f"in {stats['seconds']}s)")
        print(f"{'mutation kind':34s} {'configs':>7s} {'INC rej':>7s} {'agree':>6s} {'miss':>5s} {'fp':>4s}")
        for kind in sorted(table):
            r = table[kind]
            print(f"{kind:34s} {r['configs']:7d} {r['inc-rejects']:7d} {r['agree']:6d} {r['miss']:5d} {r['fp']:4d}")
        print(f"{'TOTAL':34s} {total['configs']:7d} {total['inc-rejects']:7d} {total['agree']:6d} "
              f"{total['miss']:5d} {total['fp']:4d}")

    by_stage: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    for case in cases:
        inc = results[case.id]
        r = by_stage[(case.dialect, inc["stage"])]
        r["configs"] += 1
        ours = _ours(case)
        r["agree" if ours != inc["ok"] else ("miss" if not inc["ok"] else "fp")] += 1
    with capsys.disabled():
        print(f"{'dialect':8s} {'INC stage':10s} {'configs':>7s} {'agree':>6s} {'miss':>5s} {'fp':>4s}")
        for (dialect, stage) in sorted(by_stage):
            r = by_stage[(dialect, stage)]
            print(f"{dialect:8s} {stage:10s} {r['configs']:7d} {r['agree']:6d} {r['miss']:5d} {r['fp']:4d}")

    # not vacuous: many configs, a substantial share rejected by INC, at every stage INC checks
    assert total["configs"] >= MIN_CASES
    assert total["inc-rejects"] >= 0.3 * total["configs"], "too few configs that INC rejects to test anything"
    assert total["configs"] - total["inc-rejects"] >= 0.25 * total["configs"], "too few configs that INC accepts"
    stages = collections.Counter(r["stage"] for r in results.values())
    assert all(stages[s] > 0 for s in ("load", "config", "construct", "train", "ok")), stages

    def show(items):
        return "\n".join(f"--- {c.id} [{c.dialect}] INC: {r['stage']} {r['error']}\n{c.text}" for c, r in items[:5])

    assert not misses, f"{len(misses)} configs INC rejects where we report no error:\n{show(misses)}"
    assert not fps, f"{len(fps)} configs INC accepts where we report an error:\n{show(fps)}"


def _inc_json(v):
    """Our value as it travels through the runner's JSON (tuples become lists)."""
    if isinstance(v, (list, tuple)):
        return [_inc_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _inc_json(x) for k, x in v.items()}
    return v


def _as_inc_checks_it(key, v):
    """check_config's in-place conversions: bool(resume_from_pruned_checkpoint), float(reg_coeff)."""
    if key == "resume_from_pruned_checkpoint":
        return bool(v)
    if key == "reg_coeff" and v is not None:
        try:
            return float(v)
        except (TypeError, ValueError):
            return v
    return v


def test_merge_matches_inc(inc_python, cases):
    """analysis.merge.effective_pruners gives, for every pruner and each of the 20 merged keys, the
    value INC's process_config gives (global/local inheritance, None, {} from nulls, parameters
    copied up, the N:M cap on max_sparsity_ratio_per_op)."""
    results, _stats = oracle.verdicts(inc_python, cases)  # cached by test_agreement_with_inc
    compared, diffs = 0, []
    for case in cases:
        inc_pruners = results[case.id].get("effective")
        if inc_pruners is None:
            continue
        found = check_text(case.text, path="mutated.yaml").configs
        assert len(found) == 1, case.id
        ours = found[0].pruners
        assert len(ours) == len(inc_pruners), f"{case.id}: {len(ours)} pruners, INC has {len(inc_pruners)}"
        for i, (p, inc) in enumerate(zip(ours, inc_pruners)):
            for key, inc_value in inc.items():
                our_value = _inc_json(_as_inc_checks_it(key, p.value(key)))
                if our_value != inc_value or (type(our_value) is bool) != (type(inc_value) is bool):
                    diffs.append(f"{case.id} pruner {i + 1} `{key}`: ours {our_value!r}, INC {inc_value!r}")
        compared += 1
    assert compared >= 300, f"only {compared} configs got through INC's config stage"
    assert not diffs, f"{len(diffs)} merged values differ from INC's:\n" + "\n".join(diffs[:20])
