"""`prune-lsp check --fix` / `--diff` through the real command line (prune_lsp.main), and the comments
round trip of fixes and migrate: a file with a comment in every position keeps them all."""

from __future__ import annotations

import json
import re
from pathlib import Path

from analysis.comments import line_comment
from prune_lsp.main import main

COMMENTED = """\
# top comment
model:   # model section
  name: toy  # name
  framework: pytorch

# before pruning
pruning:
  approach:
    weight_compression_v2:   # container
      # before target
      target_sparsity: 0.5   # half
      end_step: 10
      pattern: 2:4  # unquoted trap

      pruning_scope: "lokal"   # misspelt value
      pruners:   # the list
        # before the first entry
        - op_names: ['layer1.*']   # first, untagged
          pruning_type: 'magnitude'
          reg_coeff: 0.1  # coeff comment
          # whole-line inside the entry
          parameters:   # params
            alpha: 1  # not read
        - {op_names: ['layer2.*'], pruning_type: magnitude}  # flow entry
# trailing comment
"""


def fixed_bytes(f: Path, raw: bytes) -> bytes:
    """`raw` written to `f`, `check --fix`ed, read back as bytes."""
    f.write_bytes(raw)
    main(["check", "--fix", str(f)])
    return f.read_bytes()


def comments(text: str) -> list[str]:
    out = []
    for ln in text.splitlines():
        col = line_comment(ln)
        if col is not None:
            out.append(ln[col:].strip())
    return out


def test_fix_keeps_every_comment_and_is_idempotent(tmp_path, capsys):
    f = tmp_path / "c.yaml"
    f.write_text(COMMENTED)
    assert main(["check", "--fix", str(f)]) == 0  # every error fixed: exit status from what remains
    fixed = f.read_text()
    err = capsys.readouterr().err
    # each fix reported at its line in the file as it was (the reg_coeff move comes in a later pass)
    for line, code in ((13, "PL014"), (15, "PL006"), (18, "PL053"), (20, "PL044"), (24, "PL053")):
        assert f"{f}:{line}: fixed {code}:" in err, err
    assert sorted(comments(fixed)) == sorted(comments(COMMENTED))
    assert 'pattern: "2:4"  # unquoted trap' in fixed and "pruning_scope: local   # misspelt value" in fixed
    assert "- !PrunerV2 {op_names: ['layer2.*'], pruning_type: magnitude}  # flow entry" in fixed
    assert re.search(r"parameters:   # params\n\s+alpha: 1  # not read\n\s+reg_coeff: 0.1  # coeff comment", fixed)
    # untouched lines stay byte for byte (blank lines, quoting, indentation)
    for ln in ("model:   # model section", "", "      end_step: 10", "          pruning_type: 'magnitude'"):
        assert ln in fixed.splitlines()
    assert main(["check", "--fix", str(f)]) == 0
    assert f.read_text() == fixed  # a second run changes nothing
    capsys.readouterr()
    assert main(["check", "--diff", str(f)]) == 0
    assert capsys.readouterr().out == ""


def test_diff_writes_nothing_and_exit_status_is_what_remains(tmp_path, capsys):
    f = tmp_path / "c.yaml"
    text = COMMENTED.replace("end_step: 10", "end_step: -5")  # not fixable: stays an error
    f.write_text(text)
    assert main(["check", "--diff", str(f)]) == 1
    out = capsys.readouterr()
    assert f.read_text() == text
    assert out.out.startswith(f"--- {f}\n+++ {f}\n@@")
    assert '+      pattern: "2:4"  # unquoted trap' in out.out and "-      pattern: 2:4  # unquoted trap" in out.out
    assert "would fix PL014" in out.err and "end_step" in out.err
    assert "1 file(s) checked; 5 fix(es) to apply in 1 file(s), remaining: 1 error(s)" in out.err


def test_fix_json_and_python(tmp_path, capsys):
    j = tmp_path / "c.json"
    j.write_text(json.dumps({"pruning_configs": [{"op_names": ["layer1.*"], "pruning_scope": "lokal"}],
                             "target_sparsity": 0.5, "pruning_type": "magnitude", "end_step": 10}, indent=4) + "\n")
    main(["check", "--fix", str(j)])
    assert json.loads(j.read_text())["pruning_configs"][0]["pruning_scope"] == "local"
    assert j.read_text().startswith('{\n    "pruning_configs"')  # indentation kept
    p = tmp_path / "c.py"
    src = ("from neural_compressor.config import WeightPruningConfig\n\n"
           "config = WeightPruningConfig(  # keep me\n"
           "    [{'op_names': ['layer1.*']}],\n"
           "    pruning_type='magnitude', pruning_scope='lokal', end_step=10,  # and me\n"
           "    pattern='1X1')\n")
    p.write_text(src)
    main(["check", "--fix", str(p)])
    fixed = p.read_text()
    assert "pruning_scope='local'" in fixed and "# keep me" in fixed and "# and me" in fixed
    assert "pattern='1x1'" in fixed  # the YAML fix writes "1x1": the file's own quotes are kept
    # idempotent for both
    before = (j.read_text(), p.read_text())
    main(["check", "--fix", str(j), str(p)])
    assert (j.read_text(), p.read_text()) == before
    capsys.readouterr()


def test_structural_fixes_keep_comments(tmp_path):
    """reg_coeff into a one-line `parameters: {...}` (its comment joins that line's), and a `pruners:`
    mapping made a list of one tagged pruner, comments inside and after it kept."""
    f = tmp_path / "m.yaml"
    text = """\
pruning:
  approach:
    weight_compression_v2:
      end_step: 10
      pruning_type: magnitude
      reg_coeff: 0.2   # global coeff
      parameters: {alpha: 1}   # flow params
      pruners:    # a mapping, not a list
        # the only pruner
        op_names: ['layer1.*']  # sel
        target_sparsity: 0.5
        # trailing inside
      # after pruners
"""
    f.write_text(text)
    assert main(["check", "--fix", str(f)]) == 0
    fixed = f.read_text()
    assert [c for c in comments(text) if c not in fixed] == []
    assert re.search(r"parameters: \{alpha: 1, reg_coeff: 0.2\} +# flow params  # global coeff", fixed)
    assert re.search(r"pruners:    # a mapping, not a list\n        # the only pruner\n        - !PrunerV2\n"
                     r"          op_names: \['layer1.\*'\] +# sel\n          target_sparsity: 0.5\n", fixed)
    assert main(["check", str(f)]) == 0


def test_migrate_keeps_comments(tmp_path, capsys):
    src = tmp_path / "c.yaml"
    src.write_text("""\
# top
model: {name: m, framework: pytorch}  # model
pruning:
  approach:
    weight_compression_pytorch:   # container
      target_sparsity: 0.5   # half
      end_step: 10  # steps
      pruners:
        # first pruner
        - !Pruner
            prune_type: magnitude  # type
            names: ['layer1.*']    # which
            prune_domain: local    # scope
# end
""")
    out = tmp_path / "v2.yaml"
    assert main(["migrate", str(src), "--to", "v2", "-o", str(out)]) == 0
    text = out.read_text()
    for c in ("# top", "# model", "# container", "# half", "# steps", "# first pruner", "# type", "# which",
              "# scope", "# end"):
        assert c in text, c
    assert "weight_compression_v2:" in text and "!PrunerV2" in text and re.search(r"pruning_type: magnitude +# type", text)
    assert re.search(r"op_names: \['layer1.\*'\] +# which", text) and re.search(r"pruning_scope: local +# scope", text)
    assert main(["check", str(out)]) == 0
    assert main(["migrate", str(src), "--to", "python"]) == 0
    py = capsys.readouterr().out
    assert "WeightPruningConfig(" in py and "'magnitude',  # type" in py and "target_sparsity=0.5,  # half" in py
    assert main(["migrate", str(src), "--to", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pruning_configs"][0]["op_names"] == ["layer1.*"] and data["target_sparsity"] == 0.5


def test_a_rename_onto_a_key_already_there_is_not_applied(tmp_path, capsys):
    """`patern` has one close match, `pattern`, but the entry has a `pattern` already: renaming would
    make PyYAML keep one of the two values, so --fix leaves it (and fixes the rest)."""
    f = tmp_path / "d.yaml"
    text = ("pruning:\n  approach:\n    weight_compression_v2:\n      end_step: 10\n      pruners:\n"
            "        - !PrunerV2\n          pruning_type: magnitude\n          pattern: 4x1\n"
            "          patern: \"2:4\"\n          pruning_scope: lokal\n")
    f.write_text(text)
    assert main(["check", "--fix", str(f)]) == 1
    fixed = f.read_text()
    assert 'patern: "2:4"' in fixed and "pruning_scope: local" in fixed
    assert "PL031" in capsys.readouterr().out


def test_global_only_key_of_the_only_pruner_moves_to_the_global_section(tmp_path):
    one = ("pruning:\n  approach:\n    weight_compression_v2:\n      end_step: 10   # end\n      pruners:\n"
           "        - !PrunerV2\n          pruning_type: magnitude\n          low_memory_usage: true   # save memory\n"
           "          # about the target\n          target_sparsity: 0.5\n")
    f = tmp_path / "one.yaml"
    f.write_text(one)
    assert main(["check", "--fix", str(f)]) == 0
    fixed = f.read_text()
    assert re.search(r"      end_step: 10   # end\n      low_memory_usage: true +# save memory\n      pruners:", fixed)
    assert "          pruning_type: magnitude\n          # about the target\n          target_sparsity: 0.5" in fixed
    # two pruners: the global value would reach the other one too, so no fix
    two = one + "        - !PrunerV2\n          pruning_type: magnitude\n          op_names: ['x']\n"
    f.write_text(two)
    assert main(["check", "--fix", str(f)]) == 1
    assert f.read_text() == two


def test_migrate_exit_status(tmp_path, capsys):
    assert main(["migrate", str(tmp_path / "missing.yaml")]) == 2
    gs = tmp_path / "gs.yaml"
    gs.write_text("model: {name: m, framework: pytorch}\npruning:\n  approach:\n    weight_compression:\n"
                  "      pruners:\n        - !Pruner\n            prune_type: gradient_sensitivity\n")
    assert main(["migrate", str(gs)]) == 1
    assert "gradient_sensitivity" in capsys.readouterr().err
    old = tmp_path / "e.yaml"
    old.write_text("pruning:\n  magnitude:\n    p1: {weights: [a], target_sparsity: 0.3}\n  start_epoch: 0\n")
    assert main(["migrate", str(old)]) == 1
    assert "INC 1.0" in capsys.readouterr().err
    v2 = tmp_path / "v2.yaml"
    v2.write_text("pruning:\n  approach:\n    weight_compression_v2:\n      pruners: []\n")
    assert main(["migrate", str(v2)]) == 1 and "already" in capsys.readouterr().err
    assert main(["migrate", str(v2), "--to", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"pruning_configs": []}
    assert main(["migrate", str(gs), "--steps-per-epoch", "0"]) == 2
    py = tmp_path / "c.py"
    py.write_text("x = 1\n")
    assert main(["migrate", str(py)]) == 1


def test_crlf_files_keep_their_line_breaks(tmp_path):
    text = ("pruning:\r\n  approach:\r\n    weight_compression_v2:\r\n      end_step: 10\r\n"
            "      pruning_type: magnitude\r\n      pattern: 2:4   # nm\r\n      target_sparsity: 0.5\r\n"
            "      reg_coeff: 0.2   # c\r\n      parameters:\r\n        alpha: 1\r\n      pruners: []\r\n")
    data = fixed_bytes(tmp_path / "crlf.yaml", text.encode())
    assert b'pattern: "2:4"   # nm' in data and b"reg_coeff: 0.2   # c" in data
    assert data.count(b"\n") == data.count(b"\r\n") == text.count("\n")
    c = tmp_path / "c.yaml"
    c.write_bytes(b"model: {name: m, framework: pytorch}\r\npruning:\r\n  approach:\r\n    weight_compression_pytorch:\r\n"
                  b"      pruners:\r\n        - !Pruner\r\n            prune_type: magnitude\r\n")
    out = tmp_path / "v2.yaml"
    assert main(["migrate", str(c), "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 5


def test_only_the_preferred_fix_is_applied():
    """A diagnostic with alternatives (the editor marks none preferred) is left to the user."""
    from analysis.diagnostics import Diagnostic, Fix, Severity, TextEdit
    from analysis.fix_all import fix_text
    from analysis.positions import Position, Range

    at = Range(Position(0, 0), Position(0, 1))
    one = Diagnostic("PL006", Severity.ERROR, "m", at, fixes=[Fix("use b", (TextEdit(at, "b"),))])
    two = Diagnostic("PL006", Severity.ERROR, "m", at, fixes=[Fix("use b", (TextEdit(at, "b"),)),
                                                              Fix("use c", (TextEdit(at, "c"),))])
    unsafe = Diagnostic("PL006", Severity.ERROR, "m", at, fixes=[Fix("use b", (TextEdit(at, "b"),), safe=False)])
    assert fix_text("a\n", lambda t: [], first=[one], yaml=False).text == "b\n"
    for d in (two, unsafe):
        assert fix_text("a\n", lambda t: [], first=[d], yaml=False).text == "a\n"


def test_diff_applies_with_git_apply_and_equals_fix(tmp_path, monkeypatch, capsys):
    """`--diff` is a patch git applies: applied to the file, it gives exactly what --fix writes."""
    import shutil
    import subprocess

    monkeypatch.chdir(tmp_path)
    Path("c.yaml").write_text(COMMENTED)
    main(["check", "--diff", "c.yaml"])
    patch = capsys.readouterr().out
    assert patch.startswith("--- a/c.yaml\n+++ b/c.yaml\n")
    Path("c.patch").write_text(patch)
    Path("d.yaml").write_text(COMMENTED)
    main(["check", "--fix", "d.yaml"])
    git = shutil.which("git")
    assert git, "git is needed to apply the patch"
    subprocess.run([git, "apply", "c.patch"], check=True, cwd=tmp_path)
    assert Path("c.yaml").read_text() == Path("d.yaml").read_text() != COMMENTED


def test_line_edits_and_diff_are_right_on_random_texts():
    """minimal_edits and unified_diff (our linear line alignment) turn any text into any other."""
    import random

    from analysis.fix_all import minimal_edits, unified_diff
    from analysis.fixes import apply_edits

    rnd = random.Random(7)
    for _ in range(400):
        a = [rnd.choice("abcde") + "\n" for _ in range(rnd.randint(0, 30))]
        b = list(a)
        for _ in range(rnd.randint(0, 6)):
            k = rnd.randint(0, len(b))
            op = rnd.random()
            if op < 0.4:
                b.insert(k, rnd.choice("abxyz") + "\n")
            elif b:
                if op < 0.7:
                    b.pop(min(k, len(b) - 1))
                else:
                    b[min(k, len(b) - 1)] = rnd.choice("xyz") + "\n"
        old, new = "".join(a), "".join(b)
        if rnd.random() < 0.2:
            new = new.rstrip("\n")
        assert apply_edits(old, minimal_edits(old, new)) == new
        d = unified_diff(old, new, "a", "b")
        assert (d == "") == (old == new)
        # the diff's - and + lines are exactly the old and new texts once context is added back
        if d:
            assert sum(ln.startswith("-") and not ln.startswith("---") for ln in d.splitlines()) <= len(a)


def test_migrate_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path, capsys):
    c = tmp_path / "c.yaml"
    c.write_text("model: {name: m, framework: pytorch}\npruning:\n  approach:\n    weight_compression_pytorch:\n"
                 "      pruners:\n        - !Pruner\n            prune_type: magnitude\n")
    for out in (tmp_path, tmp_path / "no" / "such" / "v2.yaml"):  # a folder; a folder that does not exist
        assert main(["migrate", str(c), "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"-o {out}: cannot write: " in err and len(err.strip().splitlines()) == 1, err


def test_fix_that_cannot_be_written_leaves_the_file_whole_and_exits_2(tmp_path):
    """A write that fails half way (here the file size limit, as a full disk would) once left the config
    truncated; and a file --fix could not write was exit 0."""
    import resource
    import subprocess
    import sys

    f = tmp_path / "c.yaml"
    f.write_text(COMMENTED)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))  # Python ignores SIGXFSZ: the write raises

    r = subprocess.run([sys.executable, "-m", "prune_lsp", "check", "--fix", str(f)], capture_output=True,
                       text=True, timeout=120, preexec_fn=limit, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 2 and f"{f}: cannot write the fixes: " in r.stderr, (r.returncode, r.stderr)
    assert f.read_text() == COMMENTED and sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]
    assert "PL014" in r.stdout  # the findings are those of the file as it stays


def test_lines_a_fix_inserts_into_a_crlf_file_end_in_crlf(tmp_path):
    text = ("pruning:\r\n  approach:\r\n    weight_compression_v2:\r\n      end_step: 10\r\n"
            "      pruning_type: magnitude\r\n      pruners:\r\n"
            "        - op_names: [layer1]\r\n          pattern: \"4X1\"\r\n          reg_coeff: 0.1\r\n")
    data = fixed_bytes(tmp_path / "crlf.yaml", text.encode())
    assert b"!PrunerV2" in data and b"parameters:" in data  # the tag and a moved key: new lines
    assert data.count(b"\n") == data.count(b"\r\n") > text.count("\n")


def test_fix_keeps_the_files_encoding_and_bom(tmp_path):
    import codecs

    text = "pruning:\n  approach:\n    weight_compression_v2:\n      pattern: 2:4  # é\n      pruners: []\n"
    fixed = text.replace("pattern: 2:4", 'pattern: "2:4"')
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        assert fixed_bytes(tmp_path / f"{codec}.yaml", bom + text.encode(codec)) == bom + fixed.encode(codec), codec  # was: BOM dropped, UTF-16 made UTF-8
