"""PL080-PL087: findings about `WeightPruningConfig(...)` calls, the shape of `pruning_configs`,
`prepare_pruning` given the config where INC 2.6 expects the model, and INC's pruning API imported from
where INC 2.6 lacks it.

The call rules read `ctx.doc.python` (a python_config.calls.CallInfo, set only for configs found
in Python files); the two shape rules apply to every dialect-A config (YAML, JSON or Python),
since a user's `WeightPruningConfig(**yaml.safe_load(f))` hands INC the same values.
"""

from __future__ import annotations

from typing import Optional

from ..diagnostics import Fix, TextEdit
from ..positions import Range
from ..yaml_tree import Mapping, Scalar, Sequence
from .context import RuleContext
from .registry import ERROR, INFO, WARNING, checker, rule

SHARED_PRUNING_CONFIGS = rule(
    "PL080", "shared-default-pruning-configs", WARNING,
    "Several WeightPruningConfig() share INC's mutable default `pruning_configs`", dialects="A", fixable=True,
    explanation="`WeightPruningConfig.__init__(pruning_configs=[{}], ...)` uses one default list for every call, and "
    "INC fills its dict in place when it builds the pruners. A second WeightPruningConfig without `pruning_configs` "
    "in the same process then silently takes every setting of the first one and ignores its own arguments "
    "(inc-pruning-spec.md P2, verified with INC 2.6). Pass `pruning_configs=[{}]` (a new list at each call).")
SHARED_EXCLUDED = rule(
    "PL081", "shared-default-excluded-op-names", INFO,
    "Several WeightPruningConfig() share INC's mutable default `excluded_op_names`", dialects="A", fixable=True,
    explanation="INC appends the model's classifier head to the pruner's `excluded_op_names`; when the pruner "
    "inherits the default `excluded_op_names=[]`, that is the one list shared by every call, so later configs "
    "also exclude the first model's head (as a regex: `fc` also excludes `fc1`). Pass `excluded_op_names=[]`.")
PRUNING_CONFIGS_NOT_LIST = rule(
    "PL082", "pruning-configs-not-list", ERROR, "`pruning_configs` is not a list of dicts", dialects="A",
    fixable=True,
    explanation="INC iterates `pruning_configs` and fills each item in place: a dict is iterated by its keys and "
    "fails with `TypeError: 'str' object does not support item assignment`; None fails in `len()`. "
    "Write a list with one dict per pruner (`{}` or `[]` mean one pruner built from the global arguments).")
PRUNER_NOT_DICT = rule(
    "PL083", "pruning-config-not-dict", ERROR, "An entry of `pruning_configs` that is not a dict", dialects="A",
    explanation="INC sets every default key on each entry (`entry[key] = ...`): anything but a dict fails with "
    "TypeError.")
BAD_CALL = rule(
    "PL084", "call-arguments-invalid", ERROR, "A WeightPruningConfig(...) call Python itself rejects", dialects="A",
    explanation="An argument given twice (positionally and by keyword, or by keyword and through `**`), more "
    "positional arguments than the signature has, or a non-string key in a `**` dict: Python raises TypeError "
    "before INC sees the config.")
NOT_READ = rule(
    "PL085", "arguments-not-read", INFO, "Arguments prune-lsp cannot read without running the code", dialects="A",
    explanation="The keys of a `**kwargs` expansion (or `*args`) computed at run time are not known statically: "
    "prune-lsp checks what is written and skips every finding that could depend on them. Check the file they "
    "come from (a YAML or JSON config is checked by `prune-lsp check` too).")
CONFIG_FIRST = rule(
    "PL086", "prepare-pruning-config-first", ERROR,
    "prepare_pruning(config, model, ...): INC 2.6 takes the model first",
    dialects="A", fixable=True,
    explanation="INC 2.6's signature is `prepare_pruning(model, config, optimizer=None, dataloader=None, "
    "loss_func=None, framework='pytorch', device=None)`; INC's earlier releases took the config first, and scripts "
    "written for them (INC's own ResNet50 and GLUE pruning examples, its pruning_2_plus.x tests) still pass it "
    "first. INC 2.6 then hands the model to process_config, which fails with `AssertionError: not supported type "
    "<the model>` before any pruner is built. Reported only where the first argument is certainly one of the file's "
    "WeightPruningConfig(...) objects; the fix swaps the first two arguments.")
MISSING_IMPORT = rule(
    "PL087", "inc-import-missing", ERROR, "INC's pruning API imported from where INC 2.6 does not have it",
    dialects="A",
    explanation="INC moved its pruning entry points between releases: INC 2.6 has `prepare_pruning` in "
    "`neural_compressor.training` and `neural_compressor.compression.pruner` (not at the top level), `model_slim` "
    "and `parse_auto_slim_config` in `neural_compressor.compression.pruner`, and no `neural_compressor.pruner` or "
    "`neural_compressor.pruning` package (INC 2.0's). Scripts written for another release import them from where "
    "they were, and Python raises ImportError before any config is built. Only these names are judged.")


def _rng(ctx: RuleContext, span: tuple[int, int]) -> Range:
    return ctx.parsed.lines.range(*span)


def _insert_keyword(ctx: RuleContext, info, keyword: str) -> Optional[Fix]:
    """Add `keyword` as the call's last argument (after any trailing comma, inside the parentheses)."""
    text = ctx.parsed.text
    close = info.close_paren
    if not (0 <= close < len(text)) or text[close] != ")":
        return None
    if info.last_arg_end is None:
        at, new = close, keyword
    else:
        at, new = info.last_arg_end, ", " + keyword
    pos = ctx.parsed.lines.position(at)
    return Fix(f"pass `{keyword}`", (TextEdit(Range(pos, pos), new),))


def _shared_default(ctx: RuleContext, flag: str, code: str, what: str, message: str, keyword: str) -> None:
    info = getattr(ctx.doc, "python", None)
    if info is None or not getattr(info, flag):
        return
    others = [o for o in info.siblings if o is not info and getattr(o, flag)]
    if not others and not info.in_loop:
        return
    where = "built again at each turn of this loop" if not others else \
        f"another WeightPruningConfig(...) {what} in this file (line " \
        + ", ".join(str(ctx.parsed.lines.position(o.func[0]).line + 1) for o in others[:3]) + ")"
    fix = _insert_keyword(ctx, info, keyword)
    ctx.report(code, _rng(ctx, info.func), f"{message}; {where}",
               related=[(_rng(ctx, o.func), f"also relies on the shared default ({what})") for o in others[:5]],
               fixes=[fix] if fix else [])


@checker(SHARED_PRUNING_CONFIGS, SHARED_EXCLUDED)
def check_shared_defaults(ctx: RuleContext) -> None:
    _shared_default(ctx, "relies_default_pruning_configs", SHARED_PRUNING_CONFIGS.code, "without `pruning_configs`",
                    "no `pruning_configs`: this call uses INC's single default list, which INC fills in place, so "
                    "whichever WeightPruningConfig is built second silently runs with the first one's settings",
                    "pruning_configs=[{}]")
    _shared_default(ctx, "relies_default_excluded", SHARED_EXCLUDED.code, "inheriting the default `excluded_op_names`",
                    "a pruner here inherits INC's single default `excluded_op_names` list, to which INC appends the "
                    "model's classifier head, so configs built later exclude that head's name too",
                    "excluded_op_names=[]")


@checker(PRUNING_CONFIGS_NOT_LIST, PRUNER_NOT_DICT)
def check_pruning_configs_shape(ctx: RuleContext) -> None:
    if ctx.dialect != "A" or ctx.doc.unrecognised:
        return
    pp = ctx.doc.pruners_pair
    if pp is None:
        return
    v = pp.value
    if isinstance(v, Sequence):
        for entry in ctx.doc.pruners:
            node = entry.node
            if isinstance(node, Mapping) or _unknown(node):
                continue
            ctx.report(PRUNER_NOT_DICT.code, node, f"entry {entry.index + 1} of `pruning_configs` must be a dict of "
                       f"pruner keys, not {_kind(node)}: INC fails with TypeError when it fills in the defaults")
        return
    if _unknown(v) or (isinstance(v, Mapping) and not v.pairs):
        return
    fixes = []
    if isinstance(v, Mapping) and v.flow:
        a, b = ctx.parsed.lines.position(v.start), ctx.parsed.lines.position(v.end)
        fixes = [Fix("make it a list of one pruner", (TextEdit(Range(a, a), "["), TextEdit(Range(b, b), "]")))]
    why = ("INC iterates a dict by its keys and fails with TypeError: 'str' object does not support item assignment"
           if isinstance(v, Mapping) else "INC fails with TypeError")
    ctx.report(PRUNING_CONFIGS_NOT_LIST.code, v, f"`pruning_configs` must be a list of dicts, one per pruner, not "
               f"{_kind(v)}: {why}", fixes=fixes)


@checker(BAD_CALL, NOT_READ)
def check_call_arguments(ctx: RuleContext) -> None:
    info = getattr(ctx.doc, "python", None)
    if info is None:
        return
    for start, end, message in info.arg_problems:
        ctx.report(BAD_CALL.code, _rng(ctx, (start, end)), message)
    for start, end, message in info.unread:
        ctx.report(NOT_READ.code, _rng(ctx, (start, end)), message + ": findings that could depend on them are skipped")


@checker(CONFIG_FIRST)
def check_prepare_pruning_order(ctx: RuleContext) -> None:
    info = getattr(ctx.doc, "python", None)
    for call in getattr(info, "config_first", None) or ():
        fixes = []
        a, b = call.config_arg, call.model_arg
        if b is not None:
            text = ctx.parsed.text
            fixes = [Fix("pass the model first: prepare_pruning(model, config, ...)",
                         (TextEdit(_rng(ctx, a), text[b[0]:b[1]]), TextEdit(_rng(ctx, b), text[a[0]:a[1]])))]
        ctx.report(CONFIG_FIRST.code, _rng(ctx, a), "this WeightPruningConfig is passed first, where INC 2.6's "
                   "prepare_pruning(model, config, optimizer=None, dataloader=None, ...) takes the model (the config "
                   "came first in earlier INC releases): INC hands the model to process_config and fails with "
                   "AssertionError: not supported type <the model>; pass the model first",
                   related=[(_rng(ctx, call.callee), "the prepare_pruning call")], fixes=fixes)


@checker(MISSING_IMPORT)
def check_imports(ctx: RuleContext) -> None:
    info = getattr(ctx.doc, "python", None)
    for start, end, message in getattr(info, "missing_imports", None) or ():
        ctx.report(MISSING_IMPORT.code, _rng(ctx, (start, end)), message)


def _unknown(node) -> bool:
    return isinstance(node, Scalar) and node.tag.startswith("tag:prune-lsp,")


def _kind(node) -> str:
    if isinstance(node, Mapping):
        return "a dict"
    if isinstance(node, Sequence):
        return "a list"
    if isinstance(node, Scalar):
        if node.is_null:
            return "None (null)"
        return f"`{node.raw}`" if not isinstance(node.value, str) else f"the string \"{node.value}\""
    return "this value"
