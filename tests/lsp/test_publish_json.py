"""The push path builds each diagnostic's JSON directly (to_lsp_json) instead of going through lsprotocol
objects and cattrs: it must send exactly what pygls would have serialised from to_lsp's objects, in every
position encoding, for findings with related information, fixes and non-ASCII text."""

from __future__ import annotations

import json

import pytest
from lsprotocol import types
from pygls.protocol import default_converter
from pygls.workspace.position_codec import PositionCodec

from analysis.engine import check_text
from analysis.positions import LineIndex
from lsp_server.convert import Converter
from lsp_server.features.diagnostics import to_lsp, to_lsp_json
from tests.rules.test_rule_twins import TWINS

TEXTS = [t.bad.replace("«", "").replace("»", "") for t in TWINS.values()] + [
    "# é 😀 中\npruning:\n  approach:\n    weight_compression_v2:\n      start_step: 10\n      end_step: 5\n"
    "      pruners:\n        - !PrunerV2\n          op_names: ['😀é', [bad]\n          pattern: 2:4  # 中\n",
    "pruning_type: magnitud\npruning_configs:\n  - {op_names: ['é😀'], pattern: 4X1, pruning_frequncy: 3}\n",
]


@pytest.mark.parametrize("encoding", [types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8,
                                      types.PositionEncodingKind.Utf32])
def test_direct_json_equals_what_cattrs_would_send(encoding):
    conv_json = default_converter()
    codec = PositionCodec(encoding)
    seen = set()
    for text in TEXTS:
        result = check_text(text, "t.yaml")
        conv = Converter(codec, LineIndex(text))
        for d in result.diagnostics:
            want = json.loads(json.dumps(conv_json.unstructure(to_lsp(d, conv, "file:///t.yaml", 3))))
            got = json.loads(json.dumps(to_lsp_json(d, conv, "file:///t.yaml", 3)))
            assert got == want, d
            seen.add((bool(d.related), bool(d.fixes)))
    assert seen >= {(True, False), (False, True), (False, False)}
