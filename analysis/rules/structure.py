"""The shape of the config: syntax, dialect, required sections and the pruner entries."""

from __future__ import annotations

from ..diagnostics import Fix, TextEdit
from ..positions import Range
from ..yaml_tree import TAG_MAP, Mapping, Scalar, Sequence
from .context import RuleContext
from .registry import ERROR, INFO, checker, rule

SYNTAX_ERROR = rule("PL050", "yaml-syntax", ERROR, "The YAML cannot be parsed",
                    explanation="INC loads the file with PyYAML and fails at the first syntax error. "
                                "prune-lsp reports it once and still checks what it could read around it.")
RETIRED_DIALECT = rule("PL051", "retired-dialect", ERROR, "A retired config format (INC 1.0, ilit/lpot)",
                       spec="", explanation="`pruning: {magnitude: ...}` configs were read by INC 1.0-1.3 only. "
                       "Rewrite the file in the INC 2.x format (`pruning.approach.weight_compression_v2`) or as "
                       "WeightPruningConfig keys.", dialects="ABCDE")
MISSING_PRUNERS = rule("PL052", "missing-pruners", ERROR, "The `pruners` list is missing or not a list",
                       explanation="INC 2.x reads `weight_compression_v2.pruners` unconditionally (KeyError without it); "
                       "`pruners: []` means one pruner built from the global keys.", fixable=True)
UNTAGGED_PRUNER = rule("PL053", "untagged-pruner", ERROR, "A pruner entry without its `!PrunerV2`/`!Pruner` tag",
                       explanation="INC builds each pruner from the YAML tag: a plain mapping fails with "
                       "`AttributeError: 'dict' object has no attribute 'pruner_config'` (2.x) or a schema error (1.x).",
                       fixable=True)
UNRECOGNISED = rule("PL054", "unrecognised-config", ERROR, "A `pruning` section INC cannot read", dialects="ABCDE")
MODELINE_NO_CONFIG = rule("PL055", "modeline-without-config", INFO, "A modeline in a file with no pruning config")
NOT_CHECKED = rule("PL056", "not-checked", ERROR, "The file is too large, too deep or expands too far to check",
                   explanation="Files over 2 million characters, nested over 200 levels, or whose anchors and aliases "
                   "expand to over 200,000 nodes (1,000,000 with every alias written out, or an alias inside its own "
                   "anchor) are not checked: PyYAML itself would exhaust recursion on the deep ones, and anything that "
                   "walks the values (INC reading `names`, a message quoting them) meets every written-out copy. An "
                   "error wherever the file is met (named on the command line: exit 2; found in a folder: exit 1).")
MULTI_DOCUMENT = rule("PL057", "multiple-documents", ERROR, "INC reads a single YAML document",
                      explanation="INC loads the config with `yaml.safe_load`, which fails on a stream of several documents.")
MISSING_MODEL = rule("PL058", "missing-model-section", ERROR, "INC 1.x configs need `model: {name, framework}`",
                     dialects="CD", explanation="The 1.x schema requires `model.name` and `model.framework`.")
INTERNAL_ERROR = rule("PL099", "internal-error", INFO, "prune-lsp failed inside one of its checks")


@checker(RETIRED_DIALECT, UNRECOGNISED, MULTI_DOCUMENT)
def check_dialect(ctx: RuleContext) -> None:
    doc = ctx.doc
    if doc.dialect.id == "E":
        ctx.report(RETIRED_DIALECT.code, doc.root.get_pair("pruning"),
                   "this is the INC 1.0 (ilit/lpot) pruning format, which INC 2.x cannot read; "
                   "rewrite it under `pruning.approach.weight_compression_v2` with `!PrunerV2` pruners")
        return
    if doc.unrecognised:
        pair = doc.root.get_pair("pruning")
        approach = pair.value.get_pair("approach") if isinstance(pair.value, Mapping) else None
        ctx.report(UNRECOGNISED.code, approach or pair, doc.unrecognised)
        return
    if len(ctx.parsed.documents) > 1:
        # B, C, D: INC's loader; A: the user's script unpacking the file into WeightPruningConfig
        who = "the script's yaml.safe_load" if doc.dialect.id == "A" else "INC's yaml.safe_load"
        where = doc.root.get_pair("pruning") or (doc.root.pairs[0] if doc.root.pairs else doc.root)
        ctx.report(MULTI_DOCUMENT.code, where,
                   f"this file holds {len(ctx.parsed.documents)} YAML documents; {who} reads exactly one")


@checker(MISSING_PRUNERS, UNTAGGED_PRUNER)
def check_pruner_entries(ctx: RuleContext) -> None:
    doc = ctx.doc
    if doc.unrecognised or doc.dialect.id not in "BCD":
        return
    container = doc.container
    if container is None:
        return
    if not isinstance(container.value, Mapping):
        if isinstance(container.value, Scalar) and container.value.is_null and doc.dialect.id == "B":
            ctx.report(MISSING_PRUNERS.code, container, f"`{container.name}` is empty: INC needs at least "
                       "`pruners: []` under it")
        return
    pp = doc.pruners_pair
    if pp is None:
        if doc.dialect.id in "BC":
            indent = _child_indent(ctx, container.value)
            fix = _insert_line_fix(ctx, container.value, f"{indent}pruners: []", "add `pruners: []`")
            ctx.report(MISSING_PRUNERS.code, container,
                       f"`{container.name}` has no `pruners` list; INC fails with KeyError: 'pruners'. "
                       "Add `pruners: []` for one pruner built from these keys", fixes=[fix] if fix else [])
        return
    v = pp.value
    if isinstance(v, Scalar) and v.is_null:
        return  # INC 2.x reads null as {}: zero local configs, one pruner from the global keys
    if isinstance(v, Mapping) and not v.pairs and doc.dialect.id == "B":
        return  # `pruners: {}` is what a null becomes: INC 2.x builds one pruner from the global keys
    if not isinstance(v, Sequence):
        ctx.report(MISSING_PRUNERS.code, v, "`pruners` must be a list of `"
                   f"{doc.dialect.pruner_tag}` entries")
        return
    tag = doc.dialect.pruner_tag
    for entry in doc.pruners:
        node = entry.node
        if node.tag == tag:
            if not isinstance(node, Mapping) and doc.dialect.id == "B":  # built by construct_mapping (C, D: PL071)
                ctx.report(UNTAGGED_PRUNER.code, node, f"pruner {entry.index + 1} is tagged `{tag}` but is "
                           f"{_kind(node)}: INC's loader fails (ConstructorError: expected a mapping node)")
            continue
        if isinstance(node, Mapping) and node.tag == TAG_MAP:
            fix = None
            if not node.flow:
                fix = _add_tag_fix(ctx, node, tag)
            ctx.report(UNTAGGED_PRUNER.code, Range(ctx.parsed.lines.position(node.start),
                                                     ctx.parsed.lines.position(node.start)),
                       f"pruner {entry.index + 1} is a plain mapping; INC needs the `{tag}` tag on each entry "
                       f"(without it: AttributeError at load)", fixes=[fix] if fix else [])
        else:
            ctx.report(UNTAGGED_PRUNER.code, node,
                       f"pruner {entry.index + 1} must be a `{tag}` mapping, not {_kind(node)}")


@checker(MISSING_MODEL)
def check_model_section(ctx: RuleContext) -> None:
    if ctx.doc.dialect.id not in "CD" or ctx.doc.unrecognised:
        return
    root = ctx.doc.root
    model = root.get("model")
    if not isinstance(model, Mapping):
        ctx.report(MISSING_MODEL.code, root.get_pair("model") or root.get_pair("pruning"),
                   "INC 1.x configs need a `model:` section with `name` and `framework` (schema: Missing key: 'model')")
        return
    for key in ("name", "framework"):
        if model.get_pair(key) is None:
            ctx.report(MISSING_MODEL.code, root.get_pair("model"), f"`model` needs a `{key}` key (schema: Missing key)")


def _kind(node) -> str:
    if isinstance(node, Sequence):
        return "a list"
    if isinstance(node, Scalar):
        return "empty" if node.is_null or node.raw == "" else "a scalar"
    return f"a `{node.tag}` node"


def _child_indent(ctx: RuleContext, m: Mapping) -> str:
    if m.pairs:
        pos = ctx.parsed.lines.position(m.pairs[0].key.start)
        return " " * pos.character
    return "  "


def _insert_line_fix(ctx: RuleContext, m: Mapping, line_text: str, title: str):
    if m.flow or not m.pairs:
        return None
    last = m.pairs[-1].value
    end_line = ctx.parsed.lines.position(max(last.end - 1, last.start)).line
    insert_at = ctx.parsed.lines.line_end(end_line)
    pos = ctx.parsed.lines.position(insert_at)
    return Fix(title, (TextEdit(Range(pos, pos), "\n" + line_text),))


def _add_tag_fix(ctx: RuleContext, node: Mapping, tag: str):
    """`- key: v` -> `- tag\\n    key: v`, keeping the entry's indentation."""
    start = ctx.parsed.lines.position(node.start)
    # `- key: value` on the dash's line: the tag takes the key's place and the key moves to the
    # next line at the column the other keys already use, so the block stays consistent.
    return Fix(f"add `{tag}`", (TextEdit(Range(start, start), f"{tag}\n{' ' * start.character}"),))
