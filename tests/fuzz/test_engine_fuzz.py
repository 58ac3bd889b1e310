"""The engine never crashes, hangs or reports a range outside the text, whatever it is fed.

A quick run in the regular suite; the full run (>= 100,000 inputs) with PRUNE_LSP_FUZZ=full:
    PRUNE_LSP_FUZZ=full .venv/bin/python -m pytest tests/fuzz -q
Inputs: random bytes decoded as the CLI decodes them, YAML assembled from config tokens, and
character- and line-level mutations of real configs: the project's own (tests/configs/, always), and INC's
corpus where it is here (../shared/corpus or $PRUNE_LSP_CORPUS, optional: see tests/conftest.py). The
volume asserted at the end is reached without the optional corpus.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from analysis.engine import check_text
from analysis.files import ReadError, decode
from analysis.positions import LineIndex
from analysis.schema.keys_v2 import DEFAULT_CONFIG_KEYS, PATTERN_EXAMPLES, PRUNING_TYPES
from tests.conftest import OWN_CONFIGS, corpus_configs

FULL = os.environ.get("PRUNE_LSP_FUZZ") == "full"
EXAMPLES = 45_000 if FULL else 300
# A bound on pathological inputs (exponential regexes, alias bombs), not a speed target: CPU time of
# this process, so other work on a shared machine cannot fail it (wall time did, at 2.0 s under load).
TIME_LIMIT_S = 5.0


CHECKED = [0]  # engine inputs actually checked (hypothesis' max_examples is only an upper bound)


def check_invariants(text: str) -> None:
    CHECKED[0] += 1
    t0 = time.process_time()
    result = check_text(text)
    elapsed = time.process_time() - t0
    assert elapsed < TIME_LIMIT_S, f"{elapsed:.2f}s of CPU on {text[:200]!r}"
    lines = LineIndex(text)
    last = None
    for d in result.diagnostics:
        for pos in (d.range.start, d.range.end):
            assert 0 <= pos.line < lines.line_count, (d, text[:200])
            assert 0 <= pos.character <= len(lines.line_text(pos.line)), (d, text[:200])
        assert d.range.start <= d.range.end
        assert d.code.startswith("PL") and d.code != "PL099", d  # PL099 = a check crashed
        key = d.sort_key()
        assert last is None or last <= key
        last = key
        for fix in d.fixes:
            for e in fix.edits:
                assert e.range.start.line < lines.line_count


_SCALARS = st.sampled_from(["0", "-1", "0.5", "1.5", "9e-1", "yes", "off", "~", "null", "2:4", '"2:4"', "'4x1'",
                            "4X1", "[a, b]", "{x: 1}", "[bad", "\"é😀中\"", "&a 1", "*a", "!PrunerV2", "|", ">-",
                            ""] + list(PATTERN_EXAMPLES) + list(PRUNING_TYPES))
_KEYS = st.sampled_from(list(DEFAULT_CONFIG_KEYS) + ["pruners", "pruning", "approach", "weight_compression_v2",
                                                     "<<", "- !PrunerV2", "-", "pruning_configs", "typo_key"])


@st.composite
def config_like(draw) -> str:
    head = draw(st.sampled_from([
        "pruning:\n  approach:\n    weight_compression_v2:\n", "pruning:\n  approach:\n    weight_compression:\n",
        "pruning:\n  approach:\n    weight_compression_pytorch:\n", "", "pruning_configs:\n"]))
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        indent = " " * draw(st.integers(0, 14))
        sep = draw(st.sampled_from([": ", ":", " ", ": &x ", ": *x "]))
        comment = draw(st.sampled_from(["", "  # é 😀", "  # prune-lsp: disable=PL010", " #"]))
        lines.append(f"{indent}{draw(_KEYS)}{sep}{draw(_SCALARS)}{comment}")
    tail = draw(st.sampled_from(["\n", "", "\r\n", "\n---\n" + head]))
    return head + "\n".join(lines) + tail


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(config_like())
def test_config_like_yaml(text):
    check_invariants(text)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    try:
        text = decode(data)
    except ReadError:
        return
    check_invariants("pruning:\n" + text)


def _corpus() -> list[str]:
    """Configs to mutate: the project's own (every dialect, YAML, JSON and Python) and INC's corpus if here."""
    own = sorted(p for p in OWN_CONFIGS.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".py"))
    return [p.read_text(encoding="utf-8") for p in own + corpus_configs()]


CORPUS = _corpus()


def _mutate(rng: random.Random, text: str) -> str:
    ops = rng.randint(1, 4)
    for _ in range(ops):
        kind = rng.randrange(6)
        if not text:
            return text
        i = rng.randrange(len(text))
        if kind == 0:
            text = text[:i] + text[i + rng.randint(1, 20):]  # delete a run (a half-typed file)
        elif kind == 1:
            text = text[:i] + rng.choice([":", " ", "\n", "-", "[", "]", "{", "'", '"', "#", "&a", "*a", "é", "😀",
                                          "\t", "!PrunerV2 ", "2:4", "\x00"]) + text[i:]
        elif kind == 2:
            lines = text.split("\n")
            j = rng.randrange(len(lines))
            lines.insert(j, lines[rng.randrange(len(lines))])  # duplicate a line elsewhere
            text = "\n".join(lines)
        elif kind == 3:
            lines = text.split("\n")
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif kind == 4:
            text = text[:i]  # truncated
        else:
            lines = text.split("\n")
            j = rng.randrange(len(lines))
            lines[j] = " " * rng.randint(0, 3) + lines[j]  # re-indent
            text = "\n".join(lines)
    return text


def test_corpus_mutations():
    assert CORPUS, f"no configs under {OWN_CONFIGS}"
    rng = random.Random(int(os.environ.get("PRUNE_LSP_FUZZ_SEED", "1234")))
    n = 60_000 if FULL else 1_500
    for k in range(n):
        text = _mutate(rng, rng.choice(CORPUS))
        try:
            check_invariants(text)
        except Exception as exc:  # pragma: no cover - report the input that broke it
            raise AssertionError(f"mutation #{k} broke the engine: {exc!r}\n--- input ---\n{text}") from exc


def test_zz_full_run_reached_its_volume():
    """Runs last in this file: the full run must have fed the engine at least 100,000 inputs."""
    print(f"engine fuzz: {CHECKED[0]:,} inputs checked")
    if FULL:
        assert CHECKED[0] >= 100_000, CHECKED[0]
    else:
        assert CHECKED[0] >= 1_000, CHECKED[0]
