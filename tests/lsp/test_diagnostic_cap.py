"""A document with more findings than an editor can use gets PUBLISH_LIMIT of them, the most severe
first with every kind keeping a share, plus one diagnostic saying how many were left out and how to
list them all; pushed and pulled alike. Code actions still see every finding."""

from __future__ import annotations

import pytest
from lsprotocol import types

from analysis.diagnostics import Diagnostic, Severity
from analysis.positions import Range
from lsp_server.features.diagnostics import PUBLISH_LIMIT, left_out_message, published

from .conftest import diagnostics, open_doc


def _d(code: str, line: int, sev: Severity = Severity.WARNING) -> Diagnostic:
    return Diagnostic(code, sev, f"{code} at {line}", Range.point(line, 0))


def test_up_to_the_limit_everything_is_published():
    diags = [_d("PL031", i) for i in range(PUBLISH_LIMIT)]
    assert published(diags) == (diags, [])


def test_beyond_it_errors_come_first_and_every_code_keeps_a_share():
    warnings_a = [_d("PL041", i) for i in range(0, 3 * PUBLISH_LIMIT, 2)]
    warnings_b = [_d("PL013", i) for i in range(1, 3 * PUBLISH_LIMIT, 20)]
    errors = [_d("PL001", 10 * PUBLISH_LIMIT + i, Severity.ERROR) for i in range(10)]
    diags = sorted(warnings_a + warnings_b + errors, key=Diagnostic.sort_key)
    shown, left_out = published(diags)
    assert len(shown) == PUBLISH_LIMIT and len(left_out) == len(diags) - PUBLISH_LIMIT
    assert all(e in shown for e in errors)  # although they come last in the file
    n_b = sum(d.code == "PL013" for d in shown)
    assert n_b == len(warnings_b)  # the rarer code is not crowded out by the flood
    assert shown == sorted(shown, key=Diagnostic.sort_key)  # document order
    assert {id(d) for d in shown}.isdisjoint(id(d) for d in left_out)
    msg = left_out_message("file:///w/big.yaml", len(diags), left_out)
    assert f"{PUBLISH_LIMIT:,} of the {len(diags):,} findings" in msg
    assert f"PL041 x{len(left_out):,} (warning)" in msg
    assert "prune-lsp check --show-all /w/big.yaml" in msg


def test_the_choice_is_a_sort_by_severity_then_turn_then_position():
    import random

    rnd = random.Random(7)
    for _ in range(200):
        n = rnd.choice([PUBLISH_LIMIT + 1, PUBLISH_LIMIT + 500, 3 * PUBLISH_LIMIT])
        codes = [f"PL{rnd.randint(1, 60):03d}" for _ in range(rnd.randint(1, 6))]
        diags = [_d(rnd.choice(codes), i, rnd.choice(list(Severity))) for i in range(n)]
        turn: dict = {}
        ranked = []
        for i, d in enumerate(diags):
            k = turn[(d.severity, d.code)] = turn.get((d.severity, d.code), -1) + 1
            ranked.append((d.severity.rank, k, i))
        want = sorted(i for _, _, i in sorted(ranked)[:PUBLISH_LIMIT])
        shown, left_out = published(diags)
        assert shown == [diags[i] for i in want]
        assert len(left_out) == n - PUBLISH_LIMIT


HEAD = ("pruning:\n  approach:\n    weight_compression_v2:\n      target_sparsity: 0.25\n      start_step: 0\n"
        "      end_step: 1000\n      pruners:\n")


def _flood(n: int) -> str:
    # each pruner: an unknown key (PL031, an error in a !PrunerV2 entry) and a 1:4 pattern (PL041, a warning)
    return HEAD + "".join(f"        - !PrunerV2\n          op_names: [l{i}]\n          prune_freq: 5\n"
                          f"          pattern: '1:4'\n" for i in range(n))


@pytest.mark.asyncio
async def test_a_flood_is_published_capped_with_a_summary(client, tmp_path):
    n = PUBLISH_LIMIT  # 2n findings
    uri = (tmp_path / "flood.yaml").as_uri()
    open_doc(client, uri, _flood(n))
    items = await diagnostics(client, uri, 1, timeout=60)
    assert len(items) == PUBLISH_LIMIT + 1
    summary = [d for d in items if d.code is None]
    assert len(summary) == 1 and items[0] is summary[0]
    s = summary[0]
    assert s.severity == types.DiagnosticSeverity.Information and s.source == "prune-lsp"
    assert (s.range.start.line, s.range.start.character) == (0, 0)
    assert f"{PUBLISH_LIMIT:,} of the {2 * n:,} findings" in s.message and "--show-all" in s.message
    shown = items[1:]
    # the errors (PL031) first: all n of them fit, then as many warnings as the limit leaves
    assert sum(d.code == "PL031" for d in shown) == n
    assert sum(d.code == "PL041" for d in shown) == PUBLISH_LIMIT - n
    assert f"PL041 x{n:,} (warning)" in s.message
    lines = [d.range.start.line for d in shown]
    assert lines == sorted(lines)


@pytest.mark.asyncio
async def test_a_small_file_gets_no_summary(client, tmp_path):
    uri = (tmp_path / "small.yaml").as_uri()
    open_doc(client, uri, _flood(3))
    items = await diagnostics(client, uri, 1)
    assert len(items) == 6 and all(d.code for d in items)
