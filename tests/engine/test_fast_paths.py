"""The big-config fast paths read a text exactly as the general ones do: a tree built without the alias
memo (a text with no anchors), plain-scalar tags from the resolver's cache, the deep-line scan skipped
for texts without a long line, and the collector's catch-up skipped after a check."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import yaml

from analysis.gc_pause import gc_paused
from analysis.yaml_parse import MAX_DEPTH, _DEEP_LINE, _Loader, _has_long_line, _max_depth, parse_text
from analysis.yaml_tree import Mapping, Pair, Scalar, Sequence, TreeTooLarge, build_tree

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

TEXTS = [
    "a: 2:4\nb: 9e-1\nc: 0.9\nd: yes\ne: off\nf: '2:4'\ng:\nh: None\ni: 0x1F\nj: 1_000\nk: .inf\nl: ~\n",
    "m: !!str 12\nn: !PrunerV2 {pattern: 1x1}\no: [1, 'two', \"3\", {x: [y, z]}, [], {}]\np: |\n  block\n",
    "q:\n  <<: {pattern: '4x1', target_sparsity: 0.5}\n  target_sparsity: 0.7\nr: 2001-12-14\ns: !!binary aGk=\n",
    "? [complex, key]\n: value\n? {a: b}\n: other\nplain key: 1\n",
    "- !PrunerV2\n  op_names: ['layer.0']\n  pattern: \"2:4\"\n- {a: 1}\n- 3\n",
    "é: 😀\n中: [é, 😀]\n",
] + [p.read_text(encoding="utf-8") for p in sorted(CONFIGS.rglob("*.yaml"))]


def _shape(node, seen=None):
    """Every field of our tree, recursively, as plain values."""
    if isinstance(node, Scalar):
        return ("S", node.start, node.end, node.tag, type(node.value), repr(node.value), node.raw, node.style)
    if isinstance(node, Sequence):
        return ("Q", node.start, node.end, node.tag, node.flow, [_shape(i) for i in node.items])
    assert isinstance(node, Mapping)
    return ("M", node.start, node.end, node.tag, node.flow,
            [(_shape(p.key), _shape(p.value), p.merged, repr(p.name)) for p in node.pairs])


def _composed(text):
    loader = yaml.CSafeLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


@pytest.mark.parametrize("text", [t for t in TEXTS if "&" not in t])
def test_a_tree_built_without_the_alias_memo_is_the_same_tree(text):
    node = _composed(text)
    if node is None:
        return
    assert _shape(build_tree(node, shared=False)) == _shape(build_tree(node, shared=True))


def test_both_builders_count_nodes_alike():
    text = "a: [" + ", ".join(str(i) for i in range(300)) + "]\n<<: {b: 1}\n"
    node = _composed(text)
    # root, key a, the list, 300 items, the merged mapping, its key and value (the `<<` key is not built)
    for shared in (True, False):
        build_tree(node, 306, shared)
        with pytest.raises(TreeTooLarge):
            build_tree(node, 305, shared)


def test_plain_scalars_get_the_safe_loaders_tags():
    words = ["1", "1.5", "1e3", "1.0e+3", "yes", "No", "~", "null", "", "2:4", "0x1F", "0o7", "1_000", ".inf",
             "-.NaN", "2001-12-14", "<<", "=", "text", "True", "+1", "0b101", "1:30:00", "y"]
    ours, theirs = _Loader(""), yaml.CSafeLoader("")
    try:
        for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
            for w in words:
                for implicit in ((True, False), (False, True), (False, False)):
                    for _ in range(2):  # the second time from the cache
                        assert ours.resolve(kind, w if kind is yaml.ScalarNode else None, implicit) == \
                            theirs.resolve(kind, w if kind is yaml.ScalarNode else None, implicit), (kind, w)
    finally:
        ours.dispose()
        theirs.dispose()


def test_the_deep_line_scan_is_skipped_only_where_it_cannot_match():
    lead = " " * (2 * MAX_DEPTH + 2)
    texts = ["a: 1\n" + lead + "b: 2\n", lead + "x\n", "a:\n" + "- " * (MAX_DEPTH + 1) + "x\n",
             "a: 1\r" + lead + "b\r", "q: 1\n" + "\t" * (2 * MAX_DEPTH + 2) + "z\n", "a: 1\n" + lead,
             "a: 1\n", "a: " + "x" * 5000 + "\n", "", "a:\n  b:\n    c: 1\n", " " * (2 * MAX_DEPTH + 1)]
    for text in texts:
        if _DEEP_LINE.search(text) is not None:
            assert _has_long_line(text), repr(text[:20])
    assert sum(_max_depth(t)[0] > MAX_DEPTH for t in texts) == 5


def test_a_text_without_anchors_parses_the_same_as_one_with():
    text = (CONFIGS / "dialects" / "b_v2.yaml").read_text(encoding="utf-8")
    plain = parse_text("# x is not an anchor\n" + text)
    # a comment holding '&' takes the general path: the same documents either way
    with_memo = parse_text("# & is not an anchor\n" + text)
    assert [_shape(d.root) for d in plain.documents] == [_shape(d.root) for d in with_memo.documents]


def test_objects_a_check_leaves_alive_go_to_the_oldest_generation():
    gc.collect()
    assert gc.isenabled()
    with gc_paused():
        kept = [[i] for i in range(50_000)]
    # Moved there when the pause ended: the next young collection does not walk them (without the move,
    # the first collection after the pause walked them all and left them in the middle generation).
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(kept[0]) in oldest and id(kept[-1]) in oldest


def test_objects_frozen_on_purpose_stay_frozen():
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            _ = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_directives_read_from_their_lines_alone_are_those_of_every_comment():
    from analysis.comments import parse_directives, scan_comments
    from analysis.positions import LineIndex

    texts = [
        "# prune-lsp: model=m.pt\na: 1  # prune-lsp: disable=pl031, PL013\nb: 2 # plain comment\n",
        "a: 'x # prune-lsp: disable=PL001'\nb: 1 # prune-lsp: disable-file=all\r\nc: 2\r# prune-lsp: disable=PL002\n",
        "# prune-lsp: model=a\n# prune-lsp: model=b\nx: \"# not a comment\" # prune-lsp:disable=PL003 # prune-lsp: x\n",
        "k: v\n" * 50 + "# a comment\n" * 50 + "z: 1 # prune-lsp: disable=PL004\n",
        "no directives # here\n",
    ] + [p.read_text(encoding="utf-8") for p in sorted(CONFIGS.rglob("*.yaml"))]
    for text in texts:
        lines = LineIndex(text)
        assert parse_directives(lines) == parse_directives(lines, scan_comments(lines)), text[:40]


def test_a_list_of_scalars_converts_as_through_the_memo():
    from analysis.yaml_tree import to_python

    root = parse_text("a: [x, 1, 2.5, ~, yes, '~']\nb: [x, [y]]\n").documents[0].root
    for nulls in (False, True):
        assert to_python(root.get("a"), null_as_empty_dict=nulls) == \
            ["x", 1, 2.5, {} if nulls else None, True, "~"]
        assert to_python(root, null_as_empty_dict=nulls)["a"] == to_python(root.get("a"), null_as_empty_dict=nulls)
    assert to_python(root.get("b")) == ["x", ["y"]]
    with pytest.raises(TreeTooLarge):
        to_python(root.get("a"), budget=6)  # the list and its six items


def test_a_range_is_its_two_positions():
    from analysis.positions import LineIndex, Range

    text = "ab\ncd\r\nef\rgh\n\né😀\n"
    lines = LineIndex(text)
    for a in range(-2, len(text) + 3):
        for b in range(-2, len(text) + 3):
            assert lines.range(a, b) == Range(lines.position(a), lines.position(b)), (a, b)
