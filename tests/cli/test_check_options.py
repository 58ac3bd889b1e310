"""`prune-lsp check` options as ruff and eslint users expect them: --disable takes codes and names and
rejects unknown ones, an unreadable --model stops the run, a named file that could not be checked is
never a silent exit 0, and the text output carries the did-you-mean the quick fix knows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.engine import check_text
from tests.conftest import REPO
from tests.rules.test_rule_twins import TWINS

CONFIG = ("pruning:\n  approach:\n    weight_compression_v2:\n      end_step: 10\n"
          "      pruning_type: magnitud\n      typo_key: 1\n      pruners: []\n")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prune_lsp", "check", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    p = tmp_path / "c.yaml"
    p.write_text(CONFIG)
    return p


def codes(stdout: str) -> set[str]:
    return set(re.findall(r" (PL\d{3}) ", stdout))


def test_disable_takes_codes_and_names_in_any_case(cfg):
    assert codes(run(str(cfg)).stdout) == {"PL017", "PL031"}
    assert codes(run(str(cfg), "--disable", "unknown-key").stdout) == {"PL017"}  # the name docs/rules.md gives
    assert codes(run(str(cfg), "--disable", "pl031, pruning-type-unknown").stdout) == set()
    r = run(str(cfg), "--disable", "PL017,PL031")
    assert r.returncode == 0 and r.stdout == ""
    assert codes(run(str(cfg), "--disable", "PL017", "--disable", "unknown-key").stdout) == set()  # each counts


def test_an_unreadable_model_named_by_the_modeline_is_a_finding_the_usual_switches_turn_off(tmp_path: Path):
    cfg = tmp_path / "m.yaml"
    cfg.write_text("# prune-lsp: model=nothere.pt\n" + CONFIG)
    r = run(str(cfg), "--disable", "PL017,PL031")
    assert codes(r.stdout) == {"PL070"} and "nothere.pt" in r.stdout
    for off in (["--disable", "PL017,PL031,PL070"], ["--disable", "PL017,PL031", "--disable", "model-unreadable"]):
        r = run(str(cfg), "--strict", *off)
        assert r.returncode == 0 and codes(r.stdout) == set(), (off, r.stdout)
    cfg.write_text("# prune-lsp: model=nothere.pt\n# prune-lsp: disable-file=PL070,PL017,PL031\n" + CONFIG)
    r = run(str(cfg), "--strict")
    assert r.returncode == 0 and codes(r.stdout) == set(), r.stdout


@pytest.mark.parametrize("word, hint", [("PL999", "did you mean `PL099`?"),
                                        ("unknwn-key", "did you mean `unknown-key`?"),
                                        ("zzz", "PL031 unknown-key")])  # no close match: the list
def test_disable_rejects_unknown_rules_with_exit_2(cfg, word, hint):
    r = run(str(cfg), "--disable", f"PL031,{word}")
    assert r.returncode == 2 and r.stdout == ""
    assert f"unknown rule `{word}`" in r.stderr and hint in r.stderr, r.stderr


def test_unreadable_model_is_exit_2_with_the_reason(cfg, tmp_path: Path):
    r = run(str(cfg), "--model", str(tmp_path / "no" / "such.safetensors"))
    assert r.returncode == 2 and "no such file or directory" in r.stderr and r.stdout == ""
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\xff" * 64)
    r = run(str(cfg), "--model", str(junk))
    assert r.returncode == 2 and f"--model {junk}: cannot read the model: " in r.stderr
    assert len(r.stderr.strip().splitlines()[-1]) > len(f"prune-lsp check: --model {junk}: cannot read the model: ")


def test_named_files_that_could_not_be_checked_are_exit_2_but_a_folder_walk_reports_them(tmp_path: Path):
    binary = tmp_path / "walk" / "binary.yaml"
    binary.parent.mkdir()
    binary.write_bytes(b"\x00\x01pruning")
    r = run(str(binary))
    assert r.returncode == 2 and "binary file" in r.stdout and "could not be checked (PL056)" in r.stderr
    r = run(str(binary.parent))  # found by walking a folder: a finding (error PL056), not "could not run"
    assert r.returncode == 1 and "error PL056" in r.stdout and "could not be checked" not in r.stderr
    r = run(str(binary), "--format", "json")  # the machine formats keep the finding and the exit status
    assert r.returncode == 2 and '"PL056"' in r.stdout


def test_a_file_too_large_to_check_fails_a_folder_walk_like_a_binary_one(tmp_path: Path):
    big = tmp_path / "walk" / "big.yaml"
    big.parent.mkdir()
    big.write_text("pruning:\n  approach:\n    weight_compression_v2:\n      pruners: []\n" + "# filler\n" * 230_000)
    r = run(str(big.parent))  # was a warning: exit 0, the file silently unchecked
    assert r.returncode == 1 and "error PL056" in r.stdout and "too large" in r.stdout, r.stdout
    r = run(str(big), "--format", "json")
    assert r.returncode == 2 and '"severity": "error"' in r.stdout, r.stdout[:300]


def test_text_output_carries_the_did_you_mean_of_the_quick_fix(cfg):
    out = run(str(cfg)).stdout
    assert "PL017 pruning_type `magnitud` is not a pruner INC knows" in out and "did you mean `magnitude`?" in out
    assert "did you mean `typo_key`" not in out


def _fix_targets(d) -> list[str]:
    """The values a `use X` quick fix writes (the close match the fix knows)."""
    return [m.group(1) for f in d.fixes for m in [re.match(r'use [`"](.+)[`"]$', f.title)] if m]


EXTRA = [  # did-you-mean cases beyond the twins: a pattern, C and D prune types, JSON keys in Python
    TWINS["PL015"].bad.replace("«4X1»", "4X2"),
    "model: {name: m, framework: pytorch}\npruning:\n  approach:\n    weight_compression_pytorch:\n"
    "      pruners:\n        - !Pruner\n            prune_type: snip_momentm\n",
    "model: {name: m, framework: pytorch}\npruning:\n  approach:\n    weight_compression:\n"
    "      pruners:\n        - !Pruner\n            prune_type: basic_magnitde\n",
]


def test_every_close_match_a_fix_knows_is_in_the_message_too():
    """Wherever a quick fix offers a close match, the message names it (the CLI's text shows no fixes)."""
    seen = 0
    for text in [t.bad.replace("«", "").replace("»", "") for t in TWINS.values()] + EXTRA:
        for d in check_text(text, "t.yaml").diagnostics:
            for target in _fix_targets(d):
                seen += 1
                assert f"`{target}`" in d.message or f'"{target}"' in d.message, (d.code, d.message)
    assert seen >= 8


def test_a_flood_of_one_finding_is_summarised_in_text_but_kept_whole_in_json(tmp_path: Path):
    import json

    entries = "".join(f"        - !PrunerV2\n            op_names: ['layer{i}']\n            prune_freq: 5\n"
                      for i in range(60))
    f = tmp_path / "flood.yaml"
    f.write_text("pruning:\n  approach:\n    weight_compression_v2:\n      end_step: 10\n"
                 "      pruning_type: magnitud\n      pruners:\n" + entries)
    lines = run(str(f)).stdout.splitlines()
    assert sum(" PL031 " in ln and ": note: " not in ln for ln in lines) == 20  # FLOOD_LIMIT of the flood...
    assert f"{f}: note: 40 more PL031 finding(s) like the ones above not shown" in lines[-1]  # ...then the count
    assert sum(" PL017 " in ln for ln in lines) == 1  # other findings are all shown
    assert sum(" PL031 " in ln for ln in run(str(f), "--show-all").stdout.splitlines()) == 60
    assert sum(d["code"] == "PL031" for d in json.loads(run(str(f), "--format", "json").stdout)) == 60
    sarif = json.loads(run(str(f), "--format", "sarif").stdout)
    assert sum(r["ruleId"] == "PL031" for r in sarif["runs"][0]["results"]) == 60


def test_a_file_named_twice_or_also_found_in_its_folder_is_checked_once(cfg):
    r = run(str(cfg), str(cfg), str(cfg.parent))
    assert r.returncode == 1 and r.stdout.count("PL017") == 1 and "1 file(s) checked" in r.stderr, r.stderr


def test_sarif_uris_are_uri_references(tmp_path: Path):
    import json

    sub = tmp_path / "dir with space"
    sub.mkdir()
    f = sub / "my conf é.yaml"
    f.write_text(CONFIG)
    r = subprocess.run([sys.executable, "-m", "prune_lsp", "check", "--format", "sarif", "dir with space"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    uris = {x["physicalLocation"]["artifactLocation"]["uri"] for res in json.loads(r.stdout)["runs"][0]["results"]
            for x in res["locations"]}
    assert uris == {"dir%20with%20space/my%20conf%20%C3%A9.yaml"}, uris


def test_diff_with_a_machine_format_is_refused(cfg):
    r = run(str(cfg), "--diff", "--format", "json")
    assert r.returncode == 2 and "--diff prints the diff on stdout" in r.stderr and r.stdout == ""
