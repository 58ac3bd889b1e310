"""INC's `pattern` grammar, read exactly as check_config and get_pattern read it (spec 1.3, 2.2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

Dim = Union[int, str]  # an int, or "channel"


@dataclass
class Pattern:
    raw: str
    name: str  # after split("_")[-1]
    kind: str  # "nxm", "nm", "mha", "unknown"
    n: Optional[Dim] = None
    m: Optional[Dim] = None
    # (spec row, message) for each way INC rejects it: check_config (cfg) or get_pattern (run)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def block(self) -> Optional[tuple[Dim, Dim]]:
        return (self.n, self.m) if self.kind == "nxm" and not self.problems else None

    @property
    def nm(self) -> Optional[tuple[int, int]]:
        if self.kind == "nm" and not self.problems:
            return int(self.n), int(self.m)  # type: ignore[arg-type]
        return None


def parse_pattern(raw: str) -> Pattern:
    name = raw.split("_")[-1]
    p = Pattern(raw, name, "unknown")
    # check_config #9: tests "x" in the WHOLE string, then splits the last "_" segment
    if "x" in raw:
        parts = name.split("x")
        if len(parts) >= 2 and (parts[0] == "channel" or parts[1] == "channel"):
            p.n = parts[0] if parts[0] == "channel" else _int(parts[0])
            p.m = parts[1] if parts[1] == "channel" else _int(parts[1])
            if p.n is None or p.m is None:
                p.problems.append(("R7", "N or M can't convert to int"))
        else:
            try:
                n, m = int(parts[0]), int(parts[1])
                p.n, p.m = n, m
                if n <= 0:
                    p.problems.append(("R8", "N should be greater than 0"))
                if m <= 0:
                    p.problems.append(("R8", "M should be greater than 0"))
            except (ValueError, IndexError):
                p.problems.append(("R7", "N or M can't convert to int"))
    # check_config #10
    if ":" in raw:
        parts = name.split(":")
        try:
            n, m = int(parts[0]), int(parts[1])
            if p.kind == "unknown":
                p.n, p.m = n, m
            if n <= 0:
                p.problems.append(("R9", "N should be greater than 0"))
            if m <= n:
                p.problems.append(("R9", "M should be greater than N"))
        except (ValueError, IndexError):
            p.problems.append(("R9", "N or M can't convert to int"))
    # get_pattern, at pruner creation
    if "x" in name:
        p.kind = "nxm"
        if p.n == "channel" and p.m == "channel":
            p.problems.append(("R16", "invalid literal for int() with base 10: 'channel'"))
    elif ":" in name:
        p.kind = "nm"
    elif "mha" in name:
        p.kind = "mha"
    else:
        p.problems.append(("R15", "currently only support dict_keys(['ptMHA', 'ptN:M', 'ptNxM', 'kerasNxM'])"))
    return p


def _int(s: str) -> Optional[int]:
    try:
        return int(s)
    except ValueError:
        return None
