"""`python -m prune_lsp ...`: the same as the `prune-lsp` console script."""

from .main import main

if __name__ == "__main__":
    raise SystemExit(main())
