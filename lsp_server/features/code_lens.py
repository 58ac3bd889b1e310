"""Code lenses: per pruner, what it selects in the config's model ("selects 48 layers, 21.2M
weights", by INC's own selection: analysis.layer_hints), on the pruner entry's first line; beside
them the sparsity lenses of lsp_server.features.commands ("measure sparsity", "now 43.1% of 90%").

The selection lenses need the model's index: while it loads there are none, and the client is
asked to refresh its lenses (`workspace/codeLens/refresh`) once it is there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from lsprotocol import types

from analysis.positions import Range

from .diagnostics import converter

if TYPE_CHECKING:  # pragma: no cover
    from analysis.engine import CheckResult

    from ..server import PruneLanguageServer

# Clicking a selection lens lists the pruner's layers (a lens without a command is an error in
# Neovim's codelens.run()).
SHOW_SELECTION = "prune-lsp.showSelection"


def _entry_anchor(result: "CheckResult", checked: Any, ep: Any) -> Optional[Range]:
    """The pruner entry's first line; for the one pruner built from the global keys, the
    container key (`weight_compression_v2:`, `WeightPruningConfig`)."""
    lines = result.parsed.lines
    if ep.entry is not None:
        n = ep.entry.node
        return lines.range(n.start, n.start)
    doc = checked.config
    node = doc.container.key if doc.container is not None else (doc.root.pairs[0].key if doc.root.pairs else None)
    return lines.range(node.start, node.end) if node is not None else None


def selection_lenses(ls: "PruneLanguageServer", uri: str, result: "CheckResult", conv: Any) -> list[types.CodeLens]:
    from analysis.layer_hints import SELECTION_DIALECTS, pruner_lens_title

    index = ls.models.index_for(uri)  # None while loading (never waits)
    if index is None:
        return []
    out = []
    for checked in result.configs:
        if checked.config.dialect.id not in SELECTION_DIALECTS or checked.config.unrecognised:
            continue
        for ep in checked.pruners:
            where = _entry_anchor(result, checked, ep)
            if where is None:
                continue
            title = pruner_lens_title(ep, index)
            out.append(types.CodeLens(range=conv.range(where), command=types.Command(
                title=title, command=SHOW_SELECTION, arguments=[{"uri": uri, "pruner": ep.index}])))
    return out


def refresh_lenses(ls: "PruneLanguageServer") -> None:
    ws = ls.client_capabilities.workspace
    if ws and ws.code_lens and ws.code_lens.refresh_support:
        fut = ls.workspace_code_lens_refresh(None)
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())  # no unretrieved error


def register(server: "PruneLanguageServer") -> None:
    from . import commands

    server.models.on_loaded.append(lambda entry: refresh_lenses(server))

    @server.command(SHOW_SELECTION)
    def show_selection(ls, *args: Any) -> dict:  # no annotation on ls: pygls resolves the hints
        """The layers one pruner selects (INC's selection), shown to the user and returned."""
        from pygls.exceptions import JsonRpcInvalidParams

        from analysis.layer_hints import pruner_selection

        opts = args[0] if args else None
        if not isinstance(opts, dict) or not isinstance(opts.get("uri"), str):
            raise JsonRpcInvalidParams(f'{SHOW_SELECTION} wants [{{"uri": CONFIG_URI, "pruner": INDEX}}]')
        uri, which = opts["uri"], opts.get("pruner")
        result, index = ls.result_now(uri), ls.models.index_for(uri)
        if result is None or index is None:
            return {"layers": [], "message": "the config or its model is not loaded yet"}
        for checked in result.configs:
            for ep in checked.pruners:
                if ep.index == which:
                    sel = pruner_selection(ep, index)
                    names = sel.names if sel is not None else []
                    shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
                    ls.window_show_message(types.ShowMessageParams(
                        type=types.MessageType.Info, message=f"{ep.label()} selects {len(names)} layer(s): {shown}"))
                    return {"layers": names}
        raise JsonRpcInvalidParams(f"no pruner {which!r} in {uri}")

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls: "PruneLanguageServer", params: types.CodeLensParams):
        uri = params.text_document.uri
        doc = ls.document(uri)
        if doc is None:
            return None
        result = ls.result_now(uri)
        if result is None or not result.configs or ls.models.current_ref(uri) is None:
            return None
        conv = converter(ls, uri, result, doc.source)
        return selection_lenses(ls, uri, result, conv) + commands.sparsity_lenses(ls, uri, result, conv)
