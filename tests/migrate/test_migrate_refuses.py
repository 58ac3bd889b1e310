"""What the checker refuses to read, migrate refuses too, at once and with the checker's reason: ruamel
shares an alias's node, and writing the migrated config out wrote every alias out (a 1.x config whose
`names` went through eight levels of aliases hung `prune-lsp migrate`)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.migrate import MigrateError, migrate

REPO = Path(__file__).resolve().parents[2]
D_HEAD = "pruning:\n  approach:\n    weight_compression:\n      pruners:\n        - !Pruner\n"


def bomb_in_names(levels: int) -> str:
    lines = [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}" if i else "x"] * 10) + "]" for i in range(levels)]
    return "\n".join(lines) + "\n" + D_HEAD + f"            names: *a{levels - 1}\n"


@pytest.mark.parametrize("to", ["v2", "python", "json"])
def test_an_alias_bomb_is_refused_with_the_reason(to):
    t0 = time.process_time()
    with pytest.raises(MigrateError, match="aliases written out"):
        migrate(bomb_in_names(8), to)
    assert time.process_time() - t0 < 10  # CPU time: the expansion (10**8 names) would never end


def test_shared_aliases_below_the_limit_still_migrate():
    text = "w: &w [layer1.weight, layer2.weight]\n" + D_HEAD + "            names: *w\n"
    assert "op_names: [^layer1$, ^layer2$]" in migrate(text, "v2").text


def test_names_that_are_not_parameter_names_are_said_not_a_traceback():
    with pytest.raises(MigrateError, match="is not one"):
        migrate(bomb_in_names(2), "v2")  # names: a list of lists


def test_the_cli_says_so_in_one_line():
    r = subprocess.run([sys.executable, "-m", "prune_lsp", "migrate", "-"], input="", capture_output=True,
                       text=True, cwd=REPO, timeout=60)  # (stdin is not a file: a usage error, exit 2)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_migrated_json_and_python_end_with_a_newline():
    text = "model: {name: m, framework: pytorch}\n" + D_HEAD + "            names: [layer1.weight]\n"
    for to in ("json", "python"):
        assert migrate(text, to).text.endswith("\n"), to
