"""Exact sparsity of model weights, and INC's three figures computed from them.

    from analysis.sparsity import compute_sparsity_report
    report = compute_sparsity_report("model.safetensors", "prune.yaml", device="auto")

Modules: dtypes (bit formats: -0.0 is zero, NaN is not), patterns (INC's patterns and 2-D
layouts), kernels/thread_pool/sources (numpy streaming counts over mmap windows), torch_backend
(devices, CPU torch tensors, CUDA kernels), figures (INC's figures, true figures, notes),
tensors/access (where a file's tensors lie), report (the whole report). Nothing here imports
torch, tensorflow or h5py at module level.
"""

from __future__ import annotations

__all__ = ["compute_sparsity_report", "count_array", "SparsityError", "DeviceError"]


def __getattr__(name):  # lazy: importing the package stays cheap
    if name in ("compute_sparsity_report", "SparsityError"):
        from . import report

        return getattr(report, name)
    if name == "DeviceError":
        from .torch_backend import DeviceError

        return DeviceError
    if name == "count_array":
        from .arrays import count_array

        return count_array
    raise AttributeError(name)
