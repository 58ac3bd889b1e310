"""analysis.watch.reuse: a safetensors file measured again under a new name (renamed: the same
inode) reuses its counts; a new file with the very same bytes is counted again (the format has no
checksum to prove the bytes equal; docs/watch.md); a changed file is counted again."""

from __future__ import annotations

import os
import shutil

import pytest

from analysis.watch.discover import Candidate
from analysis.watch.follow import Watcher

torch = pytest.importorskip("torch")
st = pytest.importorskip("safetensors.torch")


def _write(path, seed):
    g = torch.Generator().manual_seed(seed)
    st.save_file({"fc.weight": torch.randn(64, 64, generator=g), "fc.bias": torch.zeros(64)}, str(path))


def _measure(w, path):
    res = w.measure(Candidate(str(path), None, "file", (str(path),)))
    assert res.error is None, res.error
    return res.counted, res.reused


def test_renamed_file_reused_copy_and_change_counted(tmp_path):
    w = Watcher(str(tmp_path))
    a = tmp_path / "a.safetensors"
    _write(a, 0)
    assert _measure(w, a) == (2, 0)
    b = tmp_path / "b.safetensors"
    os.replace(a, b)  # a writer's write-then-rename: the same inode, the same bytes
    assert _measure(w, b) == (0, 2)
    c = tmp_path / "c.safetensors"
    shutil.copyfile(b, c)  # equal bytes in a new file: nothing cheap proves them equal
    assert _measure(w, c) == (2, 0)
    _write(b, 1)  # rewritten in place
    assert _measure(w, b)[0] == 2
