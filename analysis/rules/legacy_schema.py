"""INC 1.x's schema beyond the pruning approach (dialects C and D): the model, version, device,
tuning, evaluation and pruning.train sections and their hooks, as conf/config.py validates them
before any pruner exists (analysis/schema/sections_1x.py holds the key tables)."""

from __future__ import annotations

import re

from ..schema.sections_1x import OTHER_TOP, TOP, TRAIN, Check, Section, to_bool_list, to_float_list
from ..yaml_tree import Mapping, Scalar, Sequence, to_python
from .context import RuleContext
from .registry import ERROR, checker, rule
from .suggest import closest

SCHEMA_1X = rule("PL066", "legacy-schema-section", ERROR, "A 1.x section value or key INC's schema rejects",
                 dialects="CD", explanation="INC 2.6 validates a `weight_compression` or `weight_compression_pytorch` "
                 "file against the whole 1.x schema before building anything: `model` (name, framework among INC's "
                 "frameworks), `version`, `device` (cpu|gpu), `tuning`, `evaluation` and `pruning.train` (which needs "
                 "`criterion`; optimizer SGD/Adam/AdamW; `start_epoch <= end_epoch`, the `_valid_prune_epoch` hook). "
                 "Unknown keys, missing required keys and values of the wrong type are a SchemaError, reported by "
                 "INC as 'The yaml file format is not correct'. A float key does not take an int (`0.0`, not `0`).")

_NUM = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_PERCENT = re.compile(r"-?\d+(\.\d+)?%")


def _py(node):
    """The value INC's loader gives a scalar (null is {} under INC's constructor)."""
    if isinstance(node, Scalar):
        return {} if node.is_null else node.value
    return None


def _type_error(spec, node) -> str | None:
    """Why `node` does not satisfy `spec`, or None."""
    if spec == "any":
        return None
    if isinstance(spec, Check):
        if spec.test(to_python(node, null_as_empty_dict=True)):
            return None
        return f"must be {spec.what}, not {_shown(node)}"
    if isinstance(spec, Section) or spec == "dict":
        if isinstance(node, Mapping) or (isinstance(node, Scalar) and node.is_null):
            return None
        return "must be a mapping"
    if spec == "list":
        return None if isinstance(node, Sequence) else "must be a list"
    if isinstance(node, (Mapping, Sequence)):
        if spec == ("null_or_empty",) and isinstance(node, Mapping) and not node.pairs:
            return None
        return f"must be {_what(spec)}, not a {'mapping' if isinstance(node, Mapping) else 'list'}"
    v = _py(node)
    if spec == ("null_or_empty",):
        return None if v == {} else "takes no value (write it with nothing after the colon)"
    kind = spec[0] if isinstance(spec, tuple) else spec
    ok = {
        "str": lambda: isinstance(v, str),
        "int": lambda: isinstance(v, int) and not isinstance(v, bool),  # the schema library rejects a bool
        "float": lambda: isinstance(v, float),
        "bool": lambda: isinstance(v, bool),
        "enum": lambda: isinstance(v, str) and v in spec[1],
        "int_in": lambda: isinstance(v, int) and not isinstance(v, bool) and v in spec[1],
        "num": lambda: (isinstance(v, (int, float)) or (isinstance(v, str) and bool(_NUM.match(v)))),
        "percent": lambda: (isinstance(v, float) or (isinstance(v, str) and bool(_PERCENT.match(v)))
                            or (spec[1] and isinstance(v, int) and not isinstance(v, bool))),
    }[kind]()
    if ok:
        return None
    return f"must be {_what(spec)}, not {_shown(node)}"


def _shown(node) -> str:
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, Sequence):
        return "a list"
    v = _py(node)
    return "empty (null)" if v == {} else f"`{node.raw}`" if not node.style else f"the string \"{node.raw}\""


def _what(spec) -> str:
    if isinstance(spec, tuple):
        if spec[0] == "enum":
            return "one of " + ", ".join(spec[1])
        if spec[0] == "int_in":
            return "an integer among " + ", ".join(map(str, spec[1]))
        if spec[0] == "num":
            return "a number"
        if spec[0] == "percent":
            return "a float or a percentage such as \"1%\"" + (" or an integer" if spec[1] else "")
        return "empty"
    return {"str": "a string", "int": "an integer", "float": "a float (write 1.0, not 1)", "bool": "true or false",
            "list": "a list", "dict": "a mapping"}.get(spec, spec)


def _check(ctx: RuleContext, path: str, spec, pair, node) -> None:
    why = _type_error(spec, node)
    if why:
        ctx.report(SCHEMA_1X.code, node if isinstance(node, Scalar) else pair.key,
                   f"`{path}` {why} (INC's 1.x schema rejects the file)")
        return
    if isinstance(spec, Section) and isinstance(node, Mapping):
        _check_section(ctx, path, spec, pair, node)


def _check_section(ctx: RuleContext, path: str, spec: Section, pair, m: Mapping, *, skip_required=()) -> None:
    for q in m.pairs:
        name = q.name
        if not isinstance(name, str) or m.get_pair(name) is not q:
            continue
        if name not in spec.keys and spec.any_key is not None:
            _check(ctx, f"{path}.{name}", spec.any_key, q, q.value)
            continue
        if name not in spec.keys:
            guess = closest(name, list(spec.keys))
            ctx.report(SCHEMA_1X.code, q.key, f"`{path}.{name}` is not a key INC's 1.x schema allows here"
                       + (f"; did you mean `{guess}`?" if guess else f" (allowed: {', '.join(spec.keys)})"))
            continue
        _check(ctx, f"{path}.{name}", spec.keys[name], q, q.value)
    for req in sorted(spec.required - set(skip_required)):
        if m.get_pair(req) is None:
            ctx.report(SCHEMA_1X.code, pair.key if pair is not None else m,
                       f"`{path}` needs `{req}` (INC's 1.x schema: Missing key: '{req}')")


@checker(SCHEMA_1X)
def check_sections_1x(ctx: RuleContext) -> None:
    root = ctx.doc.root
    if not isinstance(root, Mapping) or ctx.doc.unrecognised or ctx.dialect not in ("C", "D"):
        return
    for p in root.pairs:
        name = p.name
        if not isinstance(name, str) or root.get_pair(name) is not p:
            continue
        if name in TOP:
            spec = TOP[name]
            if name == "model" and isinstance(p.value, Mapping):  # PL058 reports the missing name/framework
                _check_section(ctx, "model", spec, p, p.value, skip_required=("name", "framework"))
            elif name != "model":
                _check(ctx, name, spec, p, p.value)
        elif name not in OTHER_TOP:
            guess = closest(name, list(TOP) + list(OTHER_TOP))
            ctx.report(SCHEMA_1X.code, p.key, f"`{name}` is not a section INC's 1.x schema knows"
                       + (f"; did you mean `{guess}`?" if guess else ""))
    tuning = root.get("tuning")
    crit = tuning.get_pair("accuracy_criterion") if isinstance(tuning, Mapping) else None
    if crit is not None and isinstance(crit.value, Mapping):
        has = [k for k in ("relative", "absolute") if crit.value.get_pair(k) is not None]
        if len(has) != 1:
            ctx.report(SCHEMA_1X.code, crit.key, "`tuning.accuracy_criterion` needs exactly one of `relative` and "
                       "`absolute` (the schema's _valid_accuracy_field hook)")
    _length_hooks(ctx, root)
    pruning = root.get("pruning")
    if not isinstance(pruning, Mapping):
        return
    for p in pruning.pairs:
        if isinstance(p.name, str) and p.name not in ("train", "approach"):
            ctx.report(SCHEMA_1X.code, p.key, f"`pruning.{p.name}` is not a key INC's 1.x schema allows (only "
                       "`train` and `approach`)")
    train_pair = pruning.get_pair("train")
    if train_pair is None:
        return
    _check(ctx, "pruning.train", TRAIN, train_pair, train_pair.value)
    t = train_pair.value
    if isinstance(t, Mapping):
        s, e = _py(t.get("start_epoch")), _py(t.get("end_epoch"))
        if isinstance(s, (int, float)) and isinstance(e, (int, float)) and s > e:
            ctx.report(SCHEMA_1X.code, t.get("end_epoch"), f"`pruning.train.end_epoch` ({e}) is before start_epoch "
                       f"({s}); the schema's _valid_prune_epoch hook asserts start_epoch <= end_epoch")


def _length_hooks(ctx: RuleContext, root: Mapping) -> None:
    """The schema's _valid_multi_objectives and _valid_metric_length hooks: they run on the values as
    loaded (a string's length is its characters) and fail on any exception."""
    tuning, evaluation = root.get("tuning"), root.get("evaluation")
    mo = tuning.get_pair("multi_objectives") if isinstance(tuning, Mapping) else None
    if mo is not None and isinstance(mo.value, Mapping):
        raw = to_python(mo.value, null_as_empty_dict=True)
        if "weight" in raw and not _holds(lambda: len(raw["objective"]) == len(raw["weight"])):
            ctx.report(SCHEMA_1X.code, mo.key, "`tuning.multi_objectives` needs as many `weight` entries as "
                       "`objective` entries (the schema's _valid_multi_objectives hook compares their lengths as "
                       "written)")
    accuracy = evaluation.get("accuracy") if isinstance(evaluation, Mapping) else None
    mm = accuracy.get_pair("multi_metrics") if isinstance(accuracy, Mapping) else None
    if mm is None or not isinstance(mm.value, Mapping):
        return
    raw = to_python(mm.value, null_as_empty_dict=True)
    metrics = [k for k in raw if k not in ("weight", "higher_is_better")]
    for key, conv in (("weight", to_float_list), ("higher_is_better", to_bool_list)):
        if key in raw and not _holds(lambda: len(conv(raw[key])) == len(metrics)):
            ctx.report(SCHEMA_1X.code, mm.value.get_pair(key).key, f"`evaluation.accuracy.multi_metrics.{key}` needs "
                       f"one entry per metric ({len(metrics)} here; the schema's _valid_metric_length hook)")


def _holds(test) -> bool:
    try:
        return bool(test())
    except Exception:  # noqa: BLE001 - INC's hook fails on any exception
        return False
