"""Where each tensor of a checkpoint file lies: dtype, shape and absolute byte offset.

Built on the header readers of analysis.formats (no torch import, nothing unpickled beyond the
allow-list). A tensor that cannot be memory-mapped (a compressed zip member, a non-contiguous
view) is marked so; the caller then falls back to torch.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileTensor:
    name: str
    dtype: str  # numpy-style name
    shape: tuple[int, ...]
    path: str
    offset: int | None  # absolute byte offset of element 0; None when it cannot be mapped
    storage: tuple | None = None  # identity of the bytes, for tied-weight dedup

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


class TensorTable(dict):
    """name -> FileTensor, with `lookup` tolerant of a wrapping prefix ("state_dict.", "model.")."""

    def lookup(self, name: str) -> FileTensor | None:
        t = self.get(name)
        if t is not None:
            return t
        for prefix in getattr(self, "prefixes", ()):
            t = self.get(f"{prefix}.{name}")
            if t is not None:
                return t
        return None


def safetensors_table(path: str) -> TensorTable:
    from analysis.formats.safetensors import read_header

    header = read_header(path)
    table = TensorTable()
    for t in header.tensors.values():
        table[t.name] = FileTensor(t.name, t.numpy_dtype, t.shape, t.path, t.begin, (t.path, t.begin))
    # save_model drops tied duplicates, recording {dropped: kept}: the dropped name reads the kept bytes
    for dropped, kept in header.aliases().items():
        k = table[kept]
        table[dropped] = FileTensor(dropped, k.dtype, k.shape, k.path, k.offset, k.storage)
    table.prefixes = ()
    return table


def torch_zip_table(path: str) -> TensorTable:
    from analysis.formats.torch_zip import read_torch_zip

    ck = read_torch_zip(path)
    table = TensorTable()
    for t in ck.tensors.values():
        offset = t.data_offset if t.is_contiguous else None
        ident = (t.storage.key, t.storage_offset, t.shape, t.stride, t.dtype)
        table[t.name] = FileTensor(t.name, t.dtype, t.shape, path, offset, ident)
    firsts = {n.split(".", 1)[0] for n in ck.tensors if "." in n}
    table.prefixes = tuple(sorted(firsts))
    return table


def hf_folder_files(folder: Path) -> list[Path]:
    from analysis.models.hf_folder import weight_files

    return weight_files(folder)


def table_for(path: str) -> TensorTable:
    """The tensor table of a safetensors file, a sharded index, a torch zip or a HF folder.
    ValueError with a one-line reason for anything else."""
    p = Path(path)
    if p.is_dir():
        table = TensorTable()
        table.prefixes = ()
        files = hf_folder_files(p)
        if not files:
            raise ValueError(f"{path}: no weight files (*.safetensors, pytorch_model.bin) in the folder")
        if files[0].name.endswith(".safetensors.index.json"):
            files = files[:1]  # the index reads its shards' headers itself
        for f in files:
            if f.name.endswith(".index.json") and not f.name.endswith(".safetensors.index.json"):
                continue
            part = table_for(str(f))
            table.update(part)
            table.prefixes = tuple(sorted(set(table.prefixes) | set(getattr(part, "prefixes", ()))))
        return table
    name = p.name
    if name.endswith(".safetensors") or name.endswith(".safetensors.index.json"):
        return safetensors_table(os.fspath(p))
    from analysis.formats.torch_zip import is_torch_zip

    if is_torch_zip(p):
        return torch_zip_table(os.fspath(p))
    with open(p, "rb") as f:
        head = f.read(8)
    if len(head) == 8 and int.from_bytes(head, "little") < os.path.getsize(p) and head[:1] != b"\x80":
        try:
            return safetensors_table(os.fspath(p))
        except Exception:
            pass
    raise ValueError(f"{path}: not a safetensors file or torch zip checkpoint")
