"""Differential test of INC's older dialects: our errors against INC 2.6's own verdict on mutated
`weight_compression_pytorch` (C) and 1.x `weight_compression` (D) configs.

Seeds are the corpus's C and D configs; the mutations (tests/oracle/mutations_legacy.py) come from
INC's 1.x schema, its hooks, the experimental pruner's check_config and the pruner registries.
INC 2.6 runs each config through its real entry points (tests/oracle/inc_runner.py: C through the
experimental pytorch_pruner `Pruning` and its training callbacks, D through `PruningConf`, the 1.x
pruners as generate_pruners builds them and their epoch/step callbacks through every epoch up to
max(end_epoch)+1, head-pruning gradient_sensitivity with a real forward and backward); verdicts are cached under
~/.cache/prune-lsp/oracle/. The table is printed per dialect and per INC stage.

Default: one seed per mutation and dialect, without the two seeds whose 72 named weights make each
INC run take a minute (about 1,080 configs, a few minutes cold on 2 cores, seconds when cached);
PRUNE_LSP_ORACLE_FULL=1: every mutation on every seed.

KNOWN lists the configs where prune-lsp and INC still disagree, each with the reason; the test
fails on any other disagreement, and on a KNOWN entry that agrees now (remove it then).
"""

from __future__ import annotations

import collections
import functools
import math
import os
from typing import Optional

import pytest
import yaml

from analysis.diagnostics import Severity
from analysis.engine import check_text
from analysis.models.types import LayerIndex, LayerInfo

import corpus
import mutations_legacy
import oracle

pytestmark = [pytest.mark.oracle, pytest.mark.skipif(not corpus.available(), reason=corpus.SKIP_REASON)]

SEEDS_PER_MUTATION = None if os.environ.get("PRUNE_LSP_ORACLE_FULL") else 1
MIN_CASES = 300

# (dialect, mutation kind, INC's stage) -> why we still disagree. Only for the default sample. Empty: the
# oracle runs every epoch (D) and step (C) INC's training reaches, gradient_sensitivity included, and
# PL071 replays what the pruners do there.
KNOWN: dict[tuple[str, str, str], str] = {}


@pytest.fixture(scope="module")
def inc_python():
    python, why = oracle.inc_python()
    if python is None:
        pytest.skip(why)
    return python


@pytest.fixture(scope="module")
def cases():
    texts = {n: (corpus.dialect_of(n), corpus.read(n)) for n in corpus.verdicts() if corpus.dialect_of(n) in ("C", "D")}
    seeds = mutations_legacy.seeds_from_texts(texts)
    if SEEDS_PER_MUTATION is not None:  # the default sample leaves out the seeds that cost a minute a run
        seeds = [s for s in seeds if not mutations_legacy.heavy(s)]
    assert sum(s.dialect == "C" for s in seeds) >= 5 and sum(s.dialect == "D" for s in seeds) >= 20
    return list(mutations_legacy.generate(seeds, SEEDS_PER_MUTATION))


def test_mutations_cover_every_clause(cases):
    assert len(cases) >= MIN_CASES
    assert len({c.id for c in cases}) == len(cases)
    kinds = {c.kind.split(":")[0] for c in cases}
    assert {"target_sparsity", "initial_sparsity", "prune_type", "pattern", "model", "train", "tuning", "evaluation",
            "untagged-pruner", "misspelt-key", "wrong-level", "duplicate-key", "dataloader", "metric", "multi_metrics",
            "quantization", "top"} <= kinds
    assert {c.dialect for c in cases} == {"C", "D"}


def _ours(case) -> bool:
    """Our verdict, checked against the oracle's model, as INC's is: for C the corpus model (whether an
    NxM or N:M pattern divides the selected layers depends on their shapes); for D the stand-in (a 1.x
    `names` entry is a parameter of the user's model: the stand-in has one for every `.weight` a
    pruner names)."""
    model = oracle_model_1x(case.text) if case.dialect == "D" else _layer_index(list(_torch_modules("corpus")))
    return any(d.severity is Severity.ERROR for d in check_text(case.text, path="mutated.yaml", model=model).diagnostics)


def _layer_index(modules: list) -> LayerIndex:
    layers = [LayerInfo(name, cls, False, f"{name}.weight", shape, "float32", math.prod(shape),
                        (f"{name}.weight", f"{name}.bias")) for name, cls, shape in modules]
    return LayerIndex("oracle-model", "pytorch", layers, "oracle", True)


@functools.lru_cache(maxsize=None)
def _torch_modules(kind: str) -> tuple:
    import corpus_model
    model = corpus_model.build() if kind == "corpus" else corpus_model.bert_for_heads()
    return tuple((n, type(m).__name__, tuple(m.weight.shape)) for n, m in model.named_modules()
                 if isinstance(getattr(m, "weight", None), __import__("torch").Tensor))


def oracle_model_1x(text: str) -> Optional[LayerIndex]:
    """The model inc_runner._d_train_model builds for a D config, as a layer index (mirrors it: a
    Linear 64x64, or a Conv2d 32x16x3x3 when the module's name has `conv`, for each `.weight` a
    pruner names; the corpus model when none is named; the BERT stand-in under a head-pruning
    gradient_sensitivity pruner)."""
    try:
        doc = yaml.load(text, Loader=mutations_legacy._TagLoader)
        pruners = doc["pruning"]["approach"]["weight_compression"]["pruners"]
    except Exception:  # noqa: BLE001 - INC rejects it before any model is built
        return None
    if not isinstance(pruners, list):
        return None
    named = [n[:-len(".weight")] for p in pruners if isinstance(p, dict) and isinstance(p.get("names"), list)
             for n in p["names"] if isinstance(n, str) and n.endswith(".weight")]
    head = any(isinstance(p, dict) and p.get("prune_type") == "gradient_sensitivity" and "parameters" in p
               for p in pruners)
    if not named and not head:
        return _layer_index(list(_torch_modules("corpus")))
    modules = list(_torch_modules("bert")) if head else []
    have = {m[0] for m in modules}
    for name in named:
        if name not in have and not (head and "*" in name):
            have.add(name)
            modules.append((name, "Conv2d", (32, 16, 3, 3)) if "conv" in name.split(".")[-1]
                           else (name, "Linear", (64, 64)))
    return _layer_index(modules)


def test_agreement_with_inc(inc_python, cases, capsys):
    results, stats = oracle.verdicts(inc_python, cases)
    assert len(results) == len(cases), f"INC answered {len(results)} of {len(cases)} configs"
    broken = {cid: r for cid, r in results.items() if r["stage"] in ("timeout", "runner")}
    assert not broken, f"the INC runner did not reach a verdict on {len(broken)} configs: {list(broken.items())[:3]}"

    table: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    wrong = []
    for case in cases:
        inc = results[case.id]
        inc_rejects, we_reject = not inc["ok"], _ours(case)
        row = table[(case.dialect, inc["stage"])]
        row["configs"] += 1
        if inc_rejects == we_reject:
            row["agree"] += 1
            continue
        row["miss" if inc_rejects else "fp"] += 1
        wrong.append((case, inc, "miss" if inc_rejects else "fp"))

    with capsys.disabled():
        print(f"\nINC 2.6 differential, dialects C and D: {stats['cases']} configs ({stats['cached']} cached, "
              f"{stats['ran']} run in {stats['seconds']}s)")
        print(f"{'dialect':8s} {'INC stage':10s} {'configs':>7s} {'agree':>6s} {'miss':>5s} {'fp':>4s}")
        for (dialect, stage) in sorted(table):
            r = table[(dialect, stage)]
            print(f"{dialect:8s} {stage:10s} {r['configs']:7d} {r['agree']:6d} {r['miss']:5d} {r['fp']:4d}")
        for dialect in ("C", "D"):
            rows = [r for (d, _s), r in table.items() if d == dialect]
            n = sum(r["configs"] for r in rows)
            agree = sum(r["agree"] for r in rows)
            print(f"{dialect:8s} {'all':10s} {n:7d} {agree:6d} {sum(r['miss'] for r in rows):5d} "
                  f"{sum(r['fp'] for r in rows):4d}   ({100.0 * agree / max(n, 1):.1f}% agree)")

    stages = collections.Counter((c.dialect, results[c.id]["stage"]) for c in cases)
    for dialect in ("C", "D"):  # not vacuous: INC rejects at each of its stages, and accepts many
        for stage in ("load", "config", "construct", "train", "ok"):
            assert stages[(dialect, stage)] > 0, (dialect, stage, stages)

    unexpected = [(c, r, how) for c, r, how in wrong if (c.dialect, c.kind, r["stage"]) not in KNOWN]
    if SEEDS_PER_MUTATION is not None:
        seen = {(c.dialect, c.kind, r["stage"]) for c, r, _h in wrong}
        stale = [k for k in KNOWN if k not in seen]
        assert not stale, f"these known disagreements agree now, remove them from KNOWN: {stale}"
    shown = "\n".join(f"--- {how} {c.id} [{c.dialect}] INC: {r['stage']} {r['error']}\n{c.text}"
                      for c, r, how in unexpected[:5])
    assert not unexpected, f"{len(unexpected)} disagreements with INC (miss: INC rejects, fp: INC accepts):\n{shown}"


def test_pl071_cases_are_inc_verdicts(inc_python):
    """tests/rules/test_legacy_run.py states what INC does with each config; INC itself agrees."""
    import sys
    from pathlib import Path
    from types import SimpleNamespace

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rules"))
    import test_legacy_run as own

    def case(name, text):
        return SimpleNamespace(id=name, dialect="C" if "weight_compression_pytorch" in text else "D", text=text)

    cases = [case("fails:" + k, v[0]) for k, v in own.FAILS.items()] + [case("ok:" + k, v) for k, v in own.ACCEPTS.items()]
    results, _stats = oracle.verdicts(inc_python, cases)
    wrong = {c.id: results[c.id]["stage"] + " " + results[c.id]["error"] for c in cases
             if results[c.id]["ok"] != c.id.startswith("ok:")}
    assert not wrong, wrong
