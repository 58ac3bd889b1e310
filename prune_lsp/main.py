"""`prune-lsp` entry point: dispatches to prune_lsp/<subcommand>.py, imported lazily so that
`prune-lsp check` never pays for torch, and `prune-lsp serve` never for the CLI's formatters."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from analysis import __version__

SUBCOMMANDS = {
    "check": ("prune_lsp.check", "check pruning configs (YAML, JSON, Python) and report every problem"),
    "layers": ("prune_lsp.layers", "list a model's layers and which pruner selects each"),
    "sparsity": ("prune_lsp.sparsity", "measure a model's sparsity: INC's three figures and per layer"),
    "schedule": ("prune_lsp.schedule", "INC's pruning schedule: each pruner's target sparsity at each mask update"),
    "watch": ("prune_lsp.watch", "follow a training run's checkpoints and compare their sparsity with the schedule"),
    "schema": ("prune_lsp.schema_cmd", "print the JSON Schema of a config dialect (for yaml-language-server)"),
    "migrate": ("prune_lsp.migrate", "rewrite a config as weight_compression_v2 YAML, a WeightPruningConfig(...) call "
                "or its JSON key set, keeping comments"),
    "serve": ("prune_lsp.serve", "start the language server (stdio by default)"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on bad arguments: the contract's "could not run"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, dict]:
    parser = _Parser(prog="prune-lsp", description="Linter, language server and sparsity meter for "
                     "Intel Neural Compressor pruning configs.")
    parser.add_argument("--version", action="version", version=f"prune-lsp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    modules = {}
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, (modname, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == wanted:  # only import the module of the subcommand being run
            try:
                mod = importlib.import_module(modname)
            except ImportError as exc:
                print(f"prune-lsp {name}: not available in this installation ({exc})", file=sys.stderr)
                raise SystemExit(2)
            mod.add_arguments(p)
            modules[name] = mod
    return parser, modules


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser(argv)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if args.command != "serve":
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        # An editor launching the server may add flags of its own: report them, keep serving.
        from lsp_server.launch_args import report_unknown

        report_unknown("prune-lsp serve", unknown)
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(modules[args.command].run(args) or 0)
    except KeyboardInterrupt:
        print("prune-lsp: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
