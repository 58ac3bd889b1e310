"""A YAML document as a tree of nodes that know where they are written.

Built from PyYAML's composed nodes (so the reading is PyYAML's YAML 1.1, as INC's), with:
- every node's source range, in code-point offsets;
- scalars' values constructed exactly as yaml.SafeLoader constructs them (`2:4` -> 124, `1e-3` -> str);
- merge keys (`<<`) flattened with the merged pairs keeping their original positions;
- aliases shared, never expanded: a node reached twice is the same object, and walking the tree
  is bounded by a node budget (a "billion laughs" document costs nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional, Union

import yaml

_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_MERGE = "tag:yaml.org,2002:merge"
_TAG_STR = "tag:yaml.org,2002:str"
_TAG_MAP = "tag:yaml.org,2002:map"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_SEQ = "tag:yaml.org,2002:seq"
TAG_MAP, TAG_SEQ = _TAG_MAP, _TAG_SEQ  # a plain (untagged) mapping and list, for other modules

_constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
yaml.constructor.SafeConstructor.__init__(_constructor)


@dataclass(eq=False, slots=True)
class Node:
    start: int  # code-point offsets into the text
    end: int
    tag: str

    @property
    def is_null(self) -> bool:
        return False


@dataclass(eq=False, slots=True)
class Scalar(Node):
    value: Any = None  # as yaml.SafeLoader constructs it (custom tags: the raw string)
    raw: str = ""  # the scalar's text as written, without quotes
    style: Optional[str] = None  # None (plain), "'", '"', "|", ">"

    @property
    def is_null(self) -> bool:
        return self.tag == _TAG_NULL

    @property
    def plain(self) -> bool:
        return self.style is None


@dataclass(eq=False, slots=True)
class Pair:
    key: "Scalar | Node"
    value: "Node"
    merged: bool = False  # came in through a `<<` merge key
    name: Any = field(init=False)  # the key's value (None for a non-scalar key); read very often

    def __post_init__(self) -> None:
        self.name = self.key.value if isinstance(self.key, Scalar) else None


@dataclass(eq=False, slots=True)
class Mapping(Node):
    pairs: list[Pair] = field(default_factory=list)
    flow: bool = False

    def get_pair(self, key: str) -> Optional[Pair]:
        found = None
        for p in self.pairs:
            if p.name == key:
                found = p  # PyYAML keeps the last of duplicate keys
        return found

    def get(self, key: str) -> Optional[Node]:
        p = self.get_pair(key)
        return p.value if p else None

    def keys(self) -> list[Any]:
        return [p.name for p in self.pairs]


@dataclass(eq=False, slots=True)
class Sequence(Node):
    items: list[Node] = field(default_factory=list)
    flow: bool = False


TreeNode = Union[Scalar, Mapping, Sequence]


_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode
_new_pair = object.__new__


def _pair(key: Node, value: Node) -> Pair:
    """Pair(key, value), without the dataclass __init__ and __post_init__ calls (same fields)."""
    p = _new_pair(Pair)
    p.key = key
    p.value = value
    p.merged = False
    p.name = key.value if type(key) is Scalar else (key.value if isinstance(key, Scalar) else None)
    return p


class TreeTooLarge(Exception):
    """The document (through its aliases) has more nodes than we are willing to walk."""


class _Builder:
    def __init__(self, budget: int):
        self.memo: dict[int, Node] = {}
        self.budget = budget

    def build(self, node: yaml.Node) -> Node:
        # The hot loop of a large file (~8 nodes per pruner): exact-type dispatch, and pairs made
        # without the dataclass __init__/__post_init__ round trip (_pair).
        memo = self.memo
        got = memo.get(id(node))
        if got is not None:
            return got
        self.budget -= 1
        if self.budget < 0:
            raise TreeTooLarge()
        cls = type(node)
        if cls is not _ScalarNode and cls is not _MappingNode and cls is not _SequenceNode:  # a subclass
            cls = (_ScalarNode if isinstance(node, _ScalarNode) else
                   _SequenceNode if isinstance(node, _SequenceNode) else _MappingNode)
        if cls is _ScalarNode:
            tag, raw = node.tag, node.value
            out = Scalar(node.start_mark.index, node.end_mark.index, tag,
                         raw if tag == _TAG_STR else _scalar_value(node), raw, node.style or None)
            memo[id(node)] = out
            return out
        start, end = node.start_mark.index, node.end_mark.index
        if cls is _SequenceNode:
            out_seq = Sequence(start, end, node.tag, flow=bool(node.flow_style))
            memo[id(node)] = out_seq
            build = self.build
            out_seq.items = [build(n) for n in node.value]
            return out_seq
        out_map = Mapping(start, end, node.tag, flow=bool(node.flow_style))
        memo[id(node)] = out_map
        own: list[Pair] = []
        merges: list[Node] = []
        build = self.build
        for k, v in node.value:
            if k.tag == _TAG_MERGE and isinstance(k, yaml.ScalarNode):
                merges.append(build(v))
                continue
            own.append(_pair(build(k), build(v)))
        if merges:
            own = self._merge(own, merges)
        out_map.pairs = own
        return out_map

    @staticmethod
    def _merge(own: list[Pair], merges: list[Node]) -> list[Pair]:
        # YAML merge: explicit keys win; among merged maps, earlier ones win.
        present = {p.name for p in own}
        extra: list[Pair] = []
        sources: list[Node] = []
        for m in merges:
            sources.extend(m.items if isinstance(m, Sequence) else [m])
        for src in sources:
            if not isinstance(src, Mapping):
                continue
            for p in src.pairs:
                if p.name not in present:
                    present.add(p.name)
                    extra.append(Pair(p.key, p.value, merged=True))
        return extra + own


_CONSTRUCTORS = {tag: fn for tag, fn in yaml.SafeLoader.yaml_constructors.items()
                 if tag and tag.startswith("tag:yaml.org,2002:") and tag != _TAG_STR}


_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+][0-9]+)?")
_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False, "y": True, "n": False}


def _scalar_value(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == _TAG_STR:  # most scalars: keys and strings
        return node.value
    # Fast paths for the plain forms of the common types; every other spelling (0x1F, 1_000,
    # 1:30, .inf) goes through PyYAML's own constructor, so the reading stays PyYAML's.
    v = node.value
    if tag == _TAG_INT and _PLAIN_INT.fullmatch(v):
        return int(v)
    if tag == _TAG_FLOAT and _PLAIN_FLOAT.fullmatch(v):
        return float(v)
    if tag == _TAG_BOOL and v.lower() in _BOOLS:
        return _BOOLS[v.lower()]
    if tag == _TAG_NULL:
        return None
    fn = _CONSTRUCTORS.get(tag)
    if fn is None:
        return node.value  # a custom tag: keep the text
    try:
        return fn(_constructor, node)
    except Exception:  # e.g. a bad !!int: keep the text; the type rules will say so
        return node.value


def build_tree(node: yaml.Node, budget: int = 200_000, shared: bool = True) -> Node:
    """Our tree of PyYAML's composed `node`. `shared=False` promises that no node is reached twice
    (a text without anchors, `&`, has no aliases): the tree is then built without the alias memo."""
    if shared:
        return _Builder(budget).build(node)
    return _build_unshared(node, budget)


_new = object.__new__


def _build_unshared(root: yaml.Node, budget: int) -> Node:
    """_Builder.build for a graph without aliases, the hot loop of a large file (~8 nodes per
    pruner): no memo, scalars and pairs filled in without their dataclass __init__ (same fields,
    same values), and a mapping's scalar keys and values made inline. Counts nodes as _Builder does."""
    left = budget

    def scalar(node: yaml.ScalarNode) -> Scalar:
        nonlocal left
        left -= 1
        if left < 0:
            raise TreeTooLarge()
        tag, raw = node.tag, node.value
        s = _new(Scalar)
        s.start = node.start_mark.index
        s.end = node.end_mark.index
        s.tag = tag
        s.value = raw if tag == _TAG_STR else _scalar_value(node)
        s.raw = raw
        s.style = node.style or None
        return s

    def build(node: yaml.Node) -> Node:
        nonlocal left
        cls = type(node)
        if cls is _ScalarNode:
            return scalar(node)
        if cls is not _MappingNode and cls is not _SequenceNode:  # a subclass
            if isinstance(node, _ScalarNode):
                return scalar(node)
            cls = _SequenceNode if isinstance(node, _SequenceNode) else _MappingNode
        left -= 1
        if left < 0:
            raise TreeTooLarge()
        if cls is _SequenceNode:
            seq = _new(Sequence)
            seq.start, seq.end, seq.tag, seq.flow = node.start_mark.index, node.end_mark.index, node.tag, \
                bool(node.flow_style)
            seq.items = [scalar(n) if type(n) is _ScalarNode else build(n) for n in node.value]
            return seq
        out = _new(Mapping)
        out.start, out.end, out.tag, out.flow = node.start_mark.index, node.end_mark.index, node.tag, \
            bool(node.flow_style)
        own: list[Pair] = []
        merges: list[Node] = []
        for k, v in node.value:
            if type(k) is _ScalarNode:
                if k.tag == _TAG_MERGE:
                    merges.append(build(v))
                    continue
                key = scalar(k)
                p = _new(Pair)
                p.key = key
                p.value = scalar(v) if type(v) is _ScalarNode else build(v)
                p.merged = False
                p.name = key.value
            else:
                if k.tag == _TAG_MERGE and isinstance(k, _ScalarNode):
                    merges.append(build(v))
                    continue
                p = _pair(build(k), build(v))
            own.append(p)
        out.pairs = _Builder._merge(own, merges) if merges else own
        return out

    return build(root)


def expands_beyond(root: Node, limit: int) -> bool:
    """Whether the tree, with every alias written out, has more than `limit` nodes (or is recursive).

    The tree shares an anchored node among its aliases, so it stays small; but whatever walks values
    as INC and Python do (`str()` of a list, iterating `names`) meets each alias's copy: ten lines of
    `&aN [*aN-1 x10]` are 10^8 nodes, and a check hung on one. Sizes are summed once per shared node."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()  # nodes whose children are being sized: met again, the tree is recursive
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        n, children_done = stack.pop()
        key = id(n)
        if key in sizes:
            continue
        if type(n) is Scalar:
            sizes[key] = 1
            continue
        kids = n.items if isinstance(n, Sequence) else [x for p in n.pairs for x in (p.key, p.value)]
        if children_done:
            busy.discard(key)
            total = 1 + sum(sizes[id(k)] for k in kids)
            if total > limit:
                return True
            sizes[key] = total
            continue
        if key in busy:
            return True
        busy.add(key)
        stack.append((n, True))
        for k in kids:
            if id(k) in busy:
                return True
            if id(k) not in sizes:
                stack.append((k, False))
    return False


def walk(node: Node, budget: int = 200_000) -> Iterator[Node]:
    """Every node once (shared alias targets once), depth first."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        budget -= 1
        if budget < 0:
            raise TreeTooLarge()
        yield n
        if isinstance(n, Mapping):
            for p in reversed(n.pairs):
                stack.append(p.value)
                stack.append(p.key)
        elif isinstance(n, Sequence):
            stack.extend(reversed(n.items))


def to_python(node: Node, *, null_as_empty_dict: bool = False, budget: int = 100_000) -> Any:
    """The value INC's loader gives: plain Python objects (aliases shared, so no blow-up).

    null_as_empty_dict: INC 2.x installs a SafeLoader constructor that turns every null into {}.
    """
    if isinstance(node, Scalar):  # the common case, without the memo's set-up
        return {} if (node.is_null and null_as_empty_dict) else node.value
    if type(node) is Sequence and len(node.items) < budget and all(type(i) is Scalar for i in node.items):
        # a list of scalars (op_names): the same values (equal, and {} for each null) without the memo
        return [{} if (null_as_empty_dict and i.tag == _TAG_NULL) else i.value for i in node.items]
    memo: dict[int, Any] = {}
    counter = [budget]

    def conv(n: Node) -> Any:
        if id(n) in memo:
            return memo[id(n)]
        counter[0] -= 1
        if counter[0] < 0:
            raise TreeTooLarge()
        if isinstance(n, Scalar):
            v = {} if (n.is_null and null_as_empty_dict) else n.value
            memo[id(n)] = v
            return v
        if isinstance(n, Sequence):
            out: list = []
            memo[id(n)] = out
            out.extend(conv(i) for i in n.items)
            return out
        assert isinstance(n, Mapping)
        d: dict = {}
        memo[id(n)] = d
        for p in n.pairs:
            k = conv(p.key)
            try:
                d[k] = conv(p.value)
            except TypeError:  # unhashable key (a mapping as a key): PyYAML raises; skip it here
                pass
        return d

    return conv(node)
