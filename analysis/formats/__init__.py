"""Low-level readers of model file formats: names, dtypes, shapes and byte offsets, never weights.

Nothing here imports torch, tensorflow or h5py at module level; the readers parse the
files themselves (safetensors JSON header, the pickle inside a torch zip) so that the
language server can list layers in milliseconds and the sparsity counter can np.memmap
the data at the offsets given here.
"""

from __future__ import annotations

from .errors import ModelFormatError, UnsafePickleError

__all__ = ["ModelFormatError", "UnsafePickleError"]
