"""Element formats as bit patterns: which bits mean "zero" and which mean "NaN".

Counting works on unsigned-integer views of the raw bytes, never on numpy float dtypes: numpy has
no bfloat16 or fp8, and a bit test treats -0.0 as zero by construction (the sign bit is shifted
out before the test). A float is zero iff its bits without the sign bit are all 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BitFormat:
    name: str
    itemsize: int
    # Floats with a sign bit: shift it out (bits << 1), then zero iff 0, NaN iff > nan_above.
    signed_zero: bool = False
    nan_above: int | None = None
    # fp8 "fnuz" formats have no -0.0: 0x80 is their only NaN, 0x00 their only zero.
    nan_equal: int | None = None
    # Quantized integers: "zero" is the zero point, not 0 (per tensor or per channel).
    quantized: bool = False
    # numpy spelling of the stored integers (for comparing with a zero point); None for floats.
    native: str | None = None
    # IEEE types numpy compares with SIMD: `x != 0` is the bit test's answer (-0.0 == 0, NaN != 0)
    # at half its cost. float16 is left out: numpy emulates its comparisons in software.
    float_view: str | None = None

    @property
    def uint(self) -> np.dtype:
        return np.dtype(f"<u{self.itemsize}")

    @property
    def is_float(self) -> bool:
        return self.signed_zero or self.nan_equal is not None


_FORMATS = [
    BitFormat("float64", 8, signed_zero=True, nan_above=0x7FF0000000000000 << 1, float_view="<f8"),
    BitFormat("float32", 4, signed_zero=True, nan_above=0x7F800000 << 1, float_view="<f4"),
    BitFormat("float16", 2, signed_zero=True, nan_above=0x7C00 << 1),
    BitFormat("bfloat16", 2, signed_zero=True, nan_above=0x7F80 << 1),
    # e4m3fn: no infinity, NaN = S.1111.111; the largest finite magnitude is 0x7E.
    BitFormat("float8_e4m3fn", 1, signed_zero=True, nan_above=0x7E << 1),
    BitFormat("float8_e5m2", 1, signed_zero=True, nan_above=0x7C << 1),
    BitFormat("float8_e4m3fnuz", 1, nan_equal=0x80),
    BitFormat("float8_e5m2fnuz", 1, nan_equal=0x80),
    BitFormat("int64", 8, native="<i8"), BitFormat("int32", 4, native="<i4"),
    BitFormat("int16", 2, native="<i2"), BitFormat("int8", 1, native="i1"),
    BitFormat("uint64", 8, native="<u8"), BitFormat("uint32", 4, native="<u4"),
    BitFormat("uint16", 2, native="<u2"), BitFormat("uint8", 1, native="u1"),
    BitFormat("bool", 1, native="u1"),
    BitFormat("qint8", 1, quantized=True, native="i1"),
    BitFormat("quint8", 1, quantized=True, native="u1"),
    BitFormat("qint32", 4, quantized=True, native="<i4"),
]
FORMATS = {f.name: f for f in _FORMATS}

# Other spellings: safetensors header codes, torch/numpy names, torch storage class names.
_ALIASES = {
    "f64": "float64", "double": "float64", "f32": "float32", "float": "float32",
    "f16": "float16", "half": "float16", "bf16": "bfloat16",
    "f8_e4m3": "float8_e4m3fn", "f8_e4m3fn": "float8_e4m3fn", "f8_e5m2": "float8_e5m2",
    "f8_e4m3fnuz": "float8_e4m3fnuz", "f8_e5m2fnuz": "float8_e5m2fnuz",
    "i64": "int64", "long": "int64", "i32": "int32", "int": "int32", "i16": "int16",
    "short": "int16", "i8": "int8", "char": "int8", "u64": "uint64", "u32": "uint32",
    "u16": "uint16", "u8": "uint8", "byte": "uint8", "bool_": "bool",
}


def bit_format(dtype: object) -> BitFormat:
    """The format of a dtype given as a safetensors code ("BF16"), a torch dtype or name
    ("torch.float32", "Half", "BFloat16Storage"), or a numpy dtype. KeyError if unsupported."""
    text = str(dtype).strip()
    key = text.lower()
    for prefix in ("torch.", "numpy."):
        if key.startswith(prefix):
            key = key[len(prefix):]
    if key.endswith("storage") and key != "storage":
        key = key[: -len("storage")]
        # torch storage class names: FloatStorage, HalfStorage, BFloat16Storage, QInt8Storage ...
        key = {"float": "float32", "half": "float16", "double": "float64", "long": "int64",
               "int": "int32", "short": "int16", "char": "int8", "byte": "uint8"}.get(key, key)
    key = _ALIASES.get(key, key)
    try:
        return FORMATS[key]
    except KeyError:
        raise KeyError(f"unsupported element type {text!r}") from None
