"""Completion in Python files, inside `WeightPruningConfig(...)` calls: keyword arguments
(`target_sparsity=`), the `"key": ` entries of the pruner dicts in `pruning_configs` (and of their
`parameters`), values inside a string or after `=`/`:` (`pattern="4x1"`), and the model's layer
names inside `op_names`/`excluded_op_names`. Everything offered comes from analysis.schema
(dialect A); the layer names from the model's index.

A file being typed rarely parses, so the cursor's context is read by a light scan of the text
before it (strings, comments, brackets), not by `ast`; a call is recognised by its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from .completion import KIND_KEY, KIND_VALUE, Candidate, _layer_items, Context
from .layer_hints import LAYER_LIST_KEYS
from .positions import LineIndex, Position
from .python_config import might_contain_config
from .python_config.calls import SIGNATURE
from .schema import DIALECTS, KeySpec, Level
from .schema.spec import T_BOOL, T_BOOLISH, _show

_TOKEN = re.compile(r"""(?P<comment>\#[^\n]*)|(?P<string>(?P<pfx>[rRbBuUfF]{0,2})(?P<q>'''|\"\"\"|'|"))|(?P<open>[(\[{])"""
                    r"""|(?P<close>[)\]}])|(?P<comma>,)|(?P<colon>:)""")
_CALL = re.compile(r"(?<![\w.])(?:[A-Za-z_]\w*\.)*WeightPruningConfig\s*$")
_GAP = r"(?:\s|\#[^\n]*)*"  # blanks and comments
_KWARG = re.compile(_GAP + r"([A-Za-z_]\w*)\s*=(?!=)")
_DICT_KEY = re.compile(_GAP + r"""(['"])(\w+)\1\s*:""")
_ASSIGNED = re.compile(r"(?:^|\n)[ \t]*([A-Za-z_]\w*)[ \t]*(?::[^=\n]*)?=[ \t]*$")
_IDENT_TAIL = re.compile(r"[A-Za-z_]\w*$|$")


def _blank(s: str) -> bool:
    return re.fullmatch(_GAP, s) is not None


@dataclass
class Frame:
    char: str  # "(", "[" or "{"
    open: int  # offset of the bracket
    seg: int  # start of the current top-level segment (after the last comma)
    commas: int = 0
    colon: Optional[int] = None  # top-level `:` in the current segment (a dict's key/value split)
    owner_seg: str = ""  # the parent's segment text before this bracket (`op_names=`, `"parameters": `)
    owner_pos: int = 0  # the parent's comma count before this bracket (positional argument index)


@dataclass
class PyContext:
    frames: list[Frame] = field(default_factory=list)
    string_start: Optional[int] = None  # offset of the first character inside an open string at the cursor
    string_open: Optional[int] = None  # offset of that string's prefix or opening quote
    string_quote: str = ""
    string_raw: bool = False


def _string_end(text: str, i: int, q: str, raw: bool, limit: int) -> Optional[int]:
    """Offset after the string body starting at `i` (closing quote included); None if open at `limit`."""
    n = min(len(text), limit)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if len(q) == 1 and c == "\n":
            return i  # an unterminated one-line string ends at the line break
        if text.startswith(q, i):
            return i + len(q)
        i += 1
    return None


def scan(text: str, end: int) -> PyContext:
    """Brackets and the open string at `end`, from the start of the text."""
    ctx = PyContext()
    frames = ctx.frames
    i = 0
    while True:
        m = _TOKEN.search(text, i, end)
        if m is None:
            return ctx
        kind = m.lastgroup
        if m.group("string") is not None:
            pfx = m.group("pfx")
            if pfx and (text[m.start() - 1:m.start()].isalnum() or text[m.start() - 1:m.start()] == "_"):
                pfx = ""  # `bar"...`: the letters end a name; the quote opens a plain string
            q = m.group("q")
            body = m.end()
            close = _string_end(text, body, q, "r" in pfx.lower(), end)
            if close is None:
                ctx.string_start, ctx.string_quote, ctx.string_raw = body, q, "r" in pfx.lower()
                ctx.string_open = m.start("q") - len(pfx)
                return ctx
            i = close
            continue
        i = m.end()
        if kind == "comment":
            continue
        if kind == "open":
            parent = frames[-1] if frames else None
            f = Frame(m.group(), m.start(), m.end())
            if parent is not None:
                f.owner_seg, f.owner_pos = text[parent.seg:m.start()], parent.commas
            else:
                f.owner_seg = text[max(0, m.start() - 200):m.start()]
            frames.append(f)
        elif kind == "close":
            if frames:
                frames.pop()
        elif frames and kind == "comma":
            f = frames[-1]
            f.seg, f.commas, f.colon = m.end(), f.commas + 1, None
        elif frames and kind == "colon" and frames[-1].colon is None:
            frames[-1].colon = m.start()


def _top_level(text: str, f: Frame, cursor: int, limit: int = 20000) -> list[str]:
    """The keys (call keywords or dict string keys) written at the top level of frame `f`, before and
    after the cursor, up to its closing bracket; not the one being typed at `cursor`."""
    keys: list[str] = []
    positional = 0
    depth, seg, i, n = 0, f.open + 1, f.open + 1, min(len(text), f.open + limit)
    pat = _KWARG if f.char == "(" else _DICT_KEY
    while i <= n:
        m = _TOKEN.search(text, i, n)
        stop = m is None or (m.lastgroup == "close" and depth == 0)
        if depth == 0 and (stop or m.lastgroup == "comma"):
            seg_end = m.start() if m else n
            k = pat.match(text, seg, seg_end) if not seg <= cursor <= seg_end else None
            if seg <= cursor <= seg_end:
                positional += 1
            elif k:
                keys.append(k.group(1) if f.char == "(" else k.group(2))
            elif f.char == "(" and not _blank(text[seg:seg_end]) and not text[seg:seg_end].lstrip().startswith("*"):
                if positional < len(SIGNATURE):
                    keys.append(SIGNATURE[positional])  # a positional argument binds the parameter
                positional += 1
            if stop:
                return keys
            seg = m.end()
        if m is None:
            return keys
        if m.group("string") is not None:
            close = _string_end(text, m.end(), m.group("q"), "r" in m.group("pfx").lower(), n)
            if close is None:
                return keys
            i = close
            continue
        if m.lastgroup == "open":
            depth += 1
        elif m.lastgroup == "close":
            depth -= 1
        i = m.end()
    return keys


# -- what a frame is -------------------------------------------------------------------------


def _is_call(text: str, f: Frame) -> bool:
    return f.char == "(" and _CALL.search(text, max(0, f.open - 200), f.open) is not None


def _owner_key(f: Frame, parent: Optional[Frame], parent_kind: Optional[str]) -> Optional[str]:
    """The key whose value the bracket `f` opens: `op_names=[`, `"parameters": {`, a positional argument."""
    if parent_kind == "call":
        m = _KWARG.match(f.owner_seg)
        if m:
            return m.group(1)
        if not f.owner_seg.strip() and f.owner_pos < len(SIGNATURE):
            return SIGNATURE[f.owner_pos]
        return None
    if parent is not None and parent.char == "{":
        m = _DICT_KEY.match(f.owner_seg)
        return m.group(2) if m else None
    return None


def _names_passed_as_pruning_configs(text: str) -> set[str]:
    out = set(re.findall(r"\bpruning_configs\s*=\s*([A-Za-z_]\w*)\s*[,)]", text))
    out |= set(re.findall(r"WeightPruningConfig\s*\(\s*([A-Za-z_]\w*)\s*[,)]", text))
    return out


def _kinds(text: str, frames: list[Frame]) -> list[tuple[Optional[str], Optional[str]]]:
    """For each frame: (kind, key) with kind "call" (the WeightPruningConfig arguments: global
    level), "pruners" (the pruning_configs list), "pruner" (one pruner dict), "parameters", "list"
    (a list value of key `key` at some level), or None (nothing of ours)."""
    out: list[tuple[Optional[str], Optional[str]]] = []
    level_of: list[Optional[Level]] = []
    for k, f in enumerate(frames):
        parent = frames[k - 1] if k else None
        pkind = out[k - 1][0] if k else None
        plevel = level_of[k - 1] if k else None
        kind: Optional[str] = None
        key: Optional[str] = None
        level: Optional[Level] = None
        if _is_call(text, f):
            kind, level = "call", Level.GLOBAL
        elif pkind is not None:
            key = _owner_key(f, parent, pkind if pkind == "call" else None)
            if pkind in ("call", "pruner", "parameters") and key is not None:
                if key == "pruning_configs" and f.char == "[" and pkind == "call":
                    kind = "pruners"
                elif key == "parameters" and f.char == "{":
                    kind, level = "parameters", Level.PARAMETERS
                elif f.char == "[":
                    kind, level = "list", plevel
            elif pkind == "pruners" and f.char == "{":
                kind, level = "pruner", Level.PRUNER
        elif k == 0 and f.char == "[":
            m = _ASSIGNED.search(f.owner_seg)
            if m and m.group(1) in _names_passed_as_pruning_configs(text):
                kind = "pruners"  # `configs = [ {...} ]` passed as pruning_configs
        out.append((kind, key))
        level_of.append(level)
    return out


# -- candidates -------------------------------------------------------------------------------


def _literal(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(v)


def _values(spec: KeySpec) -> list[Any]:
    if spec.type in (T_BOOL, T_BOOLISH):
        return [True, False]
    seen: list[Any] = []
    for v in tuple(spec.allowed or ()) + tuple(spec.snippet_values or ()):
        if v not in seen:
            seen.append(v)
    if spec.nullable and spec.allowed:
        seen.append(None)
    return seen


def _spot(lines: LineIndex, start: int, end: int) -> Optional[tuple[int, int, int]]:
    """(line, start col, end col) of a one-line span."""
    a, b = lines.position(start), lines.position(end)
    return (a.line, a.character, b.character) if a.line == b.line else None


def _key_items(specs: dict[str, KeySpec], present: set[str], spot: tuple[int, int, int], call: bool,
               in_string: bool) -> list[Candidate]:
    out = []
    for name, spec in specs.items():
        if name in present:
            continue
        text = name if in_string else (f"{name}=" if call else f'"{name}": ')
        out.append(Candidate(label=name, kind=KIND_KEY, insert_text=text, line=spot[0], start=spot[1], end=spot[2],
                             detail=f"{spec.type}, default {_show(spec.default)}", documentation=spec.markdown(),
                             sort_text=f"0{name}", filter_text=name))
    return out


def _value_items(spec: KeySpec, spot: tuple[int, int, int], in_string: bool) -> list[Candidate]:
    out = []
    for i, v in enumerate(_values(spec)):
        if in_string and not isinstance(v, str):
            continue
        text = v if in_string else _literal(v)
        out.append(Candidate(label=str(v) if in_string else text, kind=KIND_VALUE, insert_text=text, line=spot[0],
                             start=spot[1], end=spot[2], detail=f"{spec.name} value",
                             documentation=spec.value_docs.get(str(v), "") if v is not None else "no value: INC's default",
                             sort_text=f"{i:03d}", filter_text=str(v) if in_string else text))
    return out


def _layer_candidates(layers: Sequence[Any], lines: LineIndex, pos: Position, prefix_start: int, offset: int,
                      pc: PyContext, text: str) -> list[Candidate]:
    """Layer names, via the YAML completion's items (regexes, prefixes), re-quoted for Python."""
    start = lines.position(prefix_start)
    if start.line != pos.line:
        return []
    ctx = Context(pos.line, pos.character, [], word_start=start.character, prefix=text[prefix_start:offset],
                  quote="'")  # the bare regex text: quoted for Python below
    items = _layer_items(ctx, layers, "A")
    for c in items:
        rx = c.insert_text
        if pc.string_start is None:
            c.insert_text = f'r"{rx}"'
        elif not pc.string_raw:
            c.insert_text = rx.replace("\\", "\\\\")  # "\." is an invalid escape in a plain string
    return items


def complete_python(text: str, pos: Position, *, layers: Optional[Sequence[Any]] = None,
                    lines: Optional[LineIndex] = None) -> list[Candidate]:
    """Completion candidates at `pos` (engine units) in a Python file."""
    if not might_contain_config(text):
        return []
    lines = lines if lines is not None and lines.text == text else LineIndex(text)
    if pos.line >= lines.line_count:
        return []
    offset = lines.offset(pos)
    pc = scan(text, offset)
    if not pc.frames:
        return []
    kinds = _kinds(text, pc.frames)
    f = pc.frames[-1]
    kind, key = kinds[-1]
    if kind is None:
        return []
    a = DIALECTS["A"]
    in_string = pc.string_start is not None
    if in_string:
        start = pc.string_start
    else:
        m = _IDENT_TAIL.search(text, f.seg, offset)
        start = m.start() if m else offset
    spot = _spot(lines, start, offset)
    if spot is None:
        return []
    seg = text[f.seg:pc.string_open if in_string else start]  # the segment before the token typed
    before = pc.string_open if in_string else start
    if kind == "list":
        if key in LAYER_LIST_KEYS and layers:
            if in_string or not seg.strip() or seg.strip().endswith(","):
                return _layer_candidates(layers, lines, pos, start, offset, pc, text)
        return []
    level = {"call": Level.GLOBAL, "pruner": Level.PRUNER, "parameters": Level.PARAMETERS}.get(kind)
    if level is None:
        return []
    specs = a.keys_at(level)
    if kind == "call":
        kw = _KWARG.match(seg)
        if kw is None:  # typing a keyword name (not inside a string: that is a positional value)
            if in_string or not _blank(seg):
                return []
            return _key_items(specs, set(_top_level(text, f, offset)), spot, True, False)
        spec = specs.get(kw.group(1))
        rest = text[f.seg + kw.end():before].strip()
        return _value_items(spec, spot, in_string) if spec is not None and not rest else []
    # a dict: a key before its top-level colon, a value after it
    if f.colon is None or f.colon >= before:
        if not _blank(seg):
            return []
        return _key_items(specs, set(_top_level(text, f, offset)), spot, False, in_string)
    k = _DICT_KEY.match(text, f.seg)
    spec = specs.get(k.group(2)) if k else None
    rest = text[f.colon + 1:before].strip()
    return _value_items(spec, spot, in_string) if spec is not None and not rest else []
