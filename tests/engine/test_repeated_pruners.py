"""A config that repeats its pruners (analysis/repeated_pruners.py, repeated_findings.py) gets exactly the
findings of the whole check: the same codes, places, messages, related places and fixes, in the same
order. Compared on generated floods, on every rule's twin configs and the project's own configs with
their pruners repeated (renamed, commented), and on INC's corpus when it is beside the repository."""

from __future__ import annotations

import os
import random
import re
from typing import Optional

import pytest

from analysis.config_doc import detect
from analysis.engine import DeferredResult, check_text
from analysis.repeated_pruners import MIN_PRUNERS, check_repeated, split_pruners
from analysis.yaml_parse import parse_text
from tests.conftest import OWN_CONFIGS, corpus_configs
from tests.fuzz.test_engine_fuzz import _mutate
from tests.rules.test_rule_twins import TWINS

HEAD = ("model: {name: toy, framework: pytorch}\npruning:\n  approach:\n    weight_compression_v2:\n"
        "      target_sparsity: 0.25\n      start_step: 0\n      end_step: 1000\n      pruners:\n")
_SIMPLE_LIST = re.compile(r"(op_names: *\[)\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*(\])")


def _json(result) -> list[dict]:
    return [d.to_json() for d in result.diagnostics]


def same_as_whole(text: str) -> bool:
    """Assert the by-kind check equals the whole check; True when the by-kind check took it."""
    whole = check_text(text, by_kind=False)
    fast = check_repeated(text, None, None)
    if fast is None:
        return False
    assert _json(fast) == _json(whole)
    assert [[p.label() for p in c.pruners] for c in fast.configs] == \
        [[p.label() for p in c.pruners] for c in whole.configs]
    return True


def repeat_pruners(text: str, times: int = MIN_PRUNERS + 6, comment: bool = True) -> Optional[str]:
    """`text` with its pruners list written `times` times over: each copy's one-name op_names list renamed,
    and (with `comment`) a comment on every third copy's first line. None: no pruners list to repeat."""
    parsed = parse_text(text)
    docs = [c for c in (detect(d) for d in parsed.documents) if c is not None]
    if len(docs) != 1 or docs[0].dialect.id not in "AB" or parsed.problems:
        return None
    if not docs[0].pruners:
        return _fill_empty_list(text, docs[0].dialect.id, times)
    lines = text.split("\n")
    pos = parsed.lines.position
    starts = [pos(e.node.start).line for e in docs[0].pruners]
    last = pos(docs[0].pruners[-1].node.end)
    end = last.line if last.character == 0 else last.line + 1
    if len(set(starts)) != len(starts) or any(not lines[s].lstrip().startswith("-") for s in starts):
        return None
    bounds = starts + [end]
    out = lines[:starts[0]]
    for n in range(times):
        for i in range(len(starts)):
            entry = lines[bounds[i]:bounds[i + 1]]
            entry = [_SIMPLE_LIST.sub(lambda m: f"{m.group(1)}{m.group(2)}_{n}{m.group(3)}", ln) for ln in entry]
            if comment and n % 3 == 0 and "#" not in entry[0]:
                entry[0] += f"  # copy {n}, 'quoted' #{n}"
            out += entry
    return "\n".join(out + lines[end:])


_EMPTY_LIST = re.compile(r"^( *)(pruners|pruning_configs): *\[\] *$", re.M)


def _fill_empty_list(text: str, dialect: str, times: int) -> Optional[str]:
    """An empty pruners list made into `times` pruners that inherit every global value."""
    m = _EMPTY_LIST.search(text)
    if m is None:
        return None
    ind = m.group(1) + "  "
    tag = "!PrunerV2\n" + ind + "  " if dialect == "B" else ""
    entries = "".join(f"{ind}- {tag}op_names: [layer{i}]\n" for i in range(times))
    return text[:m.start()] + f"{m.group(1)}{m.group(2)}:\n" + entries.rstrip("\n") + text[m.end():]


def flood(n: int, entry: str, head: str = HEAD) -> str:
    return head + "".join(entry.format(i=i) for i in range(n))


# --- generated floods ---------------------------------------------------------------------------------

def test_a_flood_of_alike_pruners_is_checked_by_kind_with_the_whole_checks_findings():
    text = flood(300, "      - !PrunerV2\n        op_names: [l{i}]\n        prune_freq: 5\n        pattern: '1:4'\n")
    assert same_as_whole(text)
    fast = check_repeated(text, None, None)
    assert len(fast.diagnostics) == 600  # one unknown key and one N:M pattern per pruner
    assert {d.range.start.line for d in fast.diagnostics if d.code == "PL041"} == \
        {i for i, ln in enumerate(text.split("\n")) if "pattern: '1:4'" in ln}


def test_comments_names_and_quotes_differ_between_copies():
    entry = ("      - !PrunerV2  # pruner {i}: 'it''s' \"#\"\n        op_names: ['layer_{i}.fc', \"x{i}\"]  # #{i}\n"
             "        pattern: '1:4'   # N:M\n        target_sparsity: 0.25\n\n        # between {i}\n")
    assert same_as_whole(flood(200, entry) + "      # after the list\n# end\n")


def test_a_text_ending_inside_the_last_pruner():
    text = flood(100, "      - !PrunerV2\n        op_names: [l{i}]\n        pattern: '1:4'\n").rstrip("\n")
    assert same_as_whole(text)


def test_a_global_value_inherited_by_every_pruner_lists_every_pruner():
    head = HEAD.replace("      target_sparsity: 0.25\n", "      target_sparsity: 0.25\n      pattern: '1:4'\n")
    text = flood(90, "      - !PrunerV2\n        op_names: [l{i}, m{i}, n{i}]\n        pruning_type: magnitude\n",
                 head)
    assert same_as_whole(text)
    (d,) = [d for d in check_text(text, by_kind=False).diagnostics if d.code == "PL041"]
    assert "pruner 90 (l89, m89, ...)" in d.message  # the whole check's own message, matched above


def test_findings_with_fixes_and_labels_name_each_copy():
    entry = ("      - !PrunerV2\n        op_names: [l{i}]\n        pruning_tpye: magnitude\n"
             "        pruning_scope: globl\n        pattern: 4x1\n")
    text = flood(80, entry)
    assert same_as_whole(text)
    fixes = [d for d in check_repeated(text, None, None).diagnostics if d.fixes]
    assert len(fixes) >= 160 and len({d.range.start.line for d in fixes}) >= 160


def test_line_directives_apply_to_their_own_copy_only():
    entry = "      - !PrunerV2\n        op_names: [l{i}]\n        pattern: '1:4'{tail}\n"
    text = HEAD + "".join(entry.format(i=i, tail="  # prune-lsp: disable=PL041" if i == 7 else "")
                          for i in range(100))
    assert same_as_whole(text)
    assert len([d for d in check_repeated(text, None, None).diagnostics if d.code == "PL041"]) == 99


def test_a_finding_where_copies_differ_falls_back_to_the_whole_check():
    # Keras: INC ignores op_names, reported at the list itself, which each copy writes differently.
    head = HEAD.replace("framework: pytorch", "framework: keras")
    text = flood(100, "      - !PrunerV2\n        op_names: [l{i}]\n        pattern: 4x1\n", head)
    assert any(d.code == "PL063" or "Keras" in d.message for d in check_text(text, by_kind=False).diagnostics)
    assert check_repeated(text, None, None) is None
    assert _json(check_text(text)) == _json(check_text(text, by_kind=False))


@pytest.mark.parametrize("why, text", [
    ("an anchor", flood(100, "      - !PrunerV2\n        op_names: [l{i}]\n        pattern: &p '1:4'\n")),
    ("two documents", "---\n" + flood(100, "      - !PrunerV2\n        op_names: [l{i}]\n") + "---\na: 1\n"),
    ("few pruners", flood(MIN_PRUNERS - 1, "      - !PrunerV2\n        op_names: [l{i}]\n")),
    ("every pruner different", flood(100, "      - !PrunerV2\n        op_names: [l{i}]\n        start_step: {i}\n")),
    ("a syntax error", flood(100, "      - !PrunerV2\n        op_names: [l{i}\n")),
])
def test_texts_it_does_not_take(why, text):
    assert check_repeated(text, None, None) is None, why


def test_check_text_takes_a_large_repeated_config_and_parses_the_whole_text_on_demand():
    text = flood(600, "      - !PrunerV2\n        op_names: [l{i}]\n        prune_freq: 5\n")
    result = check_text(text)
    assert isinstance(result, DeferredResult) and result.is_pruning_config
    assert _json(result) == _json(check_text(text, by_kind=False))
    # what publishing needs, without the whole parse (the server's event loop must not pay for it)
    assert result.text == text and result._full is None
    assert [result.lines.position(o) for o in range(0, len(text), 977)] == \
        [parse_text(text).lines.position(o) for o in range(0, len(text), 977)]
    assert result._full is None
    assert len(result.configs[0].pruners) == 600 and result.parsed.text == text
    assert result.lines is result.parsed.lines  # once parsed, one index


def test_split_reads_each_entry():
    text = flood(70, "      - !PrunerV2\n        op_names: [a{i}, 'b{i}']  # c\n        pattern: 4x1\n")
    split = split_pruners(text)
    assert len(split.keys) == 70 and len(set(split.keys)) == 1
    assert split.extra(5).names == ["a5", "b5"] and split.extra(5).names_line == 1
    assert split.chunk_text(3) == "      - !PrunerV2\n        op_names: [a3, 'b3']  # c\n        pattern: 4x1"


# --- every own config and twin, repeated --------------------------------------------------------

def _sources() -> list[tuple[str, str]]:
    out = []
    for code, twin in TWINS.items():
        for which, t in (("bad", twin.bad), ("good", twin.good)):
            out.append((f"twin {code} {which}", t.replace("«", "").replace("»", "")))
    for p in sorted(OWN_CONFIGS.rglob("*.yaml")):
        out.append((str(p.relative_to(OWN_CONFIGS)), p.read_text(encoding="utf-8")))
    for p in corpus_configs():  # INC's corpus, when it is beside the repository
        out.append((f"corpus {p.name}", p.read_text(encoding="utf-8")))
    return out


SOURCES = _sources()


def test_every_repeatable_config_gets_the_whole_checks_findings():
    taken, compared = 0, 0
    for name, text in SOURCES:
        big = repeat_pruners(text)
        if big is None:
            continue
        compared += 1
        try:
            taken += same_as_whole(big)
        except AssertionError as exc:
            raise AssertionError(f"{name}: the by-kind check differs from the whole check\n{exc}") from None
    assert compared >= 60
    assert taken >= compared * 3 // 4, f"only {taken} of {compared} repeated configs were checked by kind"


def test_mutated_repeated_configs_get_the_whole_checks_findings():
    """Random edits (tests/fuzz's) to repeated configs: one odd pruner among alike ones, a broken line, a
    comment or anchor typed in; whenever the by-kind check takes the text, it equals the whole check."""
    bases = [b for b in (repeat_pruners(t) for _, t in SOURCES[::3]) if b is not None]
    bases.append(flood(100, "      - !PrunerV2\n        op_names: [l{i}]  # {i}\n        prune_freq: 5\n"
                            "        pattern: '1:4'\n"))
    rng = random.Random(20261201)
    taken = 0
    for k in range(int(os.environ.get("PRUNE_LSP_REPEATED_MUTATIONS", "400"))):
        text = _mutate(rng, rng.choice(bases))
        try:
            taken += same_as_whole(text)
        except AssertionError as exc:
            raise AssertionError(f"mutation #{k} differs from the whole check\n{exc}\n--- input ---\n{text}") from None
    assert taken >= 40, f"only {taken} mutated configs were checked by kind"


def test_the_fast_line_searches_find_what_their_regexes_find():
    """repeated_pruners finds the `pruners:` line and document markers by substring searches; the
    regexes say what they mean: random texts built from the lines that matter, compared."""
    import random

    from analysis import repeated_pruners as R

    pieces = ["pruners:", "  pruners:  # c", "pruners: x", "pruning_configs :", "  - pruners:", "---", "...", "%YAML 1.1",
              " ---", "a: ---", "op_names: [pruners]", "# pruners:", "pruning_configs:", "x: 1", "", "  pruners :"]
    rnd = random.Random(3)
    for _ in range(3000):
        text = "\n".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 6)))
        assert [m.span() for m in R._pruners_keys(text)] == [m.span() for m in R._PRUNERS_KEY.finditer(text)], text
        assert R._doc_marker(text) == bool(R._DOC_MARKER.search(text)), text
