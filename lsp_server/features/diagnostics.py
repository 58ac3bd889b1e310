"""Diagnostics: pushed on open and save at once, on change after `debounceMs`; pulled
(`textDocument/diagnostic`) where the client supports it; cleared on close."""

from __future__ import annotations

import asyncio
import shlex
from collections import Counter
from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from analysis.diagnostics import Diagnostic, Severity
from analysis.positions import LineIndex

from ..convert import Converter
from ..documents import fs_path

if TYPE_CHECKING:  # pragma: no cover
    from analysis.engine import CheckResult

    from ..server import PruneLanguageServer

SOURCE = "prune-lsp"
SERVER_CANCELLED = -32802  # LSP 3.17 ServerCancelled (pygls has no class for it)
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


_PULL_ATTEMPTS = 3


def server_cancelled() -> Exception:
    from pygls.exceptions import JsonRpcException

    return JsonRpcException("the document kept changing while it was being checked", code=SERVER_CANCELLED,
                            data={"retriggerRequest": True})


def converter(ls: "PruneLanguageServer", uri: str, result: "Optional[CheckResult]", text: str) -> Converter:
    doc = ls.document(uri)
    codec = doc.position_codec if doc is not None else ls.workspace.position_codec
    lines = result.lines if result is not None else None
    if lines is None or lines.text != text:
        lines = LineIndex(text)
    return Converter(codec, lines)


def _range_json(r: types.Range) -> dict:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}


def to_lsp(d: Diagnostic, conv: Converter, uri: str, version: Optional[int]) -> types.Diagnostic:
    out = types.Diagnostic(
        range=conv.range(d.range), message=d.message, severity=_SEVERITY[d.severity], code=d.code,
        source=SOURCE, code_description=types.CodeDescription(href=d.docs_url))
    if d.related:
        out.related_information = [
            types.DiagnosticRelatedInformation(location=types.Location(uri=uri, range=conv.range(r.range)),
                                               message=r.message) for r in d.related]
    # The fixes travel with the diagnostic (in client units, for this version), so a code
    # action needs no new check.
    out.data = {"version": version, "fixes": [
        {"title": f.title, "safe": f.safe,
         "edits": [{"range": _range_json(conv.range(e.range)), "newText": e.new_text} for e in f.edits]}
        for f in d.fixes]}
    return out


def to_lsp_json(d: Diagnostic, conv: Converter, uri: str, version: Optional[int]) -> dict:
    """to_lsp's diagnostic as the JSON the client receives, built directly: pushing 40,000 findings through
    lsprotocol objects and cattrs took seconds (tests/lsp/test_publish_json.py holds the two equal)."""
    out = {"range": _range_json(conv.range(d.range)), "message": d.message, "severity": _SEVERITY[d.severity].value,
           "code": d.code, "source": SOURCE, "codeDescription": {"href": d.docs_url}}
    if d.related:
        out["relatedInformation"] = [{"location": {"uri": uri, "range": _range_json(conv.range(r.range))},
                                      "message": r.message} for r in d.related]
    out["data"] = {"version": version, "fixes": [
        {"title": f.title, "safe": f.safe,
         "edits": [{"range": _range_json(conv.range(e.range)), "newText": e.new_text} for e in f.edits]}
        for f in d.fixes]}
    return out


def engine_diagnostics(ls: "PruneLanguageServer", uri: str, result: "CheckResult") -> list[Diagnostic]:
    """The check's diagnostics plus the model's (PL070), in document order."""
    extra = ls.models.diagnostics(uri, result)
    if not extra:
        return result.diagnostics
    return sorted(result.diagnostics + extra, key=Diagnostic.sort_key)


# At most this many findings per document go to the editor (pushed or pulled). A generated config can
# hold 40,000 findings: 16 MB of JSON that took seconds to build and send, and more than anyone reads
# in a problems list. Beyond it, one more diagnostic says how many were left out and how to see them
# all; code actions and fixAll still work from every finding (engine_diagnostics).
PUBLISH_LIMIT = 1000


def published(diags: list[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(shown, left out): all of `diags` up to PUBLISH_LIMIT, else the most severe first and, within a
    severity, each code in turn (every kind of problem keeps a share), shown in document order.

    The order is that of sorting by (severity, the finding's rank among its code's, position),
    computed per severity without sorting 40,000 findings."""
    if len(diags) <= PUBLISH_LIMIT:
        return diags, []
    groups: dict[tuple, list[int]] = {}  # (severity, code) -> positions in diags, in order
    for i, d in enumerate(diags):
        groups.setdefault((d.severity, d.code), []).append(i)
    by_rank: dict[int, dict[str, list[int]]] = {}
    for (sev, code), ix in groups.items():
        by_rank.setdefault(sev.rank, {})[code] = ix
    shown: list[int] = []
    left = PUBLISH_LIMIT
    for rank in sorted(by_rank):
        codes = by_rank[rank]
        total = sum(len(ix) for ix in codes.values())
        if total <= left:
            for ix in codes.values():
                shown.extend(ix)
            left -= total
            continue
        # the first t of every code (t as large as fits), then the (t+1)-th ones in document order
        t = 0
        while sum(min(len(ix), t + 1) for ix in codes.values()) <= left:
            t += 1
        for ix in codes.values():
            shown.extend(ix[:t])
        left -= sum(min(len(ix), t) for ix in codes.values())
        shown.extend(sorted(ix[t] for ix in codes.values() if len(ix) > t)[:left])
        break
    keep = set(shown)
    return [diags[i] for i in sorted(shown)], [d for i, d in enumerate(diags) if i not in keep]


def left_out_message(uri: str, total: int, left_out: list[Diagnostic]) -> str:
    counts = Counter(d.code for d in left_out)
    first = {}  # code -> the severity of its first finding left out
    for d in left_out:
        if d.code not in first:
            first[d.code] = d.severity
            if len(first) == len(counts):
                break
    kinds = ", ".join(f"{code} x{n:,} ({first[code].value})" for code, n in sorted(counts.items()))
    path = fs_path(uri)
    target = shlex.quote(path) if path else "FILE"
    return (f"prune-lsp shows {total - len(left_out):,} of the {total:,} findings in this file (the most severe "
            f"first); {len(left_out):,} more are not shown: {kinds}. `prune-lsp check --show-all {target}` "
            "(or --format json) lists every one")


def _left_out_json(uri: str, total: int, left_out: list[Diagnostic], version: Optional[int]) -> dict:
    """The diagnostic that stands for the findings left out: at the file's start, information, no code."""
    return {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "message": left_out_message(uri, total, left_out),
            "severity": types.DiagnosticSeverity.Information.value, "source": SOURCE,
            "data": {"version": version, "fixes": []}}


def lsp_diagnostics(ls: "PruneLanguageServer", uri: str, result: "Optional[CheckResult]",
                    version: Optional[int]) -> list[types.Diagnostic]:
    if result is None:
        return []
    diags = engine_diagnostics(ls, uri, result)
    if not diags:
        return []
    doc = ls.document(uri)
    text = result.text if result.text is not None else (doc.source if doc else "")
    conv = converter(ls, uri, result, text)
    shown, left_out = published(diags)
    out = [to_lsp(d, conv, uri, version) for d in shown]
    if left_out:
        out.insert(0, types.Diagnostic(
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            message=left_out_message(uri, len(diags), left_out), severity=types.DiagnosticSeverity.Information,
            source=SOURCE, data={"version": version, "fixes": []}))
    return out


def lsp_diagnostics_json(ls: "PruneLanguageServer", uri: str, result: "Optional[CheckResult]",
                         version: Optional[int]) -> list[dict]:
    """lsp_diagnostics as JSON-ready dicts, for the push path."""
    if result is None:
        return []
    diags = engine_diagnostics(ls, uri, result)
    if not diags:
        return []
    doc = ls.document(uri)
    text = result.text if result.text is not None else (doc.source if doc else "")
    conv = converter(ls, uri, result, text)
    shown, left_out = published(diags)
    from analysis.gc_pause import gc_paused

    with gc_paused():  # thousands of small dicts beside a big tree: the collector would walk it all
        out = [to_lsp_json(d, conv, uri, version) for d in shown]
    if left_out:
        out.insert(0, _left_out_json(uri, len(diags), left_out, version))
    return out


def register(server: "PruneLanguageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: "PruneLanguageServer", params: types.DidOpenTextDocumentParams) -> None:
        td = params.text_document
        ls.open_document(td.uri, td.language_id)
        ls.schedule_check(td.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: "PruneLanguageServer", params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri not in ls.docs:
            return
        ls.schedule_check(uri, ls.settings.debounce_ms / 1000.0)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: "PruneLanguageServer", params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule_check(params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: "PruneLanguageServer", params: types.DidCloseTextDocumentParams) -> None:
        ls.close_document(params.text_document.uri)
        ls.models.forget(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                    types.DiagnosticOptions(identifier=SOURCE, inter_file_dependencies=False,
                                            workspace_diagnostics=False))
    async def pull(ls: "PruneLanguageServer", params: types.DocumentDiagnosticParams):
        uri = params.text_document.uri
        await ls.wait_config()
        doc, st = ls.document(uri), ls.state(uri)
        if doc is None or st is None:
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        version, gen = doc.version, ls.gen
        for _ in range(_PULL_ATTEMPTS):
            if st.fresh(version, gen):
                break
            # Off the event loop: a 10,000-line file must not stall other requests.
            from ..documents import run_check

            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(ls.check_pool, run_check, doc.source, uri, st.kind,
                                                ls.settings.disabled_rules, ls.model_index(uri))
            now = ls.document(uri)
            if now is None or ls.state(uri) is not st:
                return types.RelatedFullDocumentDiagnosticReport(items=[])  # closed meanwhile
            if now.version == version and ls.gen == gen:
                st.result, st.result_version, st.result_gen = result, version, gen
                ls.prepare_when_idle(uri, result)
                break
            # The text changed while we checked: that answer is stale. A pull is about the document
            # as it is now, so check the new text (typing pauses soon; a few tries are enough).
            doc, version, gen = now, now.version, ls.gen
        else:
            # Still changing: LSP's "server cancelled, ask again" (the client re-pulls quietly; an
            # error answer would be shown, and ContentModified clears the editor's squiggles).
            raise server_cancelled()
        result_id = f"{version}.{gen[0]}.{gen[1]}"
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        items = lsp_diagnostics(ls, uri, st.result, version)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)
