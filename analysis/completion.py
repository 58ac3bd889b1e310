"""Completion: keys, values, new pruner entries and layer names at a cursor, from the text alone.

A config being typed is broken YAML most of the time, so where the cursor is (which mapping,
which key, key or value) is read from the lines' indentation, not from the parse tree; the
parse (with its error recovery) only tells the dialect. Everything offered comes from
analysis.schema: key docs, types, defaults, allowed values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .config_doc import CONTAINERS
from .layer_hints import (LAYER_LIST_KEYS, PARAM_NAME_DIALECTS, ambiguous_names, common_prefixes, count_text,
                          layer_item_texts, offerable_layers)
from .positions import LineIndex, Position
from .schema import DIALECTS, DialectSchema, KeySpec, Level
from .schema.spec import T_BOOL, T_BOOLISH, T_DICT, T_LIST, T_PRUNERS, T_STR_LIST, _show

if TYPE_CHECKING:  # pragma: no cover
    from .engine import CheckResult

KIND_KEY, KIND_VALUE, KIND_SNIPPET, KIND_LAYER, KIND_SECTION = "key", "value", "snippet", "layer", "section"
MAX_LAYER_ITEMS = 500  # then isIncomplete: the client asks again as the user types (clangd: 100)
MAX_PREFIX_ITEMS = 20

_KEY_LINE = re.compile(r"""(?P<key>[A-Za-z_][\w.\-]*|"[^"]*"|'[^']*')\s*:(?=\s|$)""")
_WORD = re.compile(r"[\w.\-]*$")


@dataclass
class Candidate:
    """One completion item in engine positions; the server converts it to LSP."""

    label: str
    kind: str  # KIND_*
    insert_text: str
    line: int
    start: int  # code-point columns of the text the item replaces (start..end on `line`)
    end: int
    detail: str = ""
    documentation: str = ""  # markdown
    is_snippet: bool = False
    sort_text: Optional[str] = None
    filter_text: Optional[str] = None


@dataclass
class _Elem:
    col: int
    kind: str  # "dash" or "key"
    name: str = ""


@dataclass
class Context:
    """Where the cursor is, read from indentation."""

    line: int
    col: int
    path: list[str]  # keys from the document root; "-" for a list item
    key: Optional[str] = None  # the key whose value is being typed (None: typing a key)
    word_start: int = 0
    prefix: str = ""
    quote: Optional[str] = None  # the quote opened before the cursor, in a value
    in_flow_list: bool = False  # `key: [a, b, |`
    list_item: bool = False  # the cursor line is a `- ` entry with no key in it
    siblings: set[str] = field(default_factory=set)
    dash_col: Optional[int] = None  # column of the cursor line's innermost `-`


def _elements(text: str) -> list[_Elem]:
    """The structure marks at the start of a line: its dashes, then its key if any."""
    out: list[_Elem] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == "-" and (i + 1 == n or text[i + 1] in " \t"):
            if text.startswith("---", i) and not out and i == 0:
                return [_Elem(0, "doc")]
            out.append(_Elem(i, "dash"))
            i += 1
            continue
        break
    if i >= n or text[i] == "#":
        return out
    m = _KEY_LINE.match(text, i)
    if m:
        out.append(_Elem(i, "key", m.group("key").strip("\"'")))
    elif not out:
        out.append(_Elem(i, "text"))  # a scalar line (continuation, or a key still being typed)
    return out


def cursor_context(lines: LineIndex, pos: Position) -> Context:
    line_text = lines.line_text(pos.line)
    col = min(pos.character, len(line_text))
    before = line_text[:col]
    ctx = Context(pos.line, col, [])
    elems = _elements(before)
    dashes = [e for e in elems if e.kind == "dash"]
    keys = [e for e in elems if e.kind == "key"]
    if dashes:
        ctx.dash_col = dashes[-1].col
    # Column where a key at the cursor's level starts.
    if keys:
        key_col = keys[0].col
    else:
        stripped = before.lstrip(" \t-")
        key_col = len(before) - len(stripped) if stripped or dashes else col
        if dashes and not stripped:
            key_col = dashes[-1].col + 2
    if keys:
        k = keys[0]
        m = _KEY_LINE.match(before, k.col)
        assert m is not None
        ctx.key = k.name
        value = before[m.end():]
        _value_token(ctx, value, m.end())
    else:
        w = _WORD.search(before)
        ctx.word_start = w.start() if w else col
        ctx.prefix = before[ctx.word_start:]
        if dashes and not before[dashes[-1].col + 1:].strip(" \t"):
            ctx.list_item = True
        elif dashes:
            rest = before[dashes[-1].col + 1:].lstrip(" \t")
            if rest[:1] in ("'", '"'):
                ctx.list_item = True
                ctx.quote = rest[0]
                ctx.word_start = col - len(rest) + 1
                ctx.prefix = rest[1:]
    ctx.path = _ancestors(lines, pos.line, dashes[0].col if dashes else key_col)
    ctx.path += ["-"] * len(dashes)
    if ctx.list_item:
        ctx.path = ctx.path[:-1]  # the entry itself is the value being typed
    # A `- ` on the cursor line starts a new entry: its keys are on this line and below only.
    ctx.siblings = set() if ctx.list_item else _siblings(lines, pos.line, key_col, up=not dashes)
    return ctx


def _value_token(ctx: Context, value: str, offset: int) -> None:
    """Find the token being typed in a value: after `[`/`,` in a flow list, after a quote."""
    s = value
    quote = None
    start = 0
    depth = 0
    for i, c in enumerate(s):
        if quote:
            if c == quote:
                quote = None
                start = i + 1
            continue
        if c in "'\"":
            quote = c
            start = i + 1
        elif c == "[":
            depth += 1
            start = i + 1
        elif c == "]":
            depth = max(0, depth - 1)
            start = i + 1
        elif c in ", ":
            start = i + 1
    ctx.quote = quote
    ctx.in_flow_list = depth > 0
    ctx.word_start = offset + start
    ctx.prefix = s[start:]


def _ancestors(lines: LineIndex, line: int, col: int) -> list[str]:
    path: list[str] = []
    i = line - 1
    while i >= 0 and col > 0:
        elems = _elements(lines.line_text(i))
        if elems and elems[0].kind == "doc":
            break
        anc = [e for e in elems if e.col < col and e.kind in ("dash", "key")]
        if anc:
            path[:0] = [e.name if e.kind == "key" else "-" for e in anc]
            col = anc[0].col
        elif elems and elems[0].kind == "text" and elems[0].col < col:
            col = elems[0].col  # an unfinished key line above: treat as a sibling of nothing
        i -= 1
    return path


def _siblings(lines: LineIndex, line: int, col: int, up: bool = True) -> set[str]:
    out: set[str] = set()
    for step in ((-1, 1) if up else (1,)):
        i = line + step
        while 0 <= i < lines.line_count:
            elems = _elements(lines.line_text(i))
            if elems and elems[0].kind == "doc":
                break
            stop = False
            for e in elems:
                if e.kind == "key" and e.col == col:
                    out.add(e.name)
            if elems and elems[0].col < col and elems[0].kind in ("key", "dash", "text"):
                stop = True
            if stop:
                break
            i += step
    return out


# -- what the path means in a dialect ---------------------------------------------------------

def _level(d: DialectSchema, path: Sequence[str]) -> Optional[Level]:
    base = list(d.container_path) if d.id != "A" else []
    p = list(path)
    if p == base:
        return Level.GLOBAL
    if p == base + ["parameters"] and d.parameter_keys:
        return Level.PARAMETERS
    if p == base + [d.pruners_key, "-"]:
        return Level.PRUNER
    if p == base + [d.pruners_key, "-", "parameters"] and d.parameter_keys:
        return Level.PARAMETERS
    return None


def _dialect(result: "Optional[CheckResult]", path: Sequence[str]) -> Optional[DialectSchema]:
    if len(path) >= 3 and path[0] == "pruning" and path[1] == "approach" and path[2] in CONTAINERS:
        return DIALECTS[CONTAINERS[path[2]]]
    if result is not None:
        for c in result.configs:
            if c.config.dialect.supported and c.config.unrecognised is None:
                return c.config.dialect
    return None


# -- candidates -----------------------------------------------------------------------------

def _placeholder(spec: KeySpec) -> str:
    v = spec.default
    if spec.name == "pattern":
        return '"4x1"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return v
    if spec.type in (T_STR_LIST, T_LIST):
        return "[]"
    return ""


def _snippet_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("$", "\\$").replace("}", "\\}")


def _key_items(ctx: Context, specs: dict[str, KeySpec], snippets: bool, d: DialectSchema) -> list[Candidate]:
    out = []
    for name, spec in specs.items():
        if name in ctx.siblings:
            continue
        if spec.type == T_PRUNERS:
            text = _pruners_block(ctx, d, snippets)
            is_snip = snippets
        elif spec.type == T_DICT:
            text, is_snip = f"{name}:\n{' ' * (ctx.word_start + 2)}", False
        elif snippets and _placeholder(spec):
            text, is_snip = f"{name}: ${{1:{_snippet_escape(_placeholder(spec))}}}", True
        else:
            text, is_snip = f"{name}: ", False
        out.append(Candidate(
            label=name, kind=KIND_KEY, insert_text=text, line=ctx.line, start=ctx.word_start, end=ctx.col,
            detail=f"{spec.type}, default {_show(spec.default)}", documentation=spec.markdown(),
            is_snippet=is_snip, sort_text=f"0{name}", filter_text=name))
    return out


def _pruner_lines(d: DialectSchema, snippets: bool) -> list[str]:
    """The body of a new pruner entry, placeholders numbered for snippets."""
    def ph(i: int, v: str) -> str:
        return f"${{{i}:{_snippet_escape(v)}}}" if snippets else v
    if d.id in "CD":
        return [f"prune_type: {ph(1, 'basic_magnitude')}", f"names: [{ph(2, 'layer1.0.conv1.weight')}]",
                f"target_sparsity: {ph(3, '0.9')}"]
    return [f"op_names: ['{ph(1, 'layer1.*')}']", f'pattern: "{ph(2, "4x1")}"',
            f"pruning_type: {ph(3, 'magnitude')}", f"target_sparsity: {ph(4, '0.9')}",
            f"start_step: {ph(5, '0')}", f"end_step: {ph(6, '0')}"]


def _entry_text(d: DialectSchema, indent: int, snippets: bool) -> str:
    """`- !PrunerV2` and its keys; `indent` is the column of the dash. Indentation is explicit
    (the item is inserted as-is) so that every client gets the same text."""
    body = _pruner_lines(d, snippets)
    if d.pruner_tag:
        pad = " " * (indent + 4)
        return f"- {d.pruner_tag}\n" + "\n".join(pad + b for b in body)
    pad = " " * (indent + 2)
    return "- " + body[0] + "".join("\n" + pad + b for b in body[1:])


def _pruners_block(ctx: Context, d: DialectSchema, snippets: bool) -> str:
    dash = ctx.word_start + 2
    return f"{d.pruners_key}:\n{' ' * dash}" + _entry_text(d, dash, snippets)


def _new_pruner_item(ctx: Context, d: DialectSchema, snippets: bool) -> Candidate:
    start = ctx.dash_col if ctx.dash_col is not None else ctx.word_start
    text = _entry_text(d, start, snippets)
    tag = d.pruner_tag or "mapping"
    return Candidate(
        label=f"new pruner ({tag})", kind=KIND_SNIPPET, insert_text=text, line=ctx.line, start=start, end=ctx.col,
        detail="a pruner entry with the keys most configs set",
        documentation=f"A new entry of `{d.pruners_key}`:\n\n```yaml\n{_entry_text(d, 0, False)}\n```",
        is_snippet=snippets, sort_text="0", filter_text="- pruner")


def _value_items(ctx: Context, spec: KeySpec) -> list[Candidate]:
    values: list[tuple[str, Any]] = []
    seen = set()
    for v in tuple(spec.allowed or ()) + tuple(spec.snippet_values or ()):
        if v not in seen:
            seen.add(v)
            values.append((str(v), v))
    if spec.type in (T_BOOL, T_BOOLISH):
        values = [("true", True), ("false", False)]
    if spec.nullable and spec.allowed:
        values.append(("null", None))
    out = []
    for i, (label, _v) in enumerate(values):
        text = label
        if ctx.quote is None and ":" in label:
            text = f'"{label}"'  # unquoted 2:4 is the integer 124 in YAML 1.1
        doc = spec.value_docs.get(label, "")
        if label == "null":
            doc = "no value: INC's default"
        out.append(Candidate(
            label=label if text == label else text, kind=KIND_VALUE, insert_text=text, line=ctx.line,
            start=ctx.word_start, end=ctx.col, detail=f"{spec.name} value", documentation=doc,
            sort_text=f"{i:03d}", filter_text=label))
    return out


def layer_regex(name: str, anchored: bool = False) -> str:
    """A layer name as a regex matching it: dots escaped (INC uses re.search); anchored (`^...$`)
    when the name alone would also match other layers (`fc` inside `fc1`)."""
    rx = re.escape(name).replace("\\_", "_").replace("\\-", "-")
    return f"^{rx}$" if anchored else rx


def _quoted(ctx: Context, rx: str, regex: bool) -> str:
    """`rx` as the text to insert: in '...' as is, in "..." with its backslashes escaped, bare
    text quoted when it is a regex (a backslash or ^ is safest quoted)."""
    if ctx.quote == '"':
        return rx.replace("\\", "\\\\")  # a backslash escapes in double quotes
    if ctx.quote == "'":
        return rx
    return f"'{rx}'" if regex else rx


def _layer_items(ctx: Context, layers: Sequence[Any], dialect: Optional[str] = None) -> list[Candidate]:
    """Layer names for a layer list: regexes over module names, or, for dialect D's `names`,
    full parameter names (`layer1.0.conv1.weight`, matched as written)."""
    params = dialect is not None and dialect in PARAM_NAME_DIALECTS
    prefix = ctx.prefix.replace("\\", "")
    out: list[Candidate] = []
    if not params:
        for j, p in enumerate(common_prefixes(layers)[:MAX_PREFIX_ITEMS]):
            if prefix and not p.label.startswith(prefix) and prefix not in p.label:
                continue
            out.append(Candidate(
                label=p.label, kind=KIND_LAYER, insert_text=_quoted(ctx, p.regex + ".*", True), line=ctx.line,
                start=ctx.word_start, end=ctx.col, detail=f"{p.layers} layers, {count_text(p.weights)} weights",
                documentation=f"Every layer under `{p.label[:-2]}`: {p.layers} layers with weights, "
                f"{count_text(p.weights)} weights (before `pruning_op_types` and exclusions).",
                sort_text=f"0{j:04d}", filter_text=p.label))
    ambiguous = ambiguous_names(layers) if not params else frozenset()
    texts = layer_item_texts(layers)
    entries = offerable_layers(layers, params)
    if prefix:
        entries = [e for e in entries if prefix in e[1]]
    for i, name, layer in entries[:max(0, MAX_LAYER_ITEMS - len(out))]:
        memo = texts.get((name, params))
        if memo is None:
            memo = texts[(name, params)] = _layer_texts(layer, name, params, name in ambiguous)
        rx, detail = memo
        # no documentation: the detail says it all, and a thousand items must stay cheap
        out.append(Candidate(
            label=name, kind=KIND_LAYER, insert_text=_quoted(ctx, rx, not params), line=ctx.line,
            start=ctx.word_start, end=ctx.col, detail=detail, sort_text=f"1{i:06d}", filter_text=name))
    return out


def _layer_texts(layer: Any, name: str, params: bool, ambiguous: bool) -> tuple[str, str]:
    """(text to insert before quoting, detail) of one layer item."""
    shape = "x".join(str(s) for s in layer.shape) if layer.shape else "no weight"
    cls = layer.class_name or "?"
    if getattr(layer, "class_inferred", False):
        cls += " (inferred)"
    detail = " ".join(x for x in (cls, shape, layer.dtype) if x)
    detail += f", {count_text(getattr(layer, 'size', 0))} weights"
    return (name if params else layer_regex(name, ambiguous)), detail


_SECTIONS = {
    (): {"pruning": "The pruning section (INC 1.x/2.x YAML)."},
    ("pruning",): {"approach": "The pruning approach: weight_compression_v2 (INC 2.x) and older formats."},
    ("pruning", "approach"): {k: DIALECTS[v].title for k, v in CONTAINERS.items()},
}


def complete(text: str, pos: Position, *, result: "Optional[CheckResult]" = None, snippets: bool = True,
             layers: Optional[Sequence[Any]] = None, lines: Optional[LineIndex] = None) -> list[Candidate]:
    """Completion candidates at `pos` (engine units) in `text`.

    `result` is the check of this text (for the dialect); `layers` the model's layer index, when
    one is loaded, for op_names entries; `snippets` whether the client takes snippet syntax.
    """
    if lines is None:
        lines = result.parsed.lines if result is not None and result.parsed is not None \
            and result.parsed.text == text else LineIndex(text)
    if pos.line >= lines.line_count:
        return []
    ctx = cursor_context(lines, pos)
    d = _dialect(result, ctx.path)
    if d is None:
        # A config started from scratch: `pruning:` -> approach -> weight_compression_v2.
        if ctx.key is None and not ctx.list_item and tuple(ctx.path) in _SECTIONS and ctx.path \
                and ("pruning" in text or "prune-lsp:" in text):
            return _section_items(ctx, _SECTIONS[tuple(ctx.path)])
        return []
    if ctx.key is not None:
        level = _level(d, ctx.path)
        if level is None:
            return []
        spec = d.keys_at(level).get(ctx.key)
        if spec is None:
            return []
        if ctx.key in LAYER_LIST_KEYS and ctx.in_flow_list:
            return _layer_items(ctx, layers, d.id) if layers else []
        if ctx.in_flow_list:
            return []
        return _value_items(ctx, spec)
    if ctx.list_item:
        parent = ctx.path[-1] if ctx.path else None
        if parent in LAYER_LIST_KEYS and _level(d, ctx.path[:-1]) is not None:
            return _layer_items(ctx, layers, d.id) if layers else []
        if parent == d.pruners_key and _level(d, ctx.path[:-1]) is Level.GLOBAL:
            return [_new_pruner_item(ctx, d, snippets)]
        return []
    level = _level(d, ctx.path)
    if level is None:
        if tuple(ctx.path) in _SECTIONS and (d.id != "A"):
            return _section_items(ctx, _SECTIONS[tuple(ctx.path)])
        return []
    items = _key_items(ctx, d.keys_at(level), snippets, d)
    return items


def _section_items(ctx: Context, names: dict[str, str]) -> list[Candidate]:
    return [Candidate(label=k, kind=KIND_SECTION, insert_text=f"{k}:\n{' ' * (ctx.word_start + 2)}",
                      line=ctx.line, start=ctx.word_start, end=ctx.col, detail="section", documentation=doc,
                      sort_text=f"0{k}", filter_text=k)
            for k, doc in names.items() if k not in ctx.siblings]
