"""Count one in-memory array: the entry point for numpy arrays and CPU torch tensors."""

from __future__ import annotations

import numpy as np

from .dtypes import BitFormat, bit_format
from .kernels import Counts, TensorJob, ZeroTest, as_bits
from .patterns import Pattern, keras_geometry, parse_pattern, resolve_block, torch_geometry
from .thread_pool import run_jobs
from .sources import ArraySource


def count_array(array: np.ndarray, dtype: object = None, pattern: str | Pattern | None = None,
                layout: str = "torch", class_name: str = "", zero_point=None, axis: int = 0,
                threads: int | None = None) -> tuple[Counts, str | None]:
    """Exact counts of `array` (any numpy array; `dtype` names the element format when the
    array is a raw integer view, e.g. uint16 holding bfloat16). Returns (counts, reason) where
    reason says why no block metric was computed (INC would find the layer invalid)."""
    fmt: BitFormat = bit_format(dtype if dtype is not None else array.dtype)
    shape = array.shape
    geom = keras_geometry(shape, class_name) if layout == "keras" else torch_geometry(shape)
    block, reason = None, None
    if pattern is not None:
        pat = parse_pattern(pattern) if isinstance(pattern, str) else pattern
        block, reason = resolve_block(pat, geom)
    job = TensorJob(None, ArraySource(as_bits(array, fmt)), ZeroTest(fmt, zero_point, axis), geom, block)
    run_jobs([job], threads=threads)
    return job.counts, reason
