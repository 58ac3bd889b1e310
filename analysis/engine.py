"""The linting engine: text in, diagnostics out. Pure, synchronous and fast enough per keystroke.

    result = check_text(text, path="prune.yaml")
    result.diagnostics  # sorted, suppressions applied
    result.configs      # the pruning config found in each YAML document, with effective pruners
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Iterable, Optional

from . import rules as _rules  # noqa: F401  (registers every rule)
from .comments import Directives, parse_directives
from .config_doc import ConfigDoc, detect
from .diagnostics import Diagnostic, Severity
from .gc_pause import gc_paused
from .merge import EffectivePruner, effective_pruners
from .positions import LineIndex, Range
from .rules.context import RuleContext
from .rules.registry import RULES, checks_for
from .rules.structure import INTERNAL_ERROR, SYNTAX_ERROR, NOT_CHECKED, MODELINE_NO_CONFIG
from .yaml_parse import ParsedText, parse_text

log = logging.getLogger(__name__)

# A text this long may be a generated config that repeats one pruner thousands of times: checked once
# per kind of pruner (repeated_pruners.py). Below it a whole check takes a few tens of milliseconds.
REPEATED_MIN_CHARS = 20_000
# Cheap markers: a file that mentions none of these is not a pruning config, whatever else it is.
_MARKERS = ("pruning", "weight_compression", "target_sparsity", "pruning_type", "prune-lsp:")


@dataclass(frozen=True)
class CheckSettings:
    disabled_rules: frozenset[str] = frozenset()


@dataclass
class CheckedConfig:
    config: ConfigDoc
    pruners: list[EffectivePruner]


@dataclass
class CheckResult:
    parsed: Optional[ParsedText]
    directives: Directives
    configs: list[CheckedConfig] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def is_pruning_config(self) -> bool:
        return bool(self.configs) or self.directives.model is not None

    @property
    def text(self) -> Optional[str]:
        """The text that was checked (None when it was not parsed: binary, too large)."""
        return self.parsed.text if self.parsed is not None else None

    @property
    def lines(self) -> Optional[LineIndex]:
        """Line starts of `text`, for positions (publishing diagnostics needs no more than this)."""
        return self.parsed.lines if self.parsed is not None else None

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


class DeferredResult(CheckResult):
    """A check result whose diagnostics are final and whose parsed text and configs are made on first
    use (a language server feature, `sparsity --config`): repeated_pruners.py finds the diagnostics
    without parsing the whole text, which these need."""

    def __init__(self, text: str, directives: Directives, diagnostics: list[Diagnostic]):
        self._text = text
        self._full: Optional[tuple[ParsedText, list[CheckedConfig]]] = None
        self._lock = threading.Lock()  # the server prepares it in a worker while a request may ask
        self._lines: Optional[LineIndex] = None
        self.directives = directives
        self.diagnostics = diagnostics

    def prepare(self) -> None:
        """Parse the whole text now (the server calls it in a worker once the diagnostics are out)."""
        self._load()

    @property
    def parsed(self) -> ParsedText:  # type: ignore[override]
        return self._load()[0]

    @property
    def configs(self) -> list[CheckedConfig]:  # type: ignore[override]
        return self._load()[1]

    @property
    def is_pruning_config(self) -> bool:
        return True  # the reduced text held a config

    @property
    def text(self) -> str:
        return self._text

    @property
    def lines(self) -> LineIndex:
        """Without parsing the whole text: publishing the diagnostics needs only this."""
        with self._lock:
            if self._full is not None:
                return self._full[0].lines
            if self._lines is None:
                self._lines = LineIndex(self._text)
            return self._lines

    def _load(self) -> tuple[ParsedText, list[CheckedConfig]]:
        with self._lock:
            if self._full is not None:
                return self._full
            with gc_paused():
                parsed = parse_text(self._text)
                configs = [c for c in (detect(doc) for doc in parsed.documents) if c is not None]
                self._full = (parsed, [CheckedConfig(c, effective_pruners(c) if c.unrecognised is None else [])
                                       for c in configs])
        return self._full


def looks_like_pruning_config(text: str) -> bool:
    return any(m in text for m in _MARKERS)


def syntax_matters(text: str, configs: list) -> bool:
    """Whether a syntax error is worth reporting: the file holds a config, or names the containers
    of one (a config too broken to detect)."""
    return bool(configs) or any(m in text for m in ("weight_compression", "pruning_configs", "WeightPruningConfig"))


def check_text(text: str, path: Optional[str] = None, settings: Optional[CheckSettings] = None,
               model: Optional[object] = None, *, by_kind: bool = True) -> CheckResult:
    """Check a YAML or JSON text (any dialect); a text with no pruning config gets no diagnostics.

    `by_kind=False` checks every pruner as written, never through repeated_pruners.py (whose result is
    the same: tests/engine/test_repeated_pruners.py compares the two)."""
    if not looks_like_pruning_config(text):
        return CheckResult(None, Directives())
    with gc_paused():  # see gc_pause.py: halves a large check inside a long-lived process
        if by_kind and model is None and len(text) >= REPEATED_MIN_CHARS:
            from .repeated_pruners import check_repeated

            try:
                fast = check_repeated(text, path, settings)
            except Exception:  # a bug there must not cost the user the check: the whole text is checked
                log.exception("checking repeated pruners by kind failed; checking every pruner")
                fast = None
            if fast is not None:
                return fast
        return _check_text(text, path, settings, model)


def _check_text(text: str, path: Optional[str], settings: Optional[CheckSettings],
                model: Optional[object]) -> CheckResult:
    parsed = parse_text(text)
    configs = [c for c in (detect(doc) for doc in parsed.documents) if c is not None]
    return check_configs(parsed, configs, settings, report_syntax=syntax_matters(text, configs), model=model)


def check_configs(parsed: ParsedText, configs: list[ConfigDoc], settings: Optional[CheckSettings] = None,
                  *, report_syntax: bool = True, model: Optional[object] = None) -> CheckResult:
    """Run every rule on configs already found in `parsed` (YAML documents, or Python calls turned
    into the same positioned nodes), then apply suppressions and settings.

    `model`: the analysis.models.LayerIndex of the model the config prunes, already loaded by the
    caller (the engine never reads model files: a keystroke must not wait for one). With it, the
    model rules (rules/model_checks.py) run too."""
    with gc_paused():
        return _check_configs(parsed, configs, settings, report_syntax, model)


def _check_configs(parsed: ParsedText, configs: list[ConfigDoc], settings: Optional[CheckSettings],
                   report_syntax: bool, model: Optional[object]) -> CheckResult:
    directives = parse_directives(parsed.lines)  # reads only the comments that can be directives
    result = CheckResult(parsed, directives)
    result.diagnostics = filter_findings(collect_findings(result, configs, report_syntax, model), directives,
                                         settings or CheckSettings())
    return result


def collect_findings(result: CheckResult, configs: list[ConfigDoc], report_syntax: bool,
                     model: Optional[object]) -> list[Diagnostic]:
    """Every finding of every rule on `configs` (filling `result.configs`), before suppressions and
    settings: repeated_pruners.py maps these from a reduced text to the text's own lines first."""
    parsed, directives = result.parsed, result.directives
    diags: list[Diagnostic] = []
    for found in configs:
        pruners = effective_pruners(found) if found.unrecognised is None else []
        result.configs.append(CheckedConfig(found, pruners))
        diags.extend(_run_checks(parsed, found, pruners, model))
    for p in parsed.problems:
        # A file we could not read at all (too large, too deep, an alias bomb) may well be a config:
        # say so. A syntax error only matters in a file that is (or names itself) a pruning config.
        if p.kind == "syntax" and not (report_syntax or result.is_pruning_config):
            continue
        code = SYNTAX_ERROR.code if p.kind == "syntax" else NOT_CHECKED.code
        # PL056 is an error like the rule says: a file too large to check was a warning, so a folder holding
        # one passed `check` (exit 0) where a binary file failed it.
        diags.append(Diagnostic(code, Severity.ERROR, p.message, p.range))
    if directives.model is not None and not result.configs and not parsed.problems:
        diags.append(Diagnostic(MODELINE_NO_CONFIG.code, MODELINE_NO_CONFIG.severity,
                                "this file names a model but holds no pruning config prune-lsp recognises",
                                directives.model_range or Range.point(0, 0)))
    return diags


def _run_checks(parsed: ParsedText, doc: ConfigDoc, pruners: list[EffectivePruner],
                model: Optional[object] = None) -> list[Diagnostic]:
    ctx = RuleContext(parsed, doc, pruners, model=model)
    for fn in checks_for(doc.dialect.id):
        try:
            fn(ctx)
        except Exception as exc:  # a bug in one check must not hide the others
            log.exception("check %s failed", fn.__name__)
            ctx.report(INTERNAL_ERROR.code, Range.point(0, 0),
                       f"prune-lsp internal error in check {fn.__name__}: {type(exc).__name__}: {exc}")
        ctx.settle()
    return ctx.diagnostics


def filter_findings(diags: Iterable[Diagnostic], directives: Directives, settings: CheckSettings) -> list[Diagnostic]:
    """Drop what settings and `# prune-lsp: disable` comments turn off; sort by position."""
    disabled = settings.disabled_rules
    # The per-finding tests only when something can drop a finding (a 2 MB config has 40,000).
    if disabled or directives.disabled_file or directives.disabled_lines:
        out = []
        for d in diags:
            if d.code in disabled or RULES.get(d.code) and RULES[d.code].name in disabled:
                continue
            if directives.suppressed(d.code, d.range.start.line):
                continue
            out.append(d)
    else:
        out = list(diags)
    out.sort(key=Diagnostic.sort_key)
    return out
