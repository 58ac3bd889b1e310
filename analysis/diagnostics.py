"""What the engine reports: diagnostics with a stable code, a range, related places and a fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

from .positions import Range

DOCS_URL = "https://github.com/prune-lsp/prune-lsp/blob/main/docs/rules.md"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"

    @property
    def rank(self) -> int:
        return _RANK[self.value]


_RANK = {"error": 1, "warning": 2, "information": 3, "hint": 4}


@dataclass(frozen=True)
class TextEdit:
    range: Range
    new_text: str

    def to_json(self) -> dict:
        return {"range": self.range.to_json(), "newText": self.new_text}


@dataclass(frozen=True)
class Fix:
    """A mechanical fix: applying all its edits makes the diagnostic go away."""

    title: str
    edits: tuple[TextEdit, ...]
    # Safe fixes are applied by source.fixAll; unsafe ones (a guess among several) only on request.
    safe: bool = True

    def to_json(self) -> dict:
        return {"title": self.title, "edits": [e.to_json() for e in self.edits], "safe": self.safe}


@dataclass(frozen=True)
class Related:
    range: Range
    message: str

    def to_json(self) -> dict:
        return {"range": self.range.to_json(), "message": self.message}


@dataclass
class Diagnostic:
    code: str
    severity: Severity
    message: str
    range: Range
    related: list[Related] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    @property
    def docs_url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}"

    def to_json(self, path: Optional[str] = None) -> dict:
        out = {
            "range": self.range.to_json(),
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
        }
        if path is not None:
            out = {"path": path, **out}
        if self.related:
            out["related"] = [r.to_json() for r in self.related]
        if self.fixes:
            out["fixes"] = [f.to_json() for f in self.fixes]
        return out

    def sort_key(self):
        # Plain ints, in Position's order (line, then character): sorting 40,000 findings compared
        # Positions through their dataclass __lt__, a Python call per comparison.
        s, e = self.range.start, self.range.end
        return (s.line, s.character, e.line, e.character, self.code)
