"""Keys INC does not know, ignores, or only accepts at another level."""

from __future__ import annotations

from typing import Iterator, Optional

from ..diagnostics import Fix
from ..schema.spec import Level
from ..yaml_tree import Mapping, Pair, Scalar, Sequence
from .context import RuleContext
from .helpers import move_under_parameters_fix
from .registry import ERROR, INFO, WARNING, checker, rule
from .suggest import closest

UNKNOWN_KEY = rule("PL031", "unknown-key", WARNING, "A key INC does not know", spec="R31", fixable=True,
                   explanation="INC 2.x warns `<key> is not supported for config` and ignores an unknown global key "
                   "or WeightPruningConfig argument; an unknown key in a `!PrunerV2` or `!Pruner` entry is a TypeError "
                   "at load, and the 1.x schema rejects unknown keys. The severity follows: error where INC raises.")
RESUME_UNUSED = rule("PL042", "resume-flag-unused", INFO, "`resume_from_pruned_checkpoint` has no effect", spec="R42",
                     dialects="AB")
LOCK_INIT = rule("PL043", "lock-init-sparsity-warns", INFO, "`lock_init_sparsity` works but INC warns about it",
                 spec="R43", dialects="A")
LOCK_INIT_DROPPED = rule(
    "PL078", "lock-init-sparsity-dropped", WARNING, "A global `lock_init_sparsity` that INC drops", dialects="A",
    explanation="INC 2.6 copies only the keys of its own template from the global config into each "
    "`pruning_configs` entry; `lock_init_sparsity` is not one of them. So a global `lock_init_sparsity` reaches the "
    "pruners only when `pruning_configs` is `[]` (the global config is then the one pruner); with entries, or "
    "without `pruning_configs` (its default is `[{}]`), every pruner runs without it (verified on INC 2.6: the "
    "pruner's config reads None). Set it in each entry.")
GLOBAL_ONLY = rule("PL044", "global-only-key", ERROR, "A global-only key inside a `!PrunerV2` entry", spec="R44",
                   dialects="B", fixable=True,
                   explanation="`low_memory_usage` (and `criterion_type`, `reg_coeff`) are not arguments of `PrunerV2`: "
                   "INC fails with `TypeError: PrunerV2.__init__() got an unexpected keyword argument`.")
DUPLICATE_KEY = rule("PL059", "duplicate-key", WARNING, "A key written twice in one mapping",
                     explanation="PyYAML keeps the last value silently; the first one has no effect.")


def _levels(ctx: RuleContext) -> list[tuple[Level, Mapping, Optional[int]]]:
    """Every mapping whose keys INC reads, with its level: listed once per context (three checks walk it)."""
    got = ctx._memo.get("levels")
    if got is None:
        got = ctx._memo["levels"] = list(_each_level(ctx))
    return got


def merged_from_elsewhere(ctx: RuleContext, pair: Pair) -> bool:
    """Whether a `<<` merged pair is written in a mapping the checks visit anyway (another pruner, the
    global section): it is reported there once. A merge from a mapping nowhere else (an inline `<<: {..}`,
    an anchor at the top of the file) reaches INC only here, so it is checked here, at where it is written."""
    homes = ctx._memo.get("home_keys")
    if homes is None:
        homes = ctx._memo["home_keys"] = {id(p.key) for _, m, _ in _levels(ctx) for p in m.pairs if not p.merged}
    return id(pair.key) in homes


def _each_level(ctx: RuleContext) -> Iterator[tuple[Level, Mapping, Optional[int]]]:
    g = ctx.doc.globals
    if isinstance(g, Mapping):
        yield Level.GLOBAL, g, None
        params = g.get("parameters")
        if isinstance(params, Mapping) and ctx.doc.dialect.parameter_keys:
            yield Level.PARAMETERS, params, None
    for entry in ctx.doc.pruners:
        m = entry.mapping
        if m is None:
            continue
        yield Level.PRUNER, m, entry.index
        params = m.get("parameters")
        if isinstance(params, Mapping) and ctx.doc.dialect.parameter_keys:
            yield Level.PARAMETERS, params, entry.index


@checker(UNKNOWN_KEY, RESUME_UNUSED, LOCK_INIT, LOCK_INIT_DROPPED, GLOBAL_ONLY, DUPLICATE_KEY)
def check_keys(ctx: RuleContext) -> None:
    d = ctx.doc.dialect
    if ctx.doc.unrecognised or not d.supported:
        return
    # did-you-mean per (level, name): a generated config repeats one unknown key thousands of times
    guesses: dict[tuple, Optional[str]] = {}
    known_at = {lv: d.keys_at(lv) for lv in Level}
    notes = ctx.dialect in "AB"  # resume_from_pruned_checkpoint (PL042)
    for level, mapping, index in _levels(ctx):
        known = known_at[level]
        seen: dict = {}
        for pair in mapping.pairs:
            if pair.merged and merged_from_elsewhere(ctx, pair):
                continue
            name = pair.name
            # merged keys never repeat an own key (the own one wins); a call's repeated keyword is no
            # "last value counts" but a SyntaxError or TypeError (PL084)
            if name in seen and not pair.merged and not (level is Level.GLOBAL and getattr(ctx.doc, "python", None)):
                ctx.report(DUPLICATE_KEY.code, seen[name], f"`{name}` is written again below; only the last value counts",
                           related=[(pair, "the value INC uses")])
            seen[name] = pair
            if name in known:
                if notes and name == "resume_from_pruned_checkpoint":
                    _known_key_notes(ctx, level, pair)
                continue
            if level is Level.PARAMETERS:
                if isinstance(name, str) and name in ctx.doc.dialect.pruner_keys:
                    ctx.report(UNKNOWN_KEY.code, pair, f"`parameters.{name}` overwrites the pruner's `{name}`: INC copies "
                               "every key of `parameters` to the pruner's top level", severity=WARNING)
                else:
                    ctx.report(UNKNOWN_KEY.code, pair, f"`parameters.{name}` is not read by INC (it only uses `reg_coeff`)",
                               severity=WARNING, fixes=_rename(ctx, pair, _guess(guesses, level, name, known)))
                continue
            _unknown(ctx, level, pair, known, mapping, guesses)


def _known_key_notes(ctx: RuleContext, level: Level, pair: Pair) -> None:
    if pair.name == "resume_from_pruned_checkpoint" and ctx.dialect in "AB":
        ctx.report(RESUME_UNUSED.code, pair, "`resume_from_pruned_checkpoint` is only converted to bool by INC and never read")


def _lock_init(ctx: RuleContext, level: Level, pair: Pair) -> None:
    """Read by every pruner that has it, but reached from the global config only through `pruning_configs: []`."""
    configs = ctx.doc.pruners_pair
    alone = configs is not None and isinstance(configs.value, Sequence) and not configs.value.items
    if level is Level.GLOBAL and not alone:
        ctx.report(LOCK_INIT_DROPPED.code, pair, "INC drops a global `lock_init_sparsity`: it copies only its template's "
                   "keys into each pruning_configs entry" + ("" if configs is not None else " (the default is [{}])")
                   + ", so no pruner gets it; set it in each entry")
        return
    ctx.report(LOCK_INIT.code, pair, "`lock_init_sparsity` works (pruners read it) but INC logs "
               "'lock_init_sparsity is not supported for config'")


def _guess(guesses: dict, level: Level, name, known: dict) -> Optional[str]:
    """closest(name, known), once per (level, name) in a check."""
    if not isinstance(name, str):
        return None
    key = (level, name)
    if key not in guesses:
        guesses[key] = closest(name, known)
    return guesses[key]


def _unknown(ctx: RuleContext, level: Level, pair: Pair, known: dict, mapping: Mapping, guesses: dict) -> None:
    d = ctx.doc.dialect
    name = pair.name
    if not isinstance(pair.key, Scalar):  # `? [a] : b`: PyYAML's constructor refuses it before INC sees a key
        what = "list" if isinstance(pair.key, Sequence) else "mapping"
        ctx.report(UNKNOWN_KEY.code, pair.key, f"a {what} used as a key: INC's yaml.safe_load fails "
                   "(ConstructorError: found unhashable key)", severity=ERROR)
        return
    error = d.unknown_pruner_is_error if level is Level.PRUNER else d.unknown_global_is_error
    if d.id == "A" and name == "lock_init_sparsity":
        _lock_init(ctx, level, pair)
        return
    if level is Level.PRUNER and d.id == "B" and name in d.global_keys:
        fixes = []
        if name == "reg_coeff":
            fixes = move_under_parameters_fix(ctx, mapping, pair)
        ctx.report(GLOBAL_ONLY.code, pair, f"`{name}` is not accepted in a `!PrunerV2` entry (TypeError at load); "
                   + ("put it under `parameters: {reg_coeff: ...}`" if name == "reg_coeff"
                      else "set it in the global section instead"), fixes=fixes)
        return
    key = ("text", level, type(name), name)  # the type too: 1 and True are equal keys
    text = guesses.get(key)  # the same words for every pruner that has this key
    if text is None:
        text = guesses[key] = _unknown_text(d, level, name, error, _guess(guesses, level, name, known))
    msg, severity, suggestion = text
    ctx.report(UNKNOWN_KEY.code, pair, msg, severity=severity, fixes=_rename(ctx, pair, suggestion))


def _unknown_text(d, level: Level, name, error: bool, suggestion: Optional[str]) -> tuple:
    """(message, severity, did-you-mean) of an unknown key: a function of the dialect, level and name."""
    shown = name if isinstance(name, str) else repr(name)
    where = "in a " + (d.pruner_tag or "pruner") + " entry" if level is Level.PRUNER else "here"
    other_level = None
    if isinstance(name, str) and level is Level.GLOBAL and name in d.pruner_keys:
        other_level = "pruner"
    msg = f"unknown key `{shown}` {where}"
    msg += f"; did you mean `{suggestion}`? " if suggestion else ": "
    if error:
        msg += "INC rejects it" + (" (TypeError at load)" if level is Level.PRUNER else " (schema error)")
    else:
        msg += "INC only warns 'is not supported for config' and ignores it"
    if other_level:
        msg += f" (it is a {other_level}-level key)"
    return msg, ERROR if error else WARNING, suggestion


def _rename(ctx: RuleContext, pair: Pair, suggestion: Optional[str]) -> list[Fix]:
    """A fix renaming the key to `suggestion` (closest(pair.name, the level's keys), computed by the caller)."""
    if not suggestion or not isinstance(pair.key, Scalar) or pair.key.style:
        return []
    return [Fix(f"rename to `{suggestion}`", (ctx.edit(pair.key, suggestion),))]
