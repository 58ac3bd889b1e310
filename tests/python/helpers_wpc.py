"""Shared helpers of the Python-config tests."""

from __future__ import annotations

from analysis.diagnostics import Diagnostic
from analysis.positions import LineIndex


def span_text(text: str, d: Diagnostic) -> str:
    """The exact source text a diagnostic's range covers."""
    lines = LineIndex(text)
    return text[lines.offset(d.range.start):lines.offset(d.range.end)]


def apply_fix(text: str, fix) -> str:
    lines = LineIndex(text)
    edits = sorted(fix.edits, key=lambda e: lines.offset(e.range.start), reverse=True)
    for e in edits:
        text = text[:lines.offset(e.range.start)] + e.new_text + text[lines.offset(e.range.end):]
    return text


def codes(diags) -> list[str]:
    return [d.code for d in diags]
