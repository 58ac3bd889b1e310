"""Every dialect and every rule code is covered by configs the project writes itself, so a fresh clone
(no INC corpus beside it) proves them all.

- tests/configs/dialects/: one correct config per dialect; each is detected as its dialect and is clean
  (E, retired, gets exactly its one diagnostic).
- tests/configs/rules/: the rules no YAML twin can show alone (models written here by torch, the Python
  calls, a model that cannot be read); each file yields the codes listed below, through the command
  line's own per-file check (modeline, model reading and all).
- test_every_rule_code_is_produced: the registry, enumerated, against the codes produced by these files
  and by the breaking twins of tests/rules/test_rule_twins.py. A new rule without an own config fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.engine import CheckSettings, check_text
from analysis.json_config import check_json_text
from analysis.python_config import check_python_text
from analysis.rules.registry import CHECKS, RULES
from tests.conftest import OWN_CONFIGS
from tests.rules.test_rule_twins import TWINS

DIALECTS = {  # file -> (dialect id, the codes it must produce: none but E's retirement notice)
    "a_keys.yaml": ("A", set()),
    "a_keys.json": ("A", set()),
    "a_call.py": ("A", set()),
    "b_v2.yaml": ("B", set()),
    "c_pytorch.yaml": ("C", set()),
    "d_1x.yaml": ("D", set()),
    "e_1_0.yaml": ("E", {"PL051"}),
}

RULE_FILES = {  # file -> codes it must produce (others may come too)
    "model_block_not_divisible.yaml": {"PL035"},
    "model_head_overmatch.yaml": {"PL036"},
    "model_selects_nothing.yaml": {"PL037"},
    "model_op_name_matches_nothing.yaml": {"PL045"},
    "model_excluded_and_overlap.yaml": {"PL046", "PL047"},
    "model_mha_without_attention.yaml": {"PL048"},
    "model_selection_raises.yaml": {"PL049"},
    "model_unreadable.yaml": {"PL070"},
    "python_calls.py": {"PL080", "PL081", "PL082", "PL083", "PL084", "PL085", "PL086", "PL087"},
    "lock_init_global.json": {"PL078"},
    "op_names_parameter.yaml": {"PL079"},
    "schedule_ends_after_run.yaml": {"PL090"},
    "schedule_prunes_once.yaml": {"PL091"},
    "schedule_stops_short.yaml": {"PL093"},
}

# Codes no config can produce by itself, with the test that produces them another way.
NOT_FROM_A_CONFIG = {
    "PL099": "a check that crashes (a prune-lsp bug): test_a_crashing_check_is_reported_not_raised injects one",
}


def _check(path: Path, settings: CheckSettings | None = None):
    text = path.read_text(encoding="utf-8")
    fn = {".py": check_python_text, ".json": check_json_text}.get(path.suffix, check_text)
    return fn(text, str(path), settings)


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_each_dialect_has_an_own_config_detected_as_that_dialect(name):
    dialect, expected = DIALECTS[name]
    result = _check(OWN_CONFIGS / "dialects" / name)
    assert [c.config.dialect.id for c in result.configs] == [dialect]
    assert {d.code for d in result.diagnostics} == expected, [str(d) for d in result.diagnostics]


def test_every_file_under_tests_configs_is_listed():
    on_disk = {p.name for p in (OWN_CONFIGS / "dialects").iterdir()} | {
        p.name for p in (OWN_CONFIGS / "rules").iterdir()}
    assert on_disk == set(DIALECTS) | set(RULE_FILES)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """The rule configs beside the models their modelines name, written by torch itself."""
    torch = pytest.importorskip("torch")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
    import toy_models

    d = tmp_path_factory.mktemp("own_configs")
    torch.save(toy_models.build("bert").state_dict(), d / "bert.pt")
    torch.save(toy_models.build("mlp").state_dict(), d / "mlp.pt")
    norms = torch.nn.Module()  # no Linear or Conv2d at all
    norms.emb = torch.nn.Embedding(16, 8)
    norms.ln = torch.nn.LayerNorm(8)
    torch.save(norms.state_dict(), d / "norms.pt")
    for p in (OWN_CONFIGS / "rules").iterdir():
        shutil.copy(p, d / p.name)
    return d


def produced_by_rule_file(name: str, model_dir: Path) -> set[str]:
    from prune_lsp.check import check_path

    return {d.code for d in check_path(model_dir / name, CheckSettings())}


@pytest.mark.parametrize("name", sorted(RULE_FILES))
def test_each_rule_file_produces_its_codes(name, model_dir):
    produced = produced_by_rule_file(name, model_dir)
    assert RULE_FILES[name] <= produced, (name, produced)


def test_a_crashing_check_is_reported_not_raised(monkeypatch):
    def crash(ctx):
        raise RuntimeError("injected")

    monkeypatch.setattr("analysis.rules.registry.CHECKS", CHECKS + [((RULES["PL001"],), crash)])
    result = _check(OWN_CONFIGS / "dialects" / "b_v2.yaml")
    assert [d.code for d in result.diagnostics] == ["PL099"]


def test_every_rule_code_is_produced(model_dir):
    produced: set[str] = set()
    for code, twin in TWINS.items():
        text = twin.bad.replace("«", "").replace("»", "")
        produced |= {d.code for d in check_text(text, "t.yaml").diagnostics}
    for name in RULE_FILES:
        produced |= produced_by_rule_file(name, model_dir)
    missing = set(RULES) - produced - set(NOT_FROM_A_CONFIG)
    assert not missing, (f"rules no own config produces: {sorted(missing)}; add a twin to "
                         "tests/rules/test_rule_twins.py or a file under tests/configs/rules/")
