import time

from analysis.yaml_parse import MAX_DEPTH, parse_text
from analysis.yaml_tree import Mapping, Scalar, Sequence, walk


def root(text):
    p = parse_text(text)
    assert not p.problems, p.problems
    return p, p.documents[0].root


def test_values_are_read_as_pyyaml_11_reads_them():
    _, r = root("a: 2:4\nb: 9e-1\nc: 0.9\nd: yes\ne: off\nf: '2:4'\ng:\nh: None\n")
    v = {p.name: p.value for p in r.pairs}
    assert v["a"].value == 124 and v["a"].raw == "2:4" and v["a"].style is None
    assert v["b"].value == "9e-1"
    assert v["c"].value == 0.9
    assert v["d"].value is True and v["e"].value is False
    assert v["f"].value == "2:4" and v["f"].style == "'"
    assert v["g"].is_null
    assert v["h"].value == "None"


def test_every_key_and_value_has_its_source_range():
    p, r = root("# é😀\nouter:\n  inner: [1, {x: 'y'}]\n")
    inner = r.get("outer").get_pair("inner")
    assert p.range(inner.key).start.line == 2 and p.range(inner.key).start.character == 2
    seq = inner.value
    assert isinstance(seq, Sequence) and seq.flow
    x = seq.items[1].get_pair("x")
    rng = p.range(x.value)
    assert (rng.start.line, rng.start.character, rng.end.character) == (2, 17, 20)


def test_anchors_aliases_and_merge_keys():
    text = "base: &b {pattern: '4x1', target_sparsity: 0.5}\nuse:\n  <<: *b\n  target_sparsity: 0.7\nref: *b\n"
    p, r = root(text)
    use = r.get("use")
    assert isinstance(use, Mapping)
    assert use.get("target_sparsity").value == 0.7  # explicit key wins over the merge
    merged = use.get_pair("pattern")
    assert merged.merged and merged.value is r.get("base").get("pattern")  # positions of the anchor
    assert r.get("ref") is r.get("base")  # aliases shared, not copied


def test_multi_document_files():
    p = parse_text("a: 1\n---\nb: 2\n...\n---\nc: 3\n")
    assert [d.root.keys() for d in p.documents] == [["a"], ["b"], ["c"]]


def test_syntax_error_reported_once_and_rest_still_read():
    text = ("pruning:\n  approach:\n    weight_compression_v2:\n      target_spa\n"
            "      pattern: '2:4'\n      end_step: 10\n")
    p = parse_text(text)
    assert len(p.problems) == 1 and p.problems[0].kind == "syntax"
    g = p.documents[0].root.get("pruning").get("approach").get("weight_compression_v2")
    assert g.keys() == ["pattern", "end_step"]
    assert 3 in p.blanked_lines


def test_unclosed_flow_sequence_recovers_later_keys():
    p = parse_text("a: 1\nb: [x\nc: 2\ne: 4\n")
    assert len(p.problems) == 1
    assert p.documents and "e" in p.documents[0].root.keys()


def _bomb(levels: int, width: int = 9) -> list[str]:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return lines


def test_alias_bomb_is_refused_cheaply():
    t0 = time.process_time()
    p = parse_text("\n".join(_bomb(11)) + "\n")  # 9**11 scalars written out
    assert time.process_time() - t0 < 10.0  # CPU time: an expansion would never end; load cannot fail this
    assert [x.kind for x in p.problems] == ["alias-bomb"] and p.documents == []


def test_shared_anchors_below_the_expansion_limit_are_read():
    p = parse_text("\n".join(_bomb(4)) + "\nd: &d {x: 1}\ne: {<<: *d, y: 2}\n")  # 9**4 = 6,561 written out
    assert p.problems == [] and p.documents[0].root.get("a3").items[0] is p.documents[0].root.get("a2")


def test_expansion_is_measured_written_out_and_recursion_is_a_bomb():
    from analysis.yaml_tree import expands_beyond

    root = parse_text("\n".join(_bomb(4, width=10)) + "\n").documents[0].root
    # a0..a3 written out: 11 + 111 + 1,111 + 11,111 nodes; with the root mapping and its 4 keys, 12,349
    assert not expands_beyond(root, 12_349)
    assert expands_beyond(root, 12_348)  # the count is exact, not an estimate
    assert [x.kind for x in parse_text("a: &a [1, *a]\n").problems] == ["alias-bomb"]


def test_deep_nesting_is_refused_not_crashed():
    for text in ("[" * 10000 + "]" * 10000, "".join(" " * i + f"k{i}:\n" for i in range(0, 1000))):
        p = parse_text(text)
        assert p.problems and p.problems[0].kind == "too-deep"
        assert str(MAX_DEPTH) in p.problems[0].message


def test_control_characters_are_a_syntax_problem():
    p = parse_text("a: 1\nb: \x07\n")
    assert p.problems and p.problems[0].range.start.line == 1
