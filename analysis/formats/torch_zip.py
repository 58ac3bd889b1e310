"""torch.save zip checkpoints (`.pt`, `.pth`, HF `pytorch_model.bin`) read WITHOUT torch.

A torch.save file is a zip: `<prefix>/data.pkl` (the pickled object, tensors replaced by
persistent ids) and one uncompressed member `<prefix>/data/<key>` per storage. We unpickle
`data.pkl` with an allow-list unpickler whose "torch" functions are inert stubs: nothing from
the file is imported or executed. Each tensor comes back with its storage's member name and the
absolute byte offset of that member's data in the file, so numpy can np.memmap it.

Globals outside the allow-list (a pickled nn.Module, `os.system` in a `__reduce__`, ...) raise
UnsafePickleError naming the global. Globals that torch's own weights_only loader accepts but
that this reader does not model (quantized or sparse tensors, tensor subclasses) raise
UnsupportedPickleError, so a caller can fall back to `torch.load(weights_only=True)`.
"""

from __future__ import annotations

import _compat_pickle
import io
import math
import os
import pickle
import struct
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field

from .dtypes import TORCH_DTYPE_NAMES, TORCH_STORAGE_DTYPES, itemsize_bits
from .errors import ModelFormatError, UnsafePickleError


class UnsupportedPickleError(ModelFormatError):
    """The pickle is safe by torch's weights_only rules but uses a construct this reader does not model."""


@dataclass(frozen=True)
class TorchStorage:
    """One storage (a zip member of raw bytes) of a torch zip checkpoint."""

    key: str  # the persistent-id key: member `<prefix>/data/<key>`
    member: str  # full zip member name
    dtype: str  # numpy-style element dtype ("uint8" for untyped storages)
    numel: int  # elements of `dtype` (bytes for untyped storages)
    data_offset: int | None  # absolute offset of the member's bytes in the file; None if compressed
    nbytes: int  # size of the member
    location: str  # device it was saved from ("cpu", "cuda:0")


@dataclass(frozen=True)
class TorchTensor:
    """One tensor: a strided view into a storage. Its first element is at
    `storage.data_offset + storage_offset * itemsize` (itemsize of `dtype`)."""

    name: str  # dotted path in the pickled object ("fc.weight"; "model.fc.weight" when nested)
    dtype: str  # numpy-style name
    shape: tuple[int, ...]
    stride: tuple[int, ...]
    storage_offset: int  # in elements of `dtype`
    storage: TorchStorage
    is_parameter: bool = False

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def data_offset(self) -> int | None:
        """Absolute byte offset of the tensor's first element, or None for a compressed member."""
        if self.storage.data_offset is None:
            return None
        return self.storage.data_offset + self.storage_offset * itemsize_bits(self.dtype) // 8

    @property
    def is_contiguous(self) -> bool:
        expected = 1
        for size, st in zip(reversed(self.shape), reversed(self.stride)):
            if size != 1 and st != expected:
                return False
            expected *= size
        return True


@dataclass
class TorchCheckpoint:
    """What read_torch_zip found in one file."""

    path: str
    prefix: str  # the zip's top folder ("archive", or the file stem for older torch)
    tensors: dict[str, TorchTensor]  # in pickle order (= state_dict registration order)
    storages: dict[str, TorchStorage]
    # module names (registration order, weightless ones included) from state_dict()'s
    # `_metadata`, keyed by the dotted path of the dict that carried it ("" for the root)
    module_names: dict[str, list[str]] = field(default_factory=dict)
    byteorder: str = "little"

    def shared(self) -> dict[str, str]:
        """Tensor name -> first tensor name viewing the same bytes with the same shape/stride/dtype.

        Tied weights (e.g. an LM head tied to the input embedding) must be counted once.
        """
        seen: dict[tuple, str] = {}
        out: dict[str, str] = {}
        for t in self.tensors.values():
            k = (t.storage.key, t.storage_offset, t.shape, t.stride, t.dtype)
            if k in seen:
                out[t.name] = seen[k]
            else:
                seen[k] = t.name
        return out


def is_torch_zip(path: str | os.PathLike) -> bool:
    """True when `path` is a zip holding a `*/data.pkl` (a torch.save checkpoint)."""
    try:
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("/data.pkl") or n == "data.pkl" for n in z.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def is_torchscript_zip(names: list[str]) -> bool:
    """True for the member list of a TorchScript archive (code/ and constants.pkl beside data.pkl)."""
    return any(n.endswith("/constants.pkl") for n in names) and any("/code/" in n for n in names)


# --- the restricted unpickler -------------------------------------------------------------


class _StorageType:
    def __init__(self, name: str):
        self.name = name
        self.dtype = TORCH_STORAGE_DTYPES.get(name, "uint8")  # UntypedStorage counts bytes


class _DType:
    def __init__(self, name: str):
        self.name = TORCH_DTYPE_NAMES[name]


class _StorageRef:
    def __init__(self, key: str, stype: _StorageType, location: str, numel: int):
        self.key, self.stype, self.location, self.numel = key, stype, location, numel


class _TensorRef:
    def __init__(self, storage, offset, size, stride, dtype: str | None = None):
        if not isinstance(storage, _StorageRef):
            raise TypeError("tensor rebuilt from something that is not a storage")
        self.storage = storage
        self.offset = int(offset)
        self.size = tuple(int(s) for s in size)
        self.stride = tuple(int(s) for s in stride)
        self.dtype = dtype or storage.stype.dtype
        self.is_parameter = False


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    if not isinstance(dtype, _DType):
        raise TypeError("tensor dtype is not a torch dtype")
    return _TensorRef(storage, storage_offset, size, stride, dtype.name)


def _rebuild_parameter(data, requires_grad=True, backward_hooks=None, state=None):
    if isinstance(data, _TensorRef):
        data.is_parameter = True
    return data


# Everything else is refused. torch's own weights_only allow-list has more entries; those we
# do not model are listed in _TORCH_SAFE_UNSUPPORTED so callers can fall back to torch.
_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
}
_TORCH_SAFE_UNSUPPORTED = {
    ("torch._utils", "_rebuild_qtensor"),
    ("torch._utils", "_rebuild_sparse_tensor"),
    ("torch._utils", "_rebuild_nested_tensor"),
    ("torch._utils", "_rebuild_wrapper_subclass"),
    ("torch._utils", "_rebuild_device_tensor_from_numpy"),
    ("torch._utils", "_rebuild_meta_tensor_no_storage"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("torch.serialization", "_get_layout"),
    ("torch", "Size"),
    ("torch", "device"),
    ("torch", "Tensor"),
    ("torch.nn.parameter", "Parameter"),
    ("torch", "per_tensor_affine"),
    ("torch", "per_channel_affine"),
    ("torch", "per_channel_affine_float_qparams"),
    ("torch", "sparse_coo"),
    ("torch", "sparse_csr"),
    ("torch", "strided"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("builtins", "slice"),
    ("builtins", "complex"),
    ("collections", "Counter"),
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, fp, path: str):
        super().__init__(fp)
        self._path = path

    def find_class(self, module: str, name: str):
        # protocol-2 pickles spell Python 3 modules the Python 2 way (__builtin__, copy_reg)
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        fn = _ALLOWED.get((module, name))
        if fn is not None:
            return fn
        if module == "torch" and name.endswith("Storage") and name in TORCH_STORAGE_DTYPES:
            return _StorageType(name)
        if (module, name) == ("torch.storage", "UntypedStorage") or (module, name) == ("torch", "UntypedStorage"):
            return _StorageType("UntypedStorage")
        if module == "torch" and name in TORCH_DTYPE_NAMES:
            return _DType(name)
        if (module, name) in _TORCH_SAFE_UNSUPPORTED:
            raise UnsupportedPickleError(self._path, f"uses {module}.{name}, which this reader does not model")
        raise UnsafePickleError(self._path, f"{module}.{name}")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and isinstance(pid[1], _StorageType)):
            raise ModelFormatError(self._path, f"unexpected persistent id {str(pid)[:80]!r}")
        _, stype, key, location, numel = pid
        return _StorageRef(str(key), stype, str(location), int(numel))


def walk_state(obj, is_leaf, metas: dict, prefix: str = "", depth: int = 0):
    """(dotted name, leaf) for every leaf (`is_leaf(x)`) in nested dicts/lists/tuples, as torch
    names state-dict entries; a dict carrying state_dict()'s `_metadata` records its module names
    in `metas[prefix]`. Shared with the torch-side worker (analysis/models/worker.py)."""
    if depth > 64:
        return
    if is_leaf(obj):
        yield prefix, obj
        return
    if isinstance(obj, dict):
        meta = getattr(obj, "_metadata", None)
        if isinstance(meta, dict):
            metas[prefix] = [str(k) for k in meta.keys()]
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return
    for k, v in items:
        yield from walk_state(v, is_leaf, metas, f"{prefix}.{k}" if prefix else str(k), depth + 1)


def _member_data_offset(f, info: zipfile.ZipInfo) -> int | None:
    """Absolute offset of a stored member's bytes: after its *local* header (whose extra field
    torch pads for alignment and which can differ from the central directory's)."""
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise ValueError("bad local file header")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return info.header_offset + 30 + name_len + extra_len


def read_torch_zip(path: str | os.PathLike) -> TorchCheckpoint:
    """Read a torch.save zip checkpoint's tensor metadata without torch and without executing code.

    Returns every tensor found in the pickled object (nested dicts/lists flattened to dotted
    names) with dtype, shape, stride, storage offset, and the storage's zip member and absolute
    data offset. Raises UnsafePickleError for a global outside the state-dict allow-list,
    UnsupportedPickleError for weights_only-safe constructs not modelled here, and
    ModelFormatError for a file that is not a torch zip or is damaged.
    """
    p = os.fspath(path)
    try:
        z = zipfile.ZipFile(p)
    except zipfile.BadZipFile as e:
        raise ModelFormatError(p, f"not a torch zip checkpoint: {e}") from None
    except OSError as e:
        raise ModelFormatError(p, e.strerror or str(e)) from None
    with z:
        names = z.namelist()
        pkl = next((n for n in names if n.endswith("/data.pkl") or n == "data.pkl"), None)
        if pkl is None:
            raise ModelFormatError(p, "zip has no data.pkl: not a torch.save checkpoint")
        if is_torchscript_zip(names):
            raise ModelFormatError(p, "a TorchScript archive, not a torch.save checkpoint")
        prefix = pkl[: -len("data.pkl")].rstrip("/")
        try:
            blob = z.read(pkl)
            byteorder = "little"
            bo = f"{prefix}/byteorder" if prefix else "byteorder"
            if bo in names:
                byteorder = z.read(bo).decode("ascii", "replace").strip() or "little"
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ModelFormatError(p, f"damaged zip: {e}") from None
        up = _RestrictedUnpickler(io.BytesIO(blob), p)
        try:
            root = up.load()
        except ModelFormatError:
            raise
        except Exception as e:  # malformed pickle streams raise many kinds
            raise ModelFormatError(p, f"data.pkl is not a readable pickle: {type(e).__name__}: {e}") from None
        metas: dict[str, list[str]] = {}
        found: dict[str, _TensorRef] = dict(walk_state(root, lambda x: isinstance(x, _TensorRef), metas))
        infos = {i.filename: i for i in z.infolist()}
        storages: dict[str, TorchStorage] = {}
        tensors: dict[str, TorchTensor] = {}
        with open(p, "rb") as f:
            for name, ref in found.items():
                sref = ref.storage
                st = storages.get(sref.key)
                if st is None:
                    member = f"{prefix}/data/{sref.key}" if prefix else f"data/{sref.key}"
                    info = infos.get(member)
                    if info is None:
                        raise ModelFormatError(p, f"storage member {member!r} is missing (truncated file?)")
                    try:
                        off = _member_data_offset(f, info)
                    except ValueError as e:
                        raise ModelFormatError(p, f"member {member!r}: {e}") from None
                    if off is not None and off + info.file_size > os.path.getsize(p):
                        raise ModelFormatError(p, f"member {member!r} runs past the end of the file (truncated)")
                    st = TorchStorage(sref.key, member, sref.stype.dtype, sref.numel, off, info.file_size, sref.location)
                    storages[sref.key] = st
                tensors[name] = TorchTensor(name, ref.dtype, ref.size, ref.stride, ref.offset, st, ref.is_parameter)
                _check_extent(p, tensors[name])
    return TorchCheckpoint(p, prefix, tensors, storages, metas, byteorder)


def _check_extent(p: str, t: TorchTensor) -> None:
    if not t.shape or t.numel == 0:
        last = t.storage_offset + (1 if t.shape == () else 0)
    else:
        last = t.storage_offset + sum((s - 1) * st for s, st in zip(t.shape, t.stride)) + 1
    nbytes = (last * itemsize_bits(t.dtype) + 7) // 8
    if nbytes > t.storage.nbytes:
        raise ModelFormatError(
            p, f"tensor {t.name!r} needs {nbytes} bytes but its storage {t.storage.member!r} has {t.storage.nbytes}"
        )
