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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=0, help="runs per figure (default: 200 small, 15 large)")
    args = ap.parse_args()
    rows = []
    for lines, target in ((100, 5.0), (10_000, 250.0)):
        text = v2_config(lines)
        repeat = args.repeat or (200 if lines <= 100 else 15)
        n_diag = len(check_text(text).diagnostics)
        ours = median_ms(lambda: check_text(text), repeat)
        base_py = median_ms(lambda: yaml.load(text, Loader=_Loader), repeat)
        rows.append((lines, ours, base_py, target, n_diag))
    print(f"{'figure':<34} {'ours ms':>9} {'yaml.safe_load ms':>18} {'ratio':>7} {'target ms':>10}  ok")
    for lines, ours, base, target, n_diag in rows:
        ok = "yes" if ours <= target else "NO"
        print(f"{f'check {lines}-line config':<34} {ours:>9.2f} {base:>18.2f} {ours / base:>7.2f} {target:>10.0f}  {ok}"
              f"   ({n_diag} diagnostics)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
