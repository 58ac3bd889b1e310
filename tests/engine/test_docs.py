"""The generated docs match the code: run `python -m analysis.docs_gen` after changing rules or keys."""

import pytest

from analysis.docs_gen import GENERATED, ROOT


@pytest.mark.parametrize("rel", sorted(GENERATED))
def test_generated_docs_are_current(rel):
    assert (ROOT / rel).read_text(encoding="utf-8") == GENERATED[rel](), (
        f"{rel} is stale: run `python -m analysis.docs_gen`")
