"""ruamel.yaml stays off the server's start-up and keystroke path: importing the server, checking a
config that has structural-fix candidates, and the light-bulb pass of fixAll never import it; --fix does."""

from __future__ import annotations

import subprocess
import sys

from tests.fix.test_fix_cli import COMMENTED

PROBE = f"""
import sys
import lsp_server.server, lsp_server.features.code_actions  # the server's modules
from analysis.engine import check_text
from analysis.fix_all import fix_text
text = {COMMENTED!r}
r = check_text(text, "c.yaml")
assert {{d.code for d in r.diagnostics}} >= {{"PL044", "PL053"}}
fix_text(text, lambda t: check_text(t, "c.yaml").diagnostics, yaml=False, first=r.diagnostics, max_passes=1)
print("before", "ruamel" in " ".join(sys.modules))
fix_text(text, lambda t: check_text(t, "c.yaml").diagnostics)
print("after", "ruamel" in " ".join(sys.modules))
"""


def test_ruamel_only_when_a_structural_fix_is_applied():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["before", "False", "after", "True"]
