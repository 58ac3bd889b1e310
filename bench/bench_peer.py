"""prune-lsp beside the peer a user would otherwise pick: Red Hat's yaml-language-server (2.x)
given the JSON Schema that `prune-lsp schema` exports, both driven over stdio on the same texts.

Two figures per server: diagnostic latency (didChange -> publishDiagnostics, p50/p95, 100-line and
10,000-line configs) and what each finds on INC configs: the corpus files and single-mutation
configs whose verdict comes from INC 2.6 itself (tests/oracle), counted as flagged when a
diagnostic of severity error is published (any severity for the peer, whose schema cannot say
'warning'). A corpus file INC rejects only in training (stage `train`) is left out: that verdict
depends on the shapes of the model INC ran it on (tests/oracle/test_corpus.py checks it against that
model), and neither server is given a model here; without one prune-lsp says what to check (a warning).

    python bench/bench_peer.py [--cases N]        (needs `npm install` in bench/peer; run_all does it)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from configs import v2_config  # noqa: E402
from lsp_client import LspClient  # noqa: E402

PEER_BIN = HERE / "peer" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


def ensure_peer() -> bool:
    if PEER_BIN.exists():
        return True
    r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=HERE / "peer",
                       capture_output=True, text=True)
    return r.returncode == 0 and PEER_BIN.exists()


def start_ours(root: Path) -> LspClient:
    c = LspClient([sys.executable, "-m", "lsp_server"], cwd=str(REPO))
    c.initialize(root, {"debounceMs": 0})
    return c


def start_peer(root: Path, schema_path: Path) -> LspClient:
    settings = {"yaml": {"validate": True, "schemas": {schema_path.as_uri(): ["*.yaml"]},
                         "customTags": ["!PrunerV2 mapping", "!Pruner mapping"], "format": {"enable": False},
                         "schemaStore": {"enable": False}, "hover": True, "completion": True}}
    c = LspClient(["node", str(PEER_BIN), "--stdio"], settings=settings)
    c.initialize(root)
    c.notify("workspace/didChangeConfiguration", {"settings": settings})
    time.sleep(0.5)
    return c


def latency(client: LspClient, root: Path, text: str, edits: int, tag: str) -> list[float]:
    uri = (root / f"lat_{tag}.yaml").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                            "text": text}})
    client.wait_diagnostics(uri, timeout=60)
    out = []
    for v in range(2, edits + 2):
        # Toggle a value on the last pruner line so every edit changes the result a little.
        new = text.replace("target_sparsity: 0.8", f"target_sparsity: 0.{8 if v % 2 else 7}", 1)
        t0 = time.perf_counter()
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v},
                                                 "contentChanges": [{"text": new}]})
        t1, _ = client.wait_diagnostics(uri, timeout=60)
        out.append((t1 - t0) * 1000)
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return out


def findings(client: LspClient, root: Path, cases: list[tuple[str, str, bool]], any_severity: bool) -> dict:
    flagged_bad = flagged_good = bad = good = 0
    for i, (_name, text, inc_rejects) in enumerate(cases):
        uri = (root / f"case_{i}.yaml").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                "text": text}})
        try:
            _, diags = client.wait_diagnostics(uri, timeout=20)
        except TimeoutError:
            diags = []
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        flagged = any(any_severity or d.get("severity", 1) == 1 for d in diags)
        if inc_rejects:
            bad += 1
            flagged_bad += flagged
        else:
            good += 1
            flagged_good += flagged
    return {"inc_rejects": bad, "flagged_of_rejected": flagged_bad, "inc_accepts": good,
            "flagged_of_accepted": flagged_good}


def load_cases(limit: int) -> list[tuple[str, str, bool]]:
    """INC-judged configs: the corpus (verdicts from its README) and oracle mutations (INC 2.6 run)."""
    cases: list[tuple[str, str, bool]] = []
    try:
        from tests.oracle import corpus, mutations, oracle
    except ImportError as exc:
        print(f"note: INC-judged mutations unavailable ({exc})", file=sys.stderr)
        return cases
    if corpus.available():
        for name, (dialect, verdict, _err) in corpus.verdicts().items():
            if dialect.startswith("B") and verdict != "train":  # train: model-dependent (docstring)
                cases.append((name, corpus.read(name), verdict != "ok"))
        python, why = oracle.inc_python()
        if python is not None:
            seeds = mutations.seeds_from_texts({n: corpus.read(n) for n in corpus.dialect_b_files()})
            muts = [c for c in mutations.generate(seeds) if c.dialect == "B"]
            random.Random(0).shuffle(muts)  # a sample across every mutation kind, the same each run
            muts = muts[:limit]
            got, _stats = oracle.verdicts(python, muts)
            for c in muts:
                v = got.get(c.id)
                if v is not None and v.get("stage") not in ("timeout", "runner"):
                    cases.append((c.kind, c.text, not v["ok"]))
        else:
            print(f"note: INC 2.6 venv unavailable ({why}); corpus files only", file=sys.stderr)
    return cases


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def rows(n_cases: int = 300) -> list:
    """The comparison as bench/report.Row objects (the peer is the baseline)."""
    from report import Row

    out = []
    for fig, ours, peer, _ratio, target in comparison(n_cases):
        if isinstance(ours, str):
            out.append(Row(f"peer: {fig}", None, "-", None, ours))
            continue
        higher = "rejected configs flagged" in fig
        out.append(Row(f"vs yaml-language-server: {fig}", float(ours), "count" if "flagged" in fig else "ms",
                       float(peer), "yaml-language-server 2.0 + our schema", target, lower_is_better=not higher))
    return out


def comparison(n_cases: int = 300) -> list[tuple]:
    """(figure, ours, peer, ratio, target) tuples."""
    if not ensure_peer():
        return [("peer: yaml-language-server", "unavailable (npm install failed)", "", "", "")]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        schema = root / "prune-lsp-v2.schema.json"
        schema.write_text(subprocess.run([sys.executable, "-m", "prune_lsp", "schema", "--dialect", "v2"],
                                         cwd=REPO, capture_output=True, text=True, check=True).stdout)
        ours, peer = start_ours(root), start_peer(root, schema)
        try:
            for lines, edits in ((100, 40), (10_000, 8)):
                text = v2_config(lines)
                a = latency(ours, root, text, edits, f"ours{lines}")
                b = latency(peer, root, text, edits, f"peer{lines}")
                out.append((f"didChange->diagnostics p50, {lines} lines", statistics.median(a),
                            statistics.median(b), None, None))
                out.append((f"didChange->diagnostics p95, {lines} lines", pct(a, 0.95), pct(b, 0.95), None,
                            30.0 if lines == 100 else 300.0))
            cases = load_cases(n_cases)
            if cases:
                fo = findings(ours, root, cases, any_severity=False)
                fp = findings(peer, root, cases, any_severity=True)
                out.append((f"INC-rejected configs flagged (of {fo['inc_rejects']})", fo["flagged_of_rejected"],
                            fp["flagged_of_rejected"], None, fo["inc_rejects"]))
                out.append((f"INC-accepted configs flagged (of {fo['inc_accepts']}; lower is better)",
                            fo["flagged_of_accepted"], fp["flagged_of_accepted"], None, 0))
        finally:
            ours.close()
            peer.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=300, help="mutated configs to compare (INC-judged)")
    args = ap.parse_args()
    print(f"{'figure':<58} {'prune-lsp':>10} {'yaml-ls':>10} {'target':>8}")
    for fig, ours, peer, _ratio, target in comparison(args.cases):
        f = (lambda x: f"{x:.1f}" if isinstance(x, float) else str(x))
        print(f"{fig:<58} {f(ours):>10} {f(peer):>10} {f(target) if target is not None else '':>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
