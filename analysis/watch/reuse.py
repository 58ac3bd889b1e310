"""Counts of tensors already counted, keyed so that an unchanged tensor is found again without
reading it:
- in a torch zip (torch.save), each storage is a zip member whose CRC-32 torch computed when it
  wrote it and stored in the central directory: (CRC, member size, place in the storage, dtype,
  shape, pattern) names the bytes, and reading the directory costs nothing. A new checkpoint whose
  tensor did not change reuses the count.
- elsewhere (safetensors has no checksum; hashing costs as much as counting): (device, inode,
  size, mtime, offset, dtype, shape, pattern): reused only when the same file (the same inode: also
  after a rename or through a hard link) is measured again unchanged. A new file with the same
  bytes is counted again: nothing short of reading its bytes proves they are the old ones (same
  header offsets, dtypes and shapes say nothing about the values), and reading them is what
  counting costs. docs/watch.md says more.
"""

from __future__ import annotations

import copy
import os
import zipfile
from typing import Optional


class CountsCache:
    def __init__(self, limit: int = 200_000):
        self.counts: dict = {}
        self.limit = limit
        self._zip: dict = {}  # (path, size, mtime) -> {storage key: (crc, size)}
        self.last_reused = 0
        self.last_counted = 0

    def _crcs(self, path: str) -> Optional[dict]:
        try:
            st = os.stat(path)
        except OSError:
            return None
        k = (path, st.st_size, st.st_mtime_ns)
        if k not in self._zip:
            crcs = {}
            try:
                with zipfile.ZipFile(path) as z:
                    for info in z.infolist():
                        parts = info.filename.rsplit("/data/", 1)
                        if len(parts) == 2 or info.filename.startswith("data/"):
                            crcs[parts[-1] if len(parts) == 2 else info.filename[5:]] = (info.CRC, info.file_size)
            except (OSError, zipfile.BadZipFile):
                crcs = None
            if len(self._zip) > 64:
                self._zip.clear()
            self._zip[k] = crcs
        return self._zip[k]

    def key(self, tensors, handle, pattern) -> Optional[tuple]:
        table = getattr(tensors, "table", None)
        if handle is None or table is None:
            return None
        t = table.lookup(handle.name)
        if t is None or t.offset is None:
            return None
        st = t.storage
        if isinstance(st, tuple) and len(st) == 5 and isinstance(st[0], str):  # torch zip: (key, offset, shape, stride, dtype)
            crcs = self._crcs(t.path)
            if crcs and st[0] in crcs:
                crc, size = crcs[st[0]]
                return ("zip", crc, size, st[1], tuple(st[2]), tuple(st[3]), str(st[4]), pattern)
        try:
            s = os.stat(t.path)
        except OSError:
            return None
        return ("file", s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, t.offset, str(handle.dtype),
                tuple(handle.shape), pattern)

    def get(self, key):
        if key is None:
            return None
        c = self.counts.get(key)
        return copy.copy(c) if c is not None else None

    def put(self, key, counts) -> None:
        if key is None:
            return
        if len(self.counts) >= self.limit:
            self.counts.clear()
        self.counts[key] = copy.copy(counts)
