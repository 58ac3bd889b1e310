"""Tensor handles for a model path: name -> dtype, shape, layout, identity and a byte source.

- safetensors / sharded index / torch zip / HF folder: memory-mapped windows of the file
  (tensors.py), no torch import;
- torch files the zip reader cannot map (legacy pickles, quantized tensors, compressed
  members): `torch.load(weights_only=True, mmap=True)`, never a full unpickle;
- Keras `.keras` / `.h5`: the h5 datasets, mapped in place when contiguous and uncompressed
  (a `.keras` zip stores model.weights.h5 uncompressed), else read with h5py;
- TensorFlow SavedModels and checkpoints: the tensor bundle's data shards, mapped in place at
  each entry's offset (analysis/formats/tf_bundle.py); no TensorFlow.
A tensor that cannot be read gets a handle whose source raises ValueError with the reason: the
report marks it unread, never counts it as zeros.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .sources import ArraySource, FileSource, OpenFiles


@dataclass
class TensorHandle:
    name: str
    dtype: str
    shape: tuple[int, ...]
    identity: object  # equal for tied tensors (same bytes)
    make_source: object = field(repr=False, default=None)
    layout: str = "torch"  # "keras": Dense/Conv kernels are [..., in, out]
    zero_point: object = None
    axis: int = 0

    def source(self):
        return self.make_source()


class ModelTensors:
    def __init__(self):
        self.handles: dict[str, TensorHandle] = {}
        self.aliases: dict[str, str] = {}
        self.files = OpenFiles()

    def get(self, name: str) -> TensorHandle | None:
        h = self.handles.get(name)
        if h is None and name in self.aliases:
            h = self.handles.get(self.aliases[name])
        if h is None:
            h = self._lookup(name)
        if h is not None and h.name != name:
            h = TensorHandle(name, h.dtype, h.shape, h.identity, h.make_source, h.layout, h.zero_point, h.axis)
        return h

    def _lookup(self, name: str):
        return None

    def close(self):
        self.files.close()


class _FileTensors(ModelTensors):
    def __init__(self, table):
        super().__init__()
        self.table = table
        for n, t in table.items():
            self.handles[n] = self._handle(t)

    def _handle(self, t):
        from .dtypes import bit_format

        def make(t=t):
            if t.offset is None:
                raise ValueError("stored compressed or as a non-contiguous view; cannot be mapped")
            fmt = bit_format(t.dtype)
            return FileSource(self.files.fd(t.path), t.offset, fmt.uint, t.size)
        return TensorHandle(t.name, t.dtype, tuple(t.shape), ("file",) + tuple(t.storage or (t.path, t.offset)), make)

    def _lookup(self, name):
        t = self.table.lookup(name)
        return self.handles.get(t.name) if t is not None else None


class _TorchLoaded(ModelTensors):
    """Tensors from torch.load(weights_only=True, mmap=True): quantized, legacy and other files
    the torch-free reader does not model. Nothing beyond torch's weights_only allow-list runs."""

    def __init__(self, path: str):
        super().__init__()
        import torch

        from .torch_backend import cpu_tensor_bits

        import warnings

        with warnings.catch_warnings():  # torch's deprecation chatter would reach the CLI's stderr
            warnings.simplefilter("ignore")
            try:
                obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
            except RuntimeError:
                obj = torch.load(path, map_location="cpu", weights_only=True)  # legacy (non-zip) files
        from ..formats.torch_zip import walk_state

        flat = dict(walk_state(obj, lambda x: isinstance(x, torch.Tensor), {}))
        firsts = {n.split(".", 1)[0] for n in flat if "." in n}
        self.prefixes = tuple(sorted(firsts))
        for n, t in flat.items():
            ident = ("torch", t.untyped_storage().data_ptr() if not t.is_quantized else id(t),
                     t.storage_offset() if not t.is_quantized else 0, tuple(t.shape),
                     tuple(t.stride()), str(t.dtype))

            def make(t=t):
                bits, _, _, _ = cpu_tensor_bits(t)
                return ArraySource(bits.reshape(-1).view(f"<u{bits.dtype.itemsize}"))
            bits_name = str(t.dtype).replace("torch.", "")
            zp, axis = None, 0
            if t.is_quantized:
                _, bits_name, zp, axis = cpu_tensor_bits(t)
            self.handles[n] = TensorHandle(n, bits_name, tuple(t.shape), ident, make, "torch", zp, axis)

    def _lookup(self, name):
        for p in self.prefixes:
            h = self.handles.get(f"{p}.{name}")
            if h is not None:
                return h
        return None


class _KerasTensors(ModelTensors):
    """h5 datasets named by the layer index's locations (tensor -> (file, dataset path))."""

    def __init__(self, path: str, index):
        super().__init__()
        import h5py

        self._h5 = {}
        self._zips = []
        for name, (file, dset) in index.locations.items():
            f, base = self._open(file or path, h5py)
            ds = f[dset]
            shape = tuple(int(d) for d in ds.shape)
            dtype = _h5_dtype_name(ds)
            offset = None
            if base is not None and ds.chunks is None and ds.compression is None:
                try:
                    rel = ds.id.get_offset()
                except Exception:
                    rel = None
                if rel is not None:
                    offset = base + rel
            real = file or path

            def make(ds=ds, offset=offset, real=real, dtype=dtype, shape=shape):
                from .dtypes import bit_format

                fmt = bit_format(dtype)
                n = int(np.prod(shape)) if shape else 1
                if offset is not None:
                    return FileSource(self.files.fd(real), offset, fmt.uint, n)
                arr = np.ascontiguousarray(ds[()])
                return ArraySource(arr.reshape(-1).view(fmt.uint))
            self.handles[name] = TensorHandle(name, dtype, shape, ("h5", real, dset), make, "keras")

    def _open(self, file: str, h5py):
        """(h5py.File, absolute offset of the h5 image in `file`, or None when it cannot be mapped)."""
        if file in self._h5:
            return self._h5[file]
        if zipfile.is_zipfile(file):
            z = zipfile.ZipFile(file)
            self._zips.append(z)
            member = next(n for n in z.namelist() if n.endswith(".weights.h5") or n.endswith(".h5"))
            info = z.getinfo(member)
            base = None
            if info.compress_type == zipfile.ZIP_STORED:
                with open(file, "rb") as raw:
                    raw.seek(info.header_offset)
                    local = raw.read(30)
                    base = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + \
                        int.from_bytes(local[28:30], "little")
            fobj = z.open(member)
            h = (h5py.File(fobj, "r"), base)
        else:
            h = (h5py.File(file, "r"), 0)
        self._h5[file] = h
        return h

    def close(self):
        super().close()
        for f, _ in self._h5.values():
            f.close()
        for z in self._zips:
            z.close()


class _BundleTensors(ModelTensors):
    """Variables of a SavedModel / checkpoint, named as the layer index names them."""

    def __init__(self, path: str):
        super().__init__()
        from analysis.formats.dtypes import itemsize_bits
        from analysis.formats.tf_objects import read_tf_model

        from .dtypes import bit_format

        model = read_tf_model(path)
        little = model.bundle.little_endian
        sizes: dict[str, int | None] = {}

        def shard_size(shard: str) -> int | None:
            if shard not in sizes:
                try:
                    sizes[shard] = os.path.getsize(shard)
                except OSError:
                    sizes[shard] = None
            return sizes[shard]

        for ly in model.layers:
            for v in ly.variables:
                e = v.entry

                def make(e=e):
                    if e.sliced:
                        raise ValueError("a partitioned variable (saved in slices), which is not read")
                    if not little:
                        raise ValueError("a big-endian checkpoint, which is not read")
                    fmt = bit_format(e.dtype)
                    if e.size != e.numel * itemsize_bits(e.dtype) // 8:
                        raise ValueError(f"its entry says {e.size} bytes for {e.numel} {e.dtype} elements")
                    have = shard_size(e.shard)
                    if have is None:
                        raise ValueError(f"its data file {os.path.basename(e.shard)} is missing")
                    if have < e.offset + e.size:
                        raise ValueError(f"{os.path.basename(e.shard)} ends before its bytes (truncated)")
                    return FileSource(self.files.fd(e.shard), e.offset, fmt.uint, e.numel)
                self.handles[v.name] = TensorHandle(v.name, e.dtype, tuple(e.shape), ("bundle", e.shard, e.offset),
                                                    make, "keras")


class _Unreadable(ModelTensors):
    """An index whose weights no reader here can reach (a SavedModel only TensorFlow could list):
    every tensor the index names is there, unread, with the reason."""

    def __init__(self, index, reason: str):
        super().__init__()
        for lay in index.layers:
            for name in lay.params or ((lay.weight,) if lay.weight else ()):
                def make(reason=reason):
                    raise ValueError(reason)
                self.handles[name] = TensorHandle(name, lay.dtype if name == lay.weight else "", tuple(
                    lay.shape) if name == lay.weight else (), ("unread", name), make, "keras")


def _h5_dtype_name(ds) -> str:
    dt = ds.dtype
    if dt.kind == "V" and dt.itemsize == 2:
        return "bfloat16"  # keras stores bf16 as opaque 2-byte values
    return {"f": f"float{dt.itemsize * 8}", "i": f"int{dt.itemsize * 8}", "u": f"uint{dt.itemsize * 8}",
            "b": "bool"}.get(dt.kind, str(dt))


@contextmanager
def open_model_tensors(model_path: str, index):
    """ModelTensors for `model_path` whose names match `index`'s tensor names. ValueError with a
    one-line reason when the weights cannot be read."""
    from analysis.formats.errors import ModelFormatError, UnsafePickleError

    from .tensors import table_for

    path = os.fspath(model_path)
    mt = None
    exported = None
    if getattr(index, "source", "") == "torchscript":
        # TorchScript archives hold IR and pickled tensors torch.load(weights_only) refuses: the
        # limited worker that already reads their modules writes the weights as a plain checkpoint.
        exported = _export_torchscript(path)
        path = exported
    source = getattr(index, "source", "")
    if source in ("savedmodel", "tf-checkpoint"):
        try:
            mt = _BundleTensors(path)
        except ModelFormatError as e:
            raise ValueError(f"{path}: {e.reason}") from None
    elif source == "savedmodel-tf":
        mt = _Unreadable(index, "the SavedModel's variables could not be read from their bundle "
                                "(TensorFlow listed them; values are not read that way)")
    elif index.framework == "keras":
        mt = _KerasTensors(path, index)
    else:
        try:
            mt = _FileTensors(table_for(path))
            missing = [lay.weight for lay in index.layers if lay.weight and mt.get(lay.weight) is None]
            if missing or any(t.offset is None for t in mt.table.values()):
                mt.close()
                mt = None
        except UnsafePickleError:
            raise
        except (ModelFormatError, ValueError):
            mt = None  # e.g. quantized tensors, a legacy pickle: torch's weights_only loader reads them
        if mt is None:
            if os.path.isdir(path):
                raise ValueError(f"{path}: cannot map the folder's weight files")
            try:
                mt = _TorchLoaded(path)
            except ImportError:
                raise ValueError(f"{path}: reading this file needs torch (pip install 'prune-lsp[torch]')") from None
            except Exception as e:  # weights_only refusals, damaged files
                raise ValueError(f"{path}: torch.load(weights_only=True) failed: {str(e).splitlines()[0]}") from None
    try:
        yield mt
    finally:
        mt.close()
        if exported is not None:
            shutil.rmtree(os.path.dirname(exported), ignore_errors=True)


def _export_torchscript(path: str) -> str:
    from analysis.models import ModelLoadError
    from analysis.models.sandbox import run_worker

    tmp = tempfile.mkdtemp(prefix="prune-lsp-ts-")
    out = os.path.join(tmp, "state_dict.pt")
    try:
        run_worker(path, {"kind": "torchscript_state_dict", "path": path, "out": out})
    except ModelLoadError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ValueError(f"{path}: {exc.reason}") from None
    return out
