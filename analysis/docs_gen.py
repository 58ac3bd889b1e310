"""docs/rules.md and docs/keys.md, generated from the rule registry and the key schema.

Regenerate with `python -m analysis.docs_gen`; tests/engine/test_docs.py fails when the committed
files are stale, so the docs can never drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import rules as _rules  # noqa: F401 (registers the rules)
from .rules.registry import RULES
from .schema import DIALECTS
from .schema.spec import _show

ROOT = Path(__file__).resolve().parent.parent


def rules_md() -> str:
    out = ["# prune-lsp rules", "",
           "Generated from `analysis/rules/` by `python -m analysis.docs_gen`; do not edit by hand.", "",
           "Severity follows INC: **error** where INC raises (when it reads the config, builds a pruner, or at the "
           "first pruning step), **warning** where INC accepts the config but misbehaves silently, **information** "
           "for style. Silence a rule on one line with `# prune-lsp: disable=CODE`, in a whole file with "
           "`# prune-lsp: disable-file=CODE`, or everywhere with the `disabledRules` setting / `--disable`.", "",
           "| code | name | severity | dialects | summary |", "|---|---|---|---|---|"]
    for code in sorted(RULES):
        r = RULES[code]
        out.append(f"| [{code}](#{code.lower()}) | {r.name} | {r.severity.value} | {r.dialects} | {r.summary} |")
    for code in sorted(RULES):
        r = RULES[code]
        out += ["", f"## {code}", "", f"**{r.name}** ({r.severity.value}{', fixable' if r.fixable else ''}"
                f"{', needs the model' if r.needs_model else ''}). {r.summary}."]
        if r.explanation:
            out += ["", r.explanation]
        if r.spec:
            out += ["", f"Source: inc-pruning-spec.md section 9, row {r.spec}."]
    return "\n".join(out) + "\n"


def keys_md() -> str:
    out = ["# INC pruning-config keys", "",
           "Generated from `analysis/schema/` by `python -m analysis.docs_gen`; do not edit by hand.", ""]
    for d in DIALECTS.values():
        if not d.supported:
            out += [f"## {d.id}: {d.title}", "", "Retired: prune-lsp reports it (PL051) and checks nothing else.", ""]
            continue
        out += [f"## {d.id}: {d.title}", ""]
        if d.container_path:
            out += [f"Global keys live under `{'.'.join(d.container_path)}`; pruner entries are `{d.pruner_tag}` "
                    f"mappings in `{d.pruners_key}`.", ""]
        for title, keys in (("Global keys", d.global_keys), ("Pruner keys", d.pruner_keys),
                            ("`parameters` keys", d.parameter_keys)):
            if not keys:
                continue
            out += [f"### {title}", "", "| key | type | default | allowed | checked by |", "|---|---|---|---|---|"]
            for k in keys.values():
                allowed = ", ".join(f"`{v}`" for v in k.allowed) if k.allowed else ""
                out.append(f"| `{k.name}` | {k.type} | `{_show(k.default)}` | {allowed} | {', '.join(k.rules)} |")
            out.append("")
    return "\n".join(out) + "\n"


GENERATED = {"docs/rules.md": rules_md, "docs/keys.md": keys_md}


def main() -> int:
    for rel, fn in GENERATED.items():
        (ROOT / rel).write_text(fn(), encoding="utf-8")
        print(f"wrote {rel}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
