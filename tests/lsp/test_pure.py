"""The pure helpers behind the server: model resolution, suppression and fixAll edits, completion context."""

from __future__ import annotations

import os

from analysis.completion import complete
from analysis.engine import check_text
from analysis.fixes import apply_edits, fix_all_edits, suppression_edit
from analysis.model_ref import glob_match, resolve_model
from analysis.positions import LineIndex, Position


def test_model_precedence(tmp_path):
    cfg = str(tmp_path / "configs" / "prune.yaml")
    ws = str(tmp_path)
    models = {"configs/*.yaml": "models/a", "**/*.yaml": "models/b"}
    assert resolve_model(cfg, cli_model="/m/cli", modeline="m.pt", models=models, workspace_folder=ws).source == "cli"
    r = resolve_model(cfg, modeline="../m.pt", models=models, workspace_folder=ws)
    assert (r.source, r.path) == ("modeline", os.path.join(ws, "m.pt"))
    r = resolve_model(cfg, models=models, workspace_folder=ws)
    assert (r.source, r.path, r.pattern) == ("settings", os.path.join(ws, "models", "a"), "configs/*.yaml")
    assert resolve_model(cfg, models={"other/*.yaml": "x"}, workspace_folder=ws) is None
    assert resolve_model(cfg, modeline="pkg.mod:build").path == "pkg.mod:build"  # a factory, kept as written


def test_glob_semantics():
    assert glob_match("**/*.yaml", "/w/a/b/c.yaml", "/w")
    assert glob_match("*.yaml", "/w/c.yaml", "/w") and not glob_match("*.yaml", "/w/a/c.yaml", "/w")
    assert glob_match("configs/{bert,gpt}-*.y?ml", "/w/configs/gpt-2.yaml", "/w")
    assert not glob_match("configs/*.yaml", "/elsewhere/configs/x.yaml", "/w")


def test_suppression_edit_appends_or_extends():
    li = LineIndex("a: 1   \nb: 2  # prune-lsp: disable=PL001\nc: 3  # note\n")
    assert apply_edits(li.text, [suppression_edit(li, 0, "PL010")]).splitlines()[0] == "a: 1  # prune-lsp: disable=PL010"
    assert apply_edits(li.text, [suppression_edit(li, 1, "PL010")]).splitlines()[1] == \
        "b: 2  # prune-lsp: disable=PL001,PL010"
    assert apply_edits(li.text, [suppression_edit(li, 2, "PL010")]).splitlines()[2] == \
        "c: 3  # note  # prune-lsp: disable=PL010"


def test_suppression_really_silences():
    text = "pruning:\n  approach:\n    weight_compression_v2:\n      pattern: 2:4\n      pruners: []\n"
    r = check_text(text)
    d = next(d for d in r.diagnostics if d.code == "PL014")
    fixed = apply_edits(text, [suppression_edit(r.parsed.lines, d.range.start.line, "PL014")])
    assert "PL014" not in {x.code for x in check_text(fixed).diagnostics}


def test_fix_all_clears_the_safe_fixes():
    text = ("pruning:\n  approach:\n    weight_compression_v2:\n      pattern: 2:4\n      pruners:\n"
            "        - !PrunerV2\n          pruning_type: magnitud\n")
    r = check_text(text)
    edits = fix_all_edits(r.diagnostics)
    assert len(edits) == 2
    after = apply_edits(text, edits)
    assert not {"PL014", "PL017"} & {d.code for d in check_text(after).diagnostics}


def test_completion_in_a_broken_flow_list_offers_layers():
    class L:
        def __init__(self, name):
            self.name, self.class_name, self.shape, self.dtype, self.class_inferred = name, "Linear", (4, 4), "float32", False
    text = ("pruning:\n  approach:\n    weight_compression_v2:\n      pruners:\n        - !PrunerV2\n"
            "          op_names: [\"bert.enc\n")
    items = complete(text, Position(5, 29), result=check_text(text), layers=[L("bert.encoder.q"), L("head")])
    assert [i.label for i in items] == ["bert.encoder.q"]
    assert items[0].insert_text == "bert\\\\.encoder\\\\.q"  # double quotes: the backslash itself escaped


def test_big_layer_lists_are_cut_and_marked_incomplete():
    """1,500 layers: an empty entry offers MAX_LAYER_ITEMS items (prefixes first) and the LSP list
    says isIncomplete, so the client asks again as the user types; a narrower prefix is complete.
    A second request reuses the memoised texts and gives the same items."""
    from analysis import completion as C
    from analysis.models.types import LayerInfo
    from lsp_server.convert import Converter
    from lsp_server.features.completion import _items
    from pygls.workspace import PositionCodec

    layers = [LayerInfo(f"enc.layer.{i}.{p}", "Linear", True, f"enc.layer.{i}.{p}.weight", (4, 4), "float32", 16,
                        (f"enc.layer.{i}.{p}.weight",)) for i in range(500) for p in ("q", "k", "v")]
    text = ("pruning:\n  approach:\n    weight_compression_v2:\n      pruners:\n        - !PrunerV2\n"
            "          op_names: ['")
    lines = LineIndex(text)
    conv = Converter(PositionCodec(), lines)
    at_end = Position(5, len("          op_names: ['"))
    cands = complete(text, at_end, result=check_text(text), layers=layers)
    assert len(cands) == C.MAX_LAYER_ITEMS and cands[0].label == "enc.layer.*"
    assert cands[0].detail.startswith("1500 layers, ")
    assert cands[1].label == "enc.layer.0.q" and cands[1].detail == "Linear (inferred) 4x4 float32, 16 weights"
    assert cands[1].insert_text == "enc\\.layer\\.0\\.q"
    assert _items(cands, conv).is_incomplete
    again = complete(text, at_end, result=check_text(text), layers=layers)
    assert [(c.label, c.insert_text, c.detail) for c in again] == [(c.label, c.insert_text, c.detail) for c in cands]
    narrow = text + "enc.layer.49"
    cands = complete(narrow, Position(5, len("          op_names: ['enc.layer.49")), result=check_text(narrow), layers=layers)
    assert {c.label for c in cands} == {f"enc.layer.{i}.{p}" for i in [49, *range(490, 500)] for p in "qkv"}
    assert not _items(cands, Converter(PositionCodec(), LineIndex(narrow))).is_incomplete


def test_server_imports_no_framework():
    import subprocess
    import sys

    code = ("import sys, lsp_server.server as s; s.create_server(); import analysis.engine, analysis.completion, "
            "analysis.hover, analysis.fixes, analysis.symbols; "
            "bad = [m for m in ('torch', 'tensorflow', 'h5py', 'keras') if m in sys.modules]; print(bad); "
            "sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_disabled_rules_take_codes_and_names_and_report_unknown_ones():
    """The disabledRules setting reads rule selectors as `check --disable` does."""
    from lsp_server.features.settings import Settings

    s, bad = Settings().merged({"disabledRules": ["pl014", "Unknown-Key", "unknown-kye", "PL999", " "]})
    assert s.disabled_rules == {"PL014", "PL031"}
    assert len(bad) == 2
    assert "unknown rule `unknown-kye`: did you mean `unknown-key`?" in bad[0]
    assert "unknown rule `PL999`" in bad[1]


def test_rule_selectors_work_before_any_check_imported_the_rules():
    """In the server, the settings pull can come before the first check: the selectors must not
    depend on which rule modules happen to be imported already."""
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("from analysis.rules.selectors import resolve\n"
            "print(sorted(resolve(['PL014', 'unknown-key'])))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['PL014', 'PL031']"
