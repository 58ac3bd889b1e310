"""`compute_sparsity_report`: a model file (+ optional config) in, the JSON-ready report out.

This is exactly what `prune-lsp sparsity --format json` prints and what the language server's
`prune-lsp.computeSparsity` command returns. Steps: the layer index (analysis.models), each
pruner's effective config (analysis.engine) and selection (analysis.selection), one counting
job per distinct tensor (tied weights once; a selected weight carries its pruner's block
metric), the jobs run on the numpy streaming backend (CPU) or the torch backend (GPU), then
figures and notes (figures.py).

Weights that cannot be read (a variable missing from the file, an unsupported element type, a
truncated data file, a bundle read only by TensorFlow) are never reported as numbers. Fields
ADDED for that (existing fields keep their names and meanings when everything was read):
- each row of "layers": "read" (bool). When false, its measured fields ("zeros", "nan",
  "element_sparsity", "block_sparsity", "blocks", "zero_blocks") are null and "error" says why;
  "size" is still the element count from the weight's shape.
- "totals": "complete" (bool: every parameter tensor was read), "unread_tensors",
  "unread_parameters" (elements not counted), "unread_layers" (layer names whose weight was not
  read). "parameters"/"zeros" cover the tensors that were read; "element_sparsity" is null
  when anything was not read.
- "unread_selected" (top level): selected layers whose weight was not read. The CLI exits 2
  when it is not empty.
- figures ("inc", "selected", "figures", and each pruner's "inc"/"selected") whose numerator
  needs an unread weight are null: INC's figures and the selected ones when a selected weight is
  unread, "elementwise_over_all" (true) and the model's own figures when any weight they sum is.
- "figures_unread" (top level): the names of the overall figures left null ("inc.elementwise_over_all"
  ...), an empty list when none.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass

from .dtypes import bit_format
from .figures import LayerCounts, PrunerCounts, PrunerLayer, compute_figures, in_inc_denominator
from .kernels import Counts, TensorJob, ZeroTest
from .patterns import keras_geometry, parse_pattern, resolve_block, torch_geometry
from .torch_backend import DeviceError, resolve_device

REPORT_VERSION = 1


class SparsityError(Exception):
    """The report cannot be made (file missing, format unreadable, config unusable): one line."""


# INC's default config: what a pruner gets when no config is given (utils.process_and_check_config).
def default_pruner_config() -> dict:
    try:
        from analysis.schema.keys_v2 import DEFAULT_CONFIG_KEYS

        cfg = {k: copy.deepcopy(v.default) for k, v in DEFAULT_CONFIG_KEYS.items()}
    except Exception:  # the schema is optional for this module
        cfg = {}
    base = {"target_sparsity": 0.9, "pruning_type": "snip_momentum", "pattern": "4x1", "op_names": [],
            "excluded_op_names": [], "pruning_op_types": ["Conv", "Linear"]}
    for k, v in base.items():
        cfg.setdefault(k, v)
    return cfg


@dataclass
class PrunerSpec:
    index: int | None
    label: str
    config: dict


def pruner_specs_from_config(config_path: str | None) -> tuple[list[PrunerSpec], str]:
    """Each pruner's effective config dict, INC's way (analysis.engine / merge)."""
    if config_path is None:
        return [PrunerSpec(None, "INC's default pruner", default_pruner_config())], "INC defaults"
    try:
        with open(config_path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise SparsityError(f"{config_path}: {e.strerror or e}") from None
    from analysis.engine import check_text

    result = check_text(text, path=os.fspath(config_path))
    for checked in result.configs:
        if checked.pruners:
            specs = [PrunerSpec(ep.index, ep.label(), ep.as_dict()) for ep in checked.pruners]
            return specs, os.fspath(config_path)
    raise SparsityError(f"{config_path}: no pruning config that INC 2.x reads (dialects A, B or C)")


def _select(config: dict, index):
    """(selected layer names, notes) by INC's own selection rules (analysis.selection)."""
    from analysis.selection import select_layers

    sel = select_layers(config, index)
    names = [s if isinstance(s, str) else s.name for s in sel.selected]
    notes = [f"INC raises {e}" for e in (sel.errors or [])]
    notes += [w for w in (sel.warnings or []) if "classifier head is a guess" in w]  # the head changes figures
    if sel.head:
        notes.append(f"classifier head {sel.head!r} auto-excluded"
                     + (f" (its regex also excludes {', '.join(sel.excluded_by_head)})" if sel.excluded_by_head else ""))
    return names, notes


def _load_index(model_path: str):
    from analysis.models import load_layer_index

    return load_layer_index(model_path)


def _progress_adapter(progress):
    if progress is None:
        return None
    return lambda done, total: progress(done, total, f"{done / 2**20:.0f} of {total / 2**20:.0f} MiB counted")


def compute_sparsity_report(model_path, config_path=None, device: str = "auto", progress=None,
                            cancel=None) -> dict:
    """The sparsity report of `model_path`. progress(done, total, message) is called as bytes
    are counted; cancel() returning True stops the count (raises thread_pool.Cancelled).
    Raises SparsityError / DeviceError with a one-line message when it cannot run."""
    model_path = os.fspath(model_path)
    from analysis.formats.tf_bundle import prefix_of

    if not os.path.exists(model_path) and prefix_of(model_path) is None:  # a checkpoint prefix is no file
        raise SparsityError(f"{model_path}: no such file or folder")
    if config_path is not None and not os.path.exists(config_path):
        raise SparsityError(f"{config_path}: no such file")
    dev = resolve_device(device)
    try:
        index = _load_index(model_path)
    except (OSError, ValueError) as e:
        raise SparsityError(str(e).splitlines()[0] if str(e) else f"{model_path}: unreadable") from None
    except Exception as e:  # ModelLoadError and friends carry a one-line reason
        if type(e).__name__ in ("ModelLoadError", "ModelFormatError", "UnsafePickleError"):
            raise SparsityError(str(e)) from None
        raise
    specs, config_label = pruner_specs_from_config(config_path)
    selections, sel_notes = [], []
    for spec in specs:
        names, notes = _select(spec.config, index)
        selections.append((spec, names))
        sel_notes.extend({"code": "selection", "message": f"{spec.label}: {n}"} for n in notes)
    from .access import open_model_tensors

    try:
        with open_model_tensors(model_path, index) as tensors:
            report = build_report(index, tensors, selections, dev, progress=_progress_adapter(progress),
                                  cancel=cancel)
    except (OSError, ValueError) as e:
        raise SparsityError(str(e).splitlines()[0] if str(e) else f"{model_path}: unreadable") from None
    report["model"] = model_path
    report["config"] = config_label
    report["notes"] = sel_notes + report["notes"]
    return report


def build_report(index, tensors, selections, device: str, progress=None, cancel=None,
                 backend: str | None = None, reuse=None) -> dict:
    """The report from a LayerIndex, a tensor accessor (access.ModelTensors) and
    [(PrunerSpec, [selected layer names])]. backend: "numpy" (streaming, CPU) or "torch" (any
    torch device); by default numpy on CPU and torch elsewhere. reuse: counts of tensors already
    counted (analysis.watch.reuse.CountsCache: key(tensors, handle, pattern) -> Counts), so that a
    checkpoint's unchanged tensors are not counted again."""
    framework = index.framework
    layers = [lay for lay in index.layers if lay.weight is not None]
    by_name = {lay.name: lay for lay in layers}

    # -- the tensors to count: every parameter once, weights with their pruners' block metric
    param_names: list[str] = []
    for lay in index.layers:
        for p in (lay.params or ((lay.weight,) if lay.weight else ())):
            param_names.append(p)
    param_names.extend(lay.weight for lay in layers)  # a weight a layer's params do not list
    param_names = list(dict.fromkeys(param_names))

    pruners: list[PrunerCounts] = []
    wanted_blocks: dict[tuple, object] = {}  # (weight tensor, pattern text) -> (Block|None, reason)
    for spec, names in selections:
        cfg = spec.config
        ptext = str(cfg.get("pattern", "4x1") if "pattern" in cfg else "4x1")
        try:
            pat = parse_pattern(ptext)
        except ValueError:
            pat = None
        ptype = str(cfg.get("pruning_type") or cfg.get("prune_type") or "")
        pc = PrunerCounts(spec.index, spec.label, ptext, pat, ptype, cfg.get("target_sparsity"))
        for n in names:
            lay = by_name.get(n)
            if lay is None:
                continue  # a selected module without a weight tensor in the file
            pl = PrunerLayer(n, valid=False)
            if pat is not None and pat.is_block:
                geom = _geometry(framework, lay, tensors)
                block, reason = resolve_block(pat, geom)
                pl.valid, pl.reason = block is not None, reason
                if block is not None:
                    pl.block_area = block.area if block.kind == "nxm" else block.bm
                    wanted_blocks[(lay.weight, ptext)] = (block, lay)
            pc.layers.append(pl)
        pruners.append(pc)

    jobs: dict[tuple, TensorJob] = {}
    errors: dict[str, str] = {}
    identity_of: dict[str, object] = {}
    for name in param_names:
        h = tensors.get(name)
        if h is None:
            errors[name] = "not found in the model file"
            continue
        identity_of[name] = h.identity
    # block jobs first: they also give the element counts of their tensor
    for (weight, ptext), (block, lay) in wanted_blocks.items():
        h = tensors.get(weight)
        if h is None:
            continue
        key = (h.identity, ptext)
        if key not in jobs:
            job = _make_job(h, block, framework, lay, errors)
            if job is not None:
                jobs[key] = job
    have_elements = {k[0] for k in jobs}
    for name in param_names:
        h = tensors.get(name)
        if h is None or h.identity in have_elements:
            continue
        job = _make_job(h, None, framework, None, errors)
        if job is not None:
            jobs[(h.identity, None)] = job
            have_elements.add(h.identity)

    job_list = list(jobs.values())
    reused = 0
    if reuse is not None:  # take the counts of unchanged tensors, count only the others
        keys = {k: reuse.key(tensors, tensors.get(job.key), k[1]) for k, job in jobs.items()}
        for k, job in jobs.items():
            hit = reuse.get(keys[k])
            if hit is not None:
                job.counts = hit
                reused += 1
        job_list = [job for k, job in jobs.items() if reuse.get(keys[k]) is None]
        reuse.last_reused, reuse.last_counted = reused, len(job_list)
    backend = backend or ("numpy" if device == "cpu" else "torch")
    if backend == "numpy":
        from .thread_pool import run_jobs

        run_jobs(job_list, progress=progress, cancel=cancel)
    else:
        from .torch_backend import run_jobs_torch

        run_jobs_torch(job_list, device, progress=progress, cancel=cancel)

    if reuse is not None:
        for k, job in jobs.items():
            reuse.put(keys[k], job.counts)
    elements: dict[object, Counts] = {}
    for (ident, _), job in jobs.items():
        elements.setdefault(ident, job.counts)

    # -- totals over unique parameters
    seen = set()
    all_zeros = all_size = all_nan = 0
    for name in param_names:
        ident = identity_of.get(name)
        if ident is None or ident in seen or ident not in elements:
            continue
        seen.add(ident)
        c = elements[ident]
        all_zeros += c.zeros
        all_size += c.size
        all_nan += c.nan

    layer_counts: list[LayerCounts] = []
    for lay in layers:
        ident = identity_of.get(lay.weight)
        c = elements.get(ident)
        lc = LayerCounts(lay.name, lay.class_name, lay.class_inferred, lay.weight, tuple(lay.shape),
                         lay.dtype, lay.size)
        if c is None:
            lc.error = errors.get(lay.weight, "not counted")
        else:
            lc.zeros, lc.nan, lc.size = c.zeros, c.nan, c.size
        layer_counts.append(lc)
    for pc in pruners:
        for pl in pc.layers:
            if not pl.valid:
                continue
            h = tensors.get(by_name[pl.layer].weight)
            job = jobs.get((h.identity, pc.pattern_text)) if h is not None else None
            if job is None:
                pl.valid, pl.reason = False, errors.get(by_name[pl.layer].weight, "not counted")
                continue
            pl.blocks, pl.zero_blocks, pl.inc_zero_blocks = (job.counts.blocks, job.counts.zero_blocks,
                                                             job.counts.inc_zero_blocks)

    # -- what was not read: sizes come from the shapes, never a count
    unread: dict[object, tuple[str, int]] = {}
    for name in param_names:
        ident = identity_of.get(name, ("missing", name))
        if ident in elements or ident in unread:
            continue
        h = tensors.get(name)
        shape = h.shape if h is not None else next((tuple(lay.shape) for lay in layers if lay.weight == name), ())
        n = 1
        for d in shape:
            n *= int(d)
        unread[ident] = (name, n)
    unread_size = sum(n for _, n in unread.values())
    if framework == "keras":
        inc_a = sum(lc.size for lc in layer_counts)  # get_weights()[0] of each layer
    else:
        inc_a = all_size + unread_size
    figs = compute_figures(layer_counts, pruners, framework=framework, inc_all_parameters=inc_a,
                           all_zeros=all_zeros, all_size=all_size + unread_size)
    unread_layers = [lc.name for lc in layer_counts if lc.error]
    selected_names = {pl.layer for pc in pruners for pl in pc.layers}
    unread_selected = [n for n in unread_layers if n in selected_names]
    figures_unread = _blank_unmeasured(figs, pruners, set(unread_layers), framework, bool(unread),
                                       {lc.name: lc for lc in layer_counts})
    return {
        "version": REPORT_VERSION,
        "model": index.path,
        "framework": framework,
        "device": device,
        "backend": backend,
        "inc": _three(figs["overall"]["inc"]),
        "selected": _three(figs["overall"]["selected"]),
        "figures": figs["overall"],
        "pruners": figs["pruners"],
        "layers": _layer_rows(layer_counts, pruners, framework),
        "totals": {
            "parameters": all_size,
            "zeros": all_zeros,
            "nan": all_nan,
            "element_sparsity": None if unread else (all_zeros / all_size if all_size else 0.0),
            "tensors_counted": len(job_list),
            "bytes_counted": sum(j.geom.size * j.test.fmt.itemsize for j in job_list),
            "complete": not unread,
            "unread_tensors": len(unread),
            "unread_parameters": unread_size,
            "unread_layers": unread_layers,
        },
        "unread_selected": unread_selected,
        "figures_unread": figures_unread,
        "notes": figs["notes"],
    }


def _blank_unmeasured(figs: dict, pruners, unread: set, framework: str, any_unread: bool, by_name) -> list[str]:
    """Null every figure whose numerator needs a weight that was not read (see the module
    docstring); return the overall figure names left null."""
    if not any_unread:
        return []
    blanked: list[str] = []

    def blank(d: dict, keys, label: str | None = None):
        for k in keys:
            if k in d and d[k] is not None:
                d[k] = None
                if label is not None:
                    blanked.append(f"{label}.{k}")

    three = ("elementwise_over_matmul_gemm_conv", "elementwise_over_all", "blockwise_over_matmul_gemm_conv")
    counts = ("element_zeros", "pattern_zeros")
    for entry, pc in zip(figs["pruners"], pruners):
        if any(pl.layer in unread for pl in pc.layers):
            blank(entry["inc"], three + counts + ("pattern_ratio",))
            blank(entry["selected"], three + counts)
        else:
            blank(entry["selected"], ("elementwise_over_all",))
    overall = figs["overall"]
    if any(pl.layer in unread for pc in pruners for pl in pc.layers):
        blank(overall["inc"], three + counts, "inc")
        blank(overall["selected"], three + counts, "selected")
    blank(overall["selected"], ("elementwise_over_all",), "selected")
    d_unread = any(n in unread and in_inc_denominator(by_name[n].class_name, framework) for n in by_name)
    if d_unread:
        blank(overall["model"], ("elementwise_over_matmul_gemm_conv",), "model")
    blank(overall["model"], ("elementwise_over_all",), "model")
    return blanked


_THREE = ("elementwise_over_matmul_gemm_conv", "elementwise_over_all", "blockwise_over_matmul_gemm_conv")


def _three(d: dict) -> dict:
    return {k: d[k] for k in _THREE}


def _geometry(framework: str, lay, tensors):
    h = tensors.get(lay.weight)
    shape = h.shape if h is not None else tuple(lay.shape)
    layout = h.layout if h is not None else ("keras" if framework == "keras" else "torch")
    if layout == "keras":
        return keras_geometry(shape, lay.class_name)
    return torch_geometry(shape)


def _make_job(h, block, framework, lay, errors) -> TensorJob | None:
    try:
        fmt = bit_format(h.dtype)
        source = h.source()
    except (KeyError, ValueError, OSError) as e:
        errors[h.name] = str(e).strip("'\"")
        return None
    if h.layout == "keras":
        geom = keras_geometry(h.shape, lay.class_name if lay is not None else "")
    else:
        geom = torch_geometry(h.shape)
    if fmt.quantized and h.zero_point is None:
        errors[h.name] = f"{fmt.name} without a zero point"
        return None
    return TensorJob(h.name, source, ZeroTest(fmt, h.zero_point, h.axis), geom, block)


def _layer_rows(layer_counts: list[LayerCounts], pruners: list[PrunerCounts], framework: str) -> list[dict]:
    first: dict[str, tuple[PrunerCounts, PrunerLayer]] = {}
    for pc in pruners:
        for pl in pc.layers:
            first.setdefault(pl.layer, (pc, pl))
    rows = []
    for lc in layer_counts:
        row = {
            "name": lc.name,
            "class_name": lc.class_name,
            "class_inferred": lc.class_inferred,
            "tensor": lc.tensor,
            "shape": list(lc.shape),
            "dtype": lc.dtype,
            "zeros": lc.zeros,
            "size": lc.size,
            "nan": lc.nan,
            "element_sparsity": lc.zeros / lc.size if lc.size else 0.0,
            "in_matmul_gemm_conv": in_inc_denominator(lc.class_name, framework),
            "pruner": None,
            "pruner_index": None,
            "target_sparsity": None,
            "pattern": None,
            "block_sparsity": None,
            "blocks": None,
            "zero_blocks": None,
            "invalid_reason": None,
            "error": lc.error,
            "read": lc.error is None,
        }
        if lc.error is not None:
            row.update(zeros=None, nan=None, element_sparsity=None)
        if lc.name in first:
            pc, pl = first[lc.name]
            row.update(pruner=pc.label, pruner_index=pc.index, target_sparsity=pc.target,
                       pattern=pc.pattern_text, invalid_reason=pl.reason)
            if pl.valid and pc.pattern is not None and lc.error is None:
                pz = pl.zero_blocks * (int(pc.pattern.n) if pc.pattern.kind == "nm" else pl.block_area)
                row.update(blocks=pl.blocks, zero_blocks=pl.zero_blocks,
                           block_sparsity=pz / lc.size if lc.size else 0.0)
        rows.append(row)
    return rows


__all__ = ["compute_sparsity_report", "build_report", "SparsityError", "DeviceError", "PrunerSpec",
           "pruner_specs_from_config", "default_pruner_config"]
