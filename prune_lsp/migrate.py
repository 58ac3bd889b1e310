"""`prune-lsp migrate FILE [--to v2|python|json] [-o OUT] [--steps-per-epoch N]`

Writes the migrated config to OUT (stdout without -o) and each difference INC would make that has
no exact equivalent to stderr (they are in the output as `# migrate:` comments too, except JSON).
Exit status: 0 migrated, 1 the config cannot be migrated (the reason on stderr), 2 bad arguments or
an unreadable FILE.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a pruning config (YAML, or a JSON key set)")
    p.add_argument("--to", choices=("v2", "python", "json"), default="v2",
                   help="weight_compression_v2 YAML (from C/D), a WeightPruningConfig(...) call, or its JSON keys")
    p.add_argument("-o", "--output", metavar="OUT", help="write here instead of stdout")
    p.add_argument("--steps-per-epoch", type=int, metavar="N",
                   help="1.x configs count epochs: steps = epochs x N (default 1, said in a note)")


def run(args: argparse.Namespace) -> int:
    from analysis.files import ReadError, read_text
    from analysis.migrate import MigrateError, migrate

    if args.steps_per_epoch is not None and args.steps_per_epoch < 1:
        print("prune-lsp migrate: --steps-per-epoch must be at least 1", file=sys.stderr)
        return 2
    if Path(args.file).suffix == ".py":
        print(f"prune-lsp migrate: {args.file}: a Python file holds WeightPruningConfig(...) calls already (the "
              "current API); migrate reads YAML configs and JSON key sets", file=sys.stderr)
        return 1
    try:
        text = read_text(Path(args.file))
    except ReadError as exc:
        print(f"prune-lsp migrate: {args.file}: {exc}", file=sys.stderr)
        return 2
    try:
        result = migrate(text, args.to, steps_per_epoch=args.steps_per_epoch)
    except MigrateError as exc:
        print(f"prune-lsp migrate: {args.file}: {exc}", file=sys.stderr)
        return 1
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as f:
                f.write(result.text)
        except OSError as exc:  # a folder, a missing folder, no permission: said in one line
            print(f"prune-lsp migrate: -o {args.output}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(result.text)
        sys.stdout.flush()
    for n in result.notes:
        print(f"{args.file}: note: {n}", file=sys.stderr)
    return 0
