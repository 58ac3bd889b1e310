"""`prune-lsp watch RUN_DIR [--config FILE] [--device ...] [--format text|jsonl] [--poll SECONDS]
[--exit-when-idle SECONDS] [--chart FILE.svg] [--steps-per-epoch N]`

Follows a training run's output folder: every checkpoint that appears (HF Trainer checkpoint-N/,
or any model file/folder the other commands accept) is measured once it is completely written,
reusing the counts of tensors that did not change, and compared per pruner with INC's schedule at
its step. jsonl: one object per checkpoint (design.md). The chart (SVG, measured points over the
schedule) is rewritten after each checkpoint. Ctrl-C stops it (exit 130); --exit-when-idle stops
it after that many seconds without a new checkpoint (exit 0). Exit 2 when it cannot start.
An INC 1.x config schedules by epoch: a checkpoint's epoch comes from its trainer_state.json, else
from its step and --steps-per-epoch (or the config's pruning.train.iteration); see docs/watch.md.
"""

from __future__ import annotations

import json
import os
import sys
import time


def add_arguments(parser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the training run's output folder")
    parser.add_argument("--config", metavar="FILE", default=None, help="the pruning config the run trains with")
    parser.add_argument("--device", default="cpu", metavar="auto|cpu|cuda|cuda:N", help="where to count (default cpu)")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text")
    parser.add_argument("--poll", type=float, default=2.0, metavar="SECONDS", help="how often to look (default 2)")
    parser.add_argument("--exit-when-idle", type=float, default=None, metavar="SECONDS",
                        help="stop after this many seconds without a new checkpoint")
    parser.add_argument("--chart", metavar="FILE.svg", default=None,
                        help="the chart to keep up to date (default RUN_DIR/prune-lsp-watch.svg; '-' for none)")
    parser.add_argument("--steps-per-epoch", type=int, default=None, metavar="N",
                        help="INC 1.x configs (scheduled by epoch): optimizer steps per epoch, to place checkpoints "
                             "that have no trainer_state.json epoch (default: the config's pruning.train.iteration)")


def run(args) -> int:
    from analysis.sparsity.torch_backend import DeviceError
    from analysis.watch.follow import Watcher

    if not os.path.isdir(args.run_dir):
        print(f"prune-lsp watch: {args.run_dir}: no such folder", file=sys.stderr)
        return 2
    if args.poll <= 0:
        print("prune-lsp watch: --poll must be > 0", file=sys.stderr)
        return 2
    if args.steps_per_epoch is not None and args.steps_per_epoch <= 0:
        print("prune-lsp watch: --steps-per-epoch must be > 0", file=sys.stderr)
        return 2
    try:
        w = Watcher(args.run_dir, args.config, args.device, steps_per_epoch=args.steps_per_epoch)
    except DeviceError as e:
        print(f"prune-lsp watch: {e}", file=sys.stderr)
        return 2
    chart = args.chart if args.chart is not None else os.path.join(args.run_dir, "prune-lsp-watch.svg")
    if chart == "-":
        chart = None
    out = sys.stdout
    if args.format == "text":
        for n in w.notes:
            out.write(f"note: {n}\n")
        out.write(f"watching {args.run_dir}" + (f" against {args.config}" if args.config else "")
                  + f" (every {args.poll:g}s; Ctrl-C stops)\n")
        out.flush()
    points: list = []

    def on_result(res):
        if args.format == "jsonl":
            out.write(json.dumps(res.to_json()) + "\n")
        else:
            out.write(format_text(res) + "\n")
        out.flush()
        if res.x is not None:  # epochs done for an INC 1.x config, the chart's unit
            for p in res.pruners:
                if p["measured"] is not None:
                    points.append((res.x, p["measured"], p["index"]))
        if chart and w.schedule is not None:
            _write_chart(chart, w, points, args.run_dir)

    last_new = time.monotonic()
    try:
        while True:
            if w.poll(on_result):
                last_new = time.monotonic()
            elif args.exit_when_idle is not None and time.monotonic() - last_new >= args.exit_when_idle:
                return 0
            time.sleep(args.poll)
    except KeyboardInterrupt:
        out.flush()
        print("prune-lsp watch: stopped", file=sys.stderr)
        return 130


def _write_chart(path: str, w, points, run_dir: str) -> None:
    from analysis.schedule.chart import svg_chart

    import math

    # (an INC 1.x point sits at epochs done, a float; the axis ends on a whole step/epoch)
    until = math.ceil(max([p[0] for p in points]
                          + [max(((s.last_update or 0) + 1 for s in w.schedule.pruners), default=1)]))
    text = svg_chart(w.schedule.pruners, title=f"prune-lsp watch: {run_dir}", until=until, measured=points)
    tmp = f"{path}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        print(f"prune-lsp watch: chart {path}: {e.strerror or e}", file=sys.stderr)


def _pct(x) -> str:
    return "?" if x is None else f"{x:.1%}"


def format_text(res) -> str:
    head = f"step {res.step if res.step is not None else '?':>7}  {res.path}"
    if res.unit == "epoch":
        head += (f"  (epoch {res.epoch:.2f}, from {res.epoch_source})" if res.epoch is not None
                 else "  (epoch unknown)")
    if res.error:
        return f"{head}  could not be measured: {res.error}"
    if res.unit == "epoch":  # INC 1.x's own figure: report_sparsity's total
        total = (res.inc_1x or {}).get("total_sparsity")
        figs = "1.x total sparsity " + ("?" if total is None else f"{total:.4f}")
    else:
        inc = res.report["inc"]
        figs = " ".join("?" if inc[k] is None else f"{inc[k]:.4f}" for k in
                        ("elementwise_over_matmul_gemm_conv", "elementwise_over_all",
                         "blockwise_over_matmul_gemm_conv"))
    lines = [f"{head}  INC {figs}  ({res.seconds:.2f}s, {res.counted} tensor(s) counted, {res.reused} reused)"]
    lines.extend(f"    note: {n}" for n in res.notes)
    for p in res.pruners:
        sched = "" if p["scheduled"] is None else (
            f", schedule expects {_pct(p['scheduled'])}" if p["scheduled_low"] in (None, p["scheduled"])
            else f", schedule allows {_pct(p['scheduled_low'])}..{_pct(p['scheduled'])}")
        target = f" of {_pct(p['target'])}" if isinstance(p.get("target"), (int, float)) else ""
        state = "  !! " + "; ".join(p["flags"]) if p["flags"] else ("  ok" if p["scheduled"] is not None else "")
        lines.append(f"    pruner {p['index']}: now {_pct(p['measured'])}{target}{sched}{state}")
    return "\n".join(lines)
