"""Errors raised by the format readers: each names the file and says why in one line."""

from __future__ import annotations

import os


class ModelFormatError(ValueError):
    """A file is not readable as the format it claims to be (truncated, bad header, ...)."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsafePickleError(ModelFormatError):
    """A pickle asked for a global outside the state-dict allow-list; nothing was executed."""

    def __init__(self, path: str | os.PathLike, global_name: str):
        self.global_name = global_name
        super().__init__(
            path,
            f"refused to unpickle '{global_name}': the file holds more than tensors "
            "(a pickled module or arbitrary object); allow code execution to load it",
        )
