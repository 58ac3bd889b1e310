"""The pure helpers behind the selection lenses, per-entry hover and Python completion."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.engine import check_text
from analysis.hover import hover
from analysis.layer_hints import ambiguous_names, common_prefixes, count_text, pruner_lens_title
from analysis.models.types import LayerIndex, LayerInfo
from analysis.positions import LineIndex
from analysis.python_completion import complete_python
from analysis.python_config import check_python_text
from analysis.selection import select_layers


def _linear(name: str, rows: int = 8, cols: int = 8, cls: str = "Linear") -> LayerInfo:
    return LayerInfo(name, cls, False, f"{name}.weight", (rows, cols), "float32", rows * cols,
                     (f"{name}.weight", f"{name}.bias"))


def _index(framework: str = "pytorch") -> LayerIndex:
    layers = [_linear(f"enc.layer.{i}.{p}") for i in range(4) for p in ("q", "k", "v", "out")]
    layers += [_linear("pre_classifier"), LayerInfo("dropout", "Dropout", False, None, (), "", 0),
               _linear("classifier", 2, 8)]
    return LayerIndex("/m/model.pt", framework, layers, "torch-zip", True, complete=True)


YAML = """\
pruning:
  approach:
    weight_compression_v2:
      pruners:
        - !PrunerV2
          op_names: ['enc\\.layer\\.[01]\\.', 'classifier']
          excluded_op_names: ['\\.v$']
"""


def test_count_text():
    assert [count_text(n) for n in (0, 999, 36_864, 21_233_664, 7_000_000_000)] == ["0", "999", "36.9K", "21.2M", "7.0B"]


def test_lens_agrees_with_inc_selection():
    index = _index()
    r = check_text(YAML)
    ep = r.configs[0].pruners[0]
    sel = select_layers(ep.as_dict(), index)
    assert pruner_lens_title(ep, index) == f"selects {len(sel.selected)} layers, {len(sel.selected) * 64} weights"
    assert len(sel.selected) == 6  # layers 0 and 1, less their `v`; the head rule takes both classifiers


def test_entry_hover_counts_and_keras():
    index = _index()
    r = check_text(YAML)
    lines = r.parsed.lines
    at = lines.position(YAML.index("enc\\.layer") + 2)
    md = hover(r, at, index).markdown
    assert "selects **6 layers** of model.pt, 384 weights" in md and "2 more layers match" in md
    md = hover(r, lines.position(YAML.index("'classifier'") + 3), index).markdown
    assert "selects **0 layers**" in md and "`pre_classifier`, `classifier`" in md
    md = hover(r, lines.position(YAML.index("\\.v$") + 1), index).markdown
    assert "excludes **2 layers**" in md and "`enc.layer.0.v`" in md
    assert "no model loaded" in hover(r, at, None).markdown
    keras = LayerIndex("/m/m.keras", "keras", [_linear("d1", cls="Dense"), _linear("d2", cls="Dense")], "keras-zip",
                       True, complete=True)
    assert "ignores `op_names` for Keras" in hover(r, at, keras).markdown


def test_ambiguous_names_and_prefixes():
    index = _index()
    assert ambiguous_names(index.layers) == frozenset({"classifier"})  # inside `pre_classifier`
    (p,) = common_prefixes(index.layers)
    assert (p.label, p.regex, p.layers, p.weights) == ("enc.layer.*", "enc\\.layer\\.", 16, 16 * 64)


def _complete(src: str, layers=None) -> dict[str, str]:
    off = src.index("|")
    text = src.replace("|", "", 1)
    li = LineIndex(text)
    return {c.label: c.insert_text for c in complete_python(text, li.position(off), layers=layers, lines=li)}


def test_python_context_survives_comments_strings_and_brackets():
    head = "from neural_compressor import WeightPruningConfig\n"
    got = _complete(head + "c = WeightPruningConfig(  # not a ( bracket\n    pattern='(x', |\n)")
    assert "pattern" not in got and got["target_sparsity"] == "target_sparsity="
    got = _complete(head + "c = WeightPruningConfig([{'pruning_type': 'snip', '|'}])")
    assert got["target_sparsity"] == "target_sparsity" and "pruning_type" not in got
    assert _complete(head + "x = dict(|)") == {}  # not a config call
    assert _complete("x = WeightPruningConfig(|)".replace("WeightPruningConfig", "WeightPruningConfg")) == {}
    got = _complete(head + "c = WeightPruningConfig(op_names=['enc.layer.1|'])", _index().layers)
    assert got["enc.layer.1.q"] == "enc\\\\.layer\\\\.1\\\\.q"  # a plain string: the backslash doubled
    got = _complete(head + "c = WeightPruningConfig(op_names=[|])", _index().layers)
    assert got["classifier"] == 'r"^classifier$"'


def test_python_unknown_values_are_not_guessed():
    src = ("from neural_compressor import WeightPruningConfig\nimport os\n"
           "c = WeightPruningConfig(op_names=os.environ['OPS'].split(','))\n")
    r = check_python_text(src)
    assert pruner_lens_title(r.configs[0].pruners[0], _index()) == "selection not known statically"


_SEGMENT = st.text(alphabet="ab1_", min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_SEGMENT, min_size=1, max_size=4).map(".".join), min_size=1, max_size=25, unique=True))
def test_ambiguous_names_equal_the_substring_definition(names):
    """The fast search finds exactly the names that occur inside another weighted name, wherever
    they occur (start, middle, end, across dots): the definition, checked pairwise."""
    layers = [_linear(n) for n in names] + [LayerInfo("noweight.ab", "Dropout", False, None, (), "", 0)]
    want = frozenset(n for n in names if any(n in m for m in names if m != n))
    assert ambiguous_names(layers) == want


def test_ambiguous_names_on_a_big_model_include_index_prefixes():
    layers = [_linear(f"model.layers.{i}.{p}") for i in range(2500) for p in ("q", "qk", "o")]
    amb = ambiguous_names(layers)
    assert "model.layers.1.q" in amb  # inside model.layers.1.qk, and starts model.layers.10.q
    assert "model.layers.2499.qk" not in amb and "model.layers.2499.o" not in amb
