"""check_python_text: the engine's rules on the WeightPruningConfig(...) calls of a Python file.

Three things differ from a YAML check, all in this module:
- findings that could depend on a value prune-lsp cannot read are dropped: those reported on the
  unreadable expression itself, and those that do not hold for every value the schema knows for
  an unreadable key (each key is tried in turn: default, allowed and typical values, unset);
- fixes are made valid Python (a bare word put where a string literal was is quoted again) and a
  fix whose edits are not literal-for-literal replacements (a YAML-shaped rewrite) is dropped;
- a syntax error is the only finding in a file that does not parse.
"""

from __future__ import annotations

import ast
import copy
import keyword
from typing import Any, Iterable, Optional

from ..comments import Directives, parse_directives, scan_comments
from ..diagnostics import Diagnostic, Fix, Severity, TextEdit
from ..positions import LineIndex, Position, Range
from ..schema import DIALECTS
from ..schema import spec as T
from ..yaml_parse import ParsedText
from ..yaml_tree import Mapping, Node, Scalar, Sequence
from .calls import CallBuilder, PythonConfigDoc, is_config_call
from .entry_points import find_config_first_calls
from .imports import find_missing_imports
from .literals import UNKNOWN, Converter, UnknownScalar
from .runtime import apply_overrides
from .scopes import ScopeIndex
from .source import SourceMap

CLASS_NAME = "WeightPruningConfig"
SYNTAX_CODE = "PL050"
PYTHON_CODES = {f"PL08{i}" for i in range(10)}  # rules/python_calls.py: they account for unknowns themselves
SHAPE_RULE = "PL082"


def might_contain_config(text: str) -> bool:
    """Cheap pre-check: a file that never names WeightPruningConfig holds no call to it."""
    return CLASS_NAME in text


class Analysis:
    """One parse of a Python file: its configs and what the checker needs to refine findings."""

    def __init__(self, text: str):
        self.text = text
        self.smap = SourceMap(text)
        self.syntax_error: Optional[Diagnostic] = None
        self.docs: list[PythonConfigDoc] = []
        self.conv: Optional[Converter] = None
        self.lines = LineIndex(text)
        try:
            tree = ast.parse(self.smap.src)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self.syntax_error = self._syntax_diagnostic(exc)
            return
        index = ScopeIndex(tree)
        self.conv = Converter(self.smap, index.literal_of)
        builder = CallBuilder(text, self.smap, index, self.conv)
        sites = sorted((s for s in index.calls if is_config_call(index, s)),
                       key=lambda s: (s.call.lineno, s.call.col_offset))
        self.docs = [builder.build(site, i) for i, site in enumerate(sites)]
        apply_overrides(tree, self.docs, sites, self.conv)  # values the script changes at run time
        swapped = find_config_first_calls(index, self.smap, {id(s.call): i for i, s in enumerate(sites)})
        for i, calls in swapped.items():
            self.docs[i].python.config_first = calls
        if self.docs:
            self.docs[0].python.missing_imports = find_missing_imports(tree, self.smap)
        infos = [d.python for d in self.docs]
        for info in infos:
            info.siblings = infos

    def _syntax_diagnostic(self, exc: BaseException) -> Diagnostic:
        if isinstance(exc, SyntaxError) and exc.lineno:
            line = exc.lineno - 1
            # SyntaxError columns count characters (1-based), in the text without its BOM.
            extra = self.smap.shift if line == 0 else 0
            width = len(self.lines.line_text(line))
            col = min(max((exc.offset or 1) - 1 + extra, 0), width)
            end_line = (exc.end_lineno or exc.lineno) - 1
            end_col = (exc.end_offset or 0) - 1 + (self.smap.shift if end_line == 0 else 0)
            start = Position(line, col)
            end = Position(end_line, min(end_col, len(self.lines.line_text(end_line))))
            if end <= start:
                end = Position(line, min(col + 1, width)) if col < width else start
            return Diagnostic(SYNTAX_CODE, Severity.ERROR, f"Python syntax error: {exc.msg}", Range(start, end))
        what = "nested too deeply" if isinstance(exc, (RecursionError, MemoryError)) else str(exc)
        return Diagnostic(SYNTAX_CODE, Severity.ERROR, f"Python file cannot be parsed: {what}", Range.point(0, 0))


def find_configs(text: str) -> list[PythonConfigDoc]:
    """One dialect-A ConfigDoc per WeightPruningConfig(...) call (none when the file does not parse)."""
    if not might_contain_config(text):
        return []
    return Analysis(text).docs


def check_python_text(text: str, path: Optional[str] = None, settings=None, *, model: Optional[object] = None):
    from ..engine import CheckResult, CheckSettings, check_configs  # lazily: the engine imports every rule

    settings = settings or CheckSettings()
    if not might_contain_config(text):
        return CheckResult(None, Directives())
    a = Analysis(text)
    parsed = ParsedText(text, a.lines)
    if a.syntax_error is not None:
        directives = parse_directives(a.lines, scan_comments(a.lines))
        d = a.syntax_error
        keep = SYNTAX_CODE not in settings.disabled_rules and not directives.suppressed(d.code, d.range.start.line)
        return CheckResult(parsed, directives, diagnostics=[d] if keep else [])
    if not a.docs:
        return check_configs(parsed, [], settings, model=model)
    result = None
    found: list[Diagnostic] = []
    for doc in a.docs:
        r = check_configs(parsed, [doc], settings, model=model)
        found.extend(_refine(parsed, doc, r.diagnostics, settings, model))
        if result is None:
            result = r
        else:
            result.configs.extend(r.configs)
    assert result is not None
    result.diagnostics = _fix_fixes(a, _dedupe(found))
    return result


# --- findings that depend on what cannot be read

def _refine(parsed: ParsedText, doc: PythonConfigDoc, diags: list[Diagnostic], settings, model) -> list[Diagnostic]:
    spans = [parsed.lines.range(u.start, u.end) for u in doc.unknowns]
    pc = doc.root.get_pair("pruning_configs")
    pc_range = parsed.lines.range(pc.value.start, pc.value.end) if pc is not None else None
    out = []
    for d in diags:
        if d.code in PYTHON_CODES:
            out.append(d)
            continue
        if any(r.start <= d.range.start and d.range.end <= r.end for r in spans):
            continue
        # The shape of pruning_configs is PL082's (the type rule's "list[dict]" adds nothing).
        if d.code == "PL013" and pc_range is not None and d.range == pc_range:
            continue
        out.append(d)
    keyed: dict[str, list[UnknownScalar]] = {}
    for u in doc.unknowns:
        if u.config_key:
            keyed.setdefault(u.config_key, []).append(u)
    # A finding on a written key is about the key (unknown, duplicated, misplaced), not about values;
    # except where rules anchor a pruner-wide finding (the list's key, the call's first key).
    keys = _key_ranges(parsed, doc)
    doubtful = [d for d in out if d.code not in PYTHON_CODES and d.range not in keys]
    dropped: set[int] = set()
    for key, nodes in keyed.items():
        for value in candidates(key):
            if not doubtful:
                break
            for u in nodes:
                u.value = copy.deepcopy(value)
            try:
                seen = _rerun(parsed, doc, {d.code for d in doubtful}, model)
            finally:
                for u in nodes:
                    u.value = UNKNOWN
            dropped.update(id(d) for d in doubtful if (d.code, d.range) not in seen)
            doubtful = [d for d in doubtful if (d.code, d.range) in seen]
    return [d for d in out if id(d) not in dropped]


def _key_ranges(parsed: ParsedText, doc: PythonConfigDoc) -> set[Range]:
    out: set[Range] = set()
    mappings = [doc.root] + [e.node for e in doc.pruners if isinstance(e.node, Mapping)]
    mappings += [m.get("parameters") for m in list(mappings) if isinstance(m.get("parameters"), Mapping)]
    for m in mappings:
        for p in m.pairs:
            if not p.merged and (p.key.start, p.key.end) != (p.value.start, p.value.end):
                out.add(parsed.lines.range(p.key.start, p.key.end))
    anchors = [doc.pruners_pair.key] if doc.pruners_pair is not None else []
    anchors += [doc.container.key] if doc.container is not None else []
    anchors += [doc.root.pairs[0].key] if doc.root.pairs else []
    for k in anchors:
        out.discard(parsed.lines.range(k.start, k.end))
    return out


def _rerun(parsed: ParsedText, doc: PythonConfigDoc, codes: set[str], model) -> set[tuple[str, Range]]:
    """(code, range) of what the checks that report `codes` find now (only those checks run)."""
    from ..merge import effective_pruners
    from ..rules.context import RuleContext
    from ..rules.registry import CHECKS

    ctx = RuleContext(parsed, doc, effective_pruners(doc), model=model)
    for rules, fn in CHECKS:
        if any(r.code in codes and "A" in r.dialects for r in rules):
            try:
                fn(ctx)
            except Exception:  # a check that fails on this value proves nothing either way
                pass
    return {(d.code, d.range) for d in ctx.diagnostics}


_TYPICAL = {
    T.T_FLOAT: (0.0, 0.1, 0.5, 0.9), T.T_STRICT_FLOAT: (0.0, 0.5), T.T_INT: (0, 1, 10, 100, 1_000_000),
    T.T_BOOL: (False, True), T.T_BOOLISH: (False, True), T.T_STR_LIST: ([], [".*"]), T.T_LIST: ([],),
    T.T_DICT: ({}, {"reg_coeff": 0.0}),
}


def candidates(key: str) -> list[Any]:
    """Values an unreadable `key` may plausibly hold: unset, INC's default, the allowed and typical ones."""
    a = DIALECTS["A"]
    spec = a.global_keys.get(key) or a.pruner_keys.get(key) or a.parameter_keys.get(key)
    out: list[Any] = [None]
    if spec is not None:
        out.append(spec.default)
        out.extend(spec.allowed or ())
        out.extend(spec.snippet_values or ())
        out.extend(_TYPICAL.get(spec.type, ()))
    unique, seen = [], set()
    for v in out:
        r = repr(v)
        if r not in seen:
            seen.add(r)
            unique.append(v)
    return unique


def _dedupe(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """A literal shared by two calls (a module-level list passed to both) is reported once."""
    out, seen = [], set()
    for d in diags:
        k = (d.code, d.range)
        if k not in seen:
            seen.add(k)
            out.append(d)
    out.sort(key=Diagnostic.sort_key)
    return out


# --- fixes as valid Python

def _fix_fixes(a: Analysis, diags: list[Diagnostic]) -> list[Diagnostic]:
    if not any(d.fixes for d in diags):
        return diags
    kinds = _node_kinds(a)
    for d in diags:
        if not d.fixes or d.code in PYTHON_CODES:
            continue
        d.fixes = [f for f in (_python_fix(a, kinds, f) for f in d.fixes) if f is not None]
    return diags


def _node_kinds(a: Analysis) -> dict[tuple[int, int], str]:
    """Spans a rule's fix may replace: keyword names ("ident"), string literals ("str"), other literals."""
    kinds: dict[tuple[int, int], str] = {}
    strings = a.conv.str_literals if a.conv else set()

    def visit(n: Node) -> None:
        if isinstance(n, UnknownScalar):
            return
        if isinstance(n, Scalar):
            kinds.setdefault((n.start, n.end), "str" if (n.start, n.end) in strings else "literal")
        elif isinstance(n, Mapping):
            for p in n.pairs:
                if not p.merged:
                    visit(p.key)
                    visit(p.value)
        elif isinstance(n, Sequence):
            for i in n.items:
                visit(i)

    for doc in a.docs:
        for p in doc.root.pairs:
            k = p.key
            if not p.merged and isinstance(k, Scalar) and (k.start, k.end) != (p.value.start, p.value.end) \
                    and (k.start, k.end) not in strings:
                kinds[(k.start, k.end)] = "ident"
            visit(p.value)
    return kinds


def _python_fix(a: Analysis, kinds: dict, fix: Fix) -> Optional[Fix]:
    edits = []
    for e in fix.edits:
        span = (a.lines.offset(e.range.start), a.lines.offset(e.range.end))
        kind = kinds.get(span)
        new = e.new_text
        if kind is None:
            return None
        if kind == "ident":
            if not new.isidentifier() or keyword.iskeyword(new):
                return None
        else:
            try:
                value = ast.literal_eval(new)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                new = _quote(new, a.text[span[0]:span[1]] if kind == "str" else "")
            else:
                if kind == "str" and isinstance(value, str):  # the YAML fix's "4x1": in the file's own quotes
                    new = _quote(value, a.text[span[0]:span[1]])
        edits.append(TextEdit(e.range, new))
    fixed = _apply(a.text, a.lines, edits)
    try:
        ast.parse(SourceMap(fixed).src)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return Fix(fix.title, tuple(edits), fix.safe)


def _quote(text: str, original: str) -> str:
    """`text` as a string literal, with the quote character of the literal it replaces."""
    q = original[-1:] if original[-1:] in ("'", '"') else '"'
    if q in text or "\\" in text or "\n" in text:
        return repr(text)
    return f"{q}{text}{q}"


def _apply(text: str, lines: LineIndex, edits: list[TextEdit]) -> str:
    spans = sorted(((lines.offset(e.range.start), lines.offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for s, t, new in spans:
        text = text[:s] + new + text[t:]
    return text
