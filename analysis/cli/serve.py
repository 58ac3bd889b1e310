"""`prune-lsp serve [--tcp HOST:PORT]`: the language server, on stdio by default.

Only argument parsing lives here (analysis stays free of LSP imports at module level); the
server itself is lsp_server, imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP (e.g. 127.0.0.1:2087) instead of stdio")


def run(args: argparse.Namespace) -> int:
    if not args.tcp:  # stdio: answer `initialize` while the server imports (lsp_server/fast_start.py)
        try:
            from lsp_server.fast_start import serve_stdio
        except ImportError as exc:
            print(f"prune-lsp serve: the language server is not installed ({exc})", file=sys.stderr)
            return 2
        return serve_stdio()
    try:
        from lsp_server.server import parse_tcp, serve
    except ImportError as exc:
        print(f"prune-lsp serve: the language server is not installed ({exc}); install pygls", file=sys.stderr)
        return 2
    if args.tcp:
        try:
            parse_tcp(args.tcp)
        except ValueError as exc:
            print(f"prune-lsp serve: {exc}", file=sys.stderr)
            return 2
    try:
        return serve(args.tcp)
    except OSError as exc:  # e.g. the TCP port is taken
        print(f"prune-lsp serve: {exc.strerror or exc}", file=sys.stderr)
        return 2
