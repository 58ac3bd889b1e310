"""`prune-lsp schedule CONFIG [--total-steps N] [--format text|json] [--plot FILE.svg|FILE.png]`

Per pruner, the target sparsity INC 2.6's own scheduler sets at each step where it updates masks
(analysis.schedule), as a table and a text chart; --plot writes the chart as an SVG. PNG is not
offered: it would need matplotlib or an image library, and the SVG opens in any browser or editor.
With --total-steps (or a 1.x config's `pruning.train.epoch`) the schedule rules (PL090, PL091, PL093; PL068) say
which pruners the run ends before. Exit 0; 1 when a schedule rule finds an error; 2 when the
command cannot run.
"""

from __future__ import annotations

import json
import sys


def add_arguments(parser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="pruning config (YAML, JSON or Python; any dialect INC trains with)")
    parser.add_argument("--total-steps", type=int, default=None, metavar="N",
                        help="how many optimizer steps the run makes (epochs for an INC 1.x config)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--plot", metavar="FILE.svg", default=None,
                        help="write the chart as SVG (PNG is not supported: it would need matplotlib; browsers "
                             "and editors open SVG)")


def run(args) -> int:
    from analysis.schedule import ScheduleError, schedules_from_file
    from analysis.schedule.findings import schedule_findings

    try:
        cs = schedules_from_file(args.config)
    except ScheduleError as e:
        print(f"prune-lsp schedule: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the contract: one line, never a traceback
        print(f"prune-lsp schedule: {args.config}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
              file=sys.stderr)
        return 2
    if args.total_steps is not None and args.total_steps < 0:
        print("prune-lsp schedule: --total-steps must be >= 0", file=sys.stderr)
        return 2
    total = args.total_steps if args.total_steps is not None else cs.train_epochs
    findings = schedule_findings(cs, total)
    if args.plot:
        if not args.plot.lower().endswith(".svg"):
            print("prune-lsp schedule: --plot writes SVG only (FILE.svg); PNG would need matplotlib", file=sys.stderr)
            return 2
        from analysis.schedule.chart import svg_chart

        try:
            with open(args.plot, "w", encoding="utf-8") as f:
                f.write(svg_chart(cs.pruners, title=f"INC schedule: {args.config}", total_steps=total,
                                  until=_until(cs, total)))
        except OSError as e:
            print(f"prune-lsp schedule: {args.plot}: {e.strerror or e}", file=sys.stderr)
            return 2
    if args.format == "json":
        out = cs.to_json()
        out["total_steps"] = total
        out["findings"] = [f.to_json() for f in findings]
        out["errors"] = [d.to_json() for d in cs.errors]
        json.dump(_finite(out), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_text(cs, total, findings, args.config))
    if cs.configs_in_file > 1:
        print(f"prune-lsp schedule: {args.config}: note: the file holds {cs.configs_in_file} pruning configs; "
              "this is the schedule of the first", file=sys.stderr)
    if cs.errors:  # the schedule above is what INC would do; it would not get that far
        first = cs.errors[0]
        more = f" and {len(cs.errors) - 1} more; `prune-lsp check` lists them" if len(cs.errors) > 1 else ""
        print(f"prune-lsp schedule: {args.config}: INC rejects this config: line {first.range.start.line + 1}: "
              f"{first.code} {first.message}{more}", file=sys.stderr)
    return 1 if cs.errors or any(f.severity == "error" for f in findings) else 0


def _finite(v):
    """JSON has no inf or nan (Python's json writes `Infinity`, which parsers reject): as strings."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return str(v)
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def _until(cs, total):
    last = max((p.last_update or 0) + 1 for p in cs.pruners) if cs.pruners else 1
    return max(last, total or 0)


def format_text(cs, total, findings, path) -> str:
    from analysis.schedule.chart import text_chart
    from analysis.schedule.inc import plural

    out = [f"{path}: dialect {cs.dialect}, {len(cs.pruners)} pruner(s)"
           + (f", run of {total} {cs.pruners[0].unit if cs.pruners else 'step'}s" if total is not None else "")]
    for s in cs.pruners:
        out.append("")
        name = s.label if s.label.startswith(f"pruner {s.index}") else f"pruner {s.index} ({s.label})"
        head = (f"{name}: {s.pruning_type}, {s.mode}"
                + (f", {plural(s.unit)} {s.start}..{'?' if s.end is None else s.end} every {s.frequency:g}" if s.start is not None and s.frequency else "")
                + (f", decay {s.decay}" if s.decay and s.mode in ("iterative", "progressive") else "")
                + (f", target {s.target:g}" if s.target is not None else "")
                + (f", cap {s.cap:g}" if s.cap is not None else ""))
        out.append(head)
        if s.unknown:
            out.append(f"  no schedule: {s.unknown}")
        if s.error:
            out.append(f"  INC raises: {s.error}")
        for n in s.notes:
            out.append(f"  note: {n}")
        if s.updates:
            out.append(f"  {s.unit:>7}  {'target':>8}  kind")
            for u in s.updates:
                extra = f"  (round target {u.target:.4f})" if u.target is not None and u.kind != "prune" else ""
                extra = f"  (scheduler {u.target:.4f}, 1/4 applied)" if u.kind == "prune" and u.target is not None else extra
                extra += f"  (checkpoints may show down to {u.low:.4f})" if u.low is not None else ""
                out.append(f"  {u.step:>7}  {u.ratio:>8.4f}  {u.kind}{extra}")
    chart = text_chart(cs.pruners, until=_until(cs, total))
    if chart:
        out += ["", chart.rstrip("\n")]
    if findings:
        out.append("")
        for f in findings:
            out.append(f"{f.severity} {f.code} pruner {f.pruner}: {f.message}")
    return "\n".join(out) + "\n"
