"""The command-line flags of the language server, shared by `python -m lsp_server` and
`prune-lsp serve`.

LSP clients add their own flags when they launch a server: vscode-languageclient appends
`--stdio` for the stdio transport (and `--clientProcessId=N` on some versions), other clients
`--tcp HOST:PORT`. A flag we do not know must not stop the server (the client would restart it
five times and give up), so unknown flags are reported on stderr and otherwise ignored.

Kept free of pygls imports: `python -m lsp_server` parses its flags before the server loads.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence


def add_launch_arguments(p: argparse.ArgumentParser) -> None:
    transport = p.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="speak LSP on stdin/stdout (the default)")
    transport.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (e.g. 127.0.0.1:2087) instead of stdio")
    p.add_argument("--clientProcessId", "--client-process-id", dest="client_process_id", metavar="PID",
                   help="the editor's process id (accepted for compatibility; LSP's initialize carries it too)")


def report_unknown(prog: str, unknown: Sequence[str]) -> None:
    if unknown:
        print(f"{prog}: ignoring unknown argument(s): {' '.join(unknown)}", file=sys.stderr)


def parse_launch_args(argv: Optional[Sequence[str]], prog: str = "python -m lsp_server") -> argparse.Namespace:
    """Parse the server's flags; unknown ones are reported, not fatal. Bad values of known flags
    (e.g. `--tcp` without a value) still exit 2, as argparse does."""
    p = argparse.ArgumentParser(prog=prog, description="The prune-lsp language server (stdio by default).")
    add_launch_arguments(p)
    args, unknown = p.parse_known_args(argv)
    report_unknown(prog, unknown)
    return args
