"""analysis.formats.safetensors against files written by the safetensors library itself."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from analysis.formats import ModelFormatError
from analysis.formats.safetensors import read_header, read_index

st_numpy = pytest.importorskip("safetensors.numpy")


@pytest.fixture()
def st_file(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {
        "b.weight": rng.standard_normal((3, 5)).astype(np.float32),
        "a.bias": np.arange(7, dtype=np.int64),
        "c.half": rng.standard_normal((2, 2, 2)).astype(np.float16),
    }
    p = tmp_path / "m.safetensors"
    st_numpy.save_file(tensors, str(p), metadata={"format": "np", "note": "x"})
    return p, tensors


def test_header_matches_library_and_offsets_address_the_data(st_file):
    p, tensors = st_file
    h = read_header(p)
    assert set(h.tensors) == set(tensors)
    assert h.metadata == {"format": "np", "note": "x"}
    raw = np.memmap(p, dtype=np.uint8, mode="r")
    for name, arr in tensors.items():
        t = h.tensors[name]
        assert t.shape == arr.shape
        assert t.numpy_dtype == str(arr.dtype)
        got = np.frombuffer(raw[t.begin:t.end], dtype=arr.dtype).reshape(t.shape)
        np.testing.assert_array_equal(got, arr)
    assert {h.tensors["b.weight"].dtype, h.tensors["a.bias"].dtype, h.tensors["c.half"].dtype} == {"F32", "I64", "F16"}


def _write(p, header: bytes, declared: int | None = None, data: bytes = b""):
    n = len(header) if declared is None else declared
    p.write_bytes(struct.pack("<Q", n) + header + data)
    return p


@pytest.mark.parametrize(
    "header, declared, data, reason",
    [
        (b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 10_000, b"", "larger than the file"),
        (b"{not json", None, b"", "not valid JSON"),
        (b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', None, b"\0" * 4, "out of range"),
        (b'{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', None, b"\0" * 8, "expected 12"),
        (b'{"a":{"dtype":"F32","shape":"x","data_offsets":[0,8]}}', None, b"\0" * 8, "bad shape"),
        (b"[1, 2]", None, b"", "not a JSON object"),
        # shapes whose byte count still adds up: caught by the bulk check on dimensions
        (b'{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', None, b"\0" * 8, "bad shape"),
        (b'{"a":{"dtype":"F32","shape":[true,2],"data_offsets":[0,8]}}', None, b"\0" * 8, "bad shape"),
        (b'{"a":{"dtype":"F32","shape":[-1,-2],"data_offsets":[0,8]}}', None, b"\0" * 8, "bad shape"),
        (b'{"ok":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
         b'"a":{"dtype":"X9","shape":["2"],"data_offsets":[8,8]}}', None, b"\0" * 8, "tensor 'a': bad shape"),
        (b'{"a":{"dtype":"F32","shape":[2]}}', None, b"\0" * 8, "bad data_offsets"),
        (b'{"a":{"shape":[2],"data_offsets":[0,8]}}', None, b"\0" * 8, "missing dtype"),
        (b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', None, b"\0" * 8, "bad data_offsets [8, 0]"),
        (b'{"a":[1]}', None, b"", "entry is not an object"),
        (b'{"a\xff":{}}', None, b"", "not valid JSON"),
    ],
)
def test_corrupt_headers_raise_with_file_and_reason(tmp_path, header, declared, data, reason):
    p = _write(tmp_path / "bad.safetensors", header, declared, data)
    with pytest.raises(ModelFormatError) as ei:
        read_header(p)
    assert reason in str(ei.value)
    assert str(p) in str(ei.value)


def test_huge_declared_header_is_refused_before_reading(tmp_path):
    p = _write(tmp_path / "huge.safetensors", b"{}", declared=2**40)
    with pytest.raises(ModelFormatError, match="100 MB"):
        read_header(p)


def test_truncated_real_file(st_file, tmp_path):
    p, _ = st_file
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(p.read_bytes()[:-10])
    with pytest.raises(ModelFormatError, match="out of range"):
        read_header(cut)
    tiny = tmp_path / "tiny.safetensors"
    tiny.write_bytes(b"\x01\x02")
    with pytest.raises(ModelFormatError, match="need at least 8"):
        read_header(tiny)


def test_sharded_index_resolves_each_tensor_to_its_shard(tmp_path):
    a = {"x.weight": np.ones((2, 2), np.float32)}
    b = {"y.weight": np.zeros((3,), np.float32), "z.weight": np.full((1, 4), 2, np.float32)}
    st_numpy.save_file(a, str(tmp_path / "s1.safetensors"))
    st_numpy.save_file(b, str(tmp_path / "s2.safetensors"))
    idx = tmp_path / "model.safetensors.index.json"
    wmap = {"x.weight": "s1.safetensors", "y.weight": "s2.safetensors", "z.weight": "s2.safetensors"}
    idx.write_text(json.dumps({"metadata": {"total_size": 40}, "weight_map": wmap}))
    h = read_index(idx)
    assert list(h.tensors) == ["x.weight", "y.weight", "z.weight"]
    assert h.tensors["z.weight"].path == str(tmp_path / "s2.safetensors")
    raw = np.memmap(h.tensors["z.weight"].path, dtype=np.uint8, mode="r")
    t = h.tensors["z.weight"]
    np.testing.assert_array_equal(np.frombuffer(raw[t.begin:t.end], np.float32), [2, 2, 2, 2])
    assert read_header(idx).tensors.keys() == h.tensors.keys()  # read_header dispatches on .json

    (tmp_path / "s2.safetensors").unlink()
    with pytest.raises(ModelFormatError, match="missing"):
        read_index(idx)


def test_index_naming_a_tensor_absent_from_its_shard(tmp_path):
    st_numpy.save_file({"x.weight": np.ones(2, np.float32)}, str(tmp_path / "s1.safetensors"))
    idx = tmp_path / "model.safetensors.index.json"
    idx.write_text(json.dumps({"weight_map": {"nope.weight": "s1.safetensors"}}))
    with pytest.raises(ModelFormatError, match="not in shard"):
        read_index(idx)


def test_plain_json_fallback_reads_the_same_header(st_file, monkeypatch):
    """orjson is optional at run time: without it the standard json module gives the same header."""
    from analysis.formats import safetensors

    p, _ = st_file
    fast = read_header(p)
    monkeypatch.setattr(safetensors, "_json_loads", json.loads)
    assert read_header(p) == fast
    bad = p.with_name("bad.safetensors")
    _write(bad, b'{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}', None, b"\0" * 4)
    with pytest.raises(ModelFormatError, match="bad shape"):
        read_header(bad)
