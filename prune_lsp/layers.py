"""`prune-lsp layers MODEL [--config FILE] [--format text|json] [--all] [--allow-code-execution]`

Lists the model's layers: name, class (read from the file, or inferred: marked `~`), weight
shape, dtype; with --config, which pruner(s) select each layer by INC's own rules, and per
pruner the auto-excluded classifier head and what INC would raise.
Exit status: 0 listed; 1 a pruner's selection makes INC raise; 2 the command could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL",
                   help="model file or folder (.safetensors, .pt/.bin, TorchScript, HF folder, .keras, .h5, "
                        "SavedModel, TensorFlow checkpoint prefix or its .index) or a package.module:callable factory")
    p.add_argument("--config", metavar="FILE", help="a pruning config: show which pruner selects each layer")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--all", action="store_true", help="also list weightless modules (containers, activations)")
    p.add_argument("--allow-code-execution", action="store_true",
                   help="allow running model code (factories, pickled nn.Module files)")
    p.add_argument("--timeout", type=float, default=60, metavar="S", help="limit for loaders run in a child process")


def _fail(msg: str) -> int:
    print(f"prune-lsp layers: {msg}", file=sys.stderr)
    return 2


def _pruner_configs(path: str) -> list[tuple[str, dict]]:
    """Each pruner's effective config (label, INC-keyed dict), read by analysis.engine."""
    from analysis.engine import check_text
    from analysis.files import ReadError, read_text
    from pathlib import Path

    try:
        text = read_text(Path(path))
    except ReadError as e:
        raise ValueError(f"{path}: {e}") from None
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror or e}") from None
    result = check_text(text, path=path)
    for checked in result.configs:
        if checked.pruners:
            return [(ep.label(), ep.as_dict()) for ep in checked.pruners]
    raise ValueError(f"{path}: no pruning config that INC 2.x reads (WeightPruningConfig keys, "
                     "weight_compression_v2 or weight_compression_pytorch)")


def run(args: argparse.Namespace) -> int:
    from analysis.models import ModelLoadError, load_layer_index
    from analysis.selection import select_layers

    if args.config and not os.path.isfile(args.config):
        return _fail(f"{args.config}: no such file")
    try:
        index = load_layer_index(args.model, allow_code_execution=args.allow_code_execution, timeout_s=args.timeout)
    except ModelLoadError as e:
        return _fail(str(e))
    pruners = []
    if args.config:
        try:
            configs = _pruner_configs(args.config)
        except ValueError as e:
            return _fail(str(e))
        pruners = [(label, select_layers(cfg, index)) for label, cfg in configs]
    selected_by: dict[str, list[int]] = {}
    for i, (_, sel) in enumerate(pruners):
        for ly in sel.selected:
            selected_by.setdefault(ly.name, []).append(i + 1)
    layers = index.layers if args.all else [ly for ly in index.layers if ly.weight is not None or ly.params]
    if args.format == "json":
        json.dump(_to_json(index, layers, pruners, selected_by), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_to_text(index, layers, pruners, selected_by, bool(args.config)))
    return 1 if any(sel.errors for _, sel in pruners) else 0


def _to_json(index, layers, pruners, selected_by) -> dict:
    return {
        "model": index.path,
        "framework": index.framework,
        "source": index.source,
        "exact_classes": index.exact_classes,
        "ordered": index.ordered,
        "layers": [
            {"name": ly.name, "class": ly.class_name, "class_inferred": ly.class_inferred, "weight": ly.weight,
             "shape": list(ly.shape), "dtype": ly.dtype, "size": ly.size, "params": list(ly.params),
             "pruners": selected_by.get(ly.name, [])}
            for ly in layers
        ],
        "tied": index.tied,
        "pruners": [
            {"index": i + 1, "label": label, "selected": sel.names, "head": sel.head,
             "excluded_by_head": sel.excluded_by_head, "unmatched_op_names": sel.unmatched_op_names,
             "unmatched_excluded": sel.unmatched_excluded, "errors": sel.errors, "warnings": sel.warnings,
             "mha": sel.mha}
            for i, (label, sel) in enumerate(pruners)
        ],
        "notes": index.notes,
    }


def _to_text(index, layers, pruners, selected_by, with_config: bool) -> str:
    rows = [["layer", "class", "shape", "dtype"] + (["pruner"] if with_config else [])]
    for ly in layers:
        cls = (ly.class_name or "?") + ("~" if ly.class_inferred else "")
        shape = "x".join(str(d) for d in ly.shape) if ly.weight else "-"
        row = [ly.name or "(root)", cls, shape, ly.dtype or "-"]
        if with_config:
            row.append(",".join(str(i) for i in selected_by.get(ly.name, [])) or "-")
        rows.append(row)
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = [f"{index.path}: {index.framework}, read by {index.source}, {len(index.layers)} modules"
           + ("" if index.exact_classes else " (~ = class inferred from names and shapes)")]
    out += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
    for i, (label, sel) in enumerate(pruners):
        line = f"{label}: {len(sel.selected)} layer(s)"
        if sel.head:
            line += f"; classifier head {sel.head!r} auto-excluded"
            if sel.excluded_by_head:
                line += f", and with it {', '.join(sel.excluded_by_head)}"
        out.append(line)
        out += [f"  error: INC raises {e}" for e in sel.errors]
        out += [f"  note: {w}" for w in sel.warnings]
    out += [f"note: {n}" for n in index.notes]
    return "\n".join(out) + "\n"
