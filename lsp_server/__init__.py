"""The prune-lsp language server: thin pygls 2.x adapters from LSP to `analysis`.

Start it with `prune-lsp serve [--tcp HOST:PORT]` or `python -m lsp_server`. Each LSP area lives
in a small module of lsp_server.features; lsp_server.server holds the server class that wires them.
No torch or tensorflow import here: a model is read (off the event loop) only when a config names one.
"""
