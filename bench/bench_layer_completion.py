"""Layer-name completion against a 20,000-layer model, through the real server over stdio.

    .venv/bin/python bench/bench_layer_completion.py [--runs N]

A safetensors file of 20,000 weighted modules is named by a config's modeline; the first
completion inside `op_names` starts the index load (off the event loop), and once completion
answers with layer names the index is cached; the checks that the load triggers are let finish
(steady state, as while a user types a name). Then, p95 over N requests (target <= 30 ms):
- an empty entry (`op_names: ['`): the longest list, cut at MAX_LAYER_ITEMS (500, prefixes included);
- a typed prefix (`op_names: ['model.layers.12`): the filtered list.
Baseline, same server and run: key completion at the pruner's level (no model involved). Twice:
a client without CompletionList.itemDefaults (every item carries its edit) and one with them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LAYERS = 20_000
CONFIG = """\
# prune-lsp: model=big.safetensors
version: 1.0
model:
  name: big
  framework: pytorch
pruning:
  approach:
    weight_compression_v2:
      target_sparsity: 0.8
      pruners:
        - !PrunerV2
          pattern: "4x1"
          op_names: [{entry}
"""


def write_model(path: Path, layers: int = LAYERS) -> None:
    """20,000 modules with a 4x4 fp32 weight each: model.layers.<i>.<proj>.weight."""
    projs = ("q", "k", "v", "o", "up", "down", "gate", "norm_proj")
    header, off = {}, 0
    for i in range(layers):
        name = f"model.layers.{i // len(projs)}.{projs[i % len(projs)]}.weight"
        header[name] = {"dtype": "F32", "shape": [4, 4], "data_offsets": [off, off + 64]}
        off += 64
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + bytes(off))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _quiesce(client, quiet_s: float = 0.5) -> None:
    """Wait until the server has published nothing for `quiet_s` (checks after a load are done)."""
    import queue

    while True:
        try:
            client.notifications.get(timeout=quiet_s)
        except queue.Empty:
            return


# A client that takes CompletionList.itemDefaults (VS Code >= 1.72, Neovim >= 0.10)
DEFAULTS_CAPS = {"textDocument": {"completion": {"completionList": {
    "itemDefaults": ["commitCharacters", "editRange", "insertTextFormat", "insertTextMode", "data"]}},
    "synchronization": {"didSave": True}}}


def _measure(runs: int, item_defaults: bool = False) -> dict:
    from lsp_client import LspClient

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_model(root / "big.safetensors")
        client = LspClient([sys.executable, "-m", "lsp_server"], cwd=str(REPO))
        try:
            client.initialize(root, capabilities=DEFAULTS_CAPS if item_defaults else None)
            cases = {"empty entry": "'", "typed prefix": "'model.layers.12"}
            for label, entry in cases.items():
                text = CONFIG.format(entry=entry)
                cfg = root / f"prune_{len(out)}.yaml"
                cfg.write_text(text)
                uri = cfg.as_uri()
                client.notify("textDocument/didOpen", {"textDocument": {
                    "uri": uri, "languageId": "yaml", "version": 1, "text": text}})
                line = text.splitlines().index(f"          op_names: [{entry}")
                pos = {"textDocument": {"uri": uri},
                       "position": {"line": line, "character": len(f"          op_names: [{entry}")}}

                def layer_items(res) -> list:
                    items = res.get("items", []) if isinstance(res, dict) else (res or [])
                    return [i for i in items if i.get("kind") == 18]  # CompletionItemKind.Reference

                deadline = time.perf_counter() + 60
                while not layer_items(client.request("textDocument/completion", pos)):
                    if time.perf_counter() > deadline:
                        raise SystemExit("the server never completed layer names")
                    time.sleep(0.05)
                _quiesce(client)  # the re-check that follows the model load runs first
                times, n_items = [], 0
                for _ in range(runs):
                    t0 = time.perf_counter()
                    res = client.request("textDocument/completion", pos)
                    times.append((time.perf_counter() - t0) * 1000)
                    n_items = len(layer_items(res))
                out[label] = (times, n_items)
            # baseline: keys at the pruner's level, same server
            text = CONFIG.format(entry="'x']\n          ")
            cfg = root / "keys.yaml"
            cfg.write_text(text)
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": cfg.as_uri(), "languageId": "yaml", "version": 1, "text": text}})
            pos = {"textDocument": {"uri": cfg.as_uri()},
                   "position": {"line": len(text.splitlines()) - 1, "character": 10}}
            client.request("textDocument/completion", pos)
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                client.request("textDocument/completion", pos)
                times.append((time.perf_counter() - t0) * 1000)
            out["baseline"] = (times, 0)
        finally:
            client.close()
    return out


def rows(runs: int = 40) -> list:
    from report import Row

    out = []
    for defaults in (False, True):
        got = _measure(runs, item_defaults=defaults)
        base = pct(got["baseline"][0], 95)
        client = "client with itemDefaults" if defaults else "client without itemDefaults"
        out += [Row(f"layers: completion in op_names, 20,000-layer model, {label} ({got[label][1]} items), "
                    f"{client}, p95", pct(got[label][0], 95), "ms", base, "key completion p95", 30.0)
                for label in ("empty entry", "typed prefix")]
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    a = ap.parse_args()
    for defaults in (False, True):
        print("client with CompletionList.itemDefaults:" if defaults else "client without itemDefaults:")
        for label, (xs, n) in _measure(a.runs, item_defaults=defaults).items():
            print(f"  {label:<14} p50 {statistics.median(xs):7.2f} ms  p95 {pct(xs, 95):7.2f} ms  "
                  f"({n} layer items){'  target p95 <= 30 ms' if label != 'baseline' else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
