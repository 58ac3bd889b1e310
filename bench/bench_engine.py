"""Engine speed: a full check of a 100-line and a 10,000-line config, beside PyYAML's plain
`yaml.safe_load` of the same text (the floor any YAML-based checker pays), medians of repeated
runs in this process. Targets (issue 2): 100 lines <= 5 ms, 10,000 lines <= 250 ms.

    python bench/bench_engine.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis.engine import check_text  # noqa: E402
from configs import v2_config  # noqa: E402


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_constructor("!PrunerV2", lambda l, n: l.construct_mapping(n))


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def rows(repeat: int = 0) -> list:
    from report import Row

    out = []
    for lines, target in ((100, 5.0), (10_000, 250.0)):
        text = v2_config(lines)
        n = repeat or (200 if lines <= 100 else 15)
        ours = median_ms(lambda: check_text(text), n)
        base = median_ms(lambda: yaml.load(text, Loader=_Loader), n)
        out.append(Row(f"engine: check a {lines:,}-line config, median", ours, "ms", base, "yaml.safe_load", target))
    return out


def main() -> int:
    from report import print_table

    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=0, help="runs per figure (default: 200 small, 15 large)")
    args = ap.parse_args()
    print_table(rows(args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
