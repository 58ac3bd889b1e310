"""Document symbols: the global section and each pruner, named by what it prunes (analysis.symbols)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from .diagnostics import converter

if TYPE_CHECKING:  # pragma: no cover
    from analysis.symbols import Symbol

    from ..server import PruneLanguageServer

_KIND = {"namespace": types.SymbolKind.Namespace, "object": types.SymbolKind.Object}  # analysis.symbols.KIND_*


def _convert(s: "Symbol", conv) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=s.name, kind=_KIND.get(s.kind, types.SymbolKind.Property), range=conv.range(s.range),
        selection_range=conv.range(s.selection_range), detail=s.detail or None,
        children=[_convert(c, conv) for c in s.children] or None)


def _flat(s: "Symbol", conv, uri: str, container: Optional[str]) -> list[types.SymbolInformation]:
    out = [types.SymbolInformation(name=s.name, kind=_KIND.get(s.kind, types.SymbolKind.Property),
                                   location=types.Location(uri=uri, range=conv.range(s.range)),
                                   container_name=container)]
    for c in s.children:
        out.extend(_flat(c, conv, uri, s.name))
    return out


def register(server: "PruneLanguageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: "PruneLanguageServer", params: types.DocumentSymbolParams):
        uri = params.text_document.uri
        doc = ls.document(uri)
        result = ls.result_now(uri) if doc is not None else None
        if result is None or result.parsed is None:
            return None
        from analysis.symbols import document_symbols

        syms = document_symbols(result)
        conv = converter(ls, uri, result, doc.source)
        td = ls.client_capabilities.text_document
        hierarchical = bool(td and td.document_symbol and td.document_symbol.hierarchical_document_symbol_support)
        if hierarchical:
            return [_convert(s, conv) for s in syms]
        return [x for s in syms for x in _flat(s, conv, uri, None)]
