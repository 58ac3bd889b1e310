"""prune-lsp's pure analysis library: INC pruning configs read with positions, checked by rules.

Nothing here imports an LSP library, torch or tensorflow at module level: the language server
imports this package on its start-up path.
"""

__version__ = "0.1.0"
