"""Dtype names: every reader reports numpy-style names ("float32", "bfloat16", "float8_e4m3fn").

Names follow numpy and ml_dtypes, so `np.dtype(name)` works once ml_dtypes is imported
for the low-precision floats.  `itemsize_bits` is what a reader needs to turn element
offsets into byte offsets.
"""

from __future__ import annotations

# safetensors header dtype -> numpy-style name
SAFETENSORS_DTYPES: dict[str, str] = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "U16": "uint16",
    "I16": "int16",
    "U32": "uint32",
    "I32": "int32",
    "U64": "uint64",
    "I64": "int64",
    "F16": "float16",
    "BF16": "bfloat16",
    "F32": "float32",
    "F64": "float64",
    "C64": "complex64",
    "F8_E4M3": "float8_e4m3fn",
    "F8_E5M2": "float8_e5m2",
    "F8_E8M0": "float8_e8m0fnu",
    "F6_E2M3": "float6_e2m3fn",
    "F6_E3M2": "float6_e3m2fn",
    "F4": "float4_e2m1fn",
}

# legacy typed storage class name (torch.FloatStorage, ...) -> numpy-style name
TORCH_STORAGE_DTYPES: dict[str, str] = {
    "DoubleStorage": "float64",
    "FloatStorage": "float32",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
    "ComplexDoubleStorage": "complex128",
    "ComplexFloatStorage": "complex64",
    "QUInt8Storage": "quint8",
    "QInt8Storage": "qint8",
    "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2",
    "QUInt2x4Storage": "quint2x4",
}

# `torch.<name>` dtype globals as pickled by _rebuild_tensor_v3 -> numpy-style name
TORCH_DTYPE_NAMES: dict[str, str] = {
    "float64": "float64", "double": "float64",
    "float32": "float32", "float": "float32",
    "float16": "float16", "half": "float16",
    "bfloat16": "bfloat16",
    "int64": "int64", "long": "int64",
    "int32": "int32", "int": "int32",
    "int16": "int16", "short": "int16",
    "int8": "int8",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "bool": "bool",
    "complex128": "complex128", "cdouble": "complex128",
    "complex64": "complex64", "cfloat": "complex64",
    "complex32": "complex32", "chalf": "complex32",
    "float8_e4m3fn": "float8_e4m3fn",
    "float8_e4m3fnuz": "float8_e4m3fnuz",
    "float8_e5m2": "float8_e5m2",
    "float8_e5m2fnuz": "float8_e5m2fnuz",
    "float8_e8m0fnu": "float8_e8m0fnu",
    "float4_e2m1fn_x2": "float4_e2m1fn_x2",
    "qint8": "qint8", "quint8": "quint8", "qint32": "qint32",
    "quint4x2": "quint4x2", "quint2x4": "quint2x4",
}

_BITS: dict[str, int] = {
    "bool": 8, "uint8": 8, "int8": 8, "qint8": 8, "quint8": 8, "quint4x2": 8, "quint2x4": 8,
    "uint16": 16, "int16": 16, "float16": 16, "bfloat16": 16,
    "uint32": 32, "int32": 32, "float32": 32, "qint32": 32, "complex32": 32,
    "uint64": 64, "int64": 64, "float64": 64, "complex64": 64,
    "complex128": 128,
    "float8_e4m3fn": 8, "float8_e4m3fnuz": 8, "float8_e5m2": 8, "float8_e5m2fnuz": 8,
    "float8_e8m0fnu": 8, "float4_e2m1fn_x2": 8,
    "float6_e2m3fn": 6, "float6_e3m2fn": 6, "float4_e2m1fn": 4,
}


def itemsize_bits(dtype: str) -> int:
    """Bits per element of a numpy-style dtype name (8 for unknown names, a safe default)."""
    return _BITS.get(dtype, 8)


def normalize_dtype(name: str) -> str:
    """Map a framework's dtype spelling ("torch.float32", "F32", "float32") to the numpy-style name."""
    n = str(name)
    if n in SAFETENSORS_DTYPES:
        return SAFETENSORS_DTYPES[n]
    if n.startswith("torch."):
        n = n[len("torch."):]
    return TORCH_DTYPE_NAMES.get(n, n)
