"""`prune-lsp schema [--dialect v2|pytorch|1.x|weightpruningconfig]`: print a JSON Schema."""

from __future__ import annotations

import argparse
import json
import sys

from analysis.json_schema import CHOICES, dialect_json_schema


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dialect", choices=sorted(CHOICES), default="v2",
                   help="v2 = weight_compression_v2 (INC 2.x YAML), pytorch = weight_compression_pytorch, "
                        "1.x = weight_compression, weightpruningconfig = WeightPruningConfig keys in YAML/JSON")


def run(args: argparse.Namespace) -> int:
    json.dump(dialect_json_schema(args.dialect), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
