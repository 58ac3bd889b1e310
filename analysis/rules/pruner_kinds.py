"""Per-pruner checks run once per kind of pruner, their findings replayed at each pruner's own nodes.

A generated config repeats a handful of pruner set-ups thousands of times, the pruners differing only
in the layers they select (a 2 MB config: 21,000 pruners, one set-up). A pruner's settings are made of
the shared global section and its own entry; a check that reads a pruner only through its settings, and
not its layer selection, finds the same problems in two pruners whose entries are written alike (same
keys and values, spelled alike, the selection aside), each at that pruner's own nodes.

`for_each_pruner(ctx, body)` does what `for p in ctx.pruners: body(ctx, p)` does. It runs `body` on
the first pruner of each kind under a recorder that notes each report in terms of "setting K's node"
rather than a node; the other pruners of that kind replay the notes against their own settings, in
pruner order, so the findings, their order and which of two equal ones comes first are unchanged.

A check that never reads some settings says so (`never_reads`, e.g. a check of steps and frequency
never reads `target_sparsity`): for it, entries differing only in those values are one kind too. A
config whose pruners each have their own target (a per-layer sensitivity analysis writes them) is
then checked once for the steps, not 20,000 times.

Sound by construction, not by care:
- the body sees the pruner through a view holding its settings other than the layer selection keys
  and those it declared it never reads; reading one of those, or anything else of the pruner (its
  index, entry, label), raises, so a check
  that starts to depend on those fails its tests instead of sharing findings it should not;
- the body sees the context through the recorder, which offers only what is the same for every pruner
  (dialect, doc, model), `edit` and the two report methods (which return None: a body must not change
  a finding after reporting it);
- a report or fix at a place the recorder cannot name in those terms (a computed Range, a node that is
  no setting's) makes every pruner of that kind run the body itself, as without the memo.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Optional

from ..diagnostics import Fix, TextEdit
from ..merge import EffectivePruner, Setting
from ..yaml_tree import Mapping, Scalar
from .context import RuleContext

# Which layers a pruner takes: what generated pruners differ in, and what these checks never read.
SELECTION_KEYS = frozenset({"op_names", "excluded_op_names", "names", "excluded_names", "extra_excluded_names"})

# What most checks never read: a pruner's own target (they check its steps, pattern, type...).
TARGET = frozenset({"target_sparsity"})
MAY_HIDE = TARGET  # the keys a check may declare it never reads (kinds are cut from one pass per config)

Body = Callable[[Any, Any], None]


class UndeclaredRead(AttributeError):
    """A per-kind check read something of a pruner beyond its (non-selection) settings."""


def for_each_pruner(ctx: RuleContext, body: Body, never_reads: frozenset[str] = frozenset()) -> None:
    if not never_reads <= MAY_HIDE:
        raise ValueError(f"never_reads {sorted(never_reads - MAY_HIDE)}: add them to MAY_HIDE")
    hidden = SELECTION_KEYS | never_reads if never_reads else SELECTION_KEYS
    kinds, single = _kinds(ctx, hidden)
    notes: dict[int, Optional[list]] = {}  # kind -> its notes; None: this kind runs the body per pruner
    for p, kind in zip(ctx.pruners, kinds):
        if kind in single:  # no other pruner to replay for: recording would only cost
            body(ctx, p)
            continue
        if kind not in notes:
            rec = _Recorder(ctx, p, hidden)
            body(rec, _View(p, hidden))
            notes[kind] = rec.notes if rec.replayable else None
            continue
        got = notes[kind]
        if got is None or (got and not _replay(ctx, p, got)):
            body(ctx, p)


# --- kinds ---------------------------------------------------------------------------------------

def _kinds(ctx: RuleContext, hidden: frozenset[str] = SELECTION_KEYS) -> tuple[list[int], frozenset[int]]:
    """Each pruner's kind (its entry with the `hidden` keys' values left out), and the kinds only one
    pruner has; computed once per context and set of hidden keys for every check that asks."""
    memo = ("pruner_kinds", hidden)
    got = ctx._memo.get(memo)
    if got is None:
        table: dict[tuple, int] = {}
        keys = _entry_keys(ctx)
        if MAY_HIDE <= hidden:
            kinds = [table.setdefault(masked, len(table)) for masked, _ in keys]
        elif not MAY_HIDE & hidden:
            kinds = [table.setdefault(key, len(table)) for key in keys]
        else:
            kinds = [table.setdefault((masked, tuple(r for r in revealed if r[0] not in hidden)), len(table))
                     for masked, revealed in keys]
        counts = Counter(kinds)
        got = ctx._memo[memo] = (kinds, frozenset(k for k, n in counts.items() if n == 1))
    return got


def _entry_keys(ctx: RuleContext) -> list[tuple]:
    """_entry_key of each pruner, once per context (every set of hidden keys is read from it)."""
    got = ctx._memo.get("entry_keys")
    if got is None:
        text = ctx.parsed.text
        # An alias can mean two things in two places (an anchor defined again in between): with any
        # anchor in the text, every pruner is its own kind.
        shared = "&" in text
        got = ctx._memo["entry_keys"] = [(("own", i), ()) if shared else _entry_key(p, text, i)
                                         for i, p in enumerate(ctx.pruners)]
    return got


def _entry_key(p: EffectivePruner, text: str, i: int) -> tuple[tuple, tuple]:
    """What a pruner's settings are made of besides the shared global section: its entry as written,
    pair by pair (key and value spellings, tags and styles), the layer selection values left out;
    and apart, the values a check may declare it never reads (MAY_HIDE), as (key, value's spelling).
    Two entries with the same key merge into settings that differ only in their positions."""
    entry = p.entry
    node = entry.node if entry is not None else None
    if type(node) is not Mapping:
        return ("own", i), ()  # the pruner built from the global section, or an entry that is no mapping
    parts: list = [node.tag, node.flow]
    revealed: list = []
    for pair in node.pairs:
        k, v = pair.key, pair.value
        if type(k) is not Scalar:
            return ("own", i), ()
        name = k.value
        if name in SELECTION_KEYS:
            parts.append((k.tag, k.raw, k.style, pair.merged))
            continue
        if type(v) is Scalar:
            written = (v.tag, v.raw, v.style)
        else:  # a list or mapping: its text, and the column its lines are read from
            written = (type(v), v.tag, v.start - text.rfind("\n", 0, v.start), text[v.start:v.end])
        if name in MAY_HIDE:
            parts.append((k.tag, k.raw, k.style, pair.merged))
            revealed.append((name, written))
        else:
            parts.append((k.tag, k.raw, k.style, pair.merged, written))
    return tuple(parts), tuple(revealed)


# --- what the body sees --------------------------------------------------------------------------

class _Settings(dict):
    """A pruner's settings without the hidden keys (the selection, what the check never reads);
    asking for one of those raises, and so does going through them all."""

    def __init__(self, items, hidden: frozenset[str]):
        super().__init__(items)
        self.hidden = hidden

    def get(self, key, default=None):
        if key in self.hidden:
            raise UndeclaredRead(f"a per-kind check read `{key}`")
        return dict.get(self, key, default)

    def __getitem__(self, key):
        if key in self.hidden:
            raise UndeclaredRead(f"a per-kind check read `{key}`")
        return dict.__getitem__(self, key)

    def __contains__(self, key):
        if key in self.hidden:
            raise UndeclaredRead(f"a per-kind check read `{key}`")
        return dict.__contains__(self, key)

    def _whole(self, *args, **kwargs):
        # which keys a pruner has differs within a kind (a hidden key may be set or not)
        raise UndeclaredRead("a per-kind check went through every setting of a pruner")

    __iter__ = keys = values = items = __len__ = _whole


class _View:
    """A pruner as a per-kind check may read it: its settings (but the selection) and their values."""

    __slots__ = ("settings", "pruner")

    def __init__(self, pruner: EffectivePruner, hidden: frozenset[str] = SELECTION_KEYS):
        self.pruner = pruner
        self.settings = _Settings(((k, s) for k, s in pruner.settings.items() if k not in hidden), hidden)

    def value(self, key: str, default: Any = None) -> Any:
        s = self.settings.get(key)
        return s.value if s else default

    def __getattr__(self, name: str):
        raise UndeclaredRead(f"a per-kind check read the pruner's `{name}`")


class _Recorder:
    """Stands in for the RuleContext while a body checks the first pruner of a kind: forwards each
    report to the context, and notes it in terms of the pruner's settings for the others."""

    def __init__(self, ctx: RuleContext, pruner: EffectivePruner, hidden: frozenset[str] = SELECTION_KEYS):
        self._ctx = ctx
        self._pruner = pruner
        self.notes: list = []
        self.replayable = True
        self._places: dict[int, tuple] = {}  # id(object) -> every way to find it from the pruner's settings
        self._edits: dict[int, tuple] = {}  # id(TextEdit) -> (edit, place of its target)
        for key, s in pruner.settings.items():
            if key in hidden:
                continue
            self._name(s, (key, "setting"))
            if s.pair is not None:
                self._name(s.pair, (key, "pair"))
                self._name(s.pair.key, (key, "key"))
                self._name(s.pair.value, (key, "node"))
            c = s.capped_from
            if c is not None:
                self._name(c, (key, "capped"))
                if c.pair is not None:
                    self._name(c.pair, (key, "capped-pair"))
                    self._name(c.pair.key, (key, "capped-key"))
                    self._name(c.pair.value, (key, "capped-node"))

    def _name(self, obj: Any, place: tuple) -> None:
        # One object can be several settings' (a capped value is written at the pattern's node): the
        # replay checks that all of them are one object in the other pruner too.
        self._places[id(obj)] = self._places.get(id(obj), ()) + (place,)

    # what every pruner shares
    @property
    def dialect(self) -> str:
        return self._ctx.dialect

    @property
    def doc(self):
        return self._ctx.doc

    @property
    def model(self):
        return self._ctx.model

    def __getattr__(self, name: str):
        raise UndeclaredRead(f"a per-kind check used the context's `{name}`")

    def _place(self, obj: Any) -> Any:
        if obj is None:
            return None
        place = self._places.get(id(obj))
        if place is None:
            self.replayable = False
        return place

    def edit(self, where: Any, new_text: str) -> TextEdit:
        e = self._ctx.edit(where, new_text)
        self._edits[id(e)] = (e, self._place(where))
        return e

    def _fixes(self, fixes: list[Fix]) -> list:
        out = []
        for f in fixes:
            edits = []
            for e in f.edits:
                known = self._edits.get(id(e))
                if known is None or known[0] is not e:
                    self.replayable = False  # an edit made without ctx.edit: its place is unknown
                    return []
                edits.append((known[1], e.new_text))
            out.append((f.title, f.safe, edits))
        return out

    def report(self, code: str, where: Any, message: str, *, severity=None, related=(), fixes=()) -> None:
        related, fixes = list(related), list(fixes)
        self.notes.append(("report", code, self._place(where), message, severity,
                           [(self._place(w), m) for w, m in related], self._fixes(fixes)))
        self._ctx.report(code, where, message, severity=severity, related=related, fixes=fixes)

    def report_setting(self, code: str, pruner: Any, setting: Setting, message: str, *, fallback: Any = None,
                       related=(), fixes=()) -> None:
        if pruner is not self._pruner and getattr(pruner, "pruner", None) is not self._pruner:
            raise UndeclaredRead("a per-kind check reported about another pruner")
        related, fixes = list(related), list(fixes)
        self.notes.append(("setting", code, self._place(setting), message, self._place(fallback),
                           [(self._place(w), m) for w, m in related], self._fixes(fixes)))
        self._ctx.report_setting(code, self._pruner, setting, message, fallback=fallback, related=related,
                                 fixes=fixes)


# --- replay --------------------------------------------------------------------------------------

class _Elsewhere(Exception):
    """A noted place is not one object in this pruner (its settings share nodes differently)."""


def _find_one(p: EffectivePruner, place: tuple) -> Any:
    key, what = place
    s = p.settings[key]
    if what.startswith("capped"):
        s = s.capped_from
        what = what[7:] or "setting"
    if s is None:
        raise _Elsewhere()
    if what == "setting":
        return s
    pair = s.pair
    if pair is None:
        raise _Elsewhere()
    return pair if what == "pair" else pair.key if what == "key" else pair.value


def _find(p: EffectivePruner, places: Optional[tuple]) -> Any:
    if places is None:
        return None
    got = _find_one(p, places[0])
    for other in places[1:]:
        if _find_one(p, other) is not got:
            raise _Elsewhere()
    return got


def _replay(ctx: RuleContext, p: EffectivePruner, notes: list) -> bool:
    """Report the notes at `p`'s own nodes; False (nothing reported) when they cannot be placed there."""
    calls = []
    try:
        for kind, code, place, message, extra, related, fixes in notes:
            rel = [(_find(p, w), m) for w, m in related]
            fx = [(title, safe, [(_find(p, w), text) for w, text in edits]) for title, safe, edits in fixes]
            calls.append((kind, code, _find(p, place), message, _find(p, extra) if kind == "setting" else extra,
                          rel, fx))
    except (_Elsewhere, KeyError, AttributeError):
        return False
    for kind, code, where, message, extra, rel, fx in calls:
        fixes = [Fix(title, tuple(ctx.edit(w, text) for w, text in edits), safe=safe) for title, safe, edits in fx]
        if kind == "setting":
            ctx.report_setting(code, p, where, message, fallback=extra, related=rel, fixes=fixes)
        else:
            ctx.report(code, where, message, severity=extra, related=rel, fixes=fixes)
    return True
