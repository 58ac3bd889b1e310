"""Parse a YAML text into positioned documents, recovering from syntax errors.

A config being typed is usually broken somewhere. On a syntax error we report it once, at its
position, then blank the offending line(s) and parse again, so the rest of the file is still
checked and completion still knows where the cursor is. Hostile input is bounded: size, nesting
depth and alias expansion are checked before or while building the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from typing import Optional

import yaml

from .positions import LineIndex, Range
from .yaml_tree import Node, TreeTooLarge, build_tree, expands_beyond

try:  # libyaml's composer: ~10x faster, same marks (code-point index) as the pure-Python one
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

_ScalarNode, _SequenceNode = yaml.ScalarNode, yaml.SequenceNode
_base_resolve = _BaseLoader.resolve
_STR_TAG = _BaseLoader.DEFAULT_SCALAR_TAG
_SEQ_TAG = _BaseLoader.DEFAULT_SEQUENCE_TAG
_MAP_TAG = _BaseLoader.DEFAULT_MAPPING_TAG
# Plain scalar -> its implicit tag. The answer depends on the text alone (the loader's implicit
# resolvers are fixed), and a config repeats its keys and values thousands of times.
_TAGS: dict[str, str] = {}
_TAGS_MAX = 50_000


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader, with its per-node Python callbacks made cheap. libyaml's composer calls
    resolve() for every node and descend/ascend_resolver() around every node (168,000 nodes on a
    2 MB config: 480,000 Python calls, a third of the composition). Without path resolvers (the
    safe loader has none) the last two do nothing, and a plain scalar's tag is its text's."""

    def resolve(self, kind, value, implicit):
        if kind is _ScalarNode:
            if not implicit[0]:
                return _STR_TAG  # quoted: a string
            tag = _TAGS.get(value)
            if tag is None:
                if len(_TAGS) >= _TAGS_MAX:
                    _TAGS.clear()
                tag = _TAGS[value] = _base_resolve(self, kind, value, implicit)
            return tag
        return _SEQ_TAG if kind is _SequenceNode else _MAP_TAG

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


if _BaseLoader.yaml_path_resolvers:  # pragma: no cover - someone registered one: keep PyYAML's own
    _Loader = _BaseLoader  # type: ignore[misc]

MAX_TEXT_CHARS = 2_000_000
MAX_DEPTH = 200
MAX_NODES = 200_000
MAX_EXPANDED_NODES = 1_000_000  # with every alias written out (yaml_tree.expands_beyond)
MAX_RECOVERY_ATTEMPTS = 12


@dataclass
class SyntaxProblem:
    message: str
    range: Range
    kind: str = "syntax"  # "syntax", "too-large", "too-deep", "alias-bomb"


@dataclass
class Document:
    root: Optional[Node]
    start: int  # offsets of the document in the text
    end: int
    index: int  # 0-based document number in the file


@dataclass
class ParsedText:
    text: str
    lines: LineIndex
    documents: list[Document] = field(default_factory=list)
    problems: list[SyntaxProblem] = field(default_factory=list)
    blanked_lines: set[int] = field(default_factory=set)  # lines removed to recover from errors

    def range(self, node: Node) -> Range:
        return self.lines.range(node.start, node.end)


def parse_text(text: str) -> ParsedText:
    if len(text) > MAX_TEXT_CHARS:
        # Refuse before indexing the lines: a 50 MB text must be answered in milliseconds. Only
        # the head is indexed (for the modeline and the diagnostic's position).
        out = ParsedText(text, LineIndex(text[:MAX_TEXT_CHARS]))
        out.problems.append(SyntaxProblem(
            f"file too large to check: {len(text):,} characters (the limit is {MAX_TEXT_CHARS:,}); "
            "a pruning config is a few hundred lines", Range.point(0, 0), "too-large"))
        return out
    lines = LineIndex(text)
    out = ParsedText(text, lines)
    depth, where = _max_depth(text)
    if depth > MAX_DEPTH:
        out.problems.append(SyntaxProblem(
            f"YAML nested {depth} levels deep (the limit is {MAX_DEPTH}); not checked",
            lines.range(where, where + 1), "too-deep"))
        return out

    current = text
    first_error: Optional[SyntaxProblem] = None
    attempts = 0
    while attempts < MAX_RECOVERY_ATTEMPTS:
        attempts += 1
        try:
            out.documents = _compose_all(current)
            break
        except TreeTooLarge:
            out.problems.append(_alias_bomb())
            out.documents = []
            return out
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            problem = _describe(exc, lines)
            if first_error is None:
                first_error = problem
                out.problems.append(problem)
            # Try each plausible culprit line; keep the first that parses, else the one that
            # moves the next error furthest down.
            best = None
            for ln in _culprit_lines(lines, exc, problem, out.blanked_lines):
                candidate = _blank_line(current, lines, ln)
                attempts += 1
                try:
                    docs = _compose_all(candidate)
                except TreeTooLarge:
                    out.problems.append(_alias_bomb())
                    out.documents = []
                    return out
                except (yaml.YAMLError, RecursionError, ValueError) as exc2:
                    nxt = _describe(exc2, lines).range.start
                    if best is None or nxt > best[0]:
                        best = (nxt, ln, candidate)
                    continue
                out.blanked_lines.add(ln)
                out.documents = docs
                current = None
                break
            if current is None:
                break
            if best is None:
                break
            out.blanked_lines.add(best[1])
            current = best[2]
    if not out.documents and first_error is not None:
        # Could not recover: keep what comes before the first error.
        ln = first_error.range.start.line
        cut = lines.line_starts[ln] if ln < lines.line_count else len(text)
        try:
            out.documents = _compose_all(text[:cut])
        except Exception:
            out.documents = []
    return out


def _alias_bomb() -> SyntaxProblem:
    return SyntaxProblem(
        f"the document expands to more than {MAX_NODES:,} nodes, or to more than {MAX_EXPANDED_NODES:,} with "
        "its aliases written out (anchors and aliases); not checked",
        Range.point(0, 0), "alias-bomb")


def _compose_all(text: str) -> list[Document]:
    docs: list[Document] = []
    shared = "&" in text  # no anchor, no alias: every node is reached once (yaml_tree.build_tree)
    loader = _Loader(text)
    try:
        i = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            root = build_tree(node, MAX_NODES, shared)
            if shared and expands_beyond(root, MAX_EXPANDED_NODES):
                raise TreeTooLarge()
            docs.append(Document(root, node.start_mark.index, node.end_mark.index, i))
            i += 1
    finally:
        loader.dispose()
    return docs


def _describe(exc: BaseException, lines: LineIndex) -> SyntaxProblem:
    if isinstance(exc, yaml.MarkedYAMLError) and (exc.problem_mark or exc.context_mark):
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "syntax error"
        msg = f"YAML syntax error: {what}"
        if exc.context and exc.problem and exc.context_mark and mark is exc.problem_mark:
            ctx = lines.position(exc.context_mark.index)
            msg += f" ({exc.context} at line {ctx.line + 1})"
        start = min(mark.index, len(lines.text))
        end = start
        # Highlight the token at the mark, or at least one character.
        t = lines.text
        while end < len(t) and end - start < 80 and t[end] not in " \t\r\n,:]}":
            end += 1
        if end == start and start < len(t) and t[start] not in "\r\n":
            end = start + 1
        return SyntaxProblem(msg, lines.range(start, end))
    if isinstance(exc, yaml.reader.ReaderError):
        pos = lines.position(exc.position)
        return SyntaxProblem(f"YAML syntax error: unacceptable character #x{exc.character:04x} "
                             "(control characters are not allowed)", Range(pos, pos))
    if isinstance(exc, RecursionError):
        return SyntaxProblem("YAML nested too deeply to check", Range.point(0, 0), "too-deep")
    return SyntaxProblem(f"YAML error: {exc}", Range.point(0, 0))


def _culprit_lines(lines: LineIndex, exc: BaseException, problem: SyntaxProblem, done: set[int]) -> list[int]:
    """Lines whose removal may cure the error, most likely first."""
    pline = problem.range.start.line
    prev = pline - 1
    while prev >= 0 and (prev in done or not lines.line_text(prev).strip()):
        prev -= 1
    out: list[int] = []
    ctx = getattr(exc, "context_mark", None)
    if ctx is not None:
        cline = lines.position(ctx.index).line
        if cline < pline:
            out.append(cline)
    if prev >= 0 and ":" not in lines.line_text(prev):
        out.append(prev)  # a key being typed, not yet followed by its colon
    out.append(pline)
    if prev >= 0:
        out.append(prev)
    seen: list[int] = []
    for ln in out:
        if ln not in seen and ln not in done and 0 <= ln < lines.line_count and lines.line_text(ln).strip():
            seen.append(ln)
    return seen[:3]


def _blank_line(text: str, lines: LineIndex, line: int) -> str:
    a, b = lines.line_starts[line], lines.line_end(line)
    return text[:a] + " " * (b - a) + text[b:]


def _max_depth(text: str) -> tuple[int, int]:
    """A cheap upper bound on nesting, checked before PyYAML's recursive composer sees the text.

    Flow: bracket depth (only scanned when there are enough brackets to matter). Block: a level
    needs at least one column of indentation or one `- `, so a line led by fewer than MAX_DEPTH
    such characters cannot be too deep.
    """
    best, where = 0, 0
    if text.count("[") + text.count("{") > MAX_DEPTH:
        # Only the brackets are visited (brackets inside quotes count too: an over-estimate that
        # would need 200 unbalanced '[' in strings to matter).
        depth = 0
        for m in _BRACKET.finditer(text):
            if m.group(0) in "[{":
                depth += 1
                if depth > best:
                    best, where = depth, m.start()
            elif depth:
                depth -= 1
    deep = _DEEP_LINE.search(text) if _has_long_line(text) else None
    if deep is not None:
        lead = deep.group(0)
        lvl = len(lead) // 2 + lead.count("-")
        if lvl > best:
            best, where = lvl, deep.start()
    return best, where


def _has_long_line(text: str) -> bool:
    """Whether some line could be led by 2*MAX_DEPTH+2 indentation characters (a line that long):
    the regex below tries every offset of the text (30 ms on 2 MB), this only finds the line breaks."""
    need = 2 * MAX_DEPTH + 2
    if len(text) < need:
        return False
    start = 0
    find = text.find
    while True:
        j = find("\n", start)
        if j < 0:
            return len(text) - start >= need
        if j - start >= need:
            return True
        start = j + 1


_BRACKET = re.compile(r"[\[\]{}]")
# A line led by more than 2*MAX_DEPTH spaces/dashes: the only way to be that deep in block style.
_DEEP_LINE = re.compile(r"^[ \t-]{%d,}" % (2 * MAX_DEPTH + 2), re.M)
