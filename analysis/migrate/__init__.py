"""`prune-lsp migrate`: rewrite a pruning config in another dialect with the same meaning.

  to "v2":     C (`weight_compression_pytorch`) and D (1.x `weight_compression`) YAML ->
               `weight_compression_v2` YAML (legacy.py), through ruamel.yaml's round-trip model so
               comments stay with the keys they describe.
  to "python": any dialect -> a `WeightPruningConfig(...)` call (wpc.py).
  to "json":   any dialect -> WeightPruningConfig's key set as JSON (wpc.py).

Where INC 2.x would behave differently and no key says the same (epochs, initial_sparsity, the
classifier head INC 2.x excludes, type names matched exactly vs as substrings, ...), the output says
so in a `# migrate:` comment and the note is returned, to be printed.
ruamel.yaml is imported here only: never on the server's start-up or keystroke path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

TARGETS = ("v2", "python", "json")


class MigrateError(Exception):
    """The config cannot be migrated (no pruning config, an unsupported dialect, a pruner with no
    INC 2.x equivalent); the message says why."""


@dataclass
class Migration:
    text: str
    source_dialect: str  # "A".."D"
    notes: list[str] = field(default_factory=list)  # each difference INC would make, one sentence


def migrate(text: str, to: str, *, steps_per_epoch: Optional[int] = None) -> Migration:
    """Migrate one config text (YAML, or a JSON key set) to `to` (one of TARGETS)."""
    if to not in TARGETS:
        raise MigrateError(f"unknown target {to!r}; choose one of {', '.join(TARGETS)}")
    from ..yaml_parse import parse_text
    from .legacy import to_v2_data
    from .rt import dump, load

    # What the checker refuses to read (an alias bomb, nesting too deep, too large), migrate refuses
    # too: ruamel shares an alias's node, and writing the result out expands every alias (it hung).
    refused = next((p for p in parse_text(text).problems if p.kind != "syntax"), None)
    if refused is not None:
        raise MigrateError(refused.message.replace("; not checked", "; not migrated"))
    data, dialect = load(text)
    notes: list[str] = []
    if dialect in ("C", "D"):
        to_v2_data(data, dialect, notes, steps_per_epoch=steps_per_epoch)
    elif to == "v2":
        if dialect == "B":
            raise MigrateError("the config is already weight_compression_v2")
        raise MigrateError("a WeightPruningConfig key set (dialect A) has no YAML file form in INC 2.x; "
                           "use --to python or --to json")
    if to == "v2":
        out = dump(data)
    else:
        from .wpc import to_json, to_python

        out = (to_python if to == "python" else to_json)(data, "A" if dialect == "A" else "B", notes)
        if not out.endswith("\n"):
            out += "\n"  # a text file ends with a newline (POSIX; git shows "No newline at end of file")
    if "\r\n" in text:  # the file's line breaks
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return Migration(out, dialect, notes)
