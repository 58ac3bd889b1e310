"""Where a tensor's bytes come from: an in-memory array, or a window of a file mapped on demand.

File windows are mapped per task (tens of MiB) with MAP_POPULATE and unmapped afterwards: one
mapping of a whole multi-GB file would leave every page in the process's RSS, and faulting pages
one by one is slower than populating a window at once.
"""

from __future__ import annotations

import mmap
import os
import threading

import numpy as np

_POPULATE = getattr(mmap, "MAP_POPULATE", 0)

# A mapped file that shrinks while a window is being read kills the process with SIGBUS (a
# training job rewriting its checkpoint does exactly that). Safe reads copy each window with
# pread into a per-thread buffer instead: a short read is an OSError, never a crash, at the cost
# of one copy (about 1.3-1.7x slower on a page-cached file). The language server turns them on
# (it must outlive any file); a one-shot CLI run keeps the mapping's speed.
SAFE_READS = False
_buffers = threading.local()


def use_safe_reads(on: bool = True) -> None:
    global SAFE_READS
    SAFE_READS = bool(on)


class ArraySource:
    """A flat unsigned view of bytes already in memory."""

    def __init__(self, bits: np.ndarray):
        self.bits = bits

    def apply(self, e0: int, e1: int, fn):
        return fn(self.bits[e0:e1])


class FileSource:
    """Elements of one contiguous tensor stored at absolute byte `offset` in an open file."""

    def __init__(self, fd: int, offset: int, dtype: np.dtype, count: int):
        self.fd = fd
        self.offset = int(offset)
        self.dtype = np.dtype(dtype)
        self.count = int(count)

    def apply(self, e0: int, e1: int, fn):
        if e1 <= e0:
            return fn(np.empty(0, self.dtype))
        isz = self.dtype.itemsize
        start = self.offset + e0 * isz
        if SAFE_READS:
            return fn(self._read(start, (e1 - e0) * isz))
        base = start - start % mmap.ALLOCATIONGRANULARITY
        length = start + (e1 - e0) * isz - base
        mm = mmap.mmap(self.fd, length, flags=mmap.MAP_SHARED | _POPULATE,
                       prot=mmap.PROT_READ, offset=base)
        try:
            arr = np.frombuffer(mm, self.dtype, count=e1 - e0, offset=start - base)
            result = fn(arr)
            del arr
            return result
        finally:
            try:
                mm.close()
            except BufferError:  # a view escaped; the mapping goes when it is collected
                pass


    def _read(self, start: int, nbytes: int) -> np.ndarray:
        """Bytes [start, start + nbytes) of the file, copied (consumers copy or reduce a window
        before `apply` returns, so one buffer per thread is reused)."""
        buf = getattr(_buffers, "buf", None)
        if buf is None or len(buf) < nbytes:
            buf = _buffers.buf = np.empty(max(nbytes, 1 << 20), np.uint8)
        view = memoryview(buf)[:nbytes]
        got = 0
        while got < nbytes:
            n = os.preadv(self.fd, [view[got:]], start + got)
            if n <= 0:
                raise OSError(f"the model file ended at byte {start + got}, inside a tensor: it was truncated "
                              "or rewritten while being read")
            got += n
        return buf[:nbytes].view(self.dtype)


class OpenFiles:
    """File descriptors shared by all sources of one run, closed together."""

    def __init__(self):
        self._fds: dict[str, int] = {}

    def fd(self, path) -> int:
        path = os.fspath(path)
        if path not in self._fds:
            self._fds[path] = os.open(path, os.O_RDONLY)
        return self._fds[path]

    def close(self):
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
