"""One row format for every benchmark, so bench/run_all.py can print one table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class Row:
    figure: str
    ours: Optional[float]
    unit: str  # "ms", "GB/s", "MB", "count"
    baseline: Optional[float] = None
    baseline_name: str = ""
    target: Optional[float] = None
    lower_is_better: bool = True

    @property
    def ratio(self) -> Optional[float]:
        if self.ours is None or not self.baseline:
            return None
        return self.ours / self.baseline

    @property
    def ok(self) -> str:
        if self.target is None or self.ours is None:
            return ""
        good = self.ours <= self.target if self.lower_is_better else self.ours >= self.target
        return "yes" if good else "NO"


def _f(x: Optional[float]) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.2f}"


def print_table(rows: list[Row], file=None) -> None:
    head = ("figure", "ours", "baseline (same run)", "ratio", "target", "met")
    lines = [(r.figure + f" ({r.unit})", _f(r.ours),
              f"{_f(r.baseline)} {r.baseline_name}".strip() if r.baseline is not None else r.baseline_name or "-",
              _f(r.ratio), ("<= " if r.lower_is_better else ">= ") + _f(r.target) if r.target is not None else "-",
              r.ok) for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(head)]
    fmt = "  ".join("{:<%d}" % w if i in (0, 2) else "{:>%d}" % w for i, w in enumerate(widths))
    print(fmt.format(*head), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for line in lines:
        print(fmt.format(*line), file=file)
