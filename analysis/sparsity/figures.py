"""INC's three sparsity figures, and the true ones, from exact per-layer counts.

INC's `get_sparsity_ratio(pruners, model)` (compression/pruner/utils.py) returns
(E/D, E/A, P/D) where, per pruner, E adds the mask zeros of its valid layers (x block area for
block pruners), P adds int(size of ALL its layers x its pattern ratio), D = weights of modules
whose class is exactly "Linear" or matches r"Conv.d", A = all parameters. From a checkpoint we
take mask zero <=> weight zero. Beside INC's numbers we report the true ones over the selected
layers, and a note for every known reason the two differ (Q2-Q4 of inc-pruning-spec.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .patterns import Pattern

_CONV_D = re.compile(r"Conv.d")


def in_inc_denominator(class_name: str, framework: str = "pytorch") -> bool:
    """INC's D set: exact "Linear" (Keras: "Dense") or r"Conv.d" searched in the class name."""
    exact = "Dense" if framework == "keras" else "Linear"
    return class_name == exact or bool(_CONV_D.search(class_name or ""))


@dataclass
class LayerCounts:
    name: str
    class_name: str
    class_inferred: bool
    tensor: str | None
    shape: tuple[int, ...]
    dtype: str
    size: int
    zeros: int = 0
    nan: int = 0
    error: str | None = None  # why the weight could not be counted


@dataclass
class PrunerLayer:
    """One layer as one pruner sees it."""

    layer: str
    valid: bool
    reason: str | None = None
    blocks: int = 0
    zero_blocks: int = 0  # true: all-zero NxM blocks / N:M groups with >= N zeros
    inc_zero_blocks: int = 0  # INC's reduced-mask zeros
    block_area: int = 1  # NxM: N*M elements; N:M: M


@dataclass
class PrunerCounts:
    index: int | None
    label: str
    pattern_text: str
    pattern: Pattern | None
    pruning_type: str = ""
    target: object = None
    layers: list[PrunerLayer] = field(default_factory=list)

    @property
    def is_block_pruner(self) -> bool:
        # patterns/base.py: masks are block-reduced iff "block" or "retrain" in pruning_type
        t = str(self.pruning_type or "")
        return "block" in t or "retrain" in t


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _pattern_zero_elements(pattern: Pattern, pl: PrunerLayer) -> int:
    """Weights that sit in the pattern's pruned positions: elements of all-zero blocks, or N per
    compliant N:M group."""
    if not pl.valid:
        return 0
    if pattern.kind == "nm":
        return pl.zero_blocks * int(pattern.n)
    return pl.zero_blocks * pl.block_area


def inc_pruner_terms(p: PrunerCounts, layers: dict[str, LayerCounts]) -> tuple[int, int, float | None]:
    """(E_p, P_p, pattern ratio) as INC accumulates them for one pruner; ratio None when INC
    would raise instead (N:M pruner whose layers are all invalid: ZeroDivisionError)."""
    pat = p.pattern
    if pat is None or pat.kind == "mha":
        return 0, 0, 0.0
    valid = [pl for pl in p.layers if pl.valid]
    zb = sum(pl.inc_zero_blocks for pl in valid)
    tb = sum(pl.blocks for pl in valid)
    if pat.kind == "nm":
        ratio = None if tb == 0 else zb / tb * int(pat.n) / int(pat.m)
    else:
        ratio = _ratio(zb, tb)
    cnt = sum(layers[pl.layer].size for pl in p.layers)
    pattern_cnt = int(cnt * (ratio or 0.0))
    if p.is_block_pruner:
        element_cnt = sum(pl.inc_zero_blocks * pl.block_area for pl in valid)
    else:
        element_cnt = sum(layers[pl.layer].zeros for pl in valid)
    return element_cnt, pattern_cnt, ratio


def inc_figures(element_cnt: int, pattern_cnt: int, d: int, a: int) -> dict:
    return {
        "elementwise_over_matmul_gemm_conv": _ratio(element_cnt, d),
        "elementwise_over_all": _ratio(element_cnt, a),
        "blockwise_over_matmul_gemm_conv": _ratio(pattern_cnt, d),
        "element_zeros": element_cnt,
        "pattern_zeros": pattern_cnt,
        "matmul_gemm_conv_weights": d,
        "all_parameters": a,
    }


def true_figures(names: list[str], pattern_of: dict[str, tuple[Pattern, PrunerLayer]],
                 layers: dict[str, LayerCounts], all_zeros: int, all_size: int) -> dict:
    """The same three figures, true and over the selected layers only: element zeros of the
    selected weights / their size; zeros of all parameters / all parameters; weights in the
    pattern's pruned positions / size of the selected weights."""
    size = sum(layers[n].size for n in names)
    zeros = sum(layers[n].zeros for n in names)
    pz = sum(_pattern_zero_elements(*pattern_of[n]) for n in names if n in pattern_of)
    return {
        "elementwise_over_matmul_gemm_conv": _ratio(zeros, size),
        "elementwise_over_all": _ratio(all_zeros, all_size),
        "blockwise_over_matmul_gemm_conv": _ratio(pz, size),
        "element_zeros": zeros,
        "pattern_zeros": pz,
        "selected_weights": size,
        "all_parameters": all_size,
    }


def compute_figures(layers: list[LayerCounts], pruners: list[PrunerCounts], *, framework: str,
                    inc_all_parameters: int, all_zeros: int, all_size: int) -> dict:
    """Everything the report shows about figures: overall, per pruner, and notes."""
    by_name = {lc.name: lc for lc in layers}
    d_layers = [lc for lc in layers if lc.tensor and in_inc_denominator(lc.class_name, framework)]
    d = sum(lc.size for lc in d_layers)
    a = inc_all_parameters
    notes: list[dict] = []
    per_pruner = []
    e_total = p_total = 0
    first_pattern: dict[str, tuple[Pattern, PrunerLayer]] = {}
    union: list[str] = []
    for p in pruners:
        e, pc, ratio = inc_pruner_terms(p, by_name)
        e_total += e
        p_total += pc
        names = [pl.layer for pl in p.layers]
        own = {pl.layer: (p.pattern, pl) for pl in p.layers if p.pattern is not None and p.pattern.is_block}
        for n in names:
            if n not in first_pattern and n in own:
                first_pattern[n] = own[n]
            if n not in union:
                union.append(n)
        entry = {
            "index": p.index,
            "label": p.label,
            "pattern": p.pattern_text,
            "pruning_type": p.pruning_type,
            "target_sparsity": p.target,
            "layers": names,
            "invalid_layers": [pl.layer for pl in p.layers if not pl.valid and not by_name[pl.layer].error],
            "inc": inc_figures(e, pc, d, a),
            "selected": true_figures(names, own, by_name, all_zeros, all_size),
        }
        entry["inc"]["pattern_ratio"] = ratio
        per_pruner.append(entry)
        notes.extend(_pruner_notes(p, by_name, ratio, entry))
    overall = {
        "inc": inc_figures(e_total, p_total, d, a),
        "selected": true_figures(union, first_pattern, by_name, all_zeros, all_size),
        "model": {
            "elementwise_over_matmul_gemm_conv": _ratio(sum(lc.zeros for lc in d_layers), d),
            "elementwise_over_all": _ratio(all_zeros, all_size),
            "matmul_gemm_conv_weights": d,
            "all_parameters": all_size,
        },
    }
    notes.extend(_model_notes(layers, pruners, by_name, d_layers, framework, union, a, all_size))
    return {"overall": overall, "pruners": per_pruner, "notes": notes}


def _pruner_notes(p: PrunerCounts, layers: dict[str, LayerCounts], ratio, entry) -> list[dict]:
    out = []
    who = p.label
    pat = p.pattern
    if pat is None:
        out.append({"code": "pattern", "message": f"{who}: pattern {p.pattern_text!r} is not one INC reads; "
                    "no block figures for it"})
        return out
    if pat.kind == "mha":
        out.append({"code": "mha", "message": f"{who}: INC only logs head sparsity for mha pruners; "
                    "they add nothing to its three figures"})
        return out
    if not p.layers:
        out.append({"code": "empty", "message": f"{who}: selects no layer (INC logs 'one pruner hooks no "
                    "layers, please have a check')"})
    invalid = [pl for pl in p.layers if not pl.valid and not layers[pl.layer].error]  # unread: its own note
    if invalid:
        size = sum(layers[pl.layer].size for pl in invalid)
        names = ", ".join(pl.layer for pl in invalid[:5]) + (", ..." if len(invalid) > 5 else "")
        out.append({"code": "Q3", "message": (
            f"{who}: {len(invalid)} layer(s) cannot be divided by {p.pattern_text} ({names}); INC never "
            f"prunes them and leaves them out of its element count, yet multiplies their {size} weights "
            f"by the pattern ratio in blockwise_over_matmul_gemm_conv, which over-reports")})
    if pat.kind == "nm":
        n, m = int(pat.n), int(pat.m)
        if ratio is None:
            out.append({"code": "Q3", "message": f"{who}: every layer is invalid for {p.pattern_text}; INC's "
                        "get_sparsity_ratio raises ZeroDivisionError here (reported as 0)"})
        elif n < m - n:
            true_bw = entry["selected"]["blockwise_over_matmul_gemm_conv"]
            out.append({"code": "Q4", "message": (
                f"{who}: INC judges an N:M group zero when it has at most N={n} nonzeros, so for "
                f"{p.pattern_text} its blockwise figure is {entry['inc']['blockwise_over_matmul_gemm_conv']:.4f} "
                f"while {true_bw:.4f} of the selected weights sit in {p.pattern_text}-pruned positions")})
    if "pattern_lock" in str(p.pruning_type):
        out.append({"code": "sign", "message": (
            f"{who}: INC's pattern_lock derives its masks from the SUM of each block's weights, so a block "
            "whose weights cancel (+x, -x) counts as zero there; prune-lsp tests every element")})
    return out


def _model_notes(layers, pruners, by_name, d_layers, framework, union, a, all_size) -> list[dict]:
    out = []
    outside = [n for n in union if by_name[n].tensor and not in_inc_denominator(by_name[n].class_name, framework)]
    if outside:
        classes = sorted({by_name[n].class_name or "?" for n in outside})
        out.append({"code": "Q2", "message": (
            f"{len(outside)} selected layer(s) of class {', '.join(classes)} are pruned by INC but left out of "
            f"its matmul_gemm_conv denominator (exact 'Linear' or r'Conv.d' only); INC's figures over "
            f"matmul_gemm_conv can exceed the true ratio (even 1)")})
    if any(lc.class_inferred for lc in d_layers) or any(by_name[n].class_inferred for n in union):
        out.append({"code": "classes", "message": (
            "layer classes were inferred from weight shapes (the file does not record them); INC's "
            "denominators use the real classes")})
    counted: dict[str, int] = {}
    for p in pruners:
        for pl in p.layers:
            counted[pl.layer] = counted.get(pl.layer, 0) + 1
    twice = [n for n, c in counted.items() if c > 1]
    if twice:
        out.append({"code": "overlap", "message": (
            f"{len(twice)} layer(s) are selected by more than one pruner ({', '.join(twice[:3])}); INC counts "
            "them once per pruner")})
    nan = sum(lc.nan for lc in layers)
    if nan:
        out.append({"code": "nan", "message": f"{nan} NaN weight(s), counted as nonzero"})
    if framework == "keras":
        out.append({"code": "keras", "message": (
            "INC's Keras figures: the matmul_gemm_conv denominator holds Dense kernels only (Keras "
            "'Conv2D' never matches r'Conv.d'), 'all' counts only the first weight of each layer "
            f"({a} of {all_size} parameters), and blocks are taken as INC's Keras pattern takes them: "
            "Dense kernels [in, out] as stored (N runs along inputs), Conv2D kernels through torch's "
            "permutation (0, 2, 3, 1) of their [kh, kw, cin, cout] layout")})
    errors = [lc for lc in layers if lc.error]
    if errors:
        out.append({"code": "unread", "message": (
            f"{len(errors)} weight(s) could not be read and are not counted ({errors[0].name}: {errors[0].error}); "
            "no figure that needs them is given")})
    out.append({"code": "masks", "message": (
        "INC counts zeros of its pruning masks; from a checkpoint prune-lsp counts zero weights, so a "
        "weight that is zero without being masked counts here and not in INC's log")})
    return out
