"""The habits users expect from a linter in CI, exercised as documented in docs/ci.md: the pre-commit
hook (.pre-commit-hooks.yaml) through pre-commit itself, and the GitHub Actions workflow's check
command, whose SARIF must hold what GitHub code scanning requires."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

BROKEN = ("# é 😀 config\npruning:\n  approach:\n    weight_compression_v2:\n      end_step: 10\n"
          "      pruning_type: magnitude\n      pruners:\n        - !PrunerV2\n"
          "            op_names: ['é.*']  # 中文\n            pattern: 2:4\n")
FIXED = BROKEN.replace("pattern: 2:4", 'pattern: "2:4"\n            target_sparsity: 0.5')

# What GitHub code scanning requires of an uploaded SARIF file ("SARIF support for code scanning",
# docs.github.com: version 2.1.0; runs[].tool.driver.name; results[].message.text, ruleId, and a
# location whose physicalLocation names the file (artifactLocation.uri) and a region with startLine;
# rules[].id), with SARIF 2.1.0's own constraints on those fields (lines and columns >= 1, levels).
GITHUB_SARIF_SCHEMA = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string", "minLength": 1}, "rules": {"type": "array", "items": {
                        "type": "object", "required": ["id"],
                        "properties": {"id": {"type": "string"}, "shortDescription": {
                            "type": "object", "required": ["text"]}, "helpUri": {"type": "string",
                                                                                 "format": "uri"}}}}}}}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["ruleId", "message", "locations"],
                    "properties": {
                        "ruleId": {"type": "string", "pattern": "^PL[0-9]{3}$"},
                        "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"],
                                    "properties": {"text": {"type": "string", "minLength": 1}}},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"],
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"],
                                                         "properties": {"uri": {"type": "string", "minLength": 1}}},
                                    "region": {"type": "object", "required": ["startLine"], "properties": {
                                        k: {"type": "integer", "minimum": 1}
                                        for k in ("startLine", "startColumn", "endLine", "endColumn")}}}}}}},
                    }}},
            }}},
    },
}


def ci_doc_block(lang: str, containing: str) -> str:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"```{lang}\n(.*?)```", text, re.S)
    (block,) = [b for b in blocks if containing in b]
    return block


def user_env() -> dict:
    """The venv's console scripts on PATH, as a user's install puts them there."""
    bindir = Path(sys.executable).parent
    return dict(os.environ, PATH=str(bindir) + os.pathsep + os.environ.get("PATH", ""), TF_CPP_MIN_LOG_LEVEL="3")


def test_github_workflow_check_command_writes_sarif_code_scanning_accepts(tmp_path: Path):
    jsonschema = pytest.importorskip("jsonschema")
    workflow = yaml.safe_load(ci_doc_block("yaml", "upload-sarif"))
    job = workflow["jobs"]["prune-lsp"]
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    (check,) = [s for s in steps if s.get("id") == "check"]
    (upload,) = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    sarif_file = upload["with"]["sarif_file"]
    assert check["run"].rstrip().endswith(f"> {sarif_file}")
    assert steps.index(check) < steps.index(upload) and check.get("continue-on-error") is True

    repo = tmp_path / "repo"
    (repo / "configs").mkdir(parents=True)
    (repo / "configs" / "prune.yaml").write_text(BROKEN, encoding="utf-8")
    (repo / "README.md").write_text("not a config\n")
    r = subprocess.run(["bash", "-c", check["run"]], cwd=repo, env=user_env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1, r.stderr  # an error found: the workflow's last step fails the job
    sarif = json.loads((repo / sarif_file).read_text(encoding="utf-8"))
    jsonschema.validate(sarif, GITHUB_SARIF_SCHEMA, format_checker=jsonschema.FormatChecker())
    run = sarif["runs"][0]
    rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    (res,) = [x for x in run["results"] if x["ruleId"] == "PL014"]
    assert rules[res["ruleIndex"]] == "PL014" and res["level"] == "error"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "configs/prune.yaml"  # relative to the repository root
    line = BROKEN.splitlines()[9]
    assert loc["region"]["startLine"] == 10 and loc["region"]["startColumn"] == line.index("2:4") + 1
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_columns_count_code_points_as_declared(tmp_path: Path):
    f = tmp_path / "c.yaml"
    f.write_text("pruning_type: magnitude\nend_step: 10\npruning_configs:\n  - {op_names: ['😀é'], pattern: 4X1}\n",
                 encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "prune_lsp", "check", str(f), "--format", "sarif"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, env=user_env())
    run = json.loads(r.stdout)["runs"][0]
    (res,) = [x for x in run["results"] if x["ruleId"] == "PL015"]
    region = res["locations"][0]["physicalLocation"]["region"]
    line = f.read_text(encoding="utf-8").splitlines()[3]
    assert region["startColumn"] == line.index("4X1") + 1  # code points: the emoji counts 1, not 2 (UTF-16)
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "c.yaml"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_hook_fails_on_a_broken_config_and_passes_once_fixed(tmp_path: Path):
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("pre-commit is not installed in this venv (it is in the `dev` extra: scripts/setup_venv.sh full)")
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["prune-lsp"]
    ours = tmp_path / "project"
    ours.mkdir()
    _git(ours, "init", "-q")
    (ours / "prune.yaml").write_text(BROKEN, encoding="utf-8")
    (ours / "train.py").write_text("print('no config here')\n")
    _git(ours, "add", "prune.yaml", "train.py")
    # pre-commit installs prune-lsp from this repository (HEAD plus uncommitted changes) into its own
    # venv, from PyPI, as it would for a user's `repo:` entry.
    env = dict(user_env(), PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    cmd = [str(pre_commit), "try-repo", str(REPO), "prune-lsp", "--all-files"]
    r = subprocess.run(cmd, cwd=ours, env=env, capture_output=True, text=True, timeout=900)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "prune-lsp (INC pruning configs)" in out and "Failed" in out
    assert "prune.yaml:10:22: error PL014" in out, out
    (ours / "prune.yaml").write_text(FIXED, encoding="utf-8")
    _git(ours, "add", "prune.yaml")
    r = subprocess.run(cmd, cwd=ours, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0 and "Passed" in r.stdout, r.stdout + r.stderr
