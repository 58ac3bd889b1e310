"""ruamel.yaml round-trip helpers for migrate: load keeping comments and tags, rebuild a mapping with
keys renamed (each key's comments follow it), and notes written as comments."""

from __future__ import annotations

import io
import json
import re
from typing import Any, Optional

from . import MigrateError

_LAST: dict = {"yaml": None, "indent": (2, 0)}  # the last load's YAML object and indentation, reused to dump

CONTAINERS = {"weight_compression_v2": "B", "weight_compression_pytorch": "C", "weight_compression": "D"}
A_KEYS = {"pruning_configs", "target_sparsity", "pruning_type", "pattern", "op_names", "start_step", "end_step"}


def _yaml(indent: int = 2, offset: int = 2):
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 16
    y.indent(mapping=indent, sequence=indent + offset if offset else indent, offset=offset)
    return y


def guess_indent(text: str) -> tuple[int, int]:
    """(mapping indent, dash offset) the text uses most: a key line's children and a list's dashes."""
    from collections import Counter

    maps, dashes = Counter(), Counter()
    from ..comments import line_comment

    lines = []
    for ln in text.splitlines():
        c = line_comment(ln)
        ln = (ln[:c] if c is not None else ln).rstrip()
        if ln.strip():
            lines.append(ln)
    for a, b in zip(lines, lines[1:]):
        ia, ib = len(a) - len(a.lstrip(" ")), len(b) - len(b.lstrip(" "))
        if ib > ia and a.rstrip().endswith(":") and not a.lstrip().startswith("- "):
            (dashes if b.lstrip().startswith("- ") else maps)[ib - ia] += 1
    indent = maps.most_common(1)[0][0] if maps else 2
    offset = dashes.most_common(1)[0][0] if dashes else 0
    return (indent if 1 < indent < 9 else 2), (offset if 0 <= offset <= indent else 0)


def load(text: str) -> tuple[Any, str]:
    """The document as ruamel's round-trip model, and its dialect (A, B, C, D)."""
    _LAST["indent"] = guess_indent(text)
    y = _yaml(*_LAST["indent"])
    try:
        data = y.load(text)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MigrateError(f"the file cannot be read as YAML: {first}") from None
    _LAST["yaml"] = y
    return data, dialect_of(data)


def dialect_of(data: Any) -> str:
    if not hasattr(data, "get"):
        raise MigrateError("no pruning config found (the file is not a mapping)")
    pruning = data.get("pruning")
    if hasattr(pruning, "get"):
        approach = pruning.get("approach")
        if hasattr(approach, "get"):
            for key, d in CONTAINERS.items():
                if key in approach:
                    if not hasattr(approach[key], "get"):
                        raise MigrateError(f"`pruning.approach.{key}` is not a mapping")
                    return d
        if any(k in pruning for k in ("magnitude", "init_sparsity", "frequency", "start_epoch")):
            raise MigrateError("INC 1.0 `pruning.magnitude` configs (ilit/lpot) are not read by any INC since 1.4; "
                               "rewrite them by hand")
        raise MigrateError("`pruning.approach` has none of weight_compression_v2, weight_compression_pytorch, "
                           "weight_compression")
    if set(data.keys()) & A_KEYS:
        return "A"
    raise MigrateError("no pruning config found")


def dump(data: Any) -> str:
    y = _LAST["yaml"] or _yaml()
    buf = io.StringIO()
    y.dump(data, buf)
    # ruamel writes a tagged block mapping's first key on the dash's line (`- !PrunerV2 key: v`), which
    # YAML reads as a tagged scalar: put the key on its own line, where the entry's other keys are.
    return _TAG_LINE.sub(lambda m: f"{m[1]}- {m[2]}\n{' ' * (len(m[1]) + 2)}{m[3]}", buf.getvalue())


_TAG_LINE = re.compile(r"^( *)- (![A-Za-z0-9_]+) ([^\s{\[#][^\n]*:(?: [^\n]*)?)$", re.M)


def eol_comment(m: Any, key: Any) -> Optional[str]:
    """The comment written after `key: value` (and the whole-line comments after it), as text."""
    ca = getattr(m, "ca", None)
    if ca is None:
        return None
    entry = ca.items.get(key)
    if not entry:
        return None
    parts = [t.value for t in entry if t is not None and hasattr(t, "value")]
    return "".join(parts) or None


def columns() -> tuple[int, int]:
    """The output columns of (the global section's keys, a pruner's keys) under pruning.approach.X."""
    i, o = _LAST["indent"]
    return 3 * i, 4 * i + o


def rebuild(old: Any, items: list[tuple[Any, Any, Optional[Any]]], notes: dict[Any, list[str]],
            col: Optional[int] = None) -> Any:
    """A CommentedMap with `items` (new key, value, old key it comes from or None) in order, the old
    map's tag and leading comment, and each `notes[new key]` as `# migrate:` comment lines before that
    key. No comment of the old map is lost: an end-of-line comment stays on the key made from its key
    (a dropped key's goes into a note, with what it said); whole-line comments (ruamel keeps them on the
    key before them) follow the key made from the nearest kept key before them, and those after the last
    key stay last."""
    from ruamel.yaml.comments import CommentedMap

    new = CommentedMap()
    tag = getattr(old, "tag", None)
    if tag is not None and getattr(tag, "value", None):
        new.yaml_set_ctag(tag)
    ca = getattr(old, "ca", None)
    if ca is not None and ca.comment:
        new.ca.comment = ca.comment
    if getattr(old, "fa", None) is not None and old.fa.flow_style():
        new.fa.set_flow_style()
    for key, value, _src in items:
        new[key] = value
    notes = {k: list(v) for k, v in notes.items()}
    if items and ca is not None:
        _carry_comments(old, new, items, notes)
    col = _column(old) if col is None else col
    for key, lines in notes.items():
        if key in new and lines:
            new.yaml_set_comment_before_after_key(key, before="\n".join(f"migrate: {ln}" for ln in lines),
                                                  indent=col)
    return new


def _carry_comments(old: Any, new: Any, items: list, notes: dict) -> None:
    import copy

    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    old_keys = list(old.keys())
    made_from = {}  # old key -> the first new key made from it
    for key, _v, src in items:
        if src is not None and src not in made_from:
            made_from[src] = key
    eol: dict = {}  # new key -> its end-of-line comment token
    tails: dict = {}  # new key -> whole-line comment text to print after it
    last_new = items[-1][0]
    was: dict = {}  # new key -> notes saying what a dropped key before it said
    for i, k in enumerate(old_keys):
        entry = old.ca.items.get(k)
        tok = entry[2] if entry and len(entry) > 2 else None
        if tok is None or not isinstance(getattr(tok, "value", None), str):
            continue
        first, _nl, rest = tok.value.partition("\n")
        if k in made_from and first.strip():
            t = copy.copy(tok)
            t.value = first + "\n"
            eol[made_from[k]] = t
        elif first.strip():  # a dropped key's comment: said in a note where it was
            after = next((made_from[x] for x in old_keys[i + 1:] if x in made_from), last_new)
            was.setdefault(after, []).append(f"was `{k}: {show_value(old[k])}`  {first.strip()}")
        if rest.strip():
            if i == len(old_keys) - 1:
                owner = last_new
            else:
                owner = next((made_from[x] for x in reversed(old_keys[:i + 1]) if x in made_from), None)
            if owner is None:
                after = next((made_from[x] for x in old_keys[i + 1:] if x in made_from), last_new)
                notes.setdefault(after, []).extend(
                    ln.strip().lstrip("#").strip() for ln in rest.splitlines() if ln.strip())
            else:
                tails[owner] = tails.get(owner, "") + rest
    for key, lines in was.items():
        notes[key] = lines + notes.get(key, [])
    for key in new:
        t, tail = eol.get(key), tails.get(key, "")
        if t is None and not tail:
            continue
        if t is None:
            t = CommentToken("\n" + tail, CommentMark(0), None)
        else:
            t.value = t.value + tail
        new.ca.items[key] = [None, None, t, None]


def show_value(v: Any) -> str:
    """A value as a message quotes it: a string as is, anything else as JSON."""
    p = plain(v)
    return p if isinstance(p, str) else json.dumps(p)


def _column(m: Any) -> int:
    try:
        first = next(iter(m))
        return m.lc.key(first)[1]
    except Exception:
        return 0


def set_tag(node: Any, name: str) -> None:
    from ruamel.yaml.tag import Tag

    node.yaml_set_ctag(Tag(suffix=name))


def plain(v: Any) -> Any:
    """A ruamel value as plain Python (lists, dicts, str, numbers)."""
    if hasattr(v, "items"):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, str):
        return str(v)
    return v
