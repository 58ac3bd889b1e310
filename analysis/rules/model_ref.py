"""PL070: the model a config names cannot be read.

Reported by the language server (and any caller that resolves a config's model through
analysis.model_ref and loads it with analysis.models), not by a check over the config text: the
engine never touches model files, so that a keystroke never waits for a model load.
"""

from __future__ import annotations

from .registry import WARNING, rule

MODEL_UNREADABLE = rule(
    "PL070", "model-unreadable", WARNING, "The model the config names cannot be read",
    needs_model=True, dialects="ABCDE",
    explanation="The model named by the `# prune-lsp: model=PATH` modeline (relative to the config's folder) or by "
    "the `pruneLsp.models` setting could not be indexed: the path is missing, the file is truncated or in a format "
    "prune-lsp does not read, or it needs code execution (a Python factory or a full pickle) that the "
    "`allowCodeExecution` setting does not allow. Layer-name completion and the model checks are off until it "
    "can be read; the config itself is still checked.")


def unreadable_message(ref, reason: str) -> str:
    """PL070's message, the same from the CLI and the language server: which model, who named it
    (when not the modeline under the diagnostic), and why it cannot be read. `ref` is an
    analysis.model_ref.ModelRef."""
    where = {"settings": f" (named by the pruneLsp.models setting {ref.pattern!r})",
             "cli": " (given by --model)"}.get(ref.source, "")
    return f"cannot read the model {ref.written}{where}: {reason}"
