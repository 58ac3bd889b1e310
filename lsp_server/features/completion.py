"""Completion: keys, values, a new pruner entry (a snippet where the client takes snippets) and
layer names of the config's model (when its index is loaded), from analysis.completion; in Python
files, inside `WeightPruningConfig(...)` calls, from analysis.python_completion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from analysis.positions import LineIndex, Position, Range

from ..convert import Converter

if TYPE_CHECKING:  # pragma: no cover
    from ..server import PruneLanguageServer

# analysis.completion's kinds (it is imported on first use: it pulls in the schema)
_KIND = {
    "key": types.CompletionItemKind.Property,
    "value": types.CompletionItemKind.EnumMember,
    "snippet": types.CompletionItemKind.Snippet,
    "layer": types.CompletionItemKind.Reference,
    "section": types.CompletionItemKind.Module,
}
TRIGGERS = [":", " ", "-", "'", '"', "[", ",", "(", "{", "="]


def register(server: "PruneLanguageServer") -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
    def completion(ls: "PruneLanguageServer", params: types.CompletionParams) -> Optional[types.CompletionList]:
        from analysis import completion as C

        uri = params.text_document.uri
        doc, st = ls.document(uri), ls.state(uri)
        if doc is None or st is None or st.kind not in ("yaml", "python"):
            return None
        text = doc.source
        if st.kind == "python":
            return _python(ls, uri, doc, text, params)
        # The newest check (possibly of an older version) only tells the dialect; the cursor's
        # context is read from the current text, so completion never waits for a check.
        result = ls.latest_result(uri)
        lines = result.parsed.lines if result is not None and result.parsed is not None \
            and result.parsed.text == text else LineIndex(text)
        conv = Converter(doc.position_codec, lines)
        pos = conv.to_engine(params.position)
        layers = None
        if result is not None and result.is_pruning_config:
            index = ls.models.index_for(uri)
            layers = index.layers if index is not None else None
        cands = C.complete(text, pos, result=result, snippets=ls.snippets, layers=layers, lines=lines)
        return _items(cands, conv, ls.completion_defaults)


def _python(ls: "PruneLanguageServer", uri: str, doc, text: str, params: types.CompletionParams):
    """Inside WeightPruningConfig(...) calls (analysis.python_completion); other Python files are
    left alone by its cheap pre-check."""
    from analysis.python_completion import complete_python
    from analysis.python_config import might_contain_config

    if not might_contain_config(text):
        return None
    lines = LineIndex(text)
    conv = Converter(doc.position_codec, lines)
    pos = conv.to_engine(params.position)
    layers = None
    if ls.models.current_ref(uri) is not None:
        index = ls.models.index_for(uri)
        layers = index.layers if index is not None else None
    return _items(complete_python(text, pos, layers=layers, lines=lines), conv, ls.completion_defaults)


def _items(cands, conv: Converter, defaults: frozenset = frozenset()) -> types.CompletionList:
    """LSP items for candidates. Up to MAX_LAYER_ITEMS layer names come at once (a 20,000-layer
    model answers within 30 ms): the items of one request share their edit range, converted
    once, and sent once as `itemDefaults.editRange` where the client takes it (LSP 3.17);
    fields equal to LSP's defaults (filterText = label) are left out."""
    from analysis import completion as C

    keys = {(c.line, c.start, c.end) for c in cands}
    ranges = {k: conv.range(Range(Position(k[0], k[1]), Position(k[0], k[2]))) for k in keys}
    shared = next(iter(ranges.values())) if len(ranges) == 1 and "editRange" in defaults else None
    formats = {c.is_snippet for c in cands}
    fmt_default = len(formats) == 1 and "insertTextFormat" in defaults
    plain, snippet = types.InsertTextFormat.PlainText, types.InsertTextFormat.Snippet
    items = []
    for c in cands:
        new_text = c.insert_text
        items.append(types.CompletionItem(
            label=c.label, kind=_KIND.get(c.kind), detail=c.detail or None,
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=c.documentation)
            if c.documentation else None,
            text_edit=None if shared else types.TextEdit(range=ranges[(c.line, c.start, c.end)], new_text=new_text),
            text_edit_text=new_text if shared else None,
            insert_text_format=None if fmt_default else (snippet if c.is_snippet else plain),
            insert_text_mode=types.InsertTextMode.AsIs if "\n" in new_text else None,
            sort_text=c.sort_text, filter_text=c.filter_text if c.filter_text != c.label else None))
    item_defaults = None
    if shared or fmt_default:
        item_defaults = types.CompletionItemDefaults(
            edit_range=shared, insert_text_format=(snippet if formats == {True} else plain) if fmt_default else None)
    # Layer lists are cut at MAX_LAYER_ITEMS: ask again as the user types more.
    incomplete = any(c.kind == C.KIND_LAYER for c in cands) and len(cands) >= C.MAX_LAYER_ITEMS
    return types.CompletionList(is_incomplete=incomplete, items=items, item_defaults=item_defaults)
