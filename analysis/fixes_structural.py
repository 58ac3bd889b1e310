"""Fixes that change a config's structure, which plain token edits do badly: moving `reg_coeff` into an
existing `parameters` mapping, making a `pruners` mapping a list of one tagged pruner, tagging a
flow-style pruner entry.

The moved subtree is re-emitted by ruamel.yaml's round-trip model, so its comments (end-of-line
and whole-line), key order and quoting survive; everything outside it is left byte for byte (the
edit replaces only that subtree's text). ruamel.yaml is imported only when such a fix is needed:
never on the server's start-up or keystroke path.

Each fix answers a diagnostic of the rules (PL032, PL044, PL052, PL053) that has no safe text fix:
a rule that is disabled or suppressed on that line gets no structural fix either.
"""

from __future__ import annotations

import io
import re
from typing import Callable, Iterable, Optional

from .config_doc import ConfigDoc, detect
from .diagnostics import Diagnostic, Fix, TextEdit
from .positions import Position, Range
from .yaml_parse import ParsedText, parse_text
from .yaml_tree import Mapping, Pair, Scalar

REG_COEFF_CODES = ("PL032", "PL044")
GLOBAL_ONLY = "PL044"
PRUNERS_NOT_LIST = "PL052"
UNTAGGED = "PL053"
CODES = frozenset(REG_COEFF_CODES + (PRUNERS_NOT_LIST, UNTAGGED))


def wanted(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics a structural fix may answer: the right code and no safe fix of their own."""
    return [d for d in diagnostics if d.code in CODES and not any(f.safe and f.edits for f in d.fixes)]


def structural_fixes(text: str, diagnostics: Iterable[Diagnostic],
                     parsed: Optional[ParsedText] = None) -> list[tuple[Diagnostic, Fix]]:
    """A fix for each diagnostic this module can answer in a YAML text (empty for anything else)."""
    todo = wanted(diagnostics)
    if not todo:
        return []
    parsed = parsed if parsed is not None and parsed.text == text else parse_text(text)
    docs = [c for c in (detect(d) for d in parsed.documents) if c is not None and not c.unrecognised]
    out: list[tuple[Diagnostic, Fix]] = []
    for d in todo:
        for doc in docs:
            fix = _fix_for(parsed, doc, d)
            if fix is not None:
                out.append((d, fix))
                break
    return out


def _line(parsed: ParsedText, offset: int) -> int:
    return parsed.lines.position(offset).line


def _fix_for(parsed: ParsedText, doc: ConfigDoc, d: Diagnostic) -> Optional[Fix]:
    line = d.range.start.line
    if d.code == GLOBAL_ONLY and doc.dialect.id == "B":
        fix = _global_only(parsed, doc, line)
        if fix is not None or not _is_reg_coeff_at(parsed, doc, line):
            return fix
    if d.code in REG_COEFF_CODES:
        mappings = [doc.globals] + [e.mapping for e in doc.pruners]
        for m in mappings:
            if not isinstance(m, Mapping) or m.flow:
                continue
            pair = m.get_pair("reg_coeff")
            if pair is not None and _line(parsed, pair.key.start) == line:
                return _move_reg_coeff(parsed, m, pair)
        return None
    if d.code == PRUNERS_NOT_LIST:
        pp = doc.pruners_pair
        if pp is None or not isinstance(pp.value, Mapping) or not pp.value.pairs or doc.dialect.pruner_tag is None:
            return None
        if _line(parsed, pp.value.start) != line and _line(parsed, pp.key.start) != line:
            return None
        return _pruners_mapping_to_list(parsed, pp, doc.dialect.pruner_tag)
    if d.code == UNTAGGED:
        tag = doc.dialect.pruner_tag
        for e in doc.pruners:
            node = e.node
            if isinstance(node, Mapping) and node.flow and not node.tag.startswith("!") and tag \
                    and _line(parsed, node.start) == line and parsed.lines.position(node.start) == d.range.start:
                at = d.range.start
                return Fix(f"add `{tag}`", (TextEdit(Range(at, at), f"{tag} "),))
    return None


def _is_reg_coeff_at(parsed: ParsedText, doc: ConfigDoc, line: int) -> bool:
    return any(isinstance(e.mapping, Mapping) and (p := e.mapping.get_pair("reg_coeff")) is not None
               and _line(parsed, p.key.start) == line for e in doc.pruners)


def _global_only(parsed: ParsedText, doc: ConfigDoc, line: int) -> Optional[Fix]:
    """A global-only key (`low_memory_usage`, `criterion_type`) in the only `!PrunerV2` entry moves to the
    global section, which that single pruner inherits from: same meaning, and INC accepts it. With
    several pruners the global value would reach the others too, so there is no safe fix."""
    g = doc.globals
    if len(doc.pruners) != 1 or not isinstance(g, Mapping) or g.flow:
        return None
    entry = doc.pruners[0].mapping
    if entry is None or entry.flow:
        return None
    pair = next((p for p in entry.pairs if _line(parsed, p.key.start) == line), None)
    if pair is None or not isinstance(pair.name, str) or pair.name == "reg_coeff" \
            or g.get_pair(pair.name) is not None or not isinstance(pair.value, Scalar):
        return None
    key = pair.name

    def mutate(data):
        pruners = data.get("pruners")
        if not isinstance(pruners, list) or len(pruners) != 1 or key not in pruners[0] or key in data:
            return None
        taken = _take(pruners[0], key)
        if taken is None:
            return None
        value, eol = taken
        data.insert(list(data.keys()).index("pruners"), key, value)
        if eol is not None:
            data.ca.items[key] = [None, None, eol, None]
        return data

    edit = _rewrite(parsed, g.start, _block_end(parsed, g), mutate)
    return Fix(f"move `{key}` to the global section (the only pruner inherits it)", (edit,)) if edit else None


def _take(m, key):
    """Remove `key` from a ruamel mapping: (its value, its end-of-line comment token); the whole-line
    comments ruamel kept on it go to the key before it. None when that cannot be done without loss."""
    keys = list(m.keys())
    i = keys.index(key)
    token = m.ca.items.pop(key, None)
    eol, rest = _split_comment(token)
    if rest:
        if i == 0:
            return None
        _append_comment(m, keys[i - 1], rest)
    value = m[key]
    del m[key]
    return value, eol


# --- ruamel.yaml round trip of one subtree -------------------------------------------------------

def _yaml(mapping_indent: int = 2, seq_indent: int = 4, seq_offset: int = 2):
    from ruamel.yaml import YAML  # lazily: only --fix, migrate and an explicit fixAll need it

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 16  # never re-wrap a long line
    y.indent(mapping=mapping_indent, sequence=seq_indent, offset=seq_offset)
    return y


_DASH = re.compile(r"^( *)- ")


def _indents(block: str) -> tuple[int, int, int]:
    """(mapping indent, sequence indent, dash offset) as the block writes them (2, 4, 2 if unseen)."""
    lines = [ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    m_ind, offset = 2, None
    for a, b in zip(lines, lines[1:]):
        ia, ib = len(a) - len(a.lstrip(" ")), len(b) - len(b.lstrip(" "))
        if a.rstrip().endswith(":") and ib > ia:
            if b.lstrip().startswith("- "):
                offset = ib - ia if offset is None else offset
            else:
                m_ind = ib - ia
                break
    offset = 2 if offset is None else offset
    return m_ind, offset + 2, offset


def _slice(parsed: ParsedText, start: int, end: int) -> Optional[tuple[str, int]]:
    """The text of [start, end) with its lines after the first dedented by the start column, and that
    column; None when a line is indented less (the subtree does not stand alone)."""
    col = parsed.lines.position(start).character
    raw = parsed.text[start:end]
    lines = raw.split("\n")
    out = [lines[0]]
    for ln in lines[1:]:
        if ln.strip() == "":
            out.append("")
        elif len(ln) - len(ln.lstrip(" ")) < col:
            return None
        else:
            out.append(ln[col:])
    return "\n".join(out), col


def _emit(y, data, col: int, keep_final_newline: bool) -> str:
    buf = io.StringIO()
    y.dump(data, buf)
    text = buf.getvalue()
    if not keep_final_newline:
        text = text[:-1] if text.endswith("\n") else text
    lines = text.split("\n")
    return "\n".join([lines[0]] + [(" " * col + ln) if ln.strip() else ln for ln in lines[1:]])


def _rewrite(parsed: ParsedText, start: int, end: int, mutate: Callable) -> Optional[TextEdit]:
    sl = _slice(parsed, start, end)
    if sl is None:
        return None
    block, col = sl
    crlf = "\r\n" in parsed.text  # the file's line breaks, kept in what is re-emitted
    block = block.replace("\r\n", "\n")
    y = _yaml(*_indents(block))
    try:
        data = y.load(block)
    except Exception:  # a subtree ruamel cannot read on its own: no fix rather than a wrong one
        return None
    new = mutate(data)
    if new is None:
        return None
    text = _emit(y, new, col, block.endswith("\n"))
    if crlf:
        text = text.replace("\n", "\r\n")
    if text == parsed.text[start:end]:
        return None
    return TextEdit(parsed.lines.range(start, end), text)


def _block_end(parsed: ParsedText, m: Mapping) -> int:
    """The end of a block mapping's last line (its final value may stop before a trailing comment)."""
    last = m.pairs[-1].value if m.pairs else m
    # A node's end may run past the blanks after it, onto the next entry's line.
    end = m.start + len(parsed.text[m.start:max(last.end, m.start)].rstrip())
    return parsed.lines.line_end(_line(parsed, max(end - 1, m.start)))


def _move_reg_coeff(parsed: ParsedText, m: Mapping, pair: Pair) -> Optional[Fix]:
    params = m.get_pair("parameters")
    if params is None or not isinstance(params.value, Mapping) or params.value.get_pair("reg_coeff") is not None:
        return None  # no parameters: the rule's own text fix; parameters.reg_coeff set: moving would change it
    if not isinstance(pair.value, Scalar):
        return None
    block_text = [parsed.text[m.start:m.end]]

    def mutate(data):
        keys = list(data.keys())
        if "reg_coeff" not in keys or not hasattr(data.get("parameters"), "ca"):
            return None
        i = keys.index("reg_coeff")
        value = data["reg_coeff"]
        token = data.ca.items.pop("reg_coeff", None)
        eol, rest = _split_comment(token)
        if rest:  # whole-line comments after reg_coeff belong to the key that follows: keep them there
            if i == 0:
                return None
            _append_comment(data, keys[i - 1], rest)
        del data["reg_coeff"]
        target = data["parameters"]
        target["reg_coeff"] = value
        if eol is not None and getattr(target, "fa", None) is not None and target.fa.flow_style():
            # `parameters: {...}` on one line: the comment cannot sit inside the braces; it joins the
            # comment at the end of that line
            entry = data.ca.items.setdefault("parameters", [None, None, None, None])
            if entry[2] is not None:
                first, nl, rest2 = entry[2].value.partition("\n")
                entry[2].value = first.rstrip() + "  " + eol.value.strip() + "\n" + rest2
            else:
                entry[2] = eol
        elif eol is not None:
            try:  # keep the comment's distance from the value: the key moves one level in
                eol.column = eol.column + _indents(block_text[0])[0]
            except (AttributeError, TypeError):
                pass
            target.ca.items["reg_coeff"] = [None, None, eol, None]
        return data

    edit = _rewrite(parsed, m.start, _block_end(parsed, m), mutate)
    return Fix("move `reg_coeff` into `parameters`", (edit,)) if edit else None


def _split_comment(token) -> tuple[object, str]:
    """An end-of-line comment token -> (token holding only that line's comment, the whole-line comments after it)."""
    if not token or len(token) < 3 or token[2] is None:
        return None, ""
    tok = token[2]
    value = tok.value
    first, nl, rest = value.partition("\n")
    if first.strip():
        tok.value = first + nl
        return tok, rest
    return None, value[1:] if value.startswith("\n") else value


def _append_comment(data, key, text: str) -> None:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    entry = data.ca.items.setdefault(key, [None, None, None, None])
    if entry[2] is not None:
        entry[2].value = entry[2].value + text
    else:
        entry[2] = CommentToken("\n" + text, CommentMark(0), None)


def _pruners_mapping_to_list(parsed: ParsedText, pp: Pair, tag: str) -> Optional[Fix]:
    node = pp.value
    assert isinstance(node, Mapping)
    if node.flow:  # `pruners: {a: 1}` -> `pruners: [!PrunerV2 {a: 1}]`
        a, b = parsed.lines.position(node.start), parsed.lines.position(node.end)
        return Fix(f"make it a list of one `{tag}` pruner",
                   (TextEdit(Range(a, a), f"[{tag} "), TextEdit(Range(b, b), "]")))

    def mutate(data):
        from ruamel.yaml.comments import CommentedSeq
        from ruamel.yaml.tag import Tag

        data.yaml_set_ctag(Tag(suffix=tag))
        return CommentedSeq([data])

    if _line(parsed, node.start) == _line(parsed, pp.key.start):
        return None
    # From the key's column on the mapping's first line: the lines keep their indentation and the
    # list's dash lands one step right of `pruners:`.
    key_col = parsed.lines.position(pp.key.start).character
    first = parsed.lines.position(node.start)
    if first.character <= key_col:
        return None
    start = parsed.lines.offset(Position(first.line, key_col))
    edit = _rewrite(parsed, start, _block_end(parsed, node), mutate)
    return Fix(f"make it a list of one `{tag}` pruner", (edit,)) if edit else None
