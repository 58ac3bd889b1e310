"""Code actions: each diagnostic's quick fixes (carried in its `data`), "disable CODE for this
line", and `source.fixAll` for every safe mechanical fix in the file. Edits are minimal (they
replace only what changes) and tied to the document version they were computed for."""

from __future__ import annotations

import asyncio

from typing import TYPE_CHECKING, Any, Optional

from lsprotocol import types

from analysis.diagnostics import Diagnostic

from .diagnostics import SOURCE, converter, engine_diagnostics

if TYPE_CHECKING:  # pragma: no cover
    from ..server import PruneLanguageServer

FIX_ALL_KIND = types.CodeActionKind.SourceFixAll
MIGRATE_KIND = types.CodeActionKind.RefactorRewrite
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND, f"{FIX_ALL_KIND.value}.prune-lsp",  # .value: f"{enum}" is its name
         MIGRATE_KIND]


def _wants(only: Optional[list], kind: str) -> bool:
    # `only: ["source.fixAll"]` asks for source.fixAll and its sub-kinds; `["quickfix"]` for quick fixes.
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def _edit(ls: "PruneLanguageServer", uri: str, version: Optional[int], edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    ws = ls.client_capabilities.workspace
    if ws and ws.workspace_edit and ws.workspace_edit.document_changes:
        # Versioned: a client applies it only to the text it was computed for.
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def _lsp_range(r: dict) -> types.Range:
    return types.Range(start=types.Position(line=r["start"]["line"], character=r["start"]["character"]),
                       end=types.Position(line=r["end"]["line"], character=r["end"]["character"]))


def _same(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character, a.end.line, a.end.character) == \
        (b.start.line, b.start.character, b.end.line, b.end.character)


def register(server: "PruneLanguageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=False))
    async def code_actions(ls: "PruneLanguageServer", params: types.CodeActionParams):
        uri = params.text_document.uri
        doc = ls.document(uri)
        if doc is None:
            return None
        result = ls.result_now(uri)
        if result is None or result.parsed is None:
            return None
        from analysis.fixes import suppression_fix

        conv = converter(ls, uri, result, doc.source)
        version = doc.version
        only = list(params.context.only) if params.context.only else None
        ours = [d for d in params.context.diagnostics if d.source == SOURCE or d.source is None]
        current = engine_diagnostics(ls, uri, result)
        actions: list[types.CodeAction] = []

        if _wants(only, types.CodeActionKind.QuickFix):
            for ld in ours:
                match = _match(current, ld, conv)
                fixes = _data_fixes(ld, version)
                if fixes is None and match is not None:  # a client that drops `data`
                    fixes = [(f.title, f.safe, [types.TextEdit(range=conv.range(e.range), new_text=e.new_text)
                                                for e in f.edits]) for f in match.fixes]
                for title, safe, edits in fixes or []:
                    actions.append(types.CodeAction(
                        title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[ld],
                        edit=_edit(ls, uri, version, edits), is_preferred=safe and len(fixes) == 1))
                if match is not None:
                    sup = suppression_fix(result.parsed, match)
                    if sup is not None:
                        edits = [types.TextEdit(range=conv.range(e.range), new_text=e.new_text) for e in sup.edits]
                        actions.append(types.CodeAction(title=sup.title, kind=types.CodeActionKind.QuickFix,
                                                        diagnostics=[ld], edit=_edit(ls, uri, version, edits)))

        if _wants(only, FIX_ALL_KIND):
            # Off the event loop (the server's check threads): a fixAll re-checks the text after each pass.
            st = ls.docs.get(uri)
            job = _fix_all_job(uri, doc.source, current, st.kind if st is not None else None,
                               ls.settings.disabled_rules, ls.model_index(uri), explicit=only is not None)
            edits = await asyncio.get_running_loop().run_in_executor(ls.check_pool, job)
            if edits:
                actions.append(types.CodeAction(
                    title="Fix all auto-fixable prune-lsp problems", kind=FIX_ALL_KIND,
                    edit=_edit(ls, uri, version, [types.TextEdit(range=conv.range(e.range), new_text=e.new_text)
                                                  for e in edits])))
        if _wants(only, MIGRATE_KIND) and st_kind(ls, uri) == "yaml" and \
                any(c.config.dialect.id in "CD" and not c.config.unrecognised for c in result.configs):
            action = await _migrate_action(ls, uri, version, doc.source)
            if action is not None:
                actions.append(action)
        return actions


def st_kind(ls: "PruneLanguageServer", uri: str) -> Optional[str]:
    st = ls.docs.get(uri)
    return st.kind if st is not None else None


_MIGRATED: dict = {}  # the last document migrated: {"key": (uri, version, ...), "text": str | None}


async def _migrate_action(ls: "PruneLanguageServer", uri: str, version: Optional[int], text: str) -> Optional[types.CodeAction]:
    """"Migrate to weight_compression_v2": the whole document as `prune-lsp migrate` writes it (only
    offered for C and D configs, so ruamel.yaml is loaded only when such a file is open)."""
    from analysis.fix_all import minimal_edits
    from analysis.migrate import MigrateError, migrate

    def job() -> Optional[str]:
        try:
            return migrate(text, "v2").text
        except MigrateError:
            return None

    key = (uri, version, len(text), hash(text))
    if _MIGRATED.get("key") != key:  # light-bulb requests repeat on every cursor move: migrate once per text
        migrated = await asyncio.get_running_loop().run_in_executor(ls.check_pool, job)
        _MIGRATED.update(key=key, text=migrated)
    migrated = _MIGRATED["text"]
    if migrated is None:
        return None
    conv = converter(ls, uri, ls.result_now(uri), text)
    edits = [types.TextEdit(range=conv.range(e.range), new_text=e.new_text) for e in minimal_edits(text, migrated)]
    return types.CodeAction(title="Migrate to weight_compression_v2", kind=MIGRATE_KIND,
                            edit=_edit(ls, uri, version, edits))


def _fix_all_job(uri: str, text: str, current: list[Diagnostic], kind: Optional[str], disabled, model,
                 explicit: bool):
    """source.fixAll: the same fixes as `check --fix` (analysis/fix_all.py), as minimal line edits; a
    function for a worker thread. Asked for explicitly (`only: [source.fixAll]`, e.g. on save): every
    pass to the fixed point, with structural fixes. Offered unasked beside quick fixes (a light-bulb
    request, on cursor moves): one pass of the text fixes the current check holds (re-checked once, so
    that no fix writes a key twice), and never ruamel.yaml."""
    from analysis.fix_all import fix_text, minimal_edits

    from ..documents import run_check

    def diagnose(t: str) -> list[Diagnostic]:
        return run_check(t, uri, kind, disabled, model).diagnostics

    def job() -> list:
        result = fix_text(text, diagnose, yaml=explicit and kind == "yaml", first=current,
                          max_passes=8 if explicit else 1)
        return minimal_edits(text, result.text)

    return job


def _data_fixes(ld: types.Diagnostic, version: Optional[int]) -> Optional[list[tuple[str, bool, list]]]:
    data: Any = ld.data
    if not isinstance(data, dict) or "fixes" not in data:
        return None
    if data.get("version") != version:
        return None  # a diagnostic of an older text: its edits would land in the wrong place
    out = []
    for f in data["fixes"]:
        try:
            edits = [types.TextEdit(range=_lsp_range(e["range"]), new_text=e["newText"]) for e in f["edits"]]
            out.append((str(f["title"]), bool(f.get("safe", True)), edits))
        except (KeyError, TypeError):
            continue
    return out


def _match(current: list[Diagnostic], ld: types.Diagnostic, conv) -> Optional[Diagnostic]:
    """The engine diagnostic behind a client's diagnostic (same code and range)."""
    for d in current:
        if d.code == ld.code and _same(conv.range(d.range), ld.range):
            return d
    for d in current:  # the client may have moved it with its edits; same code on the same line
        if d.code == ld.code and d.range.start.line == ld.range.start.line:
            return d
    return None
