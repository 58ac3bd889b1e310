"""JSON pruning configs (dialect A or B keys), read as JSON and checked by the engine's rules.

PyYAML reads most JSON, but not all of it the way `json.load` does: a tab between tokens is a YAML
syntax error, and `1e-3` or `1.0e5` are strings in YAML 1.1 while JSON reads numbers. A user's
script does `WeightPruningConfig(**json.load(f))`, so the values must be json's: this module is a
small positioned JSON reader (code-point offsets, values exactly as `json.loads` gives them,
using json's own string and number scanners) producing the engine's nodes.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
from typing import Optional

from .comments import Directives
from .config_doc import detect
from .positions import LineIndex, Range
from .yaml_parse import Document, ParsedText, SyntaxProblem
from .yaml_tree import Mapping, Node, Pair, Scalar, Sequence

MAX_DEPTH = 200
MAX_TEXT_CHARS = 2_000_000
_WS = " \t\n\r\ufeff"  # JSON whitespace; a BOM is tolerated at the start (files.decode strips it anyway)
_TAG = "tag:yaml.org,2002:"
_LITERALS = (("true", True, "bool"), ("false", False, "bool"), ("null", None, "null"),
             ("NaN", float("nan"), "float"), ("Infinity", float("inf"), "float"), ("-Infinity", float("-inf"), "float"))


class JSONSyntaxError(ValueError):
    def __init__(self, msg: str, pos: int):
        super().__init__(msg)
        self.msg, self.pos = msg, pos


class _Reader:
    def __init__(self, text: str):
        self.text = text
        self.n = len(text)

    def ws(self, i: int) -> int:
        t, n = self.text, self.n
        while i < n and t[i] in _WS:
            i += 1
        return i

    def value(self, i: int, depth: int) -> tuple[Node, int]:
        t = self.text
        if depth > MAX_DEPTH:
            raise JSONSyntaxError(f"nested more than {MAX_DEPTH} levels deep", i)
        if i >= self.n:
            raise JSONSyntaxError("Expecting value", i)
        c = t[i]
        if c == '"':
            s, end = self._string(i)
            return Scalar(i, end, _TAG + "str", s, s, '"'), end
        if c == "{":
            return self._object(i, depth)
        if c == "[":
            return self._array(i, depth)
        m = json.scanner.NUMBER_RE.match(t, i)
        if m is not None:
            integer, frac, exp = m.groups()
            if frac or exp:
                v = float(integer + (frac or "") + (exp or ""))
                return Scalar(i, m.end(), _TAG + "float", v, m.group(0), None), m.end()
            return Scalar(i, m.end(), _TAG + "int", int(integer), m.group(0), None), m.end()
        for word, v, tag in _LITERALS:
            if t.startswith(word, i):
                return Scalar(i, i + len(word), _TAG + tag, v, word, None), i + len(word)
        raise JSONSyntaxError("Expecting value", i)

    def _string(self, i: int) -> tuple[str, int]:
        try:
            return json.decoder.scanstring(self.text, i + 1, True)
        except json.JSONDecodeError as exc:
            raise JSONSyntaxError(exc.msg, exc.pos) from None

    def _object(self, i: int, depth: int) -> tuple[Mapping, int]:
        t = self.text
        m = Mapping(i, i, _TAG + "map", [], flow=True)
        j = self.ws(i + 1)
        if j < self.n and t[j] == "}":
            m.end = j + 1
            return m, j + 1
        while True:
            if j >= self.n or t[j] != '"':
                raise JSONSyntaxError("Expecting property name enclosed in double quotes", j)
            s, k_end = self._string(j)
            # Keys are plain: rename fixes may apply, and the checker re-quotes them (see check_json_text).
            key = Scalar(j, k_end, _TAG + "str", s, s, None)
            j = self.ws(k_end)
            if j >= self.n or t[j] != ":":
                raise JSONSyntaxError("Expecting ':' delimiter", j)
            value, j = self.value(self.ws(j + 1), depth + 1)
            m.pairs.append(Pair(key, value))
            j = self.ws(j)
            if j < self.n and t[j] == ",":
                j = self.ws(j + 1)
                continue
            if j < self.n and t[j] == "}":
                m.end = j + 1
                return m, j + 1
            raise JSONSyntaxError("Expecting ',' delimiter", j)

    def _array(self, i: int, depth: int) -> tuple[Sequence, int]:
        t = self.text
        s = Sequence(i, i, _TAG + "seq", [], flow=True)
        j = self.ws(i + 1)
        if j < self.n and t[j] == "]":
            s.end = j + 1
            return s, j + 1
        while True:
            item, j = self.value(j, depth + 1)
            s.items.append(item)
            j = self.ws(j)
            if j < self.n and t[j] == ",":
                j = self.ws(j + 1)
                continue
            if j < self.n and t[j] == "]":
                s.end = j + 1
                return s, j + 1
            raise JSONSyntaxError("Expecting ',' delimiter", j)


def parse_json(text: str) -> ParsedText:
    """The JSON text as one positioned document, or a syntax problem at the first error."""
    lines = LineIndex(text)
    out = ParsedText(text, lines)
    if len(text) > MAX_TEXT_CHARS:
        out.problems.append(SyntaxProblem(f"file too large to check: {len(text):,} characters (the limit is "
                                          f"{MAX_TEXT_CHARS:,})", Range.point(0, 0), "too-large"))
        return out
    r = _Reader(text)
    start = r.ws(0)
    if start >= len(text):
        return out  # an empty file holds no config
    try:
        root, end = r.value(start, 0)
        rest = r.ws(end)
        if rest < len(text):
            raise JSONSyntaxError("Extra data", rest)
    except JSONSyntaxError as exc:
        pos = min(exc.pos, len(text))
        kind = "too-deep" if "nested" in exc.msg else "syntax"
        out.problems.append(SyntaxProblem(f"JSON syntax error: {exc.msg}", lines.range(pos, min(pos + 1, len(text))),
                                          kind))
        return out
    out.documents.append(Document(root, start, end, 0))
    return out


def check_json_text(text: str, path: Optional[str] = None, settings=None, *, model: Optional[object] = None):
    """Check a JSON file the way check_text checks YAML: a file with no pruning config gets nothing."""
    from .engine import CheckResult, check_configs, looks_like_pruning_config, syntax_matters
    from .rules.structure import SYNTAX_ERROR

    if not looks_like_pruning_config(text):
        return CheckResult(None, Directives())
    parsed = parse_json(text)
    configs = [c for c in (detect(d) for d in parsed.documents) if c is not None]
    result = check_configs(parsed, configs, settings, report_syntax=syntax_matters(text, configs), model=model)
    for d in result.diagnostics:
        if d.code == SYNTAX_ERROR.code:
            d.message = d.message.replace("YAML", "JSON", 1) if d.message.startswith("YAML") else d.message
    result.diagnostics = [_json_fixes(parsed, d) for d in result.diagnostics
                          if not _redundant(parsed, configs, d)]
    return result


def _redundant(parsed: ParsedText, configs, d) -> bool:
    """The type rule's verdict on `pruning_configs` itself: PL082 (rules/python_calls.py) owns that shape."""
    from .rules.value_types import WRONG_TYPE

    if d.code != WRONG_TYPE.code:
        return False
    for c in configs:
        pp = c.pruners_pair
        if c.dialect.id == "A" and pp is not None and d.range == parsed.lines.range(pp.value.start, pp.value.end):
            return True
    return False


def _json_fixes(parsed: ParsedText, d):
    """Keep only fixes whose result is still JSON (a YAML-shaped edit is dropped; a bare word is quoted)."""
    if not d.fixes:
        return d
    from .diagnostics import Fix, TextEdit

    kept = []
    for f in d.fixes:
        edits = []
        for e in f.edits:
            new = e.new_text
            a, b = parsed.lines.offset(e.range.start), parsed.lines.offset(e.range.end)
            if a != b and parsed.text[a:a + 1] == '"' and parsed.text[b - 1:b] == '"' and not _is_json(new):
                new = json.dumps(new, ensure_ascii=False)
            edits.append(TextEdit(e.range, new))
        fixed = parsed.text
        for e in sorted(edits, key=lambda e: parsed.lines.offset(e.range.start), reverse=True):
            fixed = fixed[:parsed.lines.offset(e.range.start)] + e.new_text + fixed[parsed.lines.offset(e.range.end):]
        try:
            json.loads(fixed)
        except ValueError:
            continue
        kept.append(Fix(f.title, tuple(edits), f.safe))
    d.fixes = kept
    return d


def _is_json(s: str) -> bool:
    try:
        json.loads(s)
        return True
    except ValueError:
        return False
