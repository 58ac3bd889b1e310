"""Hover: key docs, value meanings, effective per-pruner values and, once the config's model is
loaded, what each `op_names` entry selects in it (analysis.hover, analysis.layer_hints)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .diagnostics import converter

if TYPE_CHECKING:  # pragma: no cover
    from ..server import PruneLanguageServer


def register(server: "PruneLanguageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: "PruneLanguageServer", params: types.HoverParams) -> Optional[types.Hover]:
        uri = params.text_document.uri
        doc = ls.document(uri)
        if doc is None:
            return None
        result = ls.result_now(uri)
        if result is None or result.parsed is None or not result.configs:
            return None
        from analysis.hover import hover as engine_hover

        conv = converter(ls, uri, result, doc.source)
        index = ls.models.index_for(uri) if result.is_pruning_config else None  # never waits for a load
        info = engine_hover(result, conv.to_engine(params.position), index)
        if info is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=info.markdown),
                           range=conv.range(info.range))
