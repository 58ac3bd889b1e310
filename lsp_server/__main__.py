"""`python -m lsp_server [--tcp HOST:PORT]`: the language server on stdio (or TCP)."""

from .server import main

if __name__ == "__main__":
    raise SystemExit(main())
