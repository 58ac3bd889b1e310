"""analysis.formats.torch_zip: torch-free reading of torch.save files, and its refusal of anything else."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from analysis.formats import ModelFormatError, UnsafePickleError
from analysis.formats.torch_zip import is_torch_zip, read_torch_zip

torch = pytest.importorskip("torch")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_tensors_match_torch_load_and_memmap_gives_the_data(tmp_path):
    sd = {
        "a.weight": torch.randn(5, 3),
        "a.bias": torch.randn(5),
        "b.weight": torch.randn(4, 2, 3, 3),
        "ids": torch.arange(6, dtype=torch.int64),
    }
    sd["view"] = sd["a.weight"][1:]  # a view into a.weight's storage, offset 3 elements
    sd["t"] = sd["a.weight"].t()  # non-contiguous stride
    p = tmp_path / "sd.pt"
    torch.save(sd, p)
    ck = read_torch_zip(p)
    assert list(ck.tensors) == list(sd)
    for name, ref in sd.items():
        t = ck.tensors[name]
        assert t.shape == tuple(ref.shape)
        assert t.stride == tuple(ref.stride())
        assert t.storage_offset == ref.storage_offset()
        assert t.dtype == str(ref.dtype).replace("torch.", "")
        itemsize = ref.element_size()
        flat = np.memmap(p, dtype=ref.numpy().dtype, mode="r", offset=t.storage.data_offset,
                         shape=(t.storage.nbytes // itemsize,))
        got = np.lib.stride_tricks.as_strided(
            flat[t.storage_offset:], shape=t.shape, strides=[s * itemsize for s in t.stride])
        np.testing.assert_array_equal(got, ref.numpy())
    assert ck.tensors["view"].storage.key == ck.tensors["a.weight"].storage.key
    assert ck.shared() == {}  # a view is not a tied duplicate: different offset/shape
    assert ck.byteorder == "little"


def test_tied_weights_and_state_dict_module_order(tmp_path):
    m = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Dropout(), torch.nn.Linear(4, 10, bias=False))
    m[2].weight = m[0].weight
    p = tmp_path / "tied.pt"
    torch.save(m.state_dict(), p)
    ck = read_torch_zip(p)
    assert ck.shared() == {"2.weight": "0.weight"}
    assert ck.module_names == {"": ["", "0", "1", "2"]}  # Dropout "1" is listed though weightless


def test_new_dtypes_via_rebuild_tensor_v3(tmp_path):
    p = tmp_path / "d.pt"
    torch.save({"bf": torch.ones(3, dtype=torch.bfloat16), "f8": torch.zeros(2, 4, dtype=torch.float8_e4m3fn),
                "h": torch.ones(2, dtype=torch.float16)}, p)
    ck = read_torch_zip(p)
    assert {n: t.dtype for n, t in ck.tensors.items()} == {"bf": "bfloat16", "f8": "float8_e4m3fn", "h": "float16"}
    raw = np.memmap(p, dtype=np.uint16, mode="r", offset=ck.tensors["bf"].data_offset, shape=(3,))
    assert list(raw) == [0x3F80] * 3  # bfloat16 1.0


def test_parameters_in_a_pickled_dict(tmp_path):
    p = tmp_path / "params.pt"
    torch.save({"w": torch.nn.Parameter(torch.ones(2, 2))}, p)
    ck = read_torch_zip(p)
    assert ck.tensors["w"].is_parameter and ck.tensors["w"].shape == (2, 2)


class _Evil:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_reduce_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    p = tmp_path / "evil.pt"
    torch.save({"x": torch.ones(1), "y": _Evil(marker)}, p)
    with pytest.raises(UnsafePickleError) as ei:
        read_torch_zip(p)
    assert ei.value.global_name in ("posix.system", "os.system")
    assert not marker.exists()


def test_full_module_pickle_names_the_refused_class(tmp_path):
    p = tmp_path / "full.pt"
    torch.save(torch.nn.Linear(2, 2), p)
    with pytest.raises(UnsafePickleError, match="torch.nn.modules.linear.Linear"):
        read_torch_zip(p)


def test_truncated_and_non_zip_files(tmp_path):
    good = tmp_path / "g.pt"
    torch.save({"w": torch.ones(100)}, good)
    data = good.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: len(data) // 2])
    assert not is_torch_zip(cut)
    with pytest.raises(ModelFormatError, match="not a torch zip"):
        read_torch_zip(cut)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"hello world")
    with pytest.raises(ModelFormatError):
        read_torch_zip(junk)


def test_reader_never_imports_torch(tmp_path):
    p = tmp_path / "sd.pt"
    torch.save(torch.nn.Linear(3, 2).state_dict(), p)
    code = (
        "import sys; from analysis.formats.torch_zip import read_torch_zip;"
        f"ck = read_torch_zip({str(p)!r}); assert 'torch' not in sys.modules, 'torch imported';"
        "print(sorted(ck.tensors))"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['bias', 'weight']"
