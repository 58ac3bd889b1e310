"""Pictures of a schedule: a text chart for a terminal, a one-line sparkline for hovers, and a
hand-written SVG (no plotting library) with each pruner's target as a step line and, for `watch`,
the sparsity measured in checkpoints as points over it.
"""

from __future__ import annotations

from html import escape
from typing import Optional, Sequence

from .inc import PrunerSchedule, plural

SPARK = "▁▂▃▄▅▆▇█"
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def step_points(s: PrunerSchedule, until: Optional[int] = None) -> list[tuple[int, float]]:
    """(step, ratio in checkpoints written after that many steps), as a step function's corners."""
    pts: list[tuple[int, float]] = [(0, min(s.initial, s.cap) if s.cap is not None else s.initial)]
    for u in s.updates:
        r = s.expected_after(u.step + 1)
        if r is None:
            return []
        pts.append((u.step + 1, r))
    last = until if until is not None else (pts[-1][0] if pts else 0)
    if pts and last > pts[-1][0]:
        pts.append((last, pts[-1][1]))
    return pts


def sparkline(s: PrunerSchedule, width: int = 24, until: Optional[int] = None) -> str:
    pts = step_points(s, until)
    if not pts:
        return ""
    hi = max(p[0] for p in pts) or 1
    out = []
    for i in range(width):
        x = i * hi / max(1, width - 1)
        v = next((r for st, r in reversed(pts) if st <= x), 0.0)
        out.append(SPARK[0] if v <= 0 else SPARK[min(len(SPARK) - 1, max(1, round(v * (len(SPARK) - 1))))])
    return "".join(out)


def text_chart(schedules: Sequence[PrunerSchedule], width: int = 60, height: int = 12,
               until: Optional[int] = None, measured: Sequence[tuple[int, float, int]] = ()) -> str:
    """A chart in characters: y = sparsity 0..1, x = steps; pruner n draws with its digit, a
    measured point (step, ratio, pruner index) with `*`."""
    series = [(s.index, step_points(s, until)) for s in schedules]
    series = [(i, p) for i, p in series if p]
    if not series:
        return ""
    xmax = max([p[-1][0] for _, p in series] + [m[0] for m in measured] + [1])
    unit = schedules[0].unit
    grid = [[" "] * width for _ in range(height)]

    def cell(step, ratio):
        x = min(width - 1, int(step / xmax * (width - 1) + 0.5))
        y = min(height - 1, max(0, int(ratio * (height - 1) + 0.5)))
        return x, height - 1 - y

    for idx, pts in series:
        mark = str(idx % 10)
        for col in range(width):
            step = col * xmax / (width - 1)
            v = next((r for st, r in reversed(pts) if st <= step), pts[0][1])
            x, y = cell(step, v)
            grid[y][x] = mark
    for step, ratio, _i in measured:
        if ratio is None:
            continue
        x, y = cell(step, ratio)
        grid[y][x] = "*"
    lines = []
    for r, row in enumerate(grid):
        label = f"{1 - r / (height - 1):4.0%}" if r % 3 == 0 or r == height - 1 else "    "
        lines.append(f"{label} |{''.join(row)}")
    lines.append("     +" + "-" * width)
    lines.append(f"      0{str(xmax).rjust(width - 1)}  ({plural(unit)})")
    legend = "      " + "   ".join(f"{i % 10} = pruner {i}" for i, _ in series)
    if measured:
        legend += "   * = measured"
    lines.append(legend)
    return "\n".join(lines) + "\n"


def _nice_tick(xmax: int) -> int:
    """1, 2 or 5 times a power of ten, for at most 8 ticks."""
    mag = 1
    while True:
        for m in (1, 2, 5):
            if xmax / (m * mag) <= 8:
                return m * mag
        mag *= 10


def _grouped(series):
    """Pruners with the very same curve share one line (else the last one drawn hides the others)."""
    out = []
    for s, pts in series:
        for g in out:
            if g[1] == pts and g[0].unit == s.unit:
                g[2].append(s)
                break
        else:
            out.append((s, pts, [s]))
    return out


def svg_chart(schedules: Sequence[PrunerSchedule], title: str = "", until: Optional[int] = None,
              measured: Sequence[tuple[int, float, int]] = (), total_steps: Optional[int] = None) -> str:
    """An SVG document: each pruner's target as a step line, updates as dots, measured points as
    rings, a dashed line at the end of the run when known."""
    W, H, L, R, T, B = 900, 440, 64, 250, 48, 56
    pw, ph = W - L - R, H - T - B
    series = _grouped([(s, step_points(s, until)) for s in schedules])
    xmax = max([p[-1][0] for _, p, _ in series if p] + [m[0] for m in measured] + [total_steps or 0, 1])
    tick = _nice_tick(xmax)
    xmax = -(-xmax // tick) * tick
    unit = schedules[0].unit if schedules else "step"

    def X(step):
        return L + step / xmax * pw

    def Y(ratio):
        return T + (1 - ratio) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="28" font-size="16" font-weight="bold">{escape(title or "INC pruning schedule")}</text>']
    for i in range(11):  # y grid: 0..100 %
        y = Y(i / 10)
        out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{L + pw}" y2="{y:.1f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{L - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{i * 10}%</text>')
    for step in range(0, xmax + 1, tick):
        x = X(step)
        out.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{T + ph}" stroke="#f0f0f0"/>')
        out.append(f'<text x="{x:.1f}" y="{T + ph + 18}" text-anchor="middle" fill="#555">{step}</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    out.append(f'<text x="{L + pw / 2}" y="{H - 14}" text-anchor="middle">optimizer steps done</text>'
               if unit == "step" else f'<text x="{L + pw / 2}" y="{H - 14}" text-anchor="middle">{plural(unit)}</text>')
    out.append(f'<text transform="translate(16 {T + ph / 2}) rotate(-90)" text-anchor="middle">sparsity</text>')
    if total_steps:
        x = X(total_steps)
        out.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{T + ph}" stroke="#333" stroke-dasharray="5 4"/>')
        out.append(f'<text x="{x - 4:.1f}" y="{T + 14}" text-anchor="end" fill="#333">run ends</text>')
    legend_y = T + 8
    color_of = {}
    for n, (s, pts, members) in enumerate(series):
        color = COLORS[n % len(COLORS)]
        for m in members:
            color_of[m.index] = color
        if pts:
            d = [f"M{X(pts[0][0]):.1f},{Y(pts[0][1]):.1f}"]
            for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
                d.append(f"H{X(x1):.1f}V{Y(y1):.1f}")
            out.append(f'<path d="{"".join(d)}" fill="none" stroke="{color}" stroke-width="2.2"/>')
            for u in s.updates:
                r = s.expected_after(u.step + 1)
                if r is not None:
                    out.append(f'<circle cx="{X(u.step + 1):.1f}" cy="{Y(r):.1f}" r="2.6" fill="{color}">'
                               f'<title>{escape(s.label)}: {r:.2%} from {unit} {u.step + 1} ({u.kind})</title></circle>')
        label = (f"{s.index}. {s.label}" if len(members) == 1
                 else f"pruners {', '.join(str(m.index) for m in members)} (same schedule)")
        label = label if len(label) <= 34 else label[:33] + "…"
        out.append(f'<line x1="{L + pw + 14}" y1="{legend_y}" x2="{L + pw + 34}" y2="{legend_y}" stroke="{color}" '
                   'stroke-width="3"/>')
        out.append(f'<text x="{L + pw + 40}" y="{legend_y + 4}">{escape(label)}</text>')
        sub = f"{s.mode}, {s.decay or ''} target {s.target:g}" if s.target is not None else s.mode
        out.append(f'<text x="{L + pw + 40}" y="{legend_y + 18}" fill="#666" font-size="11">{escape(sub)}</text>')
        legend_y += 40
    for step, ratio, idx in measured:
        if ratio is None:
            continue
        color = color_of.get(idx, COLORS[(idx - 1) % len(COLORS)])
        out.append(f'<circle cx="{X(step):.1f}" cy="{Y(ratio):.1f}" r="5" fill="white" stroke="{color}" '
                   f'stroke-width="2"><title>measured {ratio:.2%} at {unit} {step}</title></circle>')
    if measured:
        out.append(f'<circle cx="{L + pw + 24}" cy="{legend_y}" r="5" fill="white" stroke="#333" stroke-width="2"/>')
        out.append(f'<text x="{L + pw + 40}" y="{legend_y + 4}">measured checkpoint</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


SCHEDULE_KEYS = {"start_step", "end_step", "pruning_frequency", "sparsity_decay_type", "target_sparsity",
                 "max_sparsity_ratio_per_op", "pruning_type", "update_frequency_on_step", "max_sparsity_ratio_per_layer",
                 "prune_type", "start_epoch", "end_epoch", "update_frequency", "initial_sparsity"}


def schedule_summary(s: PrunerSchedule) -> str:
    """One markdown line: the curve as a sparkline and what it goes through."""
    if s.unknown:
        return f"{s.label}: no schedule: {s.unknown}"
    if s.error:
        return f"{s.label}: INC raises {s.error}"
    if not s.updates:
        return f"{s.label}: {s.mode} — " + (s.notes[0] if s.notes else "no mask updates")
    first, last = s.updates[0], s.updates[-1]
    final = s.expected_after(last.step + 1)
    return (f"{s.label}: `{sparkline(s)}` {s.mode}, {len(s.prune_updates)} update(s) from {s.unit} {first.step} "
            f"to {last.step}, reaching {final:.1%}" + (f" (target {s.target:g})" if s.target is not None
                                                       and abs((final or 0) - s.target) > 1e-9 else ""))
