"""safetensors: header-only reader (8-byte little-endian length + JSON), plus sharded index files.

Format: u64 header length N, N bytes of UTF-8 JSON `{name: {dtype, shape, data_offsets: [b, e]},
"__metadata__": {str: str}}`, then the data; offsets are relative to the byte after the header.
We never read the data: offsets are returned as absolute file positions so that a caller can
`np.memmap(path, dtype=np.uint8, mode="r")[begin:end]`.
"""

from __future__ import annotations

import json
import math
import os
import struct
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from .dtypes import SAFETENSORS_DTYPES, itemsize_bits
from .errors import ModelFormatError

try:  # twice as fast as json on big headers (20,000 tensors: ~10 ms instead of ~20)
    from orjson import loads as _json_loads
except ImportError:  # pragma: no cover - orjson is a dependency; keep working without it
    _json_loads = json.loads

# Same guard as the reference implementation (safetensors/src/tensor.rs MAX_HEADER_SIZE).
MAX_HEADER_SIZE = 100_000_000


class SafetensorsTensor(NamedTuple):
    """One tensor of a safetensors file; `begin`/`end` are absolute byte offsets in `path`.
    A named tuple: headers of 20,000 tensors are indexed within 100 ms, and a tuple is built in a
    quarter of a slotted object's time."""

    name: str
    dtype: str  # as written in the file: "F32", "BF16", "F8_E4M3", ...
    shape: tuple[int, ...]
    begin: int
    end: int
    path: str  # the file holding the data (the shard, for sharded checkpoints)

    @property
    def numpy_dtype(self) -> str:
        """The numpy-style dtype name ("float32", "bfloat16", "float8_e4m3fn", ...)."""
        return SAFETENSORS_DTYPES.get(self.dtype, self.dtype.lower())

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.end - self.begin


@dataclass
class SafetensorsHeader:
    """The parsed header of one file (or of all shards of an index)."""

    path: str
    tensors: dict[str, SafetensorsTensor]  # in header order
    metadata: dict[str, str] = field(default_factory=dict)  # the `__metadata__` entry
    header_size: int = 0  # N, the JSON length; data starts at 8 + N
    files: list[str] = field(default_factory=list)  # the files read (shards for an index)

    def aliases(self) -> dict[str, str]:
        """Tensor names dropped as duplicates by `safetensors.torch.save_model`, mapped to the kept name.

        save_model removes shared tensors and records `{dropped: kept}` in `__metadata__`.
        """
        return {k: v for k, v in self.metadata.items() if k not in self.tensors and v in self.tensors}


def read_header(path: str | os.PathLike) -> SafetensorsHeader:
    """Read and validate the header of a `.safetensors` file (or a `*.safetensors.index.json`).

    Reads only the first 8 + N bytes. Raises ModelFormatError naming the file when the header
    length exceeds the file or 100 MB, the JSON is invalid, a dtype/shape is malformed, or a
    tensor's offsets fall outside the data area or disagree with its shape and dtype.
    For an index file the shards' headers are read and merged (see `read_index`).
    """
    p = os.fspath(path)
    if p.endswith(".json"):
        return read_index(p)
    try:
        size = os.path.getsize(p)
        with open(p, "rb") as f:
            raw = f.read(8)
            if len(raw) < 8:
                raise ModelFormatError(p, f"not a safetensors file: {len(raw)} bytes, need at least 8")
            (n,) = struct.unpack("<Q", raw)
            if n > MAX_HEADER_SIZE:
                raise ModelFormatError(p, f"header length {n} exceeds the 100 MB limit (not a safetensors file?)")
            if 8 + n > size:
                raise ModelFormatError(p, f"header length {n} is larger than the file ({size} bytes): truncated or not safetensors")
            blob = f.read(n)
    except OSError as e:
        raise ModelFormatError(p, e.strerror or str(e)) from None
    try:
        header = _json_loads(blob)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFormatError(p, f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise ModelFormatError(p, "header is not a JSON object")
    return _parse(p, header, n, size)


_BITS = {k: itemsize_bits(v) for k, v in SAFETENSORS_DTYPES.items()}


def _parse(p: str, header: dict, n: int, size: int) -> SafetensorsHeader:
    data_start = 8 + n
    data_len = size - data_start
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict):
        raise ModelFormatError(p, "__metadata__ is not a JSON object")
    tensors: dict[str, SafetensorsTensor] = {}
    bits_of = _BITS.get
    make, cls, prod = tuple.__new__, SafetensorsTensor, math.prod
    # A hot loop (20,000 tensors in a few ms): only the cheap checks here; anything odd goes to
    # _entry_error for a precise message, and the shapes' dimensions are checked in bulk below.
    for name, info in header.items():
        try:
            dtype, shape, (b, e) = info["dtype"], info["shape"], info["data_offsets"]
            if (type(dtype) is not str or type(shape) is not list or type(b) is not int or type(e) is not int
                    or not 0 <= b <= e <= data_len):
                raise ValueError
            bits = bits_of(dtype)
            if bits is not None and e - b != (prod(shape) * bits + 7) // 8:
                raise ValueError
        except Exception:
            _entry_error(p, name, info, data_len)
            raise  # _entry_error found nothing wrong: a bug; let it surface
        tensors[name] = make(cls, (name, dtype, tuple(shape), data_start + b, data_start + e, p))
    dims = list(chain.from_iterable(map(itemgetter(2), tensors.values())))
    if dims and (not set(map(type, dims)) <= {int} or min(dims) < 0):
        for name, t in tensors.items():
            if not all(type(d) is int and d >= 0 for d in t.shape):
                raise ModelFormatError(p, f"tensor {name!r}: bad shape {list(t.shape)!r}")
    return SafetensorsHeader(p, tensors, {str(k): str(v) for k, v in metadata.items()}, n, [p])


def _entry_error(p: str, name: str, info, data_len: int) -> None:
    """Raise the precise ModelFormatError for one header entry that failed the fast checks."""
    if type(info) is not dict:
        raise ModelFormatError(p, f"tensor {name!r}: entry is not an object")
    dtype = info.get("dtype")
    shape = info.get("shape")
    offs = info.get("data_offsets")
    if type(dtype) is not str:
        raise ModelFormatError(p, f"tensor {name!r}: missing dtype")
    if type(shape) is not list or not all(type(d) is int and d >= 0 for d in shape):
        raise ModelFormatError(p, f"tensor {name!r}: bad shape {shape!r}")
    if type(offs) is not list or len(offs) != 2 or type(offs[0]) is not int or type(offs[1]) is not int:
        raise ModelFormatError(p, f"tensor {name!r}: bad data_offsets {offs!r}")
    b, e = offs
    if not (0 <= b <= e):
        raise ModelFormatError(p, f"tensor {name!r}: bad data_offsets [{b}, {e}]")
    if e > data_len:
        raise ModelFormatError(
            p, f"tensor {name!r}: data_offsets [{b}, {e}] out of range: the data area is {data_len} bytes "
            "(file truncated?)"
        )
    bits = _BITS.get(dtype)
    expected = (math.prod(shape) * bits + 7) // 8 if bits is not None else e - b
    if e - b != expected:
        raise ModelFormatError(p, f"tensor {name!r}: {e - b} bytes for shape {shape} {dtype} (expected {expected})")


def read_index(path: str | os.PathLike) -> SafetensorsHeader:
    """Read a sharded `model.safetensors.index.json`: its weight_map resolved to the shard files.

    Every shard named in the weight_map is header-read; the result lists tensors in the
    weight_map's order, each pointing at its shard. A missing shard or a tensor the shard does
    not hold raises ModelFormatError.
    """
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            index = json.load(f)
    except OSError as e:
        raise ModelFormatError(p, e.strerror or str(e)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFormatError(p, f"not valid JSON: {e}") from None
    wmap = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(wmap, dict) or not all(isinstance(v, str) for v in wmap.values()):
        raise ModelFormatError(p, "no 'weight_map' of tensor name -> shard file")
    folder = Path(p).parent
    shards: dict[str, SafetensorsHeader] = {}
    for shard in dict.fromkeys(wmap.values()):
        sp = folder / shard
        if not sp.is_file():
            raise ModelFormatError(p, f"shard {shard!r} named in weight_map is missing")
        shards[shard] = read_header(sp)
    tensors: dict[str, SafetensorsTensor] = {}
    for name, shard in wmap.items():
        t = shards[shard].tensors.get(name)
        if t is None:
            raise ModelFormatError(p, f"tensor {name!r} is not in shard {shard!r}")
        tensors[name] = t
    metadata: dict[str, str] = {}
    for h in shards.values():
        metadata.update(h.metadata)
    meta = index.get("metadata")
    if isinstance(meta, dict):
        metadata.update({str(k): str(v) for k, v in meta.items()})
    return SafetensorsHeader(p, tensors, metadata, 0, [h.path for h in shards.values()])
