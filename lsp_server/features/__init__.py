"""One module per LSP area; each exposes `register(server)`, which adds its handlers."""

MODULES = ("settings", "diagnostics", "completion", "hover", "code_actions", "symbols", "models", "commands",
           "code_lens", "load_progress", "watch_run")
