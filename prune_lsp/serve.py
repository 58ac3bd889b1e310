"""`prune-lsp serve [--stdio | --tcp HOST:PORT]`: the language server, on stdio by default.

The flags are lsp_server's own (lsp_server/launch_args.py), so that `prune-lsp serve` and
`python -m lsp_server` accept the same launch flags editors add; unknown ones are reported by
main.py and ignored.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    from lsp_server.launch_args import add_launch_arguments

    add_launch_arguments(p)


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
