"""Is a checkpoint completely written? Never measure a half-written file:
- every file it needs exists and its (size, mtime) did not change since the previous poll;
- a .safetensors file is as long as its header says (8-byte length, JSON header, then the largest
  data offset): a writer that has not finished has a shorter file;
- a torch zip (.pt/.bin/.pth written by torch.save) ends with the zip's end-of-central-directory
  record, which torch writes last; a legacy torch pickle has no end marker: it must stay unchanged
  over a whole poll interval;
- a sharded index names shards that all exist and are complete themselves;
- a HF checkpoint-N/ folder has its trainer_state.json (the Trainer writes it after the weights).
"""

from __future__ import annotations

import json
import os
import struct
from typing import Optional

EOCD = b"PK\x05\x06"


def snapshot(files) -> Optional[tuple]:
    out = []
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            return None
        out.append((f, st.st_size, st.st_mtime_ns))
    return tuple(out)


def safetensors_complete(path: str) -> bool:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                return False
            (n,) = struct.unpack("<Q", head)
            if n <= 0 or 8 + n > size:
                return False
            header = json.loads(f.read(n))
    except (OSError, ValueError):
        return False
    end = 0
    for k, v in header.items():
        if k == "__metadata__" or not isinstance(v, dict):
            continue
        offs = v.get("data_offsets")
        if isinstance(offs, list) and len(offs) == 2:
            end = max(end, int(offs[1]))
    return 8 + n + end == size


def zip_complete(path: str) -> bool:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            tail_len = min(size, 65536 + 22)
            f.seek(size - tail_len)
            tail = f.read(tail_len)
    except OSError:
        return False
    i = tail.rfind(EOCD)
    if i < 0 or len(tail) - i < 22:
        return False
    comment_len = struct.unpack("<H", tail[i + 20:i + 22])[0]
    return i + 22 + comment_len == len(tail)


def index_complete(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            shards = set(json.load(f)["weight_map"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    folder = os.path.dirname(path)
    return all(safetensors_complete(os.path.join(folder, s)) for s in shards)


def file_complete(path: str) -> bool:
    low = path.lower()
    if low.endswith(".safetensors.index.json"):
        return index_complete(path)
    if low.endswith(".safetensors"):
        return safetensors_complete(path)
    if low.endswith((".pt", ".pth", ".bin")):
        try:
            with open(path, "rb") as f:
                magic = f.read(4)
        except OSError:
            return False
        if len(magic) < 4:
            return False
        if magic.startswith(b"PK"):
            return zip_complete(path)
        return True  # a legacy pickle: no end marker; needs_stable_poll: unchanged over a whole poll
    if low.endswith(".json"):
        try:
            with open(path, encoding="utf-8") as f:
                json.load(f)
            return True
        except (OSError, ValueError):
            return False
    return True


def needs_stable_poll(path: str) -> bool:
    """A file with no end marker (legacy torch pickle): complete only once unchanged for a whole poll."""
    if not path.lower().endswith((".pt", ".pth", ".bin")):
        return False
    try:
        with open(path, "rb") as f:
            return not f.read(2).startswith(b"PK")
    except OSError:
        return True


def files_of_index(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return [path]
    return [path] + [os.path.join(os.path.dirname(path), s) for s in shards]
