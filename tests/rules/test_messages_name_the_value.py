"""Messages say what the value really is and what really fails (found by a black-box probe of the CLI:
a nested list was called `None`, a list used as a key `unknown key None`, and a repeated keyword was
blamed on a TypeError that Python never gets to raise)."""

from __future__ import annotations

import pytest
import yaml

from analysis.engine import check_text
from analysis.python_config import check_python_text

HEAD = ("pruning:\n  approach:\n    weight_compression_v2:\n      pruning_type: magnitude\n      end_step: 4\n"
        "      pruners:\n")


def by_code(diags, code):
    return [d for d in diags if d.code == code]


def test_a_nested_list_in_op_names_is_called_a_list():
    (d,) = by_code(check_text(HEAD + "        - !PrunerV2\n            op_names: [[a], b]\n").diagnostics, "PL013")
    assert d.message.endswith("this one is a list") and d.range.start.line == 7, d.message


def test_a_list_used_as_a_key_is_what_pyyaml_refuses():
    text = HEAD + "        - !PrunerV2 {? [a] : b}\n"
    with pytest.raises(yaml.constructor.ConstructorError, match="unhashable key"):
        yaml.safe_load(text.replace("!PrunerV2 ", ""))  # what INC's loader does with it
    (d,) = by_code(check_text(text).diagnostics, "PL031")
    assert "a list used as a key" in d.message and "unhashable key" in d.message and "None" not in d.message


def test_a_keyword_given_twice_is_pythons_syntax_error_not_a_last_value_wins():
    src = ("from neural_compressor.training import WeightPruningConfig\n"
           "c = WeightPruningConfig(pattern='2:4', pattern='4x1')\n")
    with pytest.raises(SyntaxError, match="keyword argument repeated"):
        compile(src, "t.py", "exec")
    diags = check_python_text(src, "t.py").diagnostics
    (d,) = by_code(diags, "PL084")
    assert "SyntaxError: keyword argument repeated: pattern" in d.message
    assert by_code(diags, "PL059") == []  # "only the last value counts" is not what happens
    # a dict literal's repeated key does keep the last value
    dict_src = src.replace("pattern='2:4', pattern='4x1'", "[{'pattern': '2:4', 'pattern': '4x1'}]")
    assert [d.code for d in check_python_text(dict_src, "t.py").diagnostics if d.code in ("PL059", "PL084")] == ["PL059"]


def test_an_overflowing_e_notation_gets_no_inf_to_write():
    text = HEAD.replace("      pruners:\n", "      target_sparsity: 1e400\n      pruners: []\n")
    (d,) = by_code(check_text(text).diagnostics, "PL013")
    assert "inf" not in d.message and d.fixes == [], (d.message, d.fixes)
    (d,) = by_code(check_text(text.replace("1e400", "5e-1")).diagnostics, "PL013")  # the usual case keeps its fix
    assert d.fixes and d.fixes[0].title == "write `0.5`"


def test_a_huge_step_count_is_written_as_an_integer():
    text = HEAD.replace("      pruners:\n", "      target_sparsity: 0.5\n      pruning_frequency: "
                        "99999999999999999999999999999\n      pruners: []\n")
    (d,) = by_code(check_text(text).diagnostics, "PL091")
    assert "pruning_frequency 99999999999999999999999999999 is larger" in d.message, d.message
