"""A global value that breaks many pruners: one finding at the global key naming every pruner that
inherits it, in order, each once (the message is written once per check, not once per pruner)."""

from __future__ import annotations

from analysis.engine import check_text

HEAD = ("pruning:\n  approach:\n    weight_compression_v2:\n      start_step: -1\n      end_step: 10\n"
        "      pruning_type: magnitude\n      pruners:\n")


def _pruner(i: int, own_start: bool = False) -> str:
    return f"        - !PrunerV2\n          op_names: ['l{i}']\n" + ("          start_step: 2\n" if own_start else "")


def test_every_inheriting_pruner_is_named_once_in_order():
    text = HEAD + "".join(_pruner(i, own_start=(i % 3 == 1)) for i in range(7))
    found = [d for d in check_text(text).diagnostics if d.code == "PL001"]
    assert len(found) == 1
    d = found[0]
    assert d.range.start.line == 3
    names = [f"pruner {i + 1} (l{i})" for i in range(7) if i % 3 != 1]
    assert d.message == "`start_step` is -1; it must be >= 0; inherited from the global section by " + ", ".join(names)


def test_thousands_of_inheritors_are_all_named():
    n = 3000
    found = [d for d in check_text(HEAD + "".join(_pruner(i) for i in range(n))).diagnostics if d.code == "PL001"]
    assert len(found) == 1
    listed = found[0].message.split(" by ", 1)[1].split(", ")
    assert listed == [f"pruner {i + 1} (l{i})" for i in range(n)]
