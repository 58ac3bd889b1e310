"""The one source of truth for INC's pruning-config keys.

Each key of each dialect and level has one `KeySpec` here: type, INC's default, allowed values,
documentation, where INC reads it and which rule codes check it. Diagnostics, completion, hover,
the JSON Schema export (`prune-lsp schema`) and docs/keys.md all read these tables.
"""

from .spec import KeySpec, DialectSchema, Level
from .dialects import DIALECTS, dialect_schema

__all__ = ["KeySpec", "DialectSchema", "Level", "DIALECTS", "dialect_schema"]
