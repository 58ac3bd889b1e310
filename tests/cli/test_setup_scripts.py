"""The set-up scripts stay quiet about known-harmless noise and say what matters."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import REPO

PIP_STDERR = """\
Looking in links: /root/wheels is ignored: it is neither a file nor a directory.
ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. \
This behaviour is the source of the following dependency conflicts.
torch 2.13.0 requires setuptools>=77.0.3, but you have setuptools 69.5.1 which is incompatible.
ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. \
This behaviour is the source of the following dependency conflicts.
foo 1.0 requires bar>=2, but you have bar 1.0 which is incompatible.
ERROR: Could not find a version that satisfies the requirement nosuchpkg
"""


def test_pip_filter_drops_the_known_noise_and_keeps_real_problems():
    r = subprocess.run(["awk", "-f", str(REPO / "scripts" / "quiet_pip_filter.awk")], input=PIP_STDERR,
                       capture_output=True, text=True, check=True)
    lines = r.stdout.splitlines()
    assert not any("is ignored" in ln or ln.startswith("torch 2.13.0 requires setuptools") for ln in lines)
    # a real conflict keeps its header; a real error stays
    assert lines == [PIP_STDERR.splitlines()[3], PIP_STDERR.splitlines()[4], PIP_STDERR.splitlines()[5]]


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian system")
def test_apt_install_is_silent_and_skips_apt_when_packages_are_there():
    # bash is installed wherever this runs: nothing to do, no apt-get update, no output
    r = subprocess.run(["bash", str(REPO / "scripts" / "apt_install.sh"), "bash"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""


def test_scripts_test_documents_and_prints_one_setup_summary():
    text = (REPO / "scripts" / "test").read_text()
    assert "PRUNE_LSP_SETUP_STATUS" in text and "setup_status()" in text
    assert text.count('echo "[setup] $(paste -sd') == 1  # one summary line
    assert "DPkg::Lock::Timeout" in (REPO / "scripts" / "apt_install.sh").read_text()
