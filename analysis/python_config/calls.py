"""`WeightPruningConfig(...)` calls as dialect-A ConfigDocs made of positioned nodes.

The call's arguments become the global mapping (keyword name -> key node on the identifier,
value -> the literal's node); `pruning_configs` (keyword or first positional argument) becomes the
pruner list. What cannot be read statically is modelled, not guessed: an unreadable value is an
UnknownScalar, an unreadable `pruning_configs` is one pruner whose keys (those the call does not
set itself) are all unknown, and an unreadable `**kwargs` makes every key the call does not set
unknown.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Optional

from ..config_doc import ConfigDoc, PrunerEntry
from ..schema import DIALECTS
from ..yaml_parse import Document
from ..yaml_tree import Mapping, Node, Pair, Scalar, Sequence
from .literals import TAG_MAP, TAG_SEQ, Converter, Opened, UnknownScalar, scalar_tag
from .scopes import CallSite, ScopeIndex
from .source import SourceMap

CLASS_NAME = "WeightPruningConfig"
# Modules that export INC's WeightPruningConfig (2.x and 3.x; `pruner.pruning` is INC 2.0's).
MODULES = ("neural_compressor", "neural_compressor.config", "neural_compressor.training",
           "neural_compressor.conf.pythonic_config", "neural_compressor.pruner.pruning")
# Packages that ship INC's config class or a copy of INC's pruner under their own module paths
# (intel-extension-for-transformers carries one): any module inside them counts.
PACKAGES = ("neural_compressor", "intel_extension_for_transformers")


def _is_inc_module(module: str) -> bool:
    return module in MODULES or any(module == p or module.startswith(p + ".") for p in PACKAGES)
# WeightPruningConfig.__init__'s parameters in order (neural_compressor/config.py, v2.2 to 3.x),
# which positional arguments bind to. Every name is a dialect-A global key (tested).
SIGNATURE = ("pruning_configs", "target_sparsity", "pruning_type", "pattern", "op_names", "excluded_op_names",
             "backend", "start_step", "end_step", "pruning_scope", "pruning_frequency", "min_sparsity_ratio_per_op",
             "max_sparsity_ratio_per_op", "sparsity_decay_type", "pruning_op_types", "low_memory_usage")
_IDENT = re.compile(r"\w+")


@dataclass(eq=False)
class CallInfo:
    """What the Python-specific rules (rules/python_calls.py) need about one call."""

    func: tuple[int, int]  # the callee's span, e.g. `WeightPruningConfig` or `nc.WeightPruningConfig`
    call: tuple[int, int]
    last_arg_end: Optional[int]  # offset after the last argument, None for `WeightPruningConfig()`
    close_paren: int  # offset of the closing parenthesis
    in_loop: bool
    relies_default_pruning_configs: bool
    relies_default_excluded: bool
    pruning_configs_not_list: Optional[Node] = None
    arg_problems: list[tuple[int, int, str]] = field(default_factory=list)  # TypeErrors of the call itself
    unread: list[tuple[int, int, str]] = field(default_factory=list)  # `**expr` / `*args` not readable
    siblings: list["CallInfo"] = field(default_factory=list)  # every call in the file, this one included
    # prepare_pruning(...) calls that pass this config where INC 2.6 expects the model (entry_points.py)
    config_first: list = field(default_factory=list)
    # imports of INC's pruning API that fail on INC 2.6 (imports.py); on the file's first config only
    missing_imports: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(eq=False)
class PythonConfigDoc(ConfigDoc):
    python: Optional[CallInfo] = None
    unknowns: list[UnknownScalar] = field(default_factory=list)


def is_config_call(index: ScopeIndex, site: CallSite) -> bool:
    func = site.call.func
    if isinstance(func, ast.Name):
        target = index.dotted(func, site.scope)
        if target is not None:
            return target.endswith("." + CLASS_NAME) and _is_inc_module(target[:-len(CLASS_NAME) - 1])
        if func.id != CLASS_NAME:
            return False
        # Not imported by name: INC's if a star import from its modules provides it, or if nothing
        # in the file binds it (a snippet that leaves out its import); not a class of the user's own.
        stars = index.star_imported(site.scope)
        return any(_is_inc_module(s) for s in stars) or func.id not in index.bound_anywhere
    if isinstance(func, ast.Attribute) and func.attr == CLASS_NAME:
        target = index.dotted(func, site.scope)
        return target is not None and target.endswith("." + CLASS_NAME) \
            and _is_inc_module(target[:-len(CLASS_NAME) - 1])
    return False


class CallBuilder:
    def __init__(self, text: str, smap: SourceMap, index: ScopeIndex, conv: Converter):
        self.text = text
        self.smap = smap
        self.index = index
        self.conv = conv
        a = DIALECTS["A"]
        self.global_keys = list(a.global_keys)
        self.pruner_keys = list(a.pruner_keys)
        self.parameter_keys = list(a.parameter_keys)
        self._synthetic: set[int] = set()  # ids of the pruner dicts standing for unreadable ones

    def build(self, site: CallSite, number: int) -> PythonConfigDoc:
        call, conv = site.call, self.conv
        first_unknown = len(conv.unknowns)
        start, end = self.smap.span(call)
        root = Mapping(start, end, TAG_MAP, [], flow=True)
        problems: list[tuple[int, int, str]] = []
        unread: list[tuple[int, int, str]] = []
        given: dict[str, str] = {}  # argument name -> how it was first given
        opener: Optional[Opened] = None

        def add(pair: Pair, where: tuple[int, int], how: str) -> None:
            name = pair.name
            if isinstance(name, str) and name in given:
                if how == given[name] == "as a keyword":  # compile() refuses the file; nothing runs
                    problems.append((*where, f"`{CLASS_NAME}` gets `{name}` twice as a keyword: Python refuses "
                                     f"the file (SyntaxError: keyword argument repeated: {name})"))
                else:
                    problems.append((*where, f"`{CLASS_NAME}` gets `{name}` twice ({how}): Python raises "
                                     f"TypeError: got multiple values for argument '{name}'"))
            if isinstance(name, str):
                given.setdefault(name, how)
            root.pairs.append(pair)

        for i, arg in enumerate(call.args):
            span = self.smap.span(arg)
            if isinstance(arg, ast.Starred):
                opener = opener or Opened(*span)
                unread.append((*span, "the positional arguments in `*` are not known statically"))
                continue
            if i >= len(SIGNATURE):
                problems.append((*span, f"`{CLASS_NAME}` takes at most {len(SIGNATURE)} positional arguments: "
                                 "Python raises TypeError"))
                continue
            name = SIGNATURE[i]
            value = conv.value(arg, name)
            # A positional argument has no keyword: its key node sits on the value.
            add(Pair(Scalar(value.start, value.end, scalar_tag(name), name, name, None), value), span, "positional")
        for kw in call.keywords:
            kstart, kend = self.smap.span(kw)
            if kw.arg is None:
                spliced = conv.value(kw.value, None)
                if isinstance(spliced, Mapping):
                    for p in spliced.pairs:
                        if isinstance(p.value, UnknownScalar) and p.merged and p.key.start == p.value.start:
                            continue  # keys an inner `**` may hold: the call is open, handled below
                        if not isinstance(p.name, str):
                            problems.append((p.key.start, p.key.end, "keyword names must be strings: Python "
                                             "raises TypeError"))
                            continue
                        add(Pair(p.key, p.value), (p.key.start, p.key.end), "through `**`")
                    inner = conv.opened.get(id(spliced))
                    if inner is not None:
                        opener = opener or inner
                        unread.append((inner.start, inner.end, "the keys of this `**` expansion are not known "
                                       "statically"))
                else:
                    vs, ve = self.smap.span(kw.value)
                    opener = opener or Opened(vs, ve)
                    unread.append((kstart, kend, "the keys of this `**` expansion are not known statically"))
                continue
            m = _IDENT.match(self.smap.src, kstart - self.smap.shift)
            key_end = kstart + (len(m.group(0)) if m else len(kw.arg))
            key = Scalar(kstart, key_end, scalar_tag(kw.arg), kw.arg, kw.arg, None)
            add(Pair(key, conv.value(kw.value, kw.arg)), (kstart, key_end), "as a keyword")

        if opener is not None:
            conv.opened.setdefault(id(root), opener)
            conv.fill_open(root, self.global_keys)

        pc_pair = root.get_pair("pruning_configs")
        not_list = None
        if pc_pair is not None:
            pc_pair, not_list = self._pruner_list(root, pc_pair)
        entries = pc_pair.value.items if pc_pair is not None and isinstance(pc_pair.value, Sequence) else []
        for item in entries:
            if isinstance(item, Mapping) and id(item) not in self._synthetic:
                conv.fill_open(item, self.pruner_keys)
        for m in [root] + [e for e in entries if isinstance(e, Mapping)]:
            params = m.get("parameters")
            if isinstance(params, Mapping):
                conv.fill_open(params, self.parameter_keys)

        # The callee is the call's "container" key: where findings about the call as a whole (a
        # default value that fails, the document symbol) are anchored.
        fs, fe = self.smap.span(call.func)
        callee = Scalar(fs, fe, scalar_tag(CLASS_NAME), CLASS_NAME, self.smap.text(fs, fe), None)
        doc = PythonConfigDoc(DIALECTS["A"], Document(root, start, end, number), root, container=Pair(callee, root))
        doc.pruners_pair = pc_pair
        doc.pruners = [PrunerEntry(i, item, item.tag) for i, item in enumerate(entries)]
        doc.unknowns = conv.unknowns[first_unknown:]
        relies_pc = pc_pair is None and opener is None
        doc.python = CallInfo(
            func=self.smap.span(call.func), call=(start, end),
            last_arg_end=max([self.smap.span(a)[1] for a in call.args] + [self.smap.span(k)[1] for k in call.keywords],
                             default=None),
            close_paren=end - 1, in_loop=site.in_loop,
            relies_default_pruning_configs=relies_pc,
            relies_default_excluded=self._relies_default_excluded(root, relies_pc, entries, opener),
            pruning_configs_not_list=not_list, arg_problems=problems, unread=unread)
        return doc

    def _pruner_list(self, root: Mapping, pair: Pair) -> tuple[Pair, Optional[Node]]:
        """The pruner list as the rules should see it, and the value when it is not a list."""
        value = pair.value
        if isinstance(value, UnknownScalar):
            seq = Sequence(value.start, value.end, TAG_SEQ, [self._unknown_entry(root, value)], flow=True)
            return self._replace(root, pair, seq), None
        if isinstance(value, Sequence):
            items = [self._unknown_entry(root, it) if isinstance(it, UnknownScalar) else it for it in value.items]
            if any(a is not b for a, b in zip(items, value.items)):
                seq = Sequence(value.start, value.end, value.tag, items, flow=True)
                return self._replace(root, pair, seq), None
            return pair, None
        if isinstance(value, Mapping) and not value.pairs:
            return pair, None  # `{}`: zero local configs, one pruner from the call's own keys (as INC)
        return pair, value  # a dict's keys, a string's characters, None: INC fails on each

    def _unknown_entry(self, root: Mapping, where: Node) -> Mapping:
        """A pruner dict that is not known statically: every key the call does not set itself may be in it."""
        entry = Mapping(where.start, where.end, TAG_MAP, [], flow=True)
        self._synthetic.add(id(entry))
        self.conv.opened[id(entry)] = Opened(where.start, where.end)
        own = {p.name for p in root.pairs if not p.merged}
        self.conv.fill_open(entry, [k for k in self.pruner_keys if k not in own])
        return entry

    @staticmethod
    def _replace(root: Mapping, pair: Pair, value: Node) -> Pair:
        new = Pair(pair.key, value, pair.merged)
        root.pairs[root.pairs.index(pair)] = new
        return new

    def _relies_default_excluded(self, root: Mapping, relies_pc: bool, entries: list[Node],
                                 opener: Optional[Opened]) -> bool:
        """True when a pruner inherits the shared default `excluded_op_names=[]` list object (spec P2)."""
        if opener is not None or root.get_pair("excluded_op_names") is not None:
            return False
        if relies_pc or not entries:
            return True
        return any(isinstance(e, Mapping) and id(e) not in self.conv.opened and e.get_pair("excluded_op_names") is None
                   for e in entries)
