"""`prune-lsp sparsity MODEL [--config FILE] [--device auto|cpu|cuda|cuda:N] [--format text|json]`

INC's three figures, the same over the selected layers, one row per layer, totals and notes.
A weight that could not be read is never shown as a number: its row says `unread`, figures that
need it say `unread`, the totals say how many parameters were not counted.
Exit 0 on success; 2 when the command cannot run (one line on stderr, no traceback) or when a
weight a pruner selects could not be read (the report is still printed).
"""

from __future__ import annotations

import json
import sys


def add_arguments(parser) -> None:
    parser.add_argument("model", metavar="MODEL", help="model file or folder (.safetensors, .pt/.bin, HF folder, .keras/.h5, weights-only .h5, "
                             "SavedModel folder, TensorFlow checkpoint prefix or its .index)")
    parser.add_argument("--config", metavar="FILE", default=None,
                        help="pruning config whose pruners select the layers (default: INC's default pruner)")
    parser.add_argument("--device", default="auto", metavar="auto|cpu|cuda|cuda:N",
                        help="where to count (auto: CPU, where a checkpoint's bytes already are)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


class _Bar:
    """A one-line progress bar on stderr, drawn only on a terminal."""

    def __init__(self, stream):
        self.stream = stream
        self.last = -1

    def __call__(self, done, total, message=""):
        pct = int(100 * done / total) if total else 100
        if pct == self.last:
            return
        self.last = pct
        filled = pct * 30 // 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {pct:3d}% {message}\x1b[K")
        self.stream.flush()

    def close(self):
        if self.last >= 0:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def run(args) -> int:
    from analysis.sparsity.report import SparsityError, compute_sparsity_report
    from analysis.sparsity.torch_backend import DeviceError

    bar = _Bar(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = compute_sparsity_report(args.model, args.config, device=args.device, progress=bar)
    except (SparsityError, DeviceError) as e:
        _fail(str(e))
        return 2
    except Exception as e:  # the contract: one line, never a traceback
        _fail(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'unexpected error'}")
        return 2
    finally:
        if bar is not None:
            bar.close()
    if args.format == "json":
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_text(report))
    unread = report.get("unread_selected") or []
    if unread:
        _fail(f"{len(unread)} selected weight(s) could not be read ({', '.join(unread[:3])}"
              f"{', ...' if len(unread) > 3 else ''}): their sparsity is unknown")
        return 2
    return 0


def _fail(message: str) -> None:
    print(f"prune-lsp sparsity: {message}", file=sys.stderr)


_LABELS = (("elementwise_over_matmul_gemm_conv", "elementwise_over_matmul_gemm_conv"),
           ("elementwise_over_all", "elementwise_over_all"),
           ("blockwise_over_matmul_gemm_conv", "blockwise_over_matmul_gemm_conv"))


def _pct(x) -> str:
    return "-" if x is None else f"{x:.4f}"


def _fig(x) -> str:
    return "unread" if x is None else f"{x:.4f}"


def format_text(r: dict) -> str:
    out = []
    out.append(f"model: {r['model']} ({r['framework']})   config: {r['config']}   device: {r['device']}")
    out.append("")
    out.append(f"{'figure':<36}{'INC would log':>15}{'true, selected':>16}")
    for key, label in _LABELS:
        out.append(f"{label:<36}{_fig(r['inc'][key]):>15}{_fig(r['selected'][key]):>16}")
    out.append("")
    for p in r["pruners"]:
        inc, sel = p["inc"], p["selected"]
        out.append(f"{p['label']}: pattern {p['pattern']}, {p['pruning_type'] or '?'}, target {p['target_sparsity']}, "
                   f"{len(p['layers'])} layer(s)" + (f", {len(p['invalid_layers'])} invalid" if p["invalid_layers"] else ""))
        out.append("  INC " + " ".join(_fig(inc[k]) for k, _ in _LABELS)
                   + "   true " + " ".join(_fig(sel[k]) for k, _ in _LABELS))
    out.append("")
    rows = [("layer", "shape", "zeros", "size", "sparsity", "block", "pruner", "target")]
    for lay in r["layers"]:
        read = lay.get("read", True)
        rows.append((lay["name"] or "(root)", "x".join(str(d) for d in lay["shape"]),
                     str(lay["zeros"]) if read else "unread",
                     str(lay["size"]), _pct(lay["element_sparsity"]) if read else "unread",
                     "unread" if not read else
                     (_pct(lay["block_sparsity"]) if not lay["invalid_reason"] else "invalid"),
                     "-" if lay["pruner"] is None else (str(lay["pruner_index"] + 1) if lay["pruner_index"] is not None else "1"),
                     "-" if lay["target_sparsity"] is None else str(lay["target_sparsity"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])] + [c.rjust(w) for c, w in zip(row[2:], widths[2:])]
        out.append("  ".join(cells).rstrip())
    t = r["totals"]
    out.append("")
    if t.get("complete", True):
        out.append(f"totals: {t['zeros']} of {t['parameters']} parameters are zero ({t['element_sparsity']:.4f})"
                   + (f", {t['nan']} NaN" if t["nan"] else ""))
    else:
        out.append(f"totals: {t['zeros']} of {t['parameters']} counted parameters are zero"
                   + (f", {t['nan']} NaN" if t["nan"] else "")
                   + f"; NOT COUNTED: {t['unread_parameters']} parameters in {t['unread_tensors']} tensor(s) "
                   "that could not be read (rows marked unread)")
    if r["notes"]:
        out.append("")
        out.append("notes:")
        for n in r["notes"]:
            out.append(f"  [{n['code']}] {n['message']}")
    return "\n".join(out) + "\n"
