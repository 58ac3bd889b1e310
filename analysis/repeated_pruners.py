"""A config that repeats a few pruner set-ups thousands of times, checked once per kind of pruner.

A generated config at the size limit (2 MB) holds ~21,000 pruners written alike: the same keys and
values, differing only in the layers they select and in their comments. Composing and checking each
took two seconds, and the rules find the same problems in every copy. Such a text is checked here
through a reduced text that keeps the first pruner of each kind; repeated_findings.py repeats each
finding inside a kept pruner at the same place in every pruner of its kind.

Two pruners are of one kind when their lines are the same once comments are dropped and a flow list of
plain layer names in `op_names` (`op_names: [fc1, fc2]`: no regex syntax, no `.weight`, nothing a rule
reports without a model) is replaced by its length.

Sound by checking, not by care: `check_repeated` answers None (the engine then checks the whole text)
unless the parse of the reduced text confirms how this module read the text (one document, no anchors;
each kept pruner exactly one entry of the pruners list, at its own lines; every dropped comment a
comment; every masked list a flow list of strings directly in its pruner), and unless every finding
maps back exactly (repeated_findings.py). tests/engine/test_repeated_pruners.py compares the result
with the whole text's check.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Optional

from .yaml_parse import MAX_TEXT_CHARS

MIN_PRUNERS = 64  # below this a whole check takes milliseconds: not worth a second parse
PROBE = 512  # entries sampled first: so many kinds among them and the config is checked whole

_PRUNERS_KEY = re.compile(r"^( *)(?:pruners|pruning_configs) *:(?: +#.*| *)$", re.M)
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.|%)", re.M)
_CONTENT_LINE = re.compile(r"^( *)(?=[^ \n#])", re.M)
# The '#' that starts a comment: after white space, outside quotes. A quote that does not close on
# its line leaves the line as it is (its kind is then its whole text: less sharing, never wrong).
_COMMENT = re.compile(r"""^(?:[^'"#\n]|(?<=\S)#|'[^'\n]*'|"(?:[^"\\\n]|\\.)*")*?(?:(?<=\s)|^)#""", re.M)
_OP_NAMES = re.compile(r"^ *(?:- +)?op_names *: +\[(?P<items>[^\[\]{}#\n]*)\] *(?:(?<= )#[^\n]*)?$", re.M)
# A layer name that PyYAML 1.1 reads as a string (not true/no/null...), and no parameter name (PL079).
_NAME = (r"(?!(?i:true|false|yes|no|on|off|null)\b)[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*"
         r"(?<!\.weight)(?<!\.bias)")
_ITEM = rf" *(?:{_NAME}|'{_NAME}'|\"{_NAME}\") *"
_NAMES = re.compile(rf"{_ITEM}(?:,{_ITEM})*")
_MASK = "\0"


class Extra:
    """What sets one entry apart from others of its kind: a masked list, dropped comments."""

    __slots__ = ("items", "names_line", "differs", "comment_cols")

    def __init__(self) -> None:
        self.items: Optional[str] = None  # the masked op_names list's entries, as written
        self.names_line = -1  # that list's line within the entry
        self.differs: dict[int, int] = {}  # line -> the column from which it may differ from its kind
        self.comment_cols: list[tuple[int, int]] = []  # (line, column of '#') of each dropped comment

    @property
    def names(self) -> Optional[list[str]]:
        return None if self.items is None else [x.strip(" '\"") for x in self.items.split(",")]


_NONE = Extra()


@dataclass
class Split:
    """The text read as: lines before the pruners list, one chunk of lines per entry, lines after."""

    text: str
    offsets: list[int]  # where each entry starts in the text; and, last, where the last one ends
    lines_at: list[int]  # each entry's first line; and, last, the line after the last entry
    keys: list[str]  # each entry's kind
    masks: dict[int, tuple[int, str]]  # entry -> (offset, entries) of its masked op_names list
    comments: dict[int, list[tuple[int, int, int]]]  # entry -> (line, body end, '#') column of each comment
    tail: Optional[str]  # the text after the last entry's newline (None: the last entry ends the text)
    _extras: dict[int, Extra] = field(default_factory=dict)

    @property
    def head_end(self) -> int:
        """The first entry's line (the head is the text before it)."""
        return self.lines_at[0]

    def chunk_text(self, i: int) -> str:
        end = self.offsets[i + 1]
        return self.text[self.offsets[i]:end - 1 if i + 1 < len(self.keys) else end]

    def line_count(self, i: int) -> int:
        return self.lines_at[i + 1] - self.lines_at[i]

    def extra(self, i: int) -> Extra:
        """Made on demand: for the kept entries, and for the copies a finding reaches a line of that
        is written differently."""
        got = self._extras.get(i)
        if got is None:
            if i not in self.masks and i not in self.comments:
                return _NONE
            got = self._extras[i] = Extra()
            for j, body_end, hash_col in self.comments.get(i, ()):
                got.comment_cols.append((j, hash_col))
                got.differs[j] = body_end
            if i in self.masks:
                x, got.items = self.masks[i]
                got.names_line = j = self.text.count("\n", self.offsets[i], x)
                col = x - (self.text.rfind("\n", 0, x) + 1)
                got.differs[j] = min(got.differs.get(j, col), col)
        return got


def check_repeated(text: str, path: Optional[str], settings) -> Optional[object]:
    """The check of `text` (no model) through one pruner of each kind, or None when the text is not
    such a config or the reduced check cannot be mapped back exactly."""
    if len(text) > MAX_TEXT_CHARS or "&" in text or "\r" in text or _doc_marker(text):
        return None
    split = split_pruners(text)
    if split is None:
        return None
    kinds: dict[str, int] = {}
    kind_of = [kinds.setdefault(key, len(kinds)) for key in split.keys]
    if len(kinds) * 2 > len(kind_of):
        return None
    kept: list[int] = []  # the entry kept for each kind
    members: list[list[int]] = [[] for _ in kinds]
    for i, k in enumerate(kind_of):
        if not members[k]:
            kept.append(i)
        members[k].append(i)
    from .repeated_findings import Reduced

    return Reduced(split, kept, members).check(path, settings)


def _doc_marker(text: str) -> bool:
    """_DOC_MARKER.search(text), by substring searches (a regex tries every line of 2 MB: 10 ms)."""
    return text.startswith(("---", "...", "%")) or "\n---" in text or "\n..." in text or "\n%" in text


def _pruners_keys(text: str) -> list[re.Match]:
    """Every line _PRUNERS_KEY matches, found from the words' occurrences (a regex tried at every
    line start of 2 MB took 18 ms, twice)."""
    lines: set[int] = set()
    for word in ("pruners", "pruning_configs"):
        at = text.find(word)
        while at >= 0:
            lines.add(text.rfind("\n", 0, at) + 1)
            at = text.find(word, at + len(word))
    found = (_PRUNERS_KEY.match(text, ls) for ls in sorted(lines))
    return [m for m in found if m is not None]


def split_pruners(text: str) -> Optional[Split]:
    found = _pruners_keys(text)
    if len(found) != 1:
        return None
    key = found[0]
    first = _CONTENT_LINE.search(text, key.end() + 1)
    if first is None:
        return None
    indent = len(first.group(1))
    if indent < len(key.group(1)) or not re.match(r"-(?: |\n|$)", text[first.end():first.end() + 2]):
        return None
    # The list ends at the first line led by content at or left of its dashes that is not an entry.
    ends = re.compile(rf"^(?! {{{indent}}}-(?: |$)) {{0,{indent}}}[^ \n#]", re.M)
    entry = re.compile(rf"^ {{{indent}}}-(?: |$)", re.M)
    # The first entries are sampled before the whole list is read (both searches scan every line).
    probe = [m.start() for m in itertools.islice(entry.finditer(text, first.start()), PROBE + 1)]
    if (len(probe) > PROBE and ends.search(text, first.start(), probe[-1]) is None
            and _mostly_distinct(text, probe)):
        return None
    end = ends.search(text, first.start())
    stop = end.start() if end is not None else len(text)
    starts = [m.start() for m in entry.finditer(text, first.start(), stop)]
    if len(starts) < MIN_PRUNERS:
        return None
    # Blank and comment lines after the last entry belong to what follows the list.
    last = text[starts[-1]:stop].split("\n")
    while len(last) > 1 and _blank_or_comment(last[-1]):
        last.pop()
    last_end = starts[-1] + len("\n".join(last))
    tail = text[last_end + 1:] if last_end < len(text) else None
    return _read_entries(text, starts, last_end, tail)


def _mostly_distinct(text: str, starts: list[int]) -> bool:
    """Whether the first entries (all but the last of `starts`) are of so many kinds that checking by
    kind would not pay (check_repeated's own test, on a sample): reading the kinds of every entry of
    20,000 pruners no two alike cost 0.1 s before the whole check ran anyway. A config whose repeats
    begin only later is checked whole: slower, the same findings."""
    probe = _read_entries(text, starts[:-1], starts[-1] - 1, None)
    return probe is not None and len(set(probe.keys)) * 2 > len(probe.keys)


def _blank_or_comment(line: str) -> bool:
    s = line.lstrip(" ")
    return not s or s[0] == "#"


def _read_entries(text: str, starts: list[int], end: int, tail: Optional[str]) -> Optional[Split]:
    """Each entry's kind and extras. The comments and lists are found by passes of a regex over the
    whole list (21,000 entries), and the kinds cut from one edited copy of it: no Python loop per line."""
    s0 = starts[0]
    seg = text[s0:end]
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in seg
    hashes: dict[int, int] = {}  # a comment's edit start -> the column of its '#'
    masks: dict[int, str] = {}  # a list's edit start -> its entries
    at = seg.find("#")
    while at >= 0:
        ls = seg.rfind("\n", 0, at) + 1
        le = seg.find("\n", at)
        le = len(seg) if le < 0 else le
        m = _COMMENT.match(seg, ls, le)
        if m is not None:
            body_end = ls + len(seg[ls:m.end() - 1].rstrip(" "))
            edits.append((body_end, le, ""))
            hashes[body_end] = m.end() - 1 - ls
        at = seg.find("#", le)
    if "op_names" in seg:
        for m in _OP_NAMES.finditer(seg):
            items = m.group("items")
            if _NAMES.fullmatch(items):
                masks[m.start("items")] = items
                edits.append((m.start("items"), m.end("items"), f"{_MASK}{items.count(',') + 1}"))
    edits.sort()
    bounds = [x - s0 for x in starts] + [len(seg) + 1]
    mask_of: dict[int, tuple[int, str]] = {}
    comments: dict[int, list[tuple[int, int, int]]] = {}
    pieces, done = [], 0
    grown = [0] * len(bounds)  # how much the edits in each entry lengthen it
    ci = 0
    for x, y, new in edits:
        ci = bisect.bisect_right(bounds, x, ci) - 1
        if x in masks:
            if ci in mask_of:
                return None  # two lists in one entry: which one counts is the parser's to say
            mask_of[ci] = (x + s0, masks[x])
        else:
            ls = seg.rfind("\n", 0, x) + 1
            comments.setdefault(ci, []).append((seg.count("\n", bounds[ci], x), x - ls, hashes[x]))
        pieces += (seg[done:x], new)
        done = y
        grown[ci] += len(new) - (y - x)
    pieces.append(seg[done:])
    keyed = "".join(pieces)
    key_bounds, moved = [], 0
    for b, g in zip(bounds, grown):
        key_bounds.append(b + moved)
        moved += g
    keys = [keyed[key_bounds[i]:key_bounds[i + 1] - 1] for i in range(len(starts))]
    lines_at = [text.count("\n", 0, s0)]
    for i in range(len(starts)):
        lines_at.append(lines_at[-1] + seg.count("\n", bounds[i], bounds[i + 1] - 1) + 1)
    return Split(text, starts + [end], lines_at, keys, mask_of, comments, tail)
