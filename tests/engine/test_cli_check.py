"""`prune-lsp check` as a user runs it: a real subprocess, formats, exit codes, hostile files."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

GOOD = "pruning:\n  approach:\n    weight_compression_v2:\n      end_step: 10\n      pruning_type: magnitude\n      pruners: []\n"
BAD = GOOD.replace("end_step: 10", "end_step: 10\n      pattern: 2:4  # é 😀")


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "prune_lsp", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_text_format_and_exit_codes(tmp_path: Path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD)
    bad.write_text(BAD, encoding="utf-8")
    r = run("check", str(good))
    assert r.returncode == 0 and r.stdout == ""
    r = run("check", str(bad))
    assert r.returncode == 1
    line = r.stdout.splitlines()[0]
    assert line.startswith(f"{bad}:5:16: error PL014 ")  # 1-based, like gcc and ruff
    r = run("check", str(tmp_path / "missing.yaml"))
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    assert run("check", "--format", "xml", str(good)).returncode == 2


def test_strict_counts_warnings(tmp_path: Path):
    f = tmp_path / "w.yaml"
    f.write_text(GOOD.replace("end_step: 10", "end_step: 10\n      pruning_frequncy: 2"))
    assert run("check", str(f)).returncode == 0
    assert run("check", "--strict", str(f)).returncode == 1


def test_json_format_uses_code_points(tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text("# 😀😀\n" + BAD, encoding="utf-8")
    r = run("check", "--format", "json", str(f))
    items = json.loads(r.stdout)
    item = next(i for i in items if i["code"] == "PL014")
    assert item["path"] == str(f) and item["severity"] == "error"
    assert item["range"]["start"] == {"line": 5, "character": 15}
    assert set(item) >= {"path", "range", "severity", "code", "message"}


def test_sarif_format(tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD)
    sarif = json.loads(run("check", "--format", "sarif", str(f)).stdout)
    res = sarif["runs"][0]["results"]
    assert res and res[0]["ruleId"] == "PL014" and res[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].endswith("#pl014")


def test_directory_walk_skips_non_configs(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.yml").write_text(BAD)
    (tmp_path / "ci.yaml").write_text("on: push\njobs: {build: {runs-on: x}}\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.yaml").write_text(BAD)
    r = run("check", "--format", "json", str(tmp_path))
    paths = {i["path"] for i in json.loads(r.stdout)}
    assert paths == {str(tmp_path / "sub" / "bad.yml")}


# A file named on the command line that could not be checked is exit 2 ("could not run"), never a silent 0.
@pytest.mark.parametrize("name, data, expect", [
    ("empty.yaml", b"", None),
    ("binary.yaml", bytes(range(256)) * 10, "binary"),
    ("latin1.yaml", "pruning:\n  approach:\n    weight_compression_v2: {x: 'caf\xe9'}\n".encode("latin-1"), "UTF-8"),
    ("bomb.yaml", ("pruning: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"k{i}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))).encode(),
     "aliases written out"),
    ("deep.yaml", b"pruning: " + b"[" * 10000 + b"]" * 10000, "nested"),
])
def test_hostile_files_answer_quickly_without_traceback(tmp_path: Path, name, data, expect):
    f = tmp_path / name
    f.write_bytes(data)
    t0 = time.perf_counter()
    r = run("check", str(f))
    assert time.perf_counter() - t0 < 10  # includes interpreter start; the engine's own bound is 2 s
    assert "Traceback" not in r.stderr
    unchecked = name != "empty.yaml"  # a bomb (9**10 nodes written out) is refused like a too-deep file
    assert r.returncode == (2 if unchecked else 0), (r.returncode, r.stdout, r.stderr)
    assert not unchecked or f"could not be checked (PL056): {f}" in r.stderr
    if expect:
        assert expect in r.stdout


def test_huge_file_is_refused_with_a_message(tmp_path: Path):
    f = tmp_path / "big.yaml"
    with open(f, "w") as fh:
        fh.write("pruning:\n  approach:\n    weight_compression_v2:\n      pruners: []\n")
        fh.write("# filler\n" * (50 * 1024 * 1024 // 9))
    t0 = time.perf_counter()
    r = run("check", str(f))
    assert time.perf_counter() - t0 < 10
    assert r.returncode == 2 and "too large" in r.stdout
