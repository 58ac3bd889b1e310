"""INC 2.6's verdict on each of the 55 real configs of the corpus, against ours.

`ok` in the corpus README (INC accepts the file) -> we report no error; anything else (INC raised
while loading, checking, building the pruners or at a training step) -> we report at least one
error. A `train` verdict can depend on the model's shapes: such a config is checked against the
model the verdict was obtained on (tests/oracle/corpus_model.py, the README's layers and shapes,
written to disk by torch here and read back by prune-lsp's own model reader).
"""

from __future__ import annotations

import re

import pytest

from analysis.diagnostics import Severity
from analysis.engine import check_text

import corpus

pytestmark = pytest.mark.skipif(not corpus.available(), reason=corpus.SKIP_REASON)

VERDICTS = corpus.verdicts() if corpus.available() else {}
STAGES = {"ok", "load", "config", "construct", "train"}


def test_the_table_covers_every_corpus_file():
    files = sorted(p.name for p in corpus.CONFIGS.iterdir() if p.suffix in (".yaml", ".yml"))
    assert len(VERDICTS) == 55
    assert sorted(VERDICTS) == files
    assert sum(v == "ok" for _d, v, _e in VERDICTS.values()) >= 40
    assert {v for _d, v, _e in VERDICTS.values()} <= STAGES


@pytest.fixture(scope="module")
def oracle_model(tmp_path_factory):
    """The oracle's model as a torch state dict file, indexed by prune-lsp (no code executed)."""
    torch = pytest.importorskip("torch")
    import corpus_model
    from analysis.models import load_layer_index

    path = tmp_path_factory.mktemp("oracle-model") / "corpus_model.pt"
    torch.save(corpus_model.build().state_dict(), path)
    return load_layer_index(path)


def _readme_layers() -> dict[str, tuple[str, tuple[int, ...]]]:
    """The README's description of the oracle's model: layer -> (class, weight shape)."""
    text = (corpus.CORPUS / "README.md").read_text(encoding="utf-8")
    para = text[text.index("The oracle's model"):].split("\n\n")[0]
    out = {}
    for part in para.split(":", 1)[1].split(";"):
        m = re.search(r"(\w+) (\d+(?:x\d+)+)\W*$", part.strip())
        if not m:
            continue
        shape = tuple(int(x) for x in m[2].split("x"))
        for name in re.findall(r"`([^`]+)`", part):
            for full in _expand(name):
                out[full] = (m[1], shape)
    return out


def _expand(name: str) -> list[str]:
    m = re.search(r"\{([^}]*)\}", name)
    if not m:
        return [name]
    body = m[1]
    alts = [str(i) for i in range(int(body.split("..")[0]), int(body.split("..")[1]) + 1)] if ".." in body \
        else body.split(",")
    return [x for a in alts for x in _expand(name[:m.start()] + a + name[m.end():])]


def test_the_oracle_model_is_the_one_the_readme_describes(oracle_model):
    described = _readme_layers()
    assert len(described) >= 30
    ours = {ly.name: ly for ly in oracle_model.layers if ly.weight}
    assert sorted(ours) == sorted(described)
    for name, (cls, shape) in described.items():
        assert tuple(ours[name].shape) == shape, name


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_verdict_matches_inc(name, request):
    dialect, verdict, inc_error = VERDICTS[name]
    model = request.getfixturevalue("oracle_model") if verdict == "train" else None
    result = check_text(corpus.read(name), path=name, model=model)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    shown = "\n".join(f"  {d.range.start.line + 1}:{d.range.start.character + 1} {d.code} {d.message}"
                      for d in result.diagnostics)
    if verdict == "ok":
        assert not errors, f"INC 2.6 accepts {name} ({dialect}), we report errors (false positive):\n{shown}"
    else:
        assert errors, (f"INC 2.6 rejects {name} at stage {verdict} ({inc_error}), we report no error (miss):\n"
                        f"{shown or '  (no diagnostics)'}")
    if verdict == "train" and "ZeroDivisionError" in inc_error:
        assert any("ZeroDivisionError" in d.message for d in errors), shown


def test_a_model_dependent_failure_is_a_hint_without_the_model():
    """Without a model the same config gets no error (it depends on shapes) but says what to check."""
    [name] = [n for n, (_d, v, _e) in VERDICTS.items() if v == "train"]
    diags = check_text(corpus.read(name), path=name).diagnostics
    assert not [d for d in diags if d.severity is Severity.ERROR]
    hint = [d for d in diags if d.code == "PL065"]
    assert hint and "divid" in hint[0].message and "model" in hint[0].message
