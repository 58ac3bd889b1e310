"""INC 2.6's verdict on each of the 55 real configs of the corpus, against ours.

`ok` in the corpus README (INC accepts the file) -> we report no error; anything else (INC raised
while loading, checking or building the pruners) -> we report at least one error.
"""

from __future__ import annotations

import pytest

from analysis.diagnostics import Severity
from analysis.engine import check_text

import corpus

pytestmark = pytest.mark.skipif(not corpus.available(), reason=corpus.SKIP_REASON)

VERDICTS = corpus.verdicts() if corpus.available() else {}


def test_the_table_covers_every_corpus_file():
    files = sorted(p.name for p in corpus.CONFIGS.iterdir() if p.suffix in (".yaml", ".yml"))
    assert len(VERDICTS) == 55
    assert sorted(VERDICTS) == files
    assert sum(v == "ok" for _d, v, _e in VERDICTS.values()) >= 40
    assert {v for _d, v, _e in VERDICTS.values()} <= {"ok", "load", "config", "construct"}


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_verdict_matches_inc(name):
    dialect, verdict, inc_error = VERDICTS[name]
    result = check_text(corpus.read(name), path=name)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    shown = "\n".join(f"  {d.range.start.line + 1}:{d.range.start.character + 1} {d.code} {d.message}"
                      for d in result.diagnostics)
    if verdict == "ok":
        assert not errors, f"INC 2.6 accepts {name} ({dialect}), we report errors (false positive):\n{shown}"
    else:
        assert errors, (f"INC 2.6 rejects {name} at stage {verdict} ({inc_error}), we report no error (miss):\n"
                        f"{shown or '  (no diagnostics)'}")
