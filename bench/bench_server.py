"""Language-server latency over a real stdio connection (figures printed, not asserted).

    .venv/bin/python bench/bench_server.py [--runs N]

Measures, against issue #3's budgets:
- process start -> initialize result (budget 500 ms), next to a bare `python -c pass` start
  measured in the same run (the floor no server can beat on this machine);
- didChange -> publishDiagnostics with debounceMs 0, p95, on a 100-line and a 10,000-line
  config (budgets 30 ms and 300 ms), next to the engine's own check time in this process;
- completion round trip p95 (budget 30 ms);
- a burst of 1,000 didChange notifications: hover answered during it, and the last
  diagnostics published belong to the final text.
"""

from __future__ import annotations

import argparse
import os
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def make_config(pruners: int) -> str:
    head = ["pruning:", "  approach:", "    weight_compression_v2:", "      target_sparsity: 0.8",
            "      start_step: 0", "      end_step: 1000", "      pruners:"]
    body = []
    for i in range(pruners):
        body += ["        - !PrunerV2", f"          op_names: ['encoder\\.layer\\.{i}\\..*']", '          pattern: "4x1"',
                 "          pruning_type: snip_momentum", f"          target_sparsity: 0.{(i % 8) + 1}",
                 "          pruning_scope: local", "          pruning_frequency: 10", "          sparsity_decay_type: cos"]
    return "\n".join(head + body) + "\n"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


RESULTS: list[tuple[str, list[float], float | None]] = []  # (name, samples, budget): read by rows()


def show(name: str, xs: list[float], budget: float | None = None) -> None:
    RESULTS.append((name, list(xs), budget))
    line = f"{name:<48} median {statistics.median(xs):7.1f} ms   p95 {pct(xs, 95):7.1f} ms   (n={len(xs)})"
    if budget is not None:
        line += f"   budget {budget:.0f} ms: {'ok' if pct(xs, 95) <= budget else 'OVER'}"
    print(line)


class Client:
    def __init__(self):
        self.c = LanguageClient("bench", "1")
        self.published: list[tuple[str, int, list]] = []
        self.waiters: list = []

        @self.c.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _pd(params: types.PublishDiagnosticsParams):
            self.published.append((params.uri, params.version, params.diagnostics, time.perf_counter()))
            for w in list(self.waiters):
                w(params)

    async def start(self, init: dict) -> float:
        t0 = time.perf_counter()
        await self.c.start_io(sys.executable, "-m", "lsp_server", cwd=str(REPO))
        await self.c.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                             initialization_options=init))
        dt = (time.perf_counter() - t0) * 1000
        self.c.initialized(types.InitializedParams())
        return dt

    async def stop(self):
        await self.c.shutdown_async(None)
        self.c.exit(None)
        await self.c.stop()

    def wait_version(self, uri: str, version: int) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()

        def w(p):
            if p.uri == uri and p.version == version and not fut.done():
                fut.set_result(time.perf_counter())
                self.waiters.remove(w)
        self.waiters.append(w)
        return fut

    def open(self, uri: str, text: str):
        self.c.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=1, text=text)))

    def change(self, uri: str, version: int, line: int, start: int, end: int, text: str):
        self.c.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(
                start=types.Position(line=line, character=start), end=types.Position(line=line, character=end)),
                text=text)]))


async def bench_start(runs: int) -> None:
    base = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        base.append((time.perf_counter() - t0) * 1000)
    show("baseline: bare `python -c pass`", base)
    # The first start after an install or an upgrade answers `initialize` itself (after importing
    # pygls); every later start with the same editor answers it from the cache (fast_start.py).
    import shutil
    from pathlib import Path as _P

    cache = _P(os.environ.get("XDG_CACHE_HOME") or _P.home() / ".cache") / "prune-lsp" / "initialize"
    cold = []
    for _ in range(max(3, runs // 3)):
        shutil.rmtree(cache, ignore_errors=True)
        c = Client()
        cold.append(await c.start({}))
        await c.stop()
    show("process start -> initialize result, first start (no cache)", cold)
    starts = []
    for _ in range(runs):
        c = Client()
        starts.append(await c.start({}))
        await c.stop()
    show("process start -> initialize result", starts, 500)


async def bench_change(lines_target: int, runs: int, budget: float) -> None:
    text = make_config(max(1, (lines_target - 7) // 8))
    n_lines = text.count("\n")
    from analysis.engine import check_text

    eng = []
    for _ in range(max(3, runs // 4)):
        t0 = time.perf_counter()
        check_text(text)
        eng.append((time.perf_counter() - t0) * 1000)
    show(f"baseline: engine check_text, {n_lines} lines (in-process)", eng)
    c = Client()
    await c.start({"pruneLsp": {"debounceMs": 0}})
    uri = f"file:///tmp/bench-{n_lines}.yaml"
    first = c.wait_version(uri, 1)
    c.open(uri, text)
    await asyncio.wait_for(first, 30)
    lat = []
    # toggle the global target_sparsity between 0.8 and 0.7 (line 3, "      target_sparsity: 0.8")
    for v in range(2, runs + 2):
        fut = c.wait_version(uri, v)
        t0 = time.perf_counter()
        c.change(uri, v, 3, 25, 26, "7" if v % 2 else "8")
        t1 = await asyncio.wait_for(fut, 30)
        lat.append((t1 - t0) * 1000)
    show(f"didChange -> publishDiagnostics, {n_lines} lines", lat, budget)
    comp = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await c.c.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=10, character=10)))
        comp.append((time.perf_counter() - t0) * 1000)
    show(f"completion round trip, {n_lines} lines", comp, 30)
    await c.stop()


async def bench_burst(n: int = 1000) -> None:
    text = make_config(12)
    c = Client()
    await c.start({"pruneLsp": {"debounceMs": 0}})
    uri = "file:///tmp/bench-burst.yaml"
    first = c.wait_version(uri, 1)
    c.open(uri, text)
    await asyncio.wait_for(first, 30)
    final = c.wait_version(uri, n + 1)
    hover_lat = []
    t0 = time.perf_counter()
    for v in range(2, n + 2):
        # end_step: 1000 -> 1 (before start_step? no: start 0) / bad: start_step 0 -> "x"
        c.change(uri, v, 4, 18, 19, "x" if v % 2 else "0")
        if v % 100 == 0:
            h0 = time.perf_counter()
            await c.c.text_document_hover_async(types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=3, character=10)))
            hover_lat.append((time.perf_counter() - h0) * 1000)
    await asyncio.wait_for(final, 60)
    total = (time.perf_counter() - t0) * 1000
    await asyncio.sleep(0.5)
    mine = [p for p in c.published if p[0] == uri]
    last_uri, last_version, last_diags, _ = mine[-1]
    final_bad = (n + 1) % 2 == 1  # version n+1 wrote "x": start_step is not an int
    has_error = any(d.code == "PL013" for d in last_diags)
    show(f"hover during a burst of {n} didChange", hover_lat)
    print(f"burst of {n} didChange: {total:.0f} ms to the final diagnostics; published {len(mine) - 1} times; "
          f"last published version {last_version} (final {n + 1}); matches the final text: "
          f"{'yes' if last_version == n + 1 and has_error == final_bad else 'NO'}")
    await c.stop()


async def run_all(runs: int) -> None:
    print(f"python {sys.version.split()[0]}, {sys.platform}")
    await bench_start(max(5, runs // 4))
    await bench_change(100, runs, 30)
    await bench_change(10_000, max(10, runs // 2), 300)
    await bench_burst()


def rows(quick: bool = False) -> list:
    """The figures as bench/report.Row objects (for bench/run_all.py): p95 of each measure, with
    the same-run baseline that explains it (bare interpreter start; the engine alone)."""
    from report import Row

    RESULTS.clear()
    asyncio.run(run_all(20 if quick else 40))
    got = {name: (xs, budget) for name, xs, budget in RESULTS}
    out = []
    base = next((statistics.median(xs) for n, (xs, _b) in got.items() if n.startswith("baseline: bare")), None)
    engine = {n.split(",")[1].strip().split()[0]: statistics.median(xs) for n, (xs, _b) in got.items()
              if n.startswith("baseline: engine")}
    for name, (xs, budget) in got.items():
        if name.startswith("baseline"):
            continue
        b, bname = None, ""
        if name.startswith("process start"):
            b, bname = base, "python -c pass"
        elif name.startswith("didChange"):
            lines = name.split(",")[1].strip().split()[0]
            b, bname = engine.get(lines), "engine alone, median"
        out.append(Row(f"server: {name}, p95", pct(xs, 95), "ms", b, bname, budget))
    return out


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    await run_all(args.runs)


if __name__ == "__main__":
    asyncio.run(main())
