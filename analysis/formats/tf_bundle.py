"""TensorFlow's tensor bundle (checkpoint) read from its bytes, without TensorFlow.

A bundle is a prefix `P` with `P.index` + `P.data-NNNNN-of-MMMMM` shards: what
`tf.train.Checkpoint.write/save`, `tf.compat.v1.train.Saver`, tf-keras `save_weights(prefix)`
and every SavedModel's `variables/variables` write (tensorflow/core/util/tensor_bundle/).

`P.index` is a LevelDB-format table (tensorflow/core/lib/io/table_builder.cc, format.cc):
data blocks of prefix-compressed entries (shared key length, unshared length, value length as
varints, then the key suffix and the value) closed by a restart array, an index block mapping
the last key of each data block to its BlockHandle (offset, size varints), and a 48-byte footer
(metaindex + index handles, padding, magic 0xdb4775248b80fb57). Each block is followed by a
5-byte trailer: a compression byte (0 none, 1 snappy) and a masked CRC32C. TensorFlow's
BundleWriter writes blocks uncompressed (table::kNoCompression); a snappy block is refused
with a clear error rather than guessed at.

Values: the entry with key "" is a BundleHeaderProto (num_shards = 1, endianness = 2); every
other key's value is a BundleEntryProto (tensor_bundle.proto): dtype = 1, shape = 2
(TensorShapeProto: dim = 2 {size = 1}), shard_id = 3, offset = 4, size = 5, crc32c = 6,
slices = 7. A tensor's bytes are `size` bytes at `offset` of its shard, row-major in the
bundle's endianness, so numeric tensors can be memory-mapped in place. DT_STRING tensors are
stored as varint64 lengths, a 4-byte checksum of the lengths, then the bytes (used for the
`_CHECKPOINTABLE_OBJECT_GRAPH` entry).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field

from . import protobuf_wire as pw
from .errors import ModelFormatError

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_LEN = 48
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"

# tensorflow/core/framework/types.proto DataType -> numpy-style name ("" = not a numeric tensor)
TF_DTYPES: dict[int, str] = {
    1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
    8: "complex64", 9: "int64", 10: "bool", 11: "qint8", 12: "quint8", 13: "qint32",
    14: "bfloat16", 15: "qint16", 16: "quint16", 17: "uint16", 18: "complex128", 19: "float16",
    20: "resource", 21: "variant", 22: "uint32", 23: "uint64", 24: "float8_e5m2",
    25: "float8_e4m3fn", 26: "float8_e4m3fnuz", 27: "float8_e4m3b11fnuz", 28: "float8_e5m2fnuz",
    29: "int4", 30: "uint4",
}


@dataclass(frozen=True)
class BundleEntry:
    """One tensor of a bundle: where its bytes are and what they are."""

    key: str  # the checkpoint key ("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE")
    dtype: str  # numpy-style name, or "dtype <n>" for a DataType this reader does not know
    shape: tuple[int, ...]
    shard: str  # path of the data file holding it
    offset: int  # byte offset in the shard
    size: int  # bytes
    sliced: bool = False  # a partitioned variable: its bytes are in per-slice entries
    crc32c: int | None = None  # masked CRC32C of the bytes, as written (equal bytes, equal CRC)

    @property
    def numel(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass
class Bundle:
    prefix: str
    entries: dict[str, BundleEntry]  # in key order
    num_shards: int
    little_endian: bool = True
    notes: list[str] = field(default_factory=list)

    def read_bytes(self, key: str) -> bytes:
        e = self.entries[key]
        try:
            with open(e.shard, "rb") as f:
                f.seek(e.offset)
                data = f.read(e.size)
        except FileNotFoundError:
            raise ModelFormatError(e.shard, "the checkpoint's data file is missing") from None
        except OSError as exc:
            raise ModelFormatError(e.shard, exc.strerror or str(exc)) from None
        if len(data) != e.size:
            raise ModelFormatError(e.shard, f"tensor {key!r} runs past the end of the data file (truncated)")
        return data

    def read_string_scalar(self, key: str) -> bytes:
        """The value of a scalar DT_STRING tensor (e.g. the checkpoint's object graph)."""
        data = self.read_bytes(key)
        ln, pos = pw.varint(data, 0)
        pos += 4  # masked CRC32C of the length varints
        if pos + ln > len(data):
            raise ModelFormatError(self.prefix, f"string tensor {key!r} is shorter than its length")
        return data[pos:pos + ln]


def prefix_of(path: str | os.PathLike) -> str | None:
    """The bundle prefix named by `path`: the prefix itself, `P.index`, a `P.data-*` shard, or a
    SavedModel's `variables/` folder; None when no `P.index` exists there."""
    p = os.fspath(path)
    if os.path.isdir(p):
        cand = os.path.join(p, "variables", "variables") if os.path.isdir(os.path.join(p, "variables")) \
            else os.path.join(p, "variables")
        if os.path.isfile(cand + ".index"):
            return cand
        latest = _latest_from_state(p)
        return latest if latest and os.path.isfile(latest + ".index") else None
    if p.endswith(".index"):
        p = p[: -len(".index")]
    elif ".data-" in os.path.basename(p):
        p = p[: p.rindex(".data-")]
    return p if os.path.isfile(p + ".index") else None


def _latest_from_state(folder: str) -> str | None:
    """The prefix a checkpoint folder's `checkpoint` state file (text proto) names as latest."""
    state = os.path.join(folder, "checkpoint")
    try:
        with open(state, encoding="utf-8") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key.strip() == "model_checkpoint_path":
                    name = val.strip().strip('"')
                    return name if os.path.isabs(name) else os.path.join(folder, name)
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _block_handle(buf, pos: int) -> tuple[int, int, int]:
    off, pos = pw.varint(buf, pos)
    size, pos = pw.varint(buf, pos)
    return off, size, pos


def _read_block(path: str, data: bytes, off: int, size: int) -> memoryview:
    if off + size + 5 > len(data):
        raise ModelFormatError(path, "a table block runs past the end of the index file (truncated)")
    ctype = data[off + size]
    if ctype == 1:
        raise ModelFormatError(path, "the index uses snappy-compressed blocks, which TensorFlow's bundle writer "
                                     "never produces and this reader does not decode")
    if ctype != 0:
        raise ModelFormatError(path, f"unknown block compression type {ctype}")
    return memoryview(data)[off:off + size]


def block_entries(path: str, block: memoryview):
    """(key bytes, value memoryview) of each entry of one table block, keys un-prefix-compressed."""
    n = len(block)
    if n < 4:
        raise ModelFormatError(path, "table block too short")
    num_restarts = struct.unpack_from("<I", block, n - 4)[0]
    limit = n - 4 - 4 * num_restarts
    if limit < 0:
        raise ModelFormatError(path, "table block's restart array is larger than the block")
    pos, key = 0, b""
    try:
        while pos < limit:
            shared, pos = pw.varint(block, pos)
            unshared, pos = pw.varint(block, pos)
            vlen, pos = pw.varint(block, pos)
            if shared > len(key) or pos + unshared + vlen > limit:
                raise ModelFormatError(path, "corrupt table entry")
            key = key[:shared] + bytes(block[pos:pos + unshared])
            pos += unshared
            yield key, block[pos:pos + vlen]
            pos += vlen
    except ValueError as e:
        raise ModelFormatError(path, f"corrupt table entry: {e}") from None


def _shape(val) -> tuple[tuple[int, ...], bool]:
    dims, unknown = [], False
    for num, _, v in pw.fields(val):
        if num == 2:
            d = pw.message(v)
            dims.append(pw.signed64(pw.first(d, 1, 0)))
        elif num == 3 and v:
            unknown = True
    return tuple(dims), unknown


def read_bundle(path: str | os.PathLike) -> Bundle:
    """Every entry of the bundle at `path` (a prefix, its .index, a shard, or a SavedModel folder).

    Raises ModelFormatError naming the file and the reason (missing, truncated, corrupt, snappy)."""
    p = os.fspath(path)
    prefix = prefix_of(p)
    if prefix is None:
        raise ModelFormatError(p, "no TensorFlow checkpoint here (expected PREFIX.index beside PREFIX.data-* files)")
    index = prefix + ".index"
    try:
        with open(index, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ModelFormatError(index, e.strerror or str(e)) from None
    if len(data) < FOOTER_LEN:
        raise ModelFormatError(index, "too short to be a checkpoint index (truncated)")
    footer = data[-FOOTER_LEN:]
    if struct.unpack_from("<Q", footer, 40)[0] != TABLE_MAGIC:
        raise ModelFormatError(index, "not a TensorFlow checkpoint index (bad table magic)")
    try:
        _, _, pos = _block_handle(footer, 0)  # metaindex: empty in bundles
        ioff, isize, _ = _block_handle(footer, pos)
    except ValueError as e:
        raise ModelFormatError(index, f"corrupt footer: {e}") from None
    raw: list[tuple[str, memoryview]] = []
    for _, handle in block_entries(index, _read_block(index, data, ioff, isize)):
        try:
            off, size, _ = _block_handle(handle, 0)
        except ValueError as e:
            raise ModelFormatError(index, f"corrupt block handle: {e}") from None
        for k, v in block_entries(index, _read_block(index, data, off, size)):
            raw.append((k.decode("utf-8", "replace"), v))
    if not raw or raw[0][0] != "":
        raise ModelFormatError(index, "checkpoint index has no header entry")
    try:
        header = pw.message(raw[0][1])
        num_shards = pw.first(header, 1, 1)
        little = pw.first(header, 2, 0) == 0
        entries: dict[str, BundleEntry] = {}
        for key, val in raw[1:]:
            m = pw.message(val)
            code = pw.first(m, 1, 0)
            dtype = TF_DTYPES.get(code, f"dtype {code}")
            shape, _ = _shape(pw.first(m, 2, b""))
            shard_id = pw.first(m, 3, 0)
            shard = f"{prefix}.data-{shard_id:05d}-of-{num_shards:05d}"
            crc = pw.first(m, 6)
            entries[key] = BundleEntry(key, dtype, shape, shard, pw.first(m, 4, 0), pw.first(m, 5, 0),
                                       bool(m.get(7)), struct.unpack("<I", crc)[0] if crc else None)
    except ValueError as e:
        raise ModelFormatError(index, f"corrupt checkpoint entry: {e}") from None
    b = Bundle(prefix, entries, num_shards, little)
    missing = sorted({e.shard for e in entries.values() if not os.path.isfile(e.shard)})
    if missing:
        b.notes.append(f"data file(s) missing: {', '.join(os.path.basename(m) for m in missing)}")
    return b
