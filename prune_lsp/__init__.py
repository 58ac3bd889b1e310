"""The `prune-lsp` command line: one module per subcommand, imported only when used.

It sits above both `analysis` (the pure library) and `lsp_server` (the language server), so that
`analysis` never imports the server: `prune-lsp serve` is the one place the two meet.
"""
