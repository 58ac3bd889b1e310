"""INC 1.x's schema beyond the pruning approach (dialects C and D): the model, version, device,
tuning, evaluation and pruning.train sections and their hooks, as conf/config.py validates them
before any pruner exists (analysis/schema/sections_1x.py holds the key tables)."""

from __future__ import annotations

import re

from ..schema.sections_1x import OTHER_TOP, TOP, TRAIN, Section
from ..yaml_tree import Mapping, Scalar, Sequence
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
        "int": lambda: isinstance(v, int),  # a YAML 1.1 boolean is a Python int too
        "float": lambda: isinstance(v, float),
        "bool": lambda: isinstance(v, bool),
        "enum": lambda: isinstance(v, str) and v in spec[1],
        "int_in": lambda: isinstance(v, int) and v in spec[1],
        "num": lambda: (isinstance(v, (int, float)) or (isinstance(v, str) and bool(_NUM.match(v)))),
        "percent": lambda: (isinstance(v, float) or (isinstance(v, str) and bool(_PERCENT.match(v)))
                            or (spec[1] and isinstance(v, int))),
    }[kind]()
    if ok:
        return None
    shown = "empty (null)" if v == {} else f"`{node.raw}`" if not node.style else f"the string \"{node.raw}\""
    return f"must be {_what(spec)}, not {shown}"


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
