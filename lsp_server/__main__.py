"""`python -m lsp_server [--stdio | --tcp HOST:PORT]`: the language server on stdio (or TCP)."""

from .fast_start import main  # answers `initialize` while the server imports

if __name__ == "__main__":
    raise SystemExit(main())
