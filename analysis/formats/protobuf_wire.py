"""Protocol-buffer wire format, decoded by hand: enough to read TensorFlow's checkpoint protos.

No protobuf package and no generated classes: a message is walked field by field
(`fields(buf)` yields (field number, wire type, value)), and each reader in tf_bundle.py /
tf_objects.py picks the field numbers it needs from TensorFlow's .proto files (cited there).
Wire types: 0 varint (int), 1 fixed64 (bytes), 2 length-delimited (memoryview), 5 fixed32 (bytes).
Malformed input raises ValueError, never loops or reads past the buffer.
"""

from __future__ import annotations


def varint(buf, pos: int) -> tuple[int, int]:
    """(value, next position) of the base-128 varint at `pos`."""
    result = shift = 0
    n = len(buf)
    while True:
        if pos >= n:
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")


def fields(buf):
    """(field number, wire type, value) of each field of one serialized message, in order."""
    mv = memoryview(buf)
    pos, n = 0, len(mv)
    while pos < n:
        key = mv[pos]
        if key < 0x80:  # one-byte keys and lengths are the rule: skip the general decoder
            pos += 1
        else:
            key, pos = varint(mv, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = varint(mv, pos)
        elif wt == 2:
            if pos < n and mv[pos] < 0x80:
                ln = mv[pos]
                pos += 1
            else:
                ln, pos = varint(mv, pos)
            if pos + ln > n:
                raise ValueError("length-delimited field runs past the message")
            val = mv[pos:pos + ln]
            pos += ln
        elif wt == 1:
            if pos + 8 > n:
                raise ValueError("truncated fixed64")
            val = bytes(mv[pos:pos + 8])
            pos += 8
        elif wt == 5:
            if pos + 4 > n:
                raise ValueError("truncated fixed32")
            val = bytes(mv[pos:pos + 4])
            pos += 4
        else:  # groups (3, 4) are not used by any TensorFlow proto read here
            raise ValueError(f"unsupported wire type {wt}")
        yield num, wt, val


def message(buf) -> dict[int, list]:
    """All fields of a message: {field number: [values in order]} (repeated fields keep all)."""
    out: dict[int, list] = {}
    for num, _, val in fields(buf):
        out.setdefault(num, []).append(val)
    return out


def first(msg: dict[int, list], num: int, default=None):
    """The last value of a singular field (protobuf's "last one wins"), or `default`."""
    vals = msg.get(num)
    return vals[-1] if vals else default


def text(val) -> str:
    return bytes(val).decode("utf-8", "replace")


def packed_varints(val) -> list[int]:
    """A packed repeated varint field's values."""
    out, pos, n = [], 0, len(val)
    while pos < n:
        v, pos = varint(val, pos)
        out.append(v)
    return out


def signed64(v: int) -> int:
    """An int64 field's varint (two's complement in 64 bits) as a Python int."""
    return v - (1 << 64) if v >= 1 << 63 else v
