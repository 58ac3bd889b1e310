"""The pattern grammar: check_config #9/#10 and get_pattern (spec 1.3, 2.2)."""

from __future__ import annotations

from ..diagnostics import Fix
from ..schema.keys_v2 import PATTERN_EXAMPLES
from .context import RuleContext
from .helpers import pattern_of, setting, string
from .pruner_kinds import TARGET, for_each_pruner
from .registry import ERROR, WARNING, checker, rule
from .suggest import closest

NXM_NOT_INT = rule("PL007", "pattern-not-int", ERROR, "An NxM pattern whose N or M is not a number", spec="R7", dialects="ABC")
NXM_NOT_POSITIVE = rule("PL008", "pattern-not-positive", ERROR, "An NxM pattern with N or M <= 0", spec="R8", dialects="ABC")
NM_INVALID = rule("PL009", "nm-pattern-invalid", ERROR, "An N:M pattern with M <= N, N <= 0, or not numbers", spec="R9",
                  dialects="ABC")
PATTERN_UNKNOWN = rule("PL015", "pattern-unknown", ERROR, "A pattern that is neither NxM, N:M nor mha", spec="R15",
                       dialects="ABC", fixable=True,
                       explanation="get_pattern looks for `x` (lower-case), `:` or `mha` in the part after the last `_`; "
                       "`4X1` or `4by1` fail when the pruner is created. The experimental pytorch_pruner "
                       "(weight_compression_pytorch) has only NxM and N:M: `mha` fails there too.")
CHANNEL_BOTH = rule("PL016", "pattern-channel-both", ERROR, "`channelxchannel` cannot be built", spec="R16", dialects="AB")
NM_LOGGED_ZERO = rule("PL041", "nm-sparsity-logged-zero", WARNING,
                      "INC logs 0 block sparsity for N:M patterns with N < M - N", spec="R41", dialects="AB",
                      explanation="PytorchPatternNInM.get_sparsity_ratio counts a group as pruned only when more than N "
                      "weights survive, so for 1:4 or 2:8 INC reports blockwise sparsity 0 although a quarter of the "
                      "weights are zero. Pruning works; the log is wrong. `prune-lsp sparsity` reports the true figure.")

_CODES = {"R7": NXM_NOT_INT, "R8": NXM_NOT_POSITIVE, "R9": NM_INVALID, "R15": PATTERN_UNKNOWN, "R16": CHANNEL_BOTH}


@checker(NXM_NOT_INT, NXM_NOT_POSITIVE, NM_INVALID, PATTERN_UNKNOWN, CHANNEL_BOTH, NM_LOGGED_ZERO)
def check_pattern(ctx: RuleContext) -> None:
    for_each_pruner(ctx, _check_pattern, never_reads=TARGET)


def _check_pattern(ctx: RuleContext, p) -> None:
    """One pruner's part of check_pattern: pruner_kinds.py runs it once per kind of pruner."""
    raw = string(p, "pattern")
    if raw is None:
        return
    s = setting(p, "pattern")
    pat = pattern_of(raw)
    for row, inc_msg in pat.problems:
        r = _CODES[row]
        if ctx.dialect == "C" and row in ("R15", "R16"):
            continue  # the experimental pruner has its own pattern table (below)
        fixes, hint = [], ""
        if row == "R15":
            guess = raw.lower() if "x" in raw.lower() and raw.lower() != raw else closest(raw, PATTERN_EXAMPLES)
            if guess and guess != raw:
                hint = f' (did you mean "{guess}"?)'
                if s.pair is not None:
                    fixes = [Fix(f'use "{guess}"', (ctx.edit(s.node, f'"{guess}"'),))]
        ctx.report_setting(r.code, p, s, f"pattern \"{raw}\"{hint}: {_explain(row, inc_msg)}", fixes=fixes)
    name = raw.split("_")[-1]
    if ctx.dialect == "C" and "x" not in name and ":" not in name:
        guess = raw.lower() if "x" in raw.lower() and raw.lower() != raw else None
        ctx.report_setting(PATTERN_UNKNOWN.code, p, s, f"pattern \"{raw}\": the experimental pytorch_pruner knows only "
                           "NxM (a lower-case x, such as \"4x1\") and N:M (\"2:4\") patterns (INC: currently only "
                           "support dict_keys(['NxM', 'N:M']), when it builds the pruner)",
                           fixes=[Fix(f'use "{guess}"', (ctx.edit(s.node, f'"{guess}"'),))]
                           if guess and s.pair is not None else [])
    nm = pat.nm
    if nm and ctx.dialect in "AB" and nm[0] < nm[1] - nm[0]:
        ctx.report_setting(NM_LOGGED_ZERO.code, p, s,
                           f"INC will log blockwise sparsity 0 for \"{raw}\" (N < M - N) although the layers are "
                           f"{nm[0]}/{nm[1]} sparse; use `prune-lsp sparsity` for the true figure")


def _explain(row: str, inc_msg: str) -> str:
    return {
        "R7": "N and M must be whole numbers or `channel` (INC: N or M can't convert to int)",
        "R8": f"N and M must be > 0 (INC: {inc_msg})",
        "R9": f"N:M needs whole numbers with 0 < N < M (INC: {inc_msg})",
        "R15": "not a pattern INC knows: use NxM with a lower-case x (\"4x1\", \"channelx1\"), "
               "a quoted N:M (\"2:4\") or mha",
        "R16": "`channelxchannel` would prune whole weights; INC fails building it (ValueError)",
    }[row]
